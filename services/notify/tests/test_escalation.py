"""Nothing important sinks: unanswered group posts are escalated (as events), resolved by the
first reply; too many announcements earn the group's admins a gentle notice."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from plein_events.identity import (
    AvailabilityChanged,
    GroupAdminGranted,
    GroupCreated,
    MemberJoined,
    RoleGranted,
)
from plein_events.posts import AnnouncementPosted, PostCreated, ReplyPosted
from plein_events.stream import STREAM_NAME
from plein_testdata.servers import eventually
from prometheus_client import REGISTRY

NotifyWorld = Any  # the `world` fixture (conftest.py)


async def stream_events(world: NotifyWorld, type_name: str) -> list[dict[str, Any]]:
    """Payloads of every `type_name` event on the real stream."""
    js = world.plein.runtime.nc.jetstream()
    info = await js.stream_info(STREAM_NAME)
    found = []
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        message = await js.get_msg(STREAM_NAME, seq)
        if message.subject.endswith(f".{type_name}"):
            found.append(json.loads(message.data)["payload"])
    return found


async def setup_group(world: NotifyWorld, *, private: bool = False) -> dict[str, Any]:
    people = {h: await world.register(h, h.title()) for h in ("ann", "adam", "carla", "ben", "ola")}
    group_id = uuid4()
    await world.publish(
        GroupCreated(
            group_id=group_id, name="Facilities", visibility="private" if private else "public"
        )
    )
    for handle in ("ann", "adam"):
        await world.publish(MemberJoined(group_id=group_id, user_id=people[handle].id))
    await world.publish(GroupAdminGranted(group_id=group_id, user_id=people["adam"].id))
    await world.publish(RoleGranted(user_id=people["carla"].id, role="community_manager"))
    return {"group_id": group_id, **people}


async def question_in(world: NotifyWorld, group_id: UUID, author: Any, at: datetime) -> UUID:
    post_id = uuid4()
    await world.publish(
        PostCreated(
            post_id=post_id,
            author_id=author.id,
            real_author_id=author.id,
            group_id=group_id,
            kind="question",
            text="Where do I find the parking passes?",
        ),
        at=at,
    )
    return post_id


async def test_unanswered_question_escalates_after_24_working_hours_to_admins_and_the_backup(
    world: NotifyWorld,
) -> None:
    w = await setup_group(world)
    friday = datetime.fromisoformat("2026-11-27T10:00:00+00:00")
    world.clock.now = friday
    # Carla, the community manager, is away until next month; Ben stands in.
    await world.publish(
        AvailabilityChanged(
            user_id=w["carla"].id, away_until=friday + timedelta(days=30), backup_id=w["ben"].id
        )
    )
    post_id = await question_in(world, w["group_id"], w["ann"], friday)
    await world.caught_up()

    world.clock.now = friday + timedelta(days=2, hours=23)  # Sunday night: 14 working hours
    report = await world.service.scheduler.tick()
    assert report.escalations_raised == []

    world.clock.now = friday + timedelta(days=3, minutes=1)  # Monday 10:01
    report = await world.service.scheduler.tick()
    [escalation_id] = report.escalations_raised
    again = await world.service.scheduler.tick()
    assert again.escalations_raised == []  # once per post

    async def raised() -> list[dict[str, Any]]:
        events = await stream_events(world, "EscalationRaised")
        assert len(events) == 1
        return events

    [event] = await eventually(raised)
    assert event["post_id"] == str(post_id)
    assert sorted(event["raised_to"]) == sorted([w["adam"].id, w["ben"].id])
    assert event["waited_hours"] >= 24

    async def told(person: Any) -> dict[str, Any]:
        entries = (await world.inbox(person))["entries"]
        assert [e["kind"] for e in entries] == ["escalation"]
        return dict(entries[0])

    entry = await eventually(lambda: told(w["ben"]))
    assert entry["text"] == "A question in Facilities has had no reply for 24 working hours"
    await eventually(lambda: told(w["adam"]))
    assert (await world.inbox(w["carla"]))["entries"] == []  # away: the backup was told
    assert (await world.inbox(w["ann"]))["entries"] == []  # the asker is not escalated to

    listing = await world.plein.http.get("/notify/escalations", headers=w["ben"].auth)
    assert listing.status_code == 403  # a backup is not a community manager
    listing = await world.plein.http.get("/notify/escalations", headers=w["carla"].auth)
    assert [e["escalation_id"] for e in listing.json()] == [str(escalation_id)]

    reply_id = uuid4()
    await world.publish(
        ReplyPosted(
            reply_id=reply_id,
            post_id=post_id,
            parent_id=post_id,
            post_author_id=w["ann"].id,
            parent_author_id=w["ann"].id,
            author_id=w["adam"].id,
            real_author_id=w["adam"].id,
            post_kind="question",
            text="At the front desk",
        )
    )
    await world.caught_up()
    report = await world.service.scheduler.tick()
    assert report.escalations_resolved == [escalation_id]

    async def resolved() -> None:
        events = await stream_events(world, "EscalationResolved")
        assert len(events) == 1  # an assertion, so that `eventually` waits for the relay
        assert events[0]["reply_id"] == str(reply_id)
        listing = await world.plein.http.get("/notify/escalations", headers=w["carla"].auth)
        assert listing.json() == []

    await eventually(resolved)


async def test_the_community_manager_is_told_when_not_away(world: NotifyWorld) -> None:
    w = await setup_group(world)
    wednesday = world.clock.now
    await question_in(world, w["group_id"], w["ann"], wednesday)
    await world.caught_up()
    world.clock.now = wednesday + timedelta(hours=25)
    [_] = (await world.service.scheduler.tick()).escalations_raised
    await eventually(lambda: _has_escalation(world, w["carla"]))
    assert (await world.inbox(w["ben"]))["entries"] == []


async def _has_escalation(world: NotifyWorld, person: Any) -> None:
    entries = (await world.inbox(person))["entries"]
    assert [e["kind"] for e in entries] == ["escalation"]


async def test_a_question_answered_in_time_is_never_escalated(world: NotifyWorld) -> None:
    w = await setup_group(world)
    start = world.clock.now
    post_id = await question_in(world, w["group_id"], w["ann"], start)
    await world.publish(
        ReplyPosted(
            reply_id=uuid4(),
            post_id=post_id,
            parent_id=post_id,
            post_author_id=w["ann"].id,
            parent_author_id=w["ann"].id,
            author_id=w["adam"].id,
            real_author_id=w["adam"].id,
            text="Front desk",
        ),
        at=start + timedelta(hours=2),
    )
    await world.caught_up()
    world.clock.now = start + timedelta(days=5)
    assert (await world.service.scheduler.tick()).escalations_raised == []


async def test_private_group_escalation_reaches_only_admins_and_member_managers_unless_opened(
    world: NotifyWorld,
) -> None:
    w = await setup_group(world, private=True)
    # Ola is a community manager inside the group; Carla one outside it.
    await world.publish(MemberJoined(group_id=w["group_id"], user_id=w["ola"].id))
    await world.publish(RoleGranted(user_id=w["ola"].id, role="community_manager"))
    # The post event does not even say the group is private: notify knows it from identity.
    await question_in(world, w["group_id"], w["ann"], world.clock.now)
    await world.caught_up()
    world.clock.advance(hours=30)
    [first] = (await world.service.scheduler.tick()).escalations_raised
    await eventually(lambda: _has_escalation(world, w["adam"]))
    await eventually(lambda: _has_escalation(world, w["ola"]))
    await world.caught_up()
    assert (await world.inbox(w["carla"]))["entries"] == []  # not even that it exists
    [admin_entry] = (await world.inbox(w["adam"]))["entries"]
    assert "Facilities" in admin_entry["text"]

    http = world.plein.http
    listing = await http.get("/notify/escalations", headers=w["carla"].auth)
    assert listing.status_code == 200 and listing.json() == []
    listing = await http.get("/notify/escalations", headers=w["ola"].auth)
    assert [e["escalation_id"] for e in listing.json()] == [str(first)]

    # Only the group's admins open it; to an outsider the group does not exist.
    path = f"/notify/groups/{w['group_id']}/escalations"
    body = {"outside_community_managers": True}
    assert (await http.put(path, headers=w["ann"].auth, json=body)).status_code == 403
    assert (await http.put(path, headers=w["carla"].auth, json=body)).status_code == 404
    opened = await http.put(path, headers=w["adam"].auth, json=body)
    assert opened.status_code == 200 and opened.json() == body
    assert (await http.get(path, headers=w["adam"].auth)).json() == body

    await question_in(world, w["group_id"], w["ann"], world.clock.now)
    await world.caught_up()
    world.clock.advance(hours=30)
    [second] = (await world.service.scheduler.tick()).escalations_raised
    await eventually(lambda: _has_escalation(world, w["carla"]))
    [entry] = (await world.inbox(w["carla"]))["entries"]
    assert "Facilities" not in entry["text"] and entry["group_id"] is None
    listing = await http.get("/notify/escalations", headers=w["carla"].auth)
    assert {e["escalation_id"] for e in listing.json()} == {str(first), str(second)}


async def test_admins_get_one_gentle_notice_when_a_group_exceeds_the_announcement_guideline(
    world: NotifyWorld,
) -> None:
    w = await setup_group(world)
    for day in range(4):
        await world.publish(
            AnnouncementPosted(
                post_id=uuid4(),
                author_id=w["adam"].id,
                real_author_id=w["adam"].id,
                group_id=w["group_id"],
                text=f"Announcement {day}",
            ),
            at=world.clock.now + timedelta(hours=day),
        )
    await world.caught_up()
    entries = (await world.inbox(w["adam"]))["entries"]
    notices = [e for e in entries if e["kind"] == "announcement_guideline"]
    assert len(notices) == 1
    assert notices[0]["text"].startswith("Facilities had more than the suggested announcements")
    assert all(e["kind"] == "announcement" for e in (await world.inbox(w["ann"]))["entries"])


async def test_a_group_admin_may_raise_a_sinking_post_at_once_but_only_once(
    world: NotifyWorld,
) -> None:
    w = await setup_group(world)
    post_id = await question_in(world, w["group_id"], w["ann"], world.clock.now)
    await world.caught_up()
    http = world.plein.http
    raised_before = REGISTRY.get_sample_value("plein_notify_escalations_raised_total") or 0.0
    refused = await http.post(
        "/notify/escalations", headers=w["ann"].auth, json={"post_id": str(post_id)}
    )
    assert refused.status_code == 403  # the asker is no admin
    raised = await http.post(
        "/notify/escalations", headers=w["adam"].auth, json={"post_id": str(post_id)}
    )
    assert raised.status_code == 202, raised.text
    again = await http.post(
        "/notify/escalations", headers=w["carla"].auth, json={"post_id": str(post_id)}
    )
    assert again.status_code == 409
    unknown = await http.post(
        "/notify/escalations", headers=w["adam"].auth, json={"post_id": str(uuid4())}
    )
    assert unknown.status_code == 404
    # /metrics counts the one escalation raised, not the refused, repeated or unknown ones.
    assert REGISTRY.get_sample_value("plein_notify_escalations_raised_total") == raised_before + 1
    await eventually(lambda: _has_escalation(world, w["carla"]))
