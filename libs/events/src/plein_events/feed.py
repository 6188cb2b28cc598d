"""Events produced by the feed service: what people read."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from .contract import Event, event_type


@event_type("feed")
class PostsSeen(Event):
    """Posts were on a person's screen (the "reads" of the participation funnel)."""

    reader_id: UUID
    post_ids: list[UUID]
    seen_at: datetime


@event_type("feed")
class AnnouncementAcknowledged(Event):
    """A person acknowledged an announcement; it is no longer pinned in their feed."""

    post_id: UUID
    user_id: UUID
    group_id: UUID | None = None
