"""Calendar events through posts' HTTP API on real servers: schedule, RSVP, cancel, the .ics
and the personal feed, bad input as problems, and a private group's event kept from
non-members everywhere."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import icalendar
import pytest
from plein_testdata.servers import Person, Plein, eventually

pytestmark = pytest.mark.services("identity", "posts")

SUMMER = {"starts_at": "2027-07-01T19:00", "ends_at": "2027-07-01T21:30"}


async def _schedule(plein: Plein, who: Person, **fields: Any) -> dict[str, Any]:
    body = {"title": "Zomerborrel", "place": "Dakterras", **SUMMER, **fields}
    created = await plein.http.post("/posts/calendar", headers=who.auth, json=body)
    assert created.status_code == 201, created.text
    result: dict[str, Any] = created.json()
    return result


async def _feed(plein: Plein, who: Person) -> icalendar.Calendar:
    token = (await plein.http.post("/posts/calendar/feed", headers=who.auth)).json()["token"]
    feed = await plein.http.get(f"/posts/calendar/feed/{token}.ics")
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    return icalendar.Calendar.from_ical(feed.content)


async def test_schedule_rsvp_cancel_and_the_ics_in_amsterdam_time(
    plein: Plein, identity: Any
) -> None:
    ann, bob = await identity.people("ann", "bob")
    http = plein.http
    for bad, code in (
        ({"ends_at": "2027-07-01T18:00"}, "end_before_start"),
        ({"online_url": "javascript:alert(1)"}, "bad_link"),
        ({"starts_at": "2027-03-28T02:30", "ends_at": "2027-03-28T04:00"}, "nonexistent_time"),
    ):
        response = await http.post(
            "/posts/calendar", headers=ann.auth, json={"title": "x", "place": "y", **SUMMER, **bad}
        )
        assert identity.problem(response, 422)["code"] == code
    unknown_group = "00000000-0000-4000-8000-000000000000"
    identity.problem(
        await http.post(
            "/posts/calendar",
            headers=ann.auth,
            json={"title": "x", "place": "y", "group_id": unknown_group, **SUMMER},
        ),
        404,
    )

    event = await _schedule(plein, ann, online_url="https://meet.example.org/zomer")
    assert event["starts_at"] == "2027-07-01T17:00:00Z"  # 19:00 in Amsterdam's summer time
    assert event["timezone"] == "Europe/Amsterdam"
    path = f"/posts/calendar/{event['id']}"

    refused = await http.put(f"{path}/rsvp", headers=bob.auth, json={"answer": "perhaps"})
    assert identity.problem(refused, 422)["code"] == "bad_answer"
    assert (await http.put(f"{path}/rsvp", headers=bob.auth, json={"answer": "maybe"})).is_success
    seen = (await http.put(f"{path}/rsvp", headers=bob.auth, json={"answer": "yes"})).json()
    assert seen["counts"] == {"yes": 1, "maybe": 0, "no": 0}
    assert seen["my_answer"] == "yes" and [p["name"] for p in seen["coming"]] == [bob.name]

    async def listed() -> list[dict[str, Any]]:
        events = (await http.get("/posts/calendar", headers=bob.auth)).json()["events"]
        assert [(e["id"], e["coming"], e["my_answer"]) for e in events] == [(event["id"], 1, "yes")]
        return events

    await eventually(listed)

    ics = await http.get(f"{path}.ics", headers=bob.auth)
    assert ics.headers["content-type"].startswith("text/calendar")
    (vevent,) = icalendar.Calendar.from_ical(ics.content).walk("VEVENT")
    start = vevent.decoded("dtstart")
    assert (start.hour, start.minute, str(start.tzinfo)) == (19, 0, "Europe/Amsterdam")
    assert start.astimezone(UTC) == datetime(2027, 7, 1, 17, tzinfo=UTC)
    assert vevent["uid"] == f"{event['id']}@plein" and vevent["sequence"] == 0

    identity.problem(await http.post(f"{path}/cancel", headers=bob.auth), 403)
    cancelled = (await http.post(f"{path}/cancel", headers=ann.auth)).json()
    assert cancelled["cancelled"] and cancelled["sequence"] == 1
    refused = await http.put(f"{path}/rsvp", headers=bob.auth, json={"answer": "no"})
    assert identity.problem(refused, 409)["code"] == "cancelled"

    async def struck_out_in_bobs_feed() -> None:
        (entry,) = (await _feed(plein, bob)).walk("VEVENT")
        assert (entry["status"], entry["sequence"]) == ("CANCELLED", 1)

    await eventually(struck_out_in_bobs_feed)
    # Each person's export: the events they organise, their own answers (the event by id).
    anns = (await http.get("/posts/me/export", headers=ann.auth)).json()["data"]
    assert [e["title"] for e in anns["events_organised"]] == ["Zomerborrel"]
    bobs = (await http.get("/posts/me/export", headers=bob.auth)).json()["data"]
    assert bobs["event_answers"] == [{"event_id": event["id"], "answer": "yes"}]
    assert bobs["events_organised"] == []
    # A new feed link revokes the one before it.
    first = (await http.post("/posts/calendar/feed", headers=bob.auth)).json()["token"]
    await http.post("/posts/calendar/feed", headers=bob.auth)
    identity.problem(await http.get(f"/posts/calendar/feed/{first}.ics"), 404)


async def test_a_private_groups_event_never_reaches_a_non_member(
    plein: Plein, identity: Any
) -> None:
    ann, bob, cees = await identity.people("ann", "bob", "cees")
    group = await identity.group("Directie", private=True, members=(ann, bob))
    http = plein.http
    event = await _schedule(plein, ann, title="Strategiedag", group_id=group)
    path = f"/posts/calendar/{event['id']}"
    assert (await http.put(f"{path}/rsvp", headers=bob.auth, json={"answer": "yes"})).is_success

    async def bob_has_it_everywhere() -> None:
        listed = (await http.get("/posts/calendar", headers=bob.auth)).json()["events"]
        assert [e["id"] for e in listed] == [event["id"]]
        assert len((await _feed(plein, bob)).walk("VEVENT")) == 1

    await eventually(bob_has_it_everywhere)
    # Cees is no member: not in his list, not its page, not its .ics, no RSVP, not in a feed,
    # not even after he answered a public event (his feed then has that one only).
    assert (await http.get("/posts/calendar", headers=cees.auth)).json()["events"] == []
    for method, suffix, body in (
        ("GET", "", None),
        ("GET", ".ics", None),
        ("PUT", "/rsvp", {"answer": "yes"}),
        ("POST", "/cancel", None),
    ):
        response = await http.request(method, f"{path}{suffix}", headers=cees.auth, json=body)
        identity.problem(response, 404)
    listed = (await http.get(f"/posts/calendar?group_id={group}", headers=cees.auth)).json()[
        "events"
    ]
    assert listed == []
    public = await _schedule(plein, ann, title="Open dag")
    await http.put(
        f"/posts/calendar/{public['id']}/rsvp", headers=cees.auth, json={"answer": "yes"}
    )

    async def cees_feed_has_the_public_one_only() -> None:
        titles = [str(v["summary"]) for v in (await _feed(plein, cees)).walk("VEVENT")]
        assert titles == ["Open dag"]

    await eventually(cees_feed_has_the_public_one_only)
    # Bob leaves the group: from then on it is gone from his list and his feed too.
    await identity.leave(group, bob)
    listed = (await http.get("/posts/calendar", headers=bob.auth)).json()["events"]
    assert [e["title"] for e in listed] == ["Open dag"]
    assert [str(v["summary"]) for v in (await _feed(plein, bob)).walk("VEVENT")] == []
