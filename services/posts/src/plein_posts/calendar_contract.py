# mypy: disable-error-code="attr-defined"
# (eventsourcing's @event decorator creates Gathering.Scheduled and the others at run time.)
"""Which of a calendar event's domain events leave posts, and as which contract event."""

from __future__ import annotations

from typing import Any

from plein_events import Event
from plein_events.gatherings import GatheringAnswered, GatheringCancelled, GatheringScheduled

from .domain.calendar import Gathering


def to_contract(e: Any) -> Event | None:
    """The contract event of a calendar event's domain event (None: not one of them)."""
    match e:
        case Gathering.Scheduled():
            return GatheringScheduled(
                gathering_id=e.originator_id,
                organiser_id=e.organiser_id,
                group_id=e.group_id,
                group_private=e.group_private,
                title=e.title,
                description=e.description,
                starts_at=e.starts_at,
                ends_at=e.ends_at,
                timezone=e.timezone,
                place=e.place,
                online_url=e.online_url,
            )
        case Gathering.Cancelled():
            return GatheringCancelled(
                gathering_id=e.originator_id,
                cancelled_by=e.cancelled_by,
                group_id=e.group_id,
                group_private=e.group_private,
            )
        case Gathering.Answered():
            return GatheringAnswered(
                gathering_id=e.originator_id,
                user_id=e.user_id,
                answer=e.answer,
                previous=e.previous,
                organiser_id=e.organiser_id,
                group_id=e.group_id,
                group_private=e.group_private,
            )
    return None
