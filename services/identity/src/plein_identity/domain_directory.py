"""The directory's reading rules: alphabetical paging and the words of a people search. No I/O."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from plein_platform.cursors import CursorCodec, CursorText

_NAME_CURSOR = CursorCodec[tuple[str, UUID]](tuple[CursorText, UUID])


@dataclass(frozen=True)
class NameCursor:
    """Where an alphabetical page ended: rows after (lower-cased name, id) come next (keyset
    paging on a unique key: no duplicates, no gaps while people join)."""

    name: str
    id: UUID

    def encode(self) -> str:
        return _NAME_CURSOR.encode((self.name, self.id))

    @classmethod
    def decode(cls, token: str) -> NameCursor:
        return cls(*_NAME_CURSOR.decode(token))

    def key(self) -> tuple[str, UUID]:
        return self.name, self.id


# -- people search ---------------------------------------------------------------------------

_VOWELS = set("aeiouy")


def search_words(query: str) -> list[str]:
    """The words of a people search, each cut back to what its singular starts with, so a
    Dutch or English plural ("fietsen", "katten", "teams", "auto's") finds the singular
    ("fiets", "kat", "team", "auto"). What is cut is always a tail, so every match of the word
    as typed is still a match. Accents and case are left to the database (`folded`)."""
    words = []
    for word in query.lower().split():
        if word.endswith(("'s", "\u2019s")) and len(word) > 4:
            word = word[:-2]
        elif word.endswith("en") and len(word) >= 5:
            word = word[:-2]
            if word[-1] == word[-2] and word[-1] not in _VOWELS:
                word = word[:-1]  # katten, bussen: the consonant doubled before -en
        elif word.endswith("s") and len(word) >= 5 and word[-2] != "s":
            word = word[:-1]
        words.append(word)
    return list(dict.fromkeys(words))
