"""`plein replay feed` on the demo organisation gives the same feeds as the live projection."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from plein_demo import DEMO_PASSWORD, PEOPLE, seed_demo
from plein_events.identity import GroupCreated, MemberJoined, MemberLeft, TopicFollowed
from plein_events.posts import AnnouncementPosted, PostCreated, Reacted, ReplyPosted
from plein_feed import store
from plein_feed.domain import RankedCursor
from plein_testdata.servers import Person, Plein, eventually


async def _demo_people(plein: Plein) -> dict[str, Person]:
    people = {}
    for p in PEOPLE:
        response = await plein.http.post(
            "/identity/tokens", json={"email": p.email, "password": DEMO_PASSWORD}
        )
        token = response.json()["access_token"]
        me = await plein.http.get("/identity/me", headers={"Authorization": f"Bearer {token}"})
        people[p.handle] = Person(me.json()["id"], p.email, token, p.name)
    return people


async def _feeds(plein: Plein, people: dict[str, Person], groups: list[UUID]) -> dict[str, Any]:
    """Everything each demo person's feeds show, with the relevant order pinned to one moment."""
    as_of = RankedCursor(datetime(2030, 1, 1, tzinfo=UTC), 0).encode()
    out: dict[str, Any] = {}
    for handle, person in people.items():
        for name, path, params in [
            ("home", "/feed/home", {"limit": 100}),
            ("relevant", "/feed/home", {"limit": 100, "order": "relevant", "cursor": as_of}),
            ("profile", f"/feed/people/{person.id}", {"limit": 100}),
            *((f"group {g}", f"/feed/groups/{g}", {"limit": 100}) for g in groups),
        ]:
            response = await plein.http.get(path, headers=person.auth, params=params)
            out[f"{handle} {name}"] = (response.status_code, response.json())
    return out


async def test_replay_on_the_demo_data_gives_the_same_feeds(plein: Plein, stream: Any) -> None:
    assert await seed_demo(plein.base_url, say=lambda _: None)
    people = await _demo_people(plein)
    feed = plein.runtime.service("feed")

    async def demo_arrived() -> None:
        # The demo's 8 posts and its conversations (posts' demo_conversations): wait until
        # the count holds still with nothing left for the feed to consume.
        async def count() -> int:
            async with feed.ctx.pool.connection() as conn:
                cur = await conn.execute("SELECT count(*) FROM posts")
                row = await cur.fetchone()
                assert row is not None
                return int(row[0])

        before = await count()
        await asyncio.sleep(0.5)
        assert before >= 8 and await count() == before
        for runner in feed.runners.values():
            assert await runner.pending() == 0

    await eventually(demo_arrived)

    def uid(handle: str) -> UUID:
        return UUID(people[handle].id)

    # Groups and group conversations, as identity and posts will publish them.
    everyone, marketing, board = uuid4(), uuid4(), uuid4()
    await stream.publish(GroupCreated(group_id=everyone, name="Iedereen", is_all_company=True))
    await stream.publish(GroupCreated(group_id=marketing, name="Marketing"))
    await stream.publish(GroupCreated(group_id=board, name="Board", visibility="private"))
    for p in PEOPLE:
        await stream.publish(MemberJoined(group_id=everyone, user_id=uid(p.handle)))
        if p.department == "Marketing":
            await stream.publish(MemberJoined(group_id=marketing, user_id=uid(p.handle)))
    for handle in ("ann", "daan", "ilse", "noah", "quinten"):
        await stream.publish(MemberJoined(group_id=board, user_id=uid(handle)))
    # Eva follows both topics below: the marketing one reaches her, the board's never does.
    for topic in ("templates", "budget"):
        await stream.publish(TopicFollowed(follower_id=uid("eva"), topic=topic))
    now = datetime.now(UTC)
    posts = [
        PostCreated(
            post_id=uuid4(),
            author_id=uid("ann"),
            real_author_id=uid("ann"),
            group_id=marketing,
            kind="question",
            text="Wie heeft de nieuwe #templates?",
            topics=["templates"],
        ),
        PostCreated(
            post_id=uuid4(),
            author_id=uid("daan"),
            real_author_id=uid("daan"),
            group_id=board,
            group_private=True,
            text="#Budget 2027 @quinten",
            topics=["budget"],
            mentions=[uid("quinten"), uid("eva")],
        ),
        AnnouncementPosted(
            post_id=uuid4(),
            author_id=uid("ilse"),
            real_author_id=uid("ilse"),
            group_id=everyone,
            title="Kerstborrel",
            text="19 december, iedereen welkom",
        ),
    ]
    for i, p in enumerate(posts):
        await stream.publish(p, at=now - timedelta(hours=30 - i))
    await stream.publish(
        ReplyPosted(
            reply_id=uuid4(),
            post_id=posts[0].post_id,
            parent_id=posts[0].post_id,
            post_author_id=uid("ann"),
            parent_author_id=uid("ann"),
            author_id=uid("bob"),
            real_author_id=uid("bob"),
            group_id=marketing,
            text="Ik!",
        )
    )
    await stream.publish(
        Reacted(
            post_id=posts[1].post_id,
            target_author_id=uid("daan"),
            user_id=uid("ann"),
            reaction="like",
            group_id=board,
            group_private=True,
        )
    )
    await stream.publish(MemberLeft(group_id=marketing, user_id=uid("tom")))
    await stream.caught_up()
    response = await plein.http.post(
        f"/feed/announcements/{posts[2].post_id}/acknowledgement", headers=people["bob"].auth
    )
    assert response.status_code == 204
    response = await plein.http.post(
        "/feed/seen",
        headers=people["chloe"].auth,  # not on the board: its post is not hers to report
        json={"post_ids": [str(p.post_id) for p in posts if p is not posts[1]]},
    )
    assert response.status_code == 202

    async def feed_events_applied() -> None:
        async with feed.ctx.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT (SELECT count(*) FROM acknowledgements), (SELECT count(*) FROM readers)"
            )
            assert await cur.fetchone() == (1, 1)

    await eventually(feed_events_applied)
    await stream.caught_up()
    groups = [everyone, marketing, board]
    live = await _feeds(plein, people, groups)
    async with feed.ctx.pool.connection() as conn:
        live_rows = await store.all_timelines(conn)
    # The demo feeds are not trivially empty, and privacy holds in them.
    assert live["bob home"][1]["entries"]
    assert live["eva group " + str(board)][0] == 404
    assert str(posts[1].post_id) not in str(live["eva home"])
    assert str(posts[0].post_id) in str(live["eva home"])  # eva is not in marketing
    assert str(posts[1].post_id) in str(live["quinten home"])

    await plein.runtime.stop_workers()
    env = {**os.environ, "PLEIN_DATABASE_URL": plein.database_url, "PLEIN_NATS_URL": plein.nats_url}
    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "plein_platform.cli", "replay", "feed"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr

    async with feed.ctx.pool.connection() as conn:
        assert await store.all_timelines(conn) == live_rows
    assert await _feeds(plein, people, groups) == live
