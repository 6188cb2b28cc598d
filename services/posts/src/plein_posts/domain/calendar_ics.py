"""Calendar events as iCalendar (RFC 5545), for one event's .ics and a person's feed.

Times are written in the event's own zone (TZID) with that zone's VTIMEZONE, so a calendar app
shows 19:00 in Amsterdam in summer and in winter alike. The UID is the event's id (stable), the
SEQUENCE counts the changes to the event (a cancellation bumps it), and a cancelled event says
STATUS:CANCELLED so subscribed calendars strike it through rather than keep it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from icalendar import Calendar
from icalendar import Event as VEvent

PRODID = "-//Plein//Events//EN"
UID_DOMAIN = "plein"


@dataclass(frozen=True)
class IcsEvent:
    """What iCalendar says about one calendar event."""

    id: UUID
    title: str
    description: str
    starts_at: datetime  # UTC
    ends_at: datetime  # UTC
    timezone: str
    place: str
    online_url: str | None
    cancelled: bool
    sequence: int
    stamp: datetime  # when it last changed (UTC)
    url: str | None = None  # its page in Plein


def uid_of(gathering_id: UUID) -> str:
    return f"{gathering_id}@{UID_DOMAIN}"


def _vevent(e: IcsEvent) -> VEvent:
    tz = ZoneInfo(e.timezone)
    v = VEvent()
    v.add("uid", uid_of(e.id))
    v.add("dtstamp", e.stamp)
    v.add("sequence", e.sequence)
    v.add("summary", e.title)
    v.add("dtstart", e.starts_at.astimezone(tz))
    v.add("dtend", e.ends_at.astimezone(tz))
    description = e.description
    if e.online_url:
        description = f"{description}\n\n{e.online_url}".strip()
    if description:
        v.add("description", description)
    location = ", ".join(p for p in (e.place, e.online_url or "") if p)
    if location:
        v.add("location", location)
    if e.url:
        v.add("url", e.url)
    v.add("status", "CANCELLED" if e.cancelled else "CONFIRMED")
    return v


def calendar_of(events: Iterable[IcsEvent], name: str | None = None) -> bytes:
    """An iCalendar document of `events`, each zone it uses with its VTIMEZONE."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if name:
        cal.add("x-wr-calname", name)
    events = list(events)
    for e in events:
        cal.add_component(_vevent(e))
    if events:
        # Each zone's rules only for the years its events span: a short VTIMEZONE.
        first = min(e.starts_at for e in events).date().replace(month=1, day=1)
        last = max(e.ends_at for e in events).date().replace(month=12, day=31)
        cal.add_missing_timezones(first_date=first, last_date=last)
    return cal.to_ical()
