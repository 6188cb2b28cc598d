"""Nothing reaches a person after their access ended, by any channel.

For each channel (in-app entry, live stream, e-mail at once, an announcement's later e-mail,
the daily and the weekly digest, escalations) a delivery is queued while everyone may see it,
then each way access ends happens to one person (removed from the group, left it, the group
made private while they were outside it, deactivated, erased), then time passes and the
scheduler runs. Only the person who kept access (the control, so each test can fail) receives
the group's private text."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from plein_events.identity import (
    Followed,
    GroupAdminGranted,
    GroupCreated,
    GroupUpdated,
    MemberJoined,
    MemberLeft,
    MemberRemoved,
    RoleGranted,
    UserDeactivated,
    UserErased,
)
from plein_events.posts import AnnouncementPosted, PostCreated, ReplyPosted
from plein_notify.sentences import WITHDRAWN
from plein_testdata.servers import eventually

from .test_live import SSEReader

NotifyWorld = Any  # the `world` fixture (conftest.py)

SECRET = "The Acme merger closes on Friday"
GROUP = "Board room"
# Who loses access, and how. "made_private" is outside the group when it turns private.
WAYS = ("removed", "left", "made_private", "deactivated", "erased")
STILL_SIGNED_IN = ("removed", "left", "made_private")  # they can still open their inbox


@dataclass
class Cast:
    group_id: UUID
    ann: Any  # the group's admin, who writes
    keep: Any  # a member who keeps access all along: the control
    losers: dict[str, Any]  # way -> the person whose access ends that way

    @property
    def recipients(self) -> list[Any]:
        return [self.keep, *self.losers.values()]


async def cast(world: NotifyWorld) -> Cast:
    """A public group whose members are everyone but the one who is outside when it turns
    private."""
    ann = await world.register("ann", "Ann")
    keep = await world.register("keep", "Keep")
    losers = {way: await world.register(way.replace("_", ""), way.title()) for way in WAYS}
    group_id = uuid4()
    await world.publish(GroupCreated(group_id=group_id, name=GROUP))
    for person in [ann, keep, *losers.values()]:
        if person is not losers["made_private"]:
            await world.publish(MemberJoined(group_id=group_id, user_id=person.id))
    await world.publish(GroupAdminGranted(group_id=group_id, user_id=ann.id))
    return Cast(group_id, ann, keep, losers)


async def end_access(world: NotifyWorld, c: Cast, *, wait: bool = True) -> None:
    """Each loser's access ends its own way (the group turns private first, so removal and
    leaving are from a private group)."""
    await world.publish(GroupUpdated(group_id=c.group_id, name=GROUP, visibility="private"))
    await world.publish(
        MemberRemoved(group_id=c.group_id, user_id=c.losers["removed"].id, removed_by=c.ann.id)
    )
    await world.publish(MemberLeft(group_id=c.group_id, user_id=c.losers["left"].id))
    await world.publish(UserDeactivated(user_id=c.losers["deactivated"].id))
    await world.publish(UserErased(user_id=c.losers["erased"].id))
    if wait:
        await world.caught_up()


def body(message: Any) -> str:
    return "".join(
        str(message.get_body((part,)).get_content()) for part in ("plain", "html")
    ) + str(message["Subject"])


def assert_no_private_mail(world: NotifyWorld, c: Cast, *, sent_before: int = 0) -> None:
    """No loser received anything private after their access ended; the control did."""
    for way, person in c.losers.items():
        later = world.mail.to(person.email)[sent_before:]
        for message in later:
            assert "Acme" not in body(message) and GROUP not in body(message), way
    assert any("Acme" in body(m) or GROUP in body(m) for m in world.mail.to(c.keep.email))


async def assert_withdrawn(world: NotifyWorld, c: Cast) -> None:
    """Former members keep their entries, with names, excerpt and links withdrawn; the
    deactivated and erased have no inbox left."""
    for way in STILL_SIGNED_IN:
        entries = (await world.inbox(c.losers[way]))["entries"]
        assert entries, way
        for entry in entries:
            assert "Acme" not in str(entry) and GROUP not in str(entry), way
            assert entry["text"] == WITHDRAWN, way
            assert entry["post_id"] is None and entry["group_id"] is None, way
    for way in ("deactivated", "erased"):
        async with world.service.ctx.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT count(*) FROM notifications WHERE recipient_id = %s",
                (c.losers[way].id,),
            )
            assert (await cur.fetchone())[0] == 0, way  # type: ignore[index]


def mention_all(c: Cast, text: str, *, author: Any | None = None) -> PostCreated:
    author = author or c.ann
    return PostCreated(
        post_id=uuid4(),
        author_id=author.id,
        real_author_id=author.id,
        group_id=c.group_id,
        text=text,
        mentions=[UUID(p.id) for p in [c.ann, *c.recipients] if p is not author],
    )


async def thread_everyone_took_part_in(world: NotifyWorld, c: Cast) -> UUID:
    """Ann asks in the group, everyone answers, Ann replies with the private text: each of
    them has an unread reply entry quoting it."""
    post_id = uuid4()
    await world.publish(
        PostCreated(
            post_id=post_id,
            author_id=c.ann.id,
            real_author_id=c.ann.id,
            group_id=c.group_id,
            kind="question",
            text="Who has news?",
        )
    )
    for person in c.recipients:
        world.clock.advance(seconds=10)
        await world.publish(reply_in(c, post_id, person, f"{person.name} has none"))
    world.clock.advance(seconds=10)
    await world.publish(reply_in(c, post_id, c.ann, SECRET))
    await world.caught_up()
    for person in c.recipients:
        [entry] = [e for e in (await world.inbox(person))["entries"] if e["kind"] == "reply"]
        assert entry["excerpt"] == SECRET  # delivered while they had access
    return post_id


def reply_in(c: Cast, post_id: UUID, author: Any, text: str) -> ReplyPosted:
    """A reply to Ann's question in the group (the event does not say the group is private:
    notify knows that from identity)."""
    return ReplyPosted(
        reply_id=uuid4(),
        post_id=post_id,
        parent_id=post_id,
        post_author_id=c.ann.id,
        parent_author_id=c.ann.id,
        author_id=author.id,
        real_author_id=author.id,
        group_id=c.group_id,
        post_kind="question",
        text=text,
    )


async def test_a_queued_email_at_once_is_not_sent_once_access_ended_and_the_entry_is_withdrawn(
    world: NotifyWorld,
) -> None:
    c = await cast(world)
    await world.publish(mention_all(c, SECRET))
    await world.caught_up()
    for person in c.recipients:
        [entry] = (await world.inbox(person))["entries"]
        assert entry["excerpt"] == SECRET  # queued while everyone could see it
    await end_access(world, c)

    await world.service.scheduler.tick()
    assert_no_private_mail(world, c)
    for person in c.losers.values():
        assert world.mail.to(person.email) == []
    await assert_withdrawn(world, c)
    [entry] = (await world.inbox(c.keep))["entries"]
    assert entry["excerpt"] == SECRET and entry["group_id"] == str(c.group_id)


async def test_activity_after_access_ended_adds_nothing_to_an_earlier_entry_and_mails_nothing(
    world: NotifyWorld,
) -> None:
    c = await cast(world)
    for person in [c.ann, *c.recipients]:
        response = await world.plein.http.patch(
            "/notify/preferences", headers=person.auth, json={"channels": {"reply": "email"}}
        )
        assert response.status_code == 200, response.text
    post_id = await thread_everyone_took_part_in(world, c)
    await world.service.scheduler.tick()  # everyone is e-mailed while they may see it
    before = {way: len(world.mail.to(p.email)) for way, p in c.losers.items()}
    assert all(before.values())
    await end_access(world, c)
    entries_before = {way: (await world.inbox(c.losers[way]))["entries"] for way in STILL_SIGNED_IN}

    world.clock.advance(minutes=5)
    await world.publish(reply_in(c, post_id, c.keep, "Zed from legal agrees"))
    await world.caught_up()
    await world.service.scheduler.tick()

    for way in STILL_SIGNED_IN:  # nothing folded in: not even a newer time
        assert (await world.inbox(c.losers[way]))["entries"] == entries_before[way], way

    for way, person in c.losers.items():
        assert len(world.mail.to(person.email)) == before[way], way  # no fresh e-mail
    await assert_withdrawn(world, c)
    for way in STILL_SIGNED_IN:
        for entry in (await world.inbox(c.losers[way]))["entries"]:
            assert "Keep" not in entry["text"] and "Zed" not in str(entry), way
            assert entry["actor_count"] == 0 and entry["actor_id"] is None, way
    latest = world.mail.to(c.ann.email)[-1]  # the control: Ann, still in, hears of it
    assert "Zed from legal agrees" in body(latest)


async def test_the_live_stream_shows_nothing_private_once_access_ended(world: NotifyWorld) -> None:
    c = await cast(world)
    http = world.plein.http
    async with contextlib.AsyncExitStack() as stack:
        streams: dict[str, SSEReader] = {}
        for way, person in {"keep": c.keep, **c.losers}.items():
            response = await stack.enter_async_context(
                http.stream("GET", "/notify/stream", headers=person.auth)
            )
            assert response.status_code == 200
            streams[way] = SSEReader(response)
            assert (await streams[way].next())["event"] == "unread"

        await world.publish(mention_all(c, SECRET))
        for way, stream in streams.items():
            live = await stream.next()
            assert live["data"]["excerpt"] == SECRET, way  # while they may see it
        await end_access(world, c)
        # New activity in the group, then a harmless sentinel that marks the end of it.
        await world.publish(mention_all(c, f"{SECRET}, again", author=c.keep))
        for way in STILL_SIGNED_IN:
            await world.publish(Followed(follower_id=c.keep.id, followee_id=c.losers[way].id))

        for way in STILL_SIGNED_IN:
            seen: list[dict[str, Any]] = []
            while not seen or seen[-1]["data"]["text"] != "Keep started following you":
                seen.append(await streams[way].next())
            assert WITHDRAWN in [e["data"]["text"] for e in seen], way  # shown again, withdrawn
            for event in seen:
                assert "Acme" not in str(event["data"]) and GROUP not in str(event["data"]), way
        for way in ("deactivated", "erased"):
            with pytest.raises(EOFError):  # their stream ends, with nothing more on it
                while True:
                    event = await streams[way].next()
                    assert "Acme" not in str(event.get("data")), way


async def test_a_delayed_announcement_email_is_not_sent_once_access_ended(
    world: NotifyWorld,
) -> None:
    c = await cast(world)
    await world.publish(
        AnnouncementPosted(
            post_id=uuid4(),
            author_id=c.ann.id,
            real_author_id=c.ann.id,
            group_id=c.group_id,
            title="Merger",
            text=SECRET,
        )
    )
    await world.caught_up()
    await world.service.scheduler.tick()
    assert world.mail.messages == []  # it waits to be seen in the app
    await end_access(world, c)
    world.clock.advance(hours=2, minutes=1)
    await world.service.scheduler.tick()

    assert_no_private_mail(world, c)
    for person in c.losers.values():
        assert world.mail.to(person.email) == []
    [message] = world.mail.to(c.keep.email)
    assert SECRET in body(message)


@pytest.mark.parametrize("frequency", ["daily", "weekly"])
async def test_a_digest_leaves_out_what_its_recipient_may_no_longer_see(
    world: NotifyWorld, frequency: str
) -> None:
    c = await cast(world)
    for person in [c.ann, *c.recipients]:
        response = await world.plein.http.patch(
            "/notify/preferences", headers=person.auth, json={"digest": frequency}
        )
        assert response.status_code == 200, response.text
    await thread_everyone_took_part_in(world, c)
    await end_access(world, c)

    world.clock.now = (world.clock.now + timedelta(days=1)).replace(hour=7, minute=5)
    report = await world.service.scheduler.tick()
    assert report.digests_sent == 2  # the control's and Ann's (her question's replies) only
    assert_no_private_mail(world, c)
    [digest] = world.mail.to(c.keep.email)
    assert digest["Subject"].startswith(f"Your {frequency} Plein digest")
    assert SECRET in body(digest)
    await assert_withdrawn(world, c)


async def test_an_escalation_is_not_delivered_once_access_ended(world: NotifyWorld) -> None:
    c = await cast(world)
    # The members are the group's admins; the outsider is a community manager (the group is
    # public when the question is raised, so she is told with its name).
    for way, person in c.losers.items():
        if way != "made_private":
            await world.publish(GroupAdminGranted(group_id=c.group_id, user_id=person.id))
    await world.publish(GroupAdminGranted(group_id=c.group_id, user_id=c.keep.id))
    outsider = c.losers["made_private"]
    await world.publish(RoleGranted(user_id=outsider.id, role="community_manager"))
    post_id = uuid4()
    await world.publish(
        PostCreated(
            post_id=post_id,
            author_id=c.ann.id,
            real_author_id=c.ann.id,
            group_id=c.group_id,
            kind="question",
            text=SECRET,
        )
    )
    await world.caught_up()
    raised = await world.plein.http.post(
        "/notify/escalations", headers=c.keep.auth, json={"post_id": str(post_id)}
    )
    assert raised.status_code == 202, raised.text

    async def everyone_told() -> None:
        for person in c.recipients:
            entries = (await world.inbox(person))["entries"]
            assert [e["text"] for e in entries] == [f"A question in {GROUP} has had no reply"]

    await eventually(everyone_told)
    listing = await world.plein.http.get("/notify/escalations", headers=outsider.auth)
    assert len(listing.json()) == 1
    await end_access(world, c)
    # The escalation was raised at the service's real time; the scheduler's clock follows.
    [escalation] = listing.json()
    world.clock.now = datetime.fromisoformat(escalation["raised_at"]) + timedelta(minutes=1)
    await world.service.scheduler.tick()

    assert_no_private_mail(world, c)
    for person in c.losers.values():
        assert world.mail.to(person.email) == []
    await assert_withdrawn(world, c)
    listing = await world.plein.http.get("/notify/escalations", headers=outsider.auth)
    assert listing.status_code == 200 and listing.json() == []


async def test_a_removal_already_on_the_stream_wins_over_a_tick_that_comes_right_after_it(
    world: NotifyWorld,
) -> None:
    c = await cast(world)
    await world.publish(mention_all(c, SECRET))
    await world.caught_up()
    # No waiting for notify to apply these: the tick itself must not send before it has.
    await end_access(world, c, wait=False)
    report = await world.service.scheduler.tick()
    assert report.emails_sent == 1  # the control's
    assert_no_private_mail(world, c)
    for person in c.losers.values():
        assert world.mail.to(person.email) == []
