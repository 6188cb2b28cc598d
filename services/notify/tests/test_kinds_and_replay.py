"""The remaining kinds reach the right people, and `plein replay notify` rebuilds the live
inbox without queueing a single e-mail again."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from plein_events.identity import (
    GroupAdminGranted,
    GroupCreated,
    MemberJoined,
    MembershipRequested,
    RoleGranted,
    SharedAccountCreated,
)
from plein_events.posts import AnswerAccepted, PostCreated, PostReported, PraiseGiven, ReplyPosted
from plein_notify import store
from plein_platform.cli import replay_projection

NotifyWorld = Any  # the `world` fixture (conftest.py)


async def kinds_of(world: NotifyWorld, person: Any) -> list[str]:
    return sorted(e["kind"] for e in (await world.inbox(person))["entries"])


async def play_a_week(world: NotifyWorld) -> dict[str, Any]:
    people = {h: await world.register(h, h.title()) for h in ("ann", "bob", "cas", "mod")}
    ann, bob, cas, mod = people.values()
    group_id = uuid4()
    await world.publish(GroupCreated(group_id=group_id, name="Tuinclub", visibility="private"))
    await world.publish(MemberJoined(group_id=group_id, user_id=ann.id))
    await world.publish(GroupAdminGranted(group_id=group_id, user_id=ann.id))
    await world.publish(RoleGranted(user_id=mod.id, role="network_admin"))
    await world.publish(MembershipRequested(group_id=group_id, user_id=bob.id, message="hoi"))
    question = uuid4()
    await world.publish(
        PostCreated(
            post_id=question, author_id=cas.id, real_author_id=cas.id, kind="question", text="?"
        )
    )
    reply_id = uuid4()
    await world.publish(
        ReplyPosted(
            reply_id=reply_id,
            post_id=question,
            parent_id=question,
            post_author_id=cas.id,
            parent_author_id=cas.id,
            author_id=bob.id,
            real_author_id=bob.id,
            post_kind="question",
            text="Try this",
        )
    )
    await world.publish(
        AnswerAccepted(
            post_id=question,
            reply_id=reply_id,
            reply_author_id=bob.id,
            question_author_id=cas.id,
            accepted_by=cas.id,
        )
    )
    await world.publish(
        PraiseGiven(
            post_id=uuid4(),
            author_id=cas.id,
            real_author_id=cas.id,
            text="Thanks Bob!",
            praised_ids=[UUID(bob.id)],
            badge="helper",
        )
    )
    await world.publish(PostReported(post_id=question, reported_by=ann.id, reason="spam"))
    await world.caught_up()
    return people


async def test_each_kind_reaches_the_people_it_is_for(world: NotifyWorld) -> None:
    p = await play_a_week(world)
    assert await kinds_of(world, p["ann"]) == ["membership_request"]
    [request] = (await world.inbox(p["ann"]))["entries"]
    assert request["text"] == "Bob asked to join Tuinclub"
    assert await kinds_of(world, p["bob"]) == ["answer_accepted", "praise"]
    assert await kinds_of(world, p["cas"]) == ["reply"]
    assert await kinds_of(world, p["mod"]) == ["report"]


async def test_replay_rebuilds_the_live_inbox_and_queues_no_email_again(
    world: NotifyWorld,
) -> None:
    p = await play_a_week(world)
    # A mention is e-mailed at once: the queue holds one that a replay must not queue again
    # (with nothing queued, a replay queuing everything again would queue nothing either).
    bob = p["bob"]
    mention = PostCreated(
        post_id=uuid4(),
        author_id=bob.id,
        real_author_id=bob.id,
        text="@ann kijk",
        mentions=[UUID(p["ann"].id)],
    )
    await world.publish(mention)
    await world.caught_up()
    service = world.service
    async with service.ctx.pool.connection() as conn:
        live = await store.all_notifications(conn)
        cur = await conn.execute("SELECT count(*) FROM email_queue")
        queued = (await cur.fetchone())[0]
    assert len(live) == 6
    assert queued == 1
    await world.plein.runtime.stop_workers()

    plein = world.plein
    report = await replay_projection(plein.settings, "notify", plein.database_url, plein.nats_url)
    assert report.messages > 0
    async with service.ctx.pool.connection() as conn:
        assert await store.all_notifications(conn) == live
        cur = await conn.execute("SELECT count(*) FROM email_queue")
        assert (await cur.fetchone())[0] == queued


async def test_a_shared_account_is_named_as_actor_and_never_a_recipient(
    world: NotifyWorld,
) -> None:
    ann = await world.register("ann", "Ann")
    kim = await world.register("kim", "Kim")
    hr = uuid4()
    await world.publish(SharedAccountCreated(account_id=hr, name="HR", created_by=kim.id))
    post_id = uuid4()
    await world.publish(
        ReplyPosted(
            reply_id=uuid4(),
            post_id=post_id,
            parent_id=post_id,
            post_author_id=ann.id,
            parent_author_id=ann.id,
            author_id=hr,
            real_author_id=kim.id,
            text="We will look into it",
        )
    )
    await world.publish(
        ReplyPosted(
            reply_id=uuid4(),
            post_id=post_id,
            parent_id=post_id,
            post_author_id=ann.id,
            parent_author_id=ann.id,
            author_id=ann.id,
            real_author_id=ann.id,
            text="Thanks HR",
        )
    )
    await world.caught_up()
    [entry] = (await world.inbox(ann))["entries"]
    assert entry["text"] == "HR replied to your post"
    async with world.service.ctx.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT count(*) FROM notifications WHERE recipient_id = %s", (hr,)
        )
        assert (await cur.fetchone())[0] == 0
