"""Calendar events' rules, no servers: times and zones (summer time included), links, RSVPs,
and the iCalendar they export."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import icalendar
import pytest
from plein_platform.errors import Conflict, Forbidden, InvalidInput
from plein_posts.calendar_app import ics_event
from plein_posts.domain.calendar import Gathering, gathering_times, online_link, to_utc, zone
from plein_posts.domain.calendar_ics import calendar_of

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
AMS = zone(None)


def test_wall_clock_time_is_read_in_amsterdam_winter_and_summer() -> None:
    assert to_utc(datetime(2026, 3, 28, 19, 0), AMS) == datetime(2026, 3, 28, 18, 0, tzinfo=UTC)
    # The clocks go forward on 29 March 2026: 19:00 the next day is 17:00 UTC.
    assert to_utc(datetime(2026, 3, 29, 19, 0), AMS) == datetime(2026, 3, 29, 17, 0, tzinfo=UTC)


def test_an_event_across_the_summer_time_change_keeps_its_wall_clock_times() -> None:
    when = gathering_times(datetime(2026, 3, 28, 22), datetime(2026, 3, 29, 10), None, NOW)
    assert when.timezone == "Europe/Amsterdam"
    assert when.starts_at == datetime(2026, 3, 28, 21, tzinfo=UTC)
    assert when.ends_at == datetime(2026, 3, 29, 8, tzinfo=UTC)  # 11 hours, not 12


def test_a_time_the_clocks_skip_is_refused() -> None:
    with pytest.raises(InvalidInput, match="does not exist"):
        to_utc(datetime(2026, 3, 29, 2, 30), AMS)


def test_an_offset_or_another_zone_is_honoured() -> None:
    when = gathering_times(
        datetime(2026, 7, 1, 9), datetime(2026, 7, 1, 10), "America/New_York", NOW
    )
    assert when.starts_at == datetime(2026, 7, 1, 13, tzinfo=UTC)
    aware = datetime(2026, 7, 1, 9, tzinfo=UTC)
    assert gathering_times(aware, aware + timedelta(hours=1), None, NOW).starts_at == aware


@pytest.mark.parametrize(
    ("starts", "ends", "tz", "code"),
    [
        (datetime(2026, 7, 1, 10), datetime(2026, 7, 1, 9), None, "end_before_start"),
        (datetime(2026, 7, 1, 10), datetime(2026, 7, 1, 10), None, "end_before_start"),
        (datetime(2026, 2, 1, 10), datetime(2026, 2, 1, 11), None, "in_the_past"),
        (datetime(2026, 7, 1, 10), datetime(2026, 9, 1, 10), None, "too_long"),
        (datetime(1, 1, 1, 0, 30), datetime(1, 1, 1, 1, 30), None, "bad_date"),
    ],
)
def test_bad_times_are_refused(starts: datetime, ends: datetime, tz: str | None, code: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        gathering_times(starts, ends, tz, NOW)
    assert refused.value.extensions["code"] == code


def test_an_unknown_zone_is_refused() -> None:
    with pytest.raises(InvalidInput, match="time zone"):
        zone("Mars/Olympus_Mons")


@pytest.mark.parametrize(
    "link",
    ["javascript:alert(1)", "ftp://files.example.org/x", "https://", "example.org", "http://[::1"],
)
def test_only_http_links_are_online_links(link: str) -> None:
    with pytest.raises(InvalidInput):
        online_link(link)


def test_http_links_are_kept_as_typed() -> None:
    assert online_link(" https://meet.example.org/abc?b=2&a=1 ") == (
        "https://meet.example.org/abc?b=2&a=1"
    )
    assert online_link("") is None


def _gathering(organiser=None, place="Zaal 1", link=None) -> Gathering:  # type: ignore[no-untyped-def]
    return Gathering.schedule(
        organiser_id=organiser or uuid4(),
        title="  Borrel  ",
        description="**Welkom**",
        when=gathering_times(datetime(2026, 7, 1, 17), datetime(2026, 7, 1, 19), None, NOW),
        place=place,
        online_url=link,
        group_id=None,
        group_private=False,
    )


def test_an_event_needs_a_place_or_a_link() -> None:
    with pytest.raises(InvalidInput, match="place"):
        _gathering(place=" ")
    assert _gathering(place="", link="https://meet.example.org/x").online_url is not None


def test_rsvp_can_change_and_is_counted_once_per_person() -> None:
    g = _gathering()
    ann, bob = uuid4(), uuid4()
    assert g.answer(ann, "yes", NOW)
    assert g.answer(bob, "maybe", NOW)
    assert not g.answer(ann, "yes", NOW)
    assert g.answer(ann, "no", NOW)
    assert g.counts() == {"yes": 0, "maybe": 1, "no": 1}


def test_rsvp_must_be_yes_maybe_or_no() -> None:
    with pytest.raises(InvalidInput, match="yes, maybe or no"):
        _gathering().answer(uuid4(), "perhaps", NOW)


def test_no_rsvp_to_a_cancelled_or_ended_event() -> None:
    organiser = uuid4()
    g = _gathering(organiser)
    with pytest.raises(Forbidden):
        g.cancel(uuid4(), moderator=False)
    assert g.cancel(organiser, moderator=False)
    assert not g.cancel(organiser, moderator=False)
    with pytest.raises(Conflict, match="cancelled"):
        g.answer(uuid4(), "yes", NOW)
    later = _gathering()
    with pytest.raises(Conflict, match="over"):
        later.answer(uuid4(), "yes", datetime(2026, 7, 1, 18, tzinfo=UTC))


def test_ics_has_amsterdam_times_a_stable_uid_and_a_cancellation() -> None:
    organiser = uuid4()
    g = _gathering(organiser)
    first = icalendar.Calendar.from_ical(calendar_of([ics_event(g)]))
    g.cancel(organiser, moderator=False)
    second = icalendar.Calendar.from_ical(calendar_of([ics_event(g)]))
    (before,), (after,) = first.walk("VEVENT"), second.walk("VEVENT")
    start = before.decoded("dtstart")
    assert (start.hour, str(start.tzinfo)) == (17, "Europe/Amsterdam")
    assert start.utcoffset() == timedelta(hours=2)  # summer time
    assert [tz["tzid"] for tz in first.walk("VTIMEZONE")] == ["Europe/Amsterdam"]
    assert before["uid"] == after["uid"] == f"{g.id}@plein"
    assert (before["sequence"], after["sequence"]) == (0, 1)
    assert (before["status"], after["status"]) == ("CONFIRMED", "CANCELLED")
    assert before["summary"] == "Borrel"
