"""The in-app inbox: consolidation, exactly one entry per cause, read state, paging, privacy,
and people who leave."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from plein_events.identity import (
    Followed,
    GroupAdminGranted,
    GroupCreated,
    MemberJoined,
    UserDeactivated,
    UserErased,
)
from plein_events.posts import AnnouncementPosted, PostCreated, Reacted, ReplyPosted
from plein_testdata.servers import eventually

NotifyWorld = Any  # the `world` fixture (conftest.py)


async def question_by(world: NotifyWorld, author: object, **fields: Any) -> UUID:
    post_id = uuid4()
    await world.publish(
        PostCreated(
            post_id=post_id,
            author_id=author.id,  # type: ignore[attr-defined]
            real_author_id=author.id,  # type: ignore[attr-defined]
            kind="question",
            text="Who knows how the VPN works?",
            **fields,
        )
    )
    return post_id


def reply(
    post_id: UUID, post_author: object, author: object, text: str, **fields: Any
) -> ReplyPosted:
    return ReplyPosted(
        reply_id=uuid4(),
        post_id=post_id,
        parent_id=post_id,
        post_author_id=post_author.id,  # type: ignore[attr-defined]
        parent_author_id=post_author.id,  # type: ignore[attr-defined]
        author_id=author.id,  # type: ignore[attr-defined]
        real_author_id=author.id,  # type: ignore[attr-defined]
        post_kind="question",
        text=text,
        **fields,
    )


async def group(world: NotifyWorld, *, private: bool, members: list, admins: list) -> UUID:
    group_id = uuid4()
    await world.publish(
        GroupCreated(
            group_id=group_id, name="Board room", visibility="private" if private else "public"
        )
    )
    for person in members:
        await world.publish(MemberJoined(group_id=group_id, user_id=person.id))
    for person in admins:
        await world.publish(GroupAdminGranted(group_id=group_id, user_id=person.id))
    return group_id


async def test_replies_to_a_question_consolidate_into_one_entry_that_updates(
    world: NotifyWorld,
) -> None:
    ann = await world.register("ann", "Ann")
    people = [await world.register(h, h.title()) for h in ("bob", "cas", "dirk", "eef", "fay")]
    post_id = await question_by(world, ann)
    for i, person in enumerate(people):
        world.clock.advance(minutes=1)
        await world.publish(reply(post_id, ann, person, f"answer {i}"))
    await world.caught_up()

    inbox = await world.inbox(ann)
    assert inbox["unread_count"] == 1
    [entry] = inbox["entries"]
    assert entry["text"] == "Fay, Eef and 3 others replied to your question"
    assert entry["actor_count"] == 5
    assert entry["actor_id"] == str(people[-1].id)  # the latest one's face shows
    assert entry["excerpt"] == "answer 4"


async def test_a_redelivered_event_makes_exactly_one_notification(world: NotifyWorld) -> None:
    ann = await world.register("ann", "Ann")
    bob = await world.register("bob", "Bob")
    cas = await world.register("cas", "Cas")
    post_id = await question_by(world, ann)
    causes = [
        await world.publish(reply(post_id, ann, bob, "first"), copies=3),
        await world.publish(
            Reacted(post_id=post_id, target_author_id=ann.id, user_id=cas.id, reaction="like"),
            copies=2,
        ),
        await world.publish(Followed(follower_id=bob.id, followee_id=ann.id), copies=2),
        await world.publish(
            PostCreated(
                post_id=uuid4(),
                author_id=bob.id,
                real_author_id=bob.id,
                text="@ann look",
                mentions=[UUID(ann.id)],
            ),
            copies=2,
        ),
    ]
    await world.caught_up()
    inbox = await world.inbox(ann)
    assert sorted(e["text"] for e in inbox["entries"]) == [
        "Bob mentioned you",
        "Bob replied to your question",
        "Bob started following you",
        "Cas reacted to your post",
    ]
    # Read everything, then the same events arrive once more (a relay re-publishing after
    # the duplicate window): nothing comes back, and the mention is e-mailed once.
    await world.plein.http.post("/notify/inbox/read", headers=ann.auth)
    for envelope in causes:
        await world.republish(envelope)
    await world.caught_up()
    assert (await world.inbox(ann))["unread_count"] == 0
    assert world.service.runners["notify"].stats.dead_lettered == 0
    await world.service.scheduler.tick()
    assert len(world.mail.to(ann.email)) == 1


async def test_reactions_are_aggregated(world: NotifyWorld) -> None:
    ann = await world.register("ann", "Ann")
    others = [await world.register(h, h.title()) for h in ("bob", "cas", "dirk")]
    post_id = uuid4()
    for person in others:
        world.clock.advance(seconds=10)
        await world.publish(
            Reacted(post_id=post_id, target_author_id=ann.id, user_id=person.id, reaction="love")
        )
    await world.caught_up()
    [entry] = (await world.inbox(ann))["entries"]
    assert entry["text"] == "Dirk, Cas and Bob reacted to your post"


async def test_read_one_read_all_and_a_new_reply_after_reading_starts_a_new_entry(
    world: NotifyWorld,
) -> None:
    ann = await world.register("ann", "Ann")
    bob = await world.register("bob", "Bob")
    cas = await world.register("cas", "Cas")
    q1 = await question_by(world, ann)
    q2 = await question_by(world, ann)
    await world.publish(reply(q1, ann, bob, "one"))
    await world.publish(reply(q2, ann, bob, "two"))
    await world.caught_up()
    inbox = await world.inbox(ann)
    assert inbox["unread_count"] == 2

    first = inbox["entries"][0]["id"]
    response = await world.plein.http.post(f"/notify/inbox/{first}/read", headers=ann.auth)
    assert response.status_code == 204
    response = await world.plein.http.post(f"/notify/inbox/{first}/read", headers=bob.auth)
    assert response.status_code == 404  # not Bob's
    response = await world.plein.http.get("/notify/inbox/unread-count", headers=ann.auth)
    assert response.json() == {"unread_count": 1}

    response = await world.plein.http.post("/notify/inbox/read", headers=ann.auth)
    assert response.json() == {"unread_count": 0}

    await world.publish(reply(q1, ann, cas, "three"))
    await world.caught_up()
    inbox = await world.inbox(ann)
    assert inbox["unread_count"] == 1
    assert [e["text"] for e in inbox["entries"] if e["unread"]] == ["Cas replied to your question"]


async def test_inbox_pages_with_a_cursor_without_gaps_or_duplicates(world: NotifyWorld) -> None:
    ann = await world.register("ann", "Ann")
    bob = await world.register("bob", "Bob")
    for _ in range(7):
        world.clock.advance(minutes=1)
        post_id = await question_by(world, ann)
        await world.publish(reply(post_id, ann, bob, "yes"))
    await world.caught_up()

    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = await world.inbox(ann, **params)
        seen += [e["id"] for e in page["entries"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 7 == len(set(seen))
    response = await world.plein.http.get(
        "/notify/inbox", headers=ann.auth, params={"cursor": "forged"}
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_mention_of_a_non_member_in_a_private_group_does_not_leak_the_text(
    world: NotifyWorld,
) -> None:
    ann = await world.register("ann", "Ann")
    bob = await world.register("bob", "Bob")
    outsider = await world.register("olaf", "Olaf")
    group_id = await group(world, private=True, members=[ann, bob], admins=[ann])
    secret = "The merger with Acme closes on Friday"
    for mentioned in (bob, outsider):
        await world.publish(
            PostCreated(
                post_id=uuid4(),
                author_id=ann.id,
                real_author_id=ann.id,
                group_id=group_id,
                group_private=True,
                text=secret,
                mentions=[UUID(mentioned.id)],
            )
        )
    await world.caught_up()

    [member_entry] = (await world.inbox(bob))["entries"]
    assert member_entry["excerpt"] == secret
    assert member_entry["group_id"] == str(group_id)

    [outsider_entry] = (await world.inbox(outsider))["entries"]
    assert outsider_entry["text"] == "Ann mentioned you in a private group"
    assert outsider_entry["excerpt"] is None
    assert outsider_entry["group_id"] is None and outsider_entry["post_id"] is None
    await eventually(lambda: _mailed(world, outsider.email))
    for message in world.mail.to(outsider.email):
        body = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        assert "Acme" not in body and "Board room" not in body


async def _mailed(world: NotifyWorld, address: str) -> None:
    await world.service.scheduler.tick()
    assert world.mail.to(address)


async def test_a_deactivated_person_gets_nothing_and_loses_their_inbox(world: NotifyWorld) -> None:
    ann = await world.register("ann", "Ann")
    bob = await world.register("bob", "Bob")
    q = await question_by(world, ann)
    await world.publish(reply(q, ann, bob, "hello"))
    await world.caught_up()
    assert (await world.inbox(ann))["unread_count"] == 1

    await world.publish(UserDeactivated(user_id=ann.id))
    await world.publish(reply(q, ann, bob, "anyone?"))
    await world.publish(
        AnnouncementPosted(
            post_id=uuid4(), author_id=bob.id, real_author_id=bob.id, text="All hands", mentions=[]
        )
    )
    await world.caught_up()
    # ann is refused at once (her token is still valid), and her inbox is gone
    refused = await world.plein.http.get("/notify/inbox", headers=ann.auth)
    assert refused.status_code == 401
    async with world.service.ctx.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT count(*) FROM notifications WHERE recipient_id = %s", (ann.id,)
        )
        assert await cur.fetchone() == (0,)
    await world.service.scheduler.tick()
    assert world.mail.to(ann.email) == []


async def test_an_erased_person_leaves_every_read_model(world: NotifyWorld) -> None:
    ann = await world.register("ann", "Ann")
    bob = await world.register("bob", "Bob")
    cas = await world.register("cas", "Cas")
    q = await question_by(world, ann)
    await world.publish(reply(q, ann, bob, "Bob's words"))
    await world.publish(reply(q, ann, cas, "Cas's words"))
    q2 = await question_by(world, bob)
    await world.publish(reply(q2, bob, ann, "Ann answers Bob"))
    await world.caught_up()

    await world.publish(UserErased(user_id=bob.id))
    await world.caught_up()
    [entry] = (await world.inbox(ann))["entries"]
    assert entry["text"] == "Cas replied to your question"
    assert "Bob" not in str(entry)
    async with world.service.ctx.pool.connection() as conn:
        for table, column in [
            ("people", "user_id"),
            ("notifications", "recipient_id"),
            ("notification_actors", "actor_id"),
            ("notifications", "excerpt_author"),
            ("email_queue", "recipient_id"),
        ]:
            cur = await conn.execute(f"SELECT count(*) FROM {table} WHERE {column} = %s", (bob.id,))
            assert (await cur.fetchone())[0] == 0, table  # type: ignore[index]


async def test_one_reply_tells_each_person_in_the_thread_by_their_own_settings(
    world: NotifyWorld,
) -> None:
    """A reply's recipients are recorded together: each is told once, by their own
    preference, and an inactive one, the replier and a redelivery add nothing."""
    ann = await world.register("ann", "Ann")
    bob, cas, dirk, eef, fay = [
        await world.register(h, h.title()) for h in ("bob", "cas", "dirk", "eef", "fay")
    ]
    off = await world.plein.http.patch(
        "/notify/preferences", headers=cas.auth, json={"channels": {"reply": "off"}}
    )
    assert off.status_code == 200, off.text
    post_id = await question_by(world, ann)
    for person in (bob, cas, dirk, eef):
        world.clock.advance(minutes=1)
        await world.publish(reply(post_id, ann, person, f"from {person.name}"))
    await world.publish(UserDeactivated(user_id=dirk.id))
    world.clock.advance(minutes=1)
    # Fay replies, mentioning Eef: everyone else in the thread hears of the reply once.
    last = await world.publish(
        reply(post_id, ann, fay, "@eef knows", mentions=[UUID(eef.id)]), copies=2
    )
    await world.caught_up()

    async def texts(person: Any) -> list[str]:
        return sorted(e["text"] for e in (await world.inbox(person))["entries"])

    assert await texts(ann) == ["Fay, Eef and 3 others replied to your question"]
    assert await texts(bob) == ["Fay, Eef and 2 others replied to a question you follow"]
    assert await texts(cas) == []  # replies switched off
    assert await texts(eef) == ["Fay mentioned you"]  # the mention says it already
    assert await texts(fay) == []  # not told of their own reply
    async with world.service.ctx.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT count(*) FROM notifications WHERE recipient_id = %s", (dirk.id,)
        )
        assert (await cur.fetchone())[0] == 0  # deactivated: nothing, not even an entry
    before = {p.name: await texts(p) for p in (ann, bob, eef)}
    await world.republish(last)
    await world.caught_up()
    assert {p.name: await texts(p) for p in (ann, bob, eef)} == before
