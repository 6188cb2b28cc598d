"""Which of the feed's domain events leave the service, and as which contract event."""

from __future__ import annotations

from typing import Any

from plein_events import Event
from plein_events.feed import AnnouncementAcknowledged, PostsSeen

from .domain import Reader


def to_contract(domain_event: Any) -> Event | None:
    match domain_event:
        case Reader.PostsSeen():
            return PostsSeen(
                reader_id=domain_event.user_id,
                post_ids=domain_event.post_ids,
                seen_at=domain_event.seen_at,
            )
        case Reader.AnnouncementAcknowledged():
            return AnnouncementAcknowledged(
                post_id=domain_event.post_id,
                user_id=domain_event.user_id,
                group_id=domain_event.group_id,
            )
    return None
