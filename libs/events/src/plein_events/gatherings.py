"""Events produced by the posts service about calendar events ("gatherings" in code, so they
are never confused with domain events): scheduled, cancelled, and each person's RSVP.

A gathering in a private group is as private as a post there (`group_private`, the one rule in
`plein_events.visibility`). Its title and description are words the organiser wrote:
`PersonalText`, sealed under the organiser's key like a post's text.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, ClassVar, Literal
from uuid import UUID

from .contract import Event, PersonalText, event_type

RsvpAnswer = Literal["yes", "maybe", "no"]


@event_type("posts")
class GatheringScheduled(Event):
    """Someone scheduled a calendar event, in a group or company-wide (`group_id` None).

    `starts_at` and `ends_at` are UTC; `timezone` is the IANA zone it was entered in
    (Europe/Amsterdam unless the organiser gave another), used to show and export it.
    """

    personal_subject: ClassVar[str] = "organiser_id"

    gathering_id: UUID
    organiser_id: UUID
    group_id: UUID | None = None
    group_private: bool = False
    title: Annotated[str, PersonalText]
    description: Annotated[str, PersonalText] = ""
    starts_at: datetime
    ends_at: datetime
    timezone: str = "Europe/Amsterdam"
    place: str = ""
    online_url: str | None = None


@event_type("posts")
class GatheringCancelled(Event):
    """The organiser (or a moderator) cancelled a calendar event; it stays, marked cancelled."""

    personal_subject: ClassVar[str] = "cancelled_by"

    gathering_id: UUID
    cancelled_by: UUID
    group_id: UUID | None = None
    group_private: bool = False


@event_type("posts")
class GatheringAnswered(Event):
    """A person answered a calendar event's invitation (RSVP) or changed their answer
    (`previous` is their earlier one, None the first time)."""

    gathering_id: UUID
    user_id: UUID
    answer: RsvpAnswer
    previous: RsvpAnswer | None = None
    organiser_id: UUID
    group_id: UUID | None = None
    group_private: bool = False
