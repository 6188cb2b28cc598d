"""Events are never lost or doubled between services: outages, crashes, rebuilds."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from typing import Any

from plein_feed import store as feed_store
from plein_platform.embedded import EmbeddedNats
from plein_testdata.servers import (
    Plein,
    Servers,
    eventually,
    fresh_database,
    fresh_streams,
    harness_settings,
    start_plein,
)


async def home_post_ids(plein: Plein, token_headers: dict[str, str]) -> list[str]:
    response = await plein.http.get("/feed/home", headers=token_headers)
    assert response.status_code == 200, response.text
    return [entry["post_id"] for entry in response.json()["entries"]]


async def ann_and_bob(plein: Plein) -> tuple[Any, Any]:
    ann = await plein.register("ann", "Ann de Vries")
    bob = await plein.register("bob", "Bob Jansen")
    response = await plein.http.post(
        "/identity/me/following", headers=bob.auth, json={"user_id": ann.id}
    )
    assert response.status_code == 204
    return ann, bob


async def test_post_written_while_nats_is_down_reaches_the_feed_when_it_is_back(
    servers: Servers, tmp_path: Any
) -> None:
    nats = EmbeddedNats(tmp_path / "nats")
    nats.start()
    plein = await start_plein(await fresh_database(servers), nats.url)
    try:
        ann, bob = await ann_and_bob(plein)

        async def bob_follows_ann() -> None:
            async with plein.runtime.service("feed").ctx.pool.connection() as conn:
                cur = await conn.execute("SELECT count(*) FROM follows")
                row = await cur.fetchone()
                assert row is not None and row[0] == 1

        await eventually(bob_follows_ann)
        nats.stop()

        response = await plein.http.post(
            "/posts/posts", headers=ann.auth, json={"text": "Hallo allemaal"}
        )
        assert response.status_code == 201
        post_id = response.json()["id"]
        await asyncio.sleep(1.0)
        assert await home_post_ids(plein, bob.auth) == []
        ready = await plein.http.get("/posts/ready")
        assert ready.status_code == 200 and ready.json()["nats"] == "disconnected"

        nats.start()

        async def arrived() -> None:
            assert await home_post_ids(plein, bob.auth) == [post_id]

        await eventually(arrived, timeout_s=30)
    finally:
        await plein.http.aclose()
        await plein.stop()
        nats.stop()


async def test_relay_restarted_after_the_duplicate_window_publishes_no_copy(
    servers: Servers,
) -> None:
    # A short duplicate window, so JetStream no longer drops the copies: the relays must not
    # publish them at all.
    database_url = await fresh_database(servers)
    await fresh_streams(servers.nats_url)
    plein = await start_plein(
        database_url,
        servers.nats_url,
        settings=harness_settings(database_url, servers.nats_url, stream_duplicate_window_s=0.5),
    )
    try:
        ann, bob = await ann_and_bob(plein)
        response = await plein.http.post(
            "/posts/posts", headers=ann.auth, json={"text": "Hallo allemaal"}
        )
        post_id = response.json()["id"]
        response = await plein.http.put(
            f"/posts/posts/{post_id}/reaction", headers=bob.auth, json={"reaction": "like"}
        )
        assert response.status_code == 200, response.text

        async def arrived() -> None:
            assert await home_post_ids(plein, bob.auth) == [post_id]
            for service in ("metrics", "notify"):
                for runner in plein.runtime.service(service).runners.values():
                    assert await runner.pending() == 0

        await eventually(arrived)
        before = await counters(plein)
        await plein.runtime.stop_workers()
        assert plein.runtime.nc is not None
        js = plein.runtime.nc.jetstream()
        # Every event so far (registrations, all-company memberships, the follow, the post...).
        published = (await js.stream_info("PLEIN")).state.messages
        # The crash: events were published, the relay's position was never saved.
        for service in ("identity", "posts"):
            async with plein.runtime.service(service).ctx.pool.connection() as conn:
                await conn.execute("UPDATE outbox_position SET position = 0")
        await asyncio.sleep(0.6)  # the relays stay down past the duplicate window
        plein.runtime.start_workers()

        async def resumed() -> None:
            for service in ("identity", "posts"):
                async with plein.runtime.service(service).ctx.pool.connection() as conn:
                    cur = await conn.execute("SELECT position FROM outbox_position")
                    row = await cur.fetchone()
                    assert row is not None and row[0] > 0

        await eventually(resumed)
        response = await plein.http.post("/posts/posts", headers=ann.auth, json={"text": "Nog één"})
        second_id = response.json()["id"]

        async def second_arrived() -> None:
            assert await home_post_ids(plein, bob.auth) == [second_id, post_id]
            for service in ("metrics", "notify"):
                for runner in plein.runtime.service(service).runners.values():
                    assert await runner.pending() == 0

        await eventually(second_arrived)
        # The new post is the only new message (no copy of what was published before the crash).
        assert (await js.stream_info("PLEIN")).state.messages == published + 1
        after = await counters(plein)
        assert after["feed"] == before["feed"] and after["notify"] == before["notify"]
        assert after["metrics"] == before["metrics"] + 1  # the new post's own activity row
    finally:
        await plein.http.aclose()
        await plein.stop()


async def counters(plein: Plein) -> dict[str, int]:
    """Counts a copy of an event would double if the projections were not keyed against it:
    metrics' activity rows, feed's follower counts, notify's actor counts."""
    queries = {
        "metrics": "SELECT count(*) FROM activity",
        "feed": "SELECT coalesce(sum(follower_count), 0) FROM people",
        "notify": "SELECT coalesce(sum(actor_count), 0) FROM notifications",
    }
    numbers = {}
    for service, query in queries.items():
        async with plein.runtime.service(service).ctx.pool.connection() as conn:
            cur = await conn.execute(query)
            row = await cur.fetchone()
            assert row is not None
            numbers[service] = int(row[0])
    return numbers


async def test_plein_replay_feed_rebuilds_the_live_timelines(plein: Plein) -> None:
    people = [await plein.register(h) for h in ("ann", "bob", "chloe", "daan")]
    for follower in people:
        for followee in people:
            if follower is not followee and hash((follower.id, followee.id)) % 3:
                await plein.http.post(
                    "/identity/me/following", headers=follower.auth, json={"user_id": followee.id}
                )
    for i, author in enumerate(people * 3):
        await plein.http.post("/posts/posts", headers=author.auth, json={"text": f"post {i}"})
    await plein.http.delete(f"/identity/me/following/{people[1].id}", headers=people[0].auth)
    feed = plein.runtime.service("feed")

    async def caught_up() -> None:
        assert (await feed.runners["feed"].status())["lag"] == 0
        async with feed.ctx.pool.connection() as conn:
            cur = await conn.execute("SELECT count(*) FROM posts")
            row = await cur.fetchone()
            assert row is not None and row[0] == 12

    await eventually(caught_up)
    async with feed.ctx.pool.connection() as conn:
        live = await feed_store.all_timelines(conn)
    assert live
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
        assert await feed_store.all_timelines(conn) == live
