"""Calendar events ("gatherings", so they are never confused with domain events): the rules
of their times, places and links, and the aggregate that takes RSVPs.

Times are stored in UTC with the IANA zone they were entered in (Europe/Amsterdam unless the
organiser names another). A wall-clock time is read in that zone with zoneinfo, so summer time
is right; a time that does not exist there (the hour skipped when clocks go forward) is refused
rather than silently moved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, cast
from urllib.parse import urlsplit
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from eventsourcing.domain import Aggregate, event
from plein_platform.errors import Conflict, Forbidden, InvalidInput

from .text import MAX_TITLE_CHARS, clean_text

HOME_TIMEZONE = "Europe/Amsterdam"
RSVP_ANSWERS = ("yes", "maybe", "no")
RsvpAnswer = Literal["yes", "maybe", "no"]
MAX_PLACE_CHARS = 200
MAX_LINK_CHARS = 2000
MAX_DURATION = timedelta(days=31)
YEARS = range(2000, 2200)  # far outside this, converting between zones can overflow


def zone(name: str | None) -> ZoneInfo:
    """The IANA time zone `name` (Europe/Amsterdam when None or empty)."""
    try:
        return ZoneInfo(name or HOME_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "Europe" is a folder
        raise InvalidInput(f"{name!r} is not a known time zone (e.g. Europe/Amsterdam).") from None


def to_utc(moment: datetime, tz: ZoneInfo) -> datetime:
    """`moment` in UTC: a wall-clock time (no offset) read in `tz`, an offset time converted.

    A wall-clock time that `tz` skips (02:30 on the night clocks go forward) is refused."""
    if moment.year not in YEARS:
        raise InvalidInput("That date is too far away.", code="bad_date")
    if moment.tzinfo is not None:
        return moment.astimezone(UTC)
    local = moment.replace(tzinfo=tz)
    utc = local.astimezone(UTC)
    if utc.astimezone(tz).replace(tzinfo=None) != moment:
        raise InvalidInput(
            f"{moment:%Y-%m-%d %H:%M} does not exist in {tz.key}: the clocks skip that hour.",
            code="nonexistent_time",
        )
    return utc


@dataclass(frozen=True)
class When:
    starts_at: datetime  # UTC
    ends_at: datetime  # UTC
    timezone: str


def gathering_times(starts: datetime, ends: datetime, timezone: str | None, now: datetime) -> When:
    """A calendar event's start and end as stored: UTC, the end after the start, the start
    not in the past, at most 31 days long."""
    tz = zone(timezone)
    start, end = to_utc(starts, tz), to_utc(ends, tz)
    if end <= start:
        raise InvalidInput("An event ends after it starts.", code="end_before_start")
    if end - start > MAX_DURATION:
        raise InvalidInput("An event lasts at most 31 days.", code="too_long")
    if end <= now:
        raise InvalidInput("An event cannot be over before it is scheduled.", code="in_the_past")
    return When(start, end, tz.key)


def online_link(url: str | None) -> str | None:
    """An online meeting link as stored: None, or an http(s) address with a host."""
    if url is None or not url.strip():
        return None
    url = url.strip()
    if len(url) > MAX_LINK_CHARS:
        raise InvalidInput(f"A link holds at most {MAX_LINK_CHARS} characters.")
    try:
        parts = urlsplit(url)
        good = parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    except ValueError:  # a malformed host ("http://[::1")
        good = False
    if not good:
        raise InvalidInput("An online link is an http or https address.", code="bad_link")
    return url


def rsvp_answer(answer: str) -> RsvpAnswer:
    if answer not in RSVP_ANSWERS:
        raise InvalidInput("An answer is yes, maybe or no.", code="bad_answer")
    return cast(RsvpAnswer, answer)


class Gathering(Aggregate):
    """One calendar event and everyone's answer to it. `sequence` counts the changes to the
    event itself (an iCalendar SEQUENCE); answers do not change it."""

    @event("Scheduled")
    def __init__(
        self,
        *,
        organiser_id: UUID,
        title: str,
        description: str,
        starts_at: datetime,
        ends_at: datetime,
        timezone: str,
        place: str,
        online_url: str | None,
        group_id: UUID | None,
        group_private: bool,
    ) -> None:
        self.organiser_id = organiser_id
        self.title = title
        self.description = description
        self.starts_at = starts_at
        self.ends_at = ends_at
        self.timezone = timezone
        self.place = place
        self.online_url = online_url
        self.group_id = group_id
        self.group_private = group_private
        self.cancelled = False
        self.sequence = 0
        self.answers: dict[UUID, str] = {}

    @classmethod
    def schedule(
        cls,
        *,
        organiser_id: UUID,
        title: str,
        description: str,
        when: When,
        place: str,
        online_url: str | None,
        group_id: UUID | None,
        group_private: bool,
    ) -> Gathering:
        """A new calendar event, its words cleaned; it needs a place, an online link or both."""
        title = clean_text(title, limit=MAX_TITLE_CHARS, what="An event's title")
        description = clean_text(description, what="An event's description", required=False)
        place = clean_text(place, limit=MAX_PLACE_CHARS, what="A place", required=False)
        online_url = online_link(online_url)
        if not place and online_url is None:
            raise InvalidInput("An event needs a place, an online link or both.", code="no_place")
        return cls(
            organiser_id=organiser_id,
            title=title,
            description=description,
            starts_at=when.starts_at,
            ends_at=when.ends_at,
            timezone=when.timezone,
            place=place,
            online_url=online_url,
            group_id=group_id,
            group_private=group_private,
        )

    def ended(self, now: datetime) -> bool:
        return self.ends_at <= now

    def cancel(self, by: UUID, *, moderator: bool) -> bool:
        """Cancel it (its organiser or a moderator); False when it was cancelled already."""
        if by != self.organiser_id and not moderator:
            raise Forbidden("Only the organiser may cancel this event.")
        if self.cancelled:
            return False
        self._cancelled(cancelled_by=by, group_id=self.group_id, group_private=self.group_private)
        return True

    # Each event names the group, so that consumers need not ask posts where it happened.
    @event("Cancelled")
    def _cancelled(self, cancelled_by: UUID, group_id: UUID | None, group_private: bool) -> None:
        self.cancelled = True
        self.sequence += 1

    def answer(self, user_id: UUID, answer: str, now: datetime) -> bool:
        """Record `user_id`'s RSVP (changing it is fine); False when it was that already."""
        answer = rsvp_answer(answer)
        if self.cancelled:
            raise Conflict("This event was cancelled: it takes no answers.", code="cancelled")
        if self.ended(now):
            raise Conflict("This event is over: it takes no answers.", code="ended")
        previous = self.answers.get(user_id)
        if previous == answer:
            return False
        self._answered(
            user_id=user_id,
            answer=answer,
            previous=previous,
            organiser_id=self.organiser_id,
            group_id=self.group_id,
            group_private=self.group_private,
        )
        return True

    @event("Answered")
    def _answered(
        self,
        user_id: UUID,
        answer: str,
        previous: str | None,
        organiser_id: UUID,
        group_id: UUID | None,
        group_private: bool,
    ) -> None:
        self.answers[user_id] = answer

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(RSVP_ANSWERS, 0)
        for answer in self.answers.values():
            counts[answer] += 1
        return counts
