"""Posts as event-sourced aggregates, and the pure rules about their text."""

from __future__ import annotations

import re
from uuid import UUID

from eventsourcing.domain import Aggregate, event

MAX_TEXT_CHARS = 10_000
_TOPIC = re.compile(r"(?<![\w#])#(\w[\w-]{0,49})", re.UNICODE)


def topics_in(text: str) -> list[str]:
    """The #topics of a text, lower-cased, each once, in order of appearance."""
    seen: dict[str, None] = {}
    for match in _TOPIC.finditer(text):
        seen.setdefault(match.group(1).lower(), None)
    return list(seen)


class Post(Aggregate):
    """A thread's opening post."""

    @event("Created")
    def __init__(
        self,
        author_id: UUID,
        real_author_id: UUID,
        text: str,
        group_id: UUID | None,
        group_private: bool,
        kind: str,
        mentions: list[UUID],
        topics: list[str],
    ) -> None:
        self.author_id = author_id
        self.real_author_id = real_author_id
        self.text = text
        self.group_id = group_id
        self.group_private = group_private
        self.kind = kind
        self.mentions = list(mentions)
        self.topics = list(topics)
