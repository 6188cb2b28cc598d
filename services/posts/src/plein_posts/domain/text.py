"""The words of a post: how text is cleaned and how #topics and @handles are read from it."""

from __future__ import annotations

import re

from plein_platform.errors import InvalidInput

MAX_TEXT_CHARS = 10_000
MAX_TITLE_CHARS = 200
MAX_REASON_CHARS = 1_000
MAX_PRAISE_CHARS = 1_000
MAX_OPTION_CHARS = 200
MAX_MENTIONS = 50

_TOPIC = re.compile(r"(?<![\w#])#(\w[\w-]{0,49})", re.UNICODE)


def topics_in(text: str) -> list[str]:
    """The #topics of a text, lower-cased, each once, in order of appearance."""
    seen: dict[str, None] = {}
    for match in _TOPIC.finditer(text):
        seen.setdefault(match.group(1).lower(), None)
    return list(seen)


# "@ann" mentions the person with handle "ann"; "ann@example.com" mentions nobody.
_HANDLE = re.compile(r"(?<![\w@])@([a-z0-9]{1,30})(?![\w@])", re.IGNORECASE | re.ASCII)


def handles_in(text: str) -> list[str]:
    """The @handles a text names, lower-cased, each once, in order of appearance."""
    return list(dict.fromkeys(m.group(1).lower() for m in _HANDLE.finditer(text)))


def clean_text(
    text: str, *, limit: int = MAX_TEXT_CHARS, what: str = "A post", required: bool = True
) -> str:
    """The text as it will be stored: stripped, non-empty (unless not `required`: a message
    that carries files), within `limit` characters.

    Text is kept verbatim otherwise (HTML included): clients show it as text, never as markup.
    """
    text = text.strip()
    if not text and required:
        raise InvalidInput(f"{what} needs some text.", code="text_required")
    if len(text) > limit:
        raise InvalidInput(f"{what} holds at most {limit} characters.", max_chars=limit)
    return text
