"""Events produced by the posts service: conversations."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from .contract import Event, event_type

PostKind = Literal["post", "question", "announcement", "praise", "poll"]


@event_type("posts")
class PostCreated(Event):
    """A thread was started. Carries all that feed, notify and metrics need to act on it.

    `group_id` is None for a post on the author's own profile. `group_private` tells consumers
    to show it to the group's members only. `real_author_id` differs from `author_id` when a
    person posted as a shared account.
    """

    post_id: UUID
    author_id: UUID
    real_author_id: UUID
    group_id: UUID | None = None
    group_private: bool = False
    kind: PostKind = "post"
    text: str
    mentions: list[UUID] = []
    topics: list[str] = []
