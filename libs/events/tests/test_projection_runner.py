"""The projection runner against real PostgreSQL and real JetStream."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import nats
import nats.errors
from nats.aio.client import Client as NATS
from nats.js.api import DeliverPolicy
from plein_events import Envelope, Followed, envelope_for
from plein_events.personal import PERSON_KEYS_BUCKET
from plein_events.projection import Projection, ProjectionRunner
from plein_events.stream import DEAD_LETTER_STREAM_NAME, STREAM_NAME
from plein_testdata.servers import Servers
from psycopg import AsyncConnection, sql

from .conftest import Bus


def tally_projection(name: str, hang_after: int | None = None) -> tuple[Projection, asyncio.Event]:
    """Counts followers per followee: deliberately not idempotent, so a double apply shows."""
    reached = asyncio.Event()
    applied = 0

    async def on_followed(conn: AsyncConnection[Any], event: Followed, _: Envelope) -> None:
        nonlocal applied
        await conn.execute(
            sql.SQL(
                "INSERT INTO {} (followee_id, followers) VALUES (%s, 1) "
                "ON CONFLICT (followee_id) DO UPDATE SET followers = {}.followers + 1"
            ).format(sql.Identifier(name), sql.Identifier(name)),
            (event.followee_id,),
        )
        applied += 1
        if hang_after is not None and applied == hang_after:
            reached.set()
            await asyncio.Event().wait()  # hangs mid-batch until the task is killed

    return Projection(name, {Followed: on_followed}, tables=(name,)), reached


async def create_tally_table(bus: Bus, name: str) -> None:
    async with bus.pool.connection() as conn:
        await conn.execute(
            sql.SQL(
                "CREATE TABLE {} (followee_id uuid PRIMARY KEY, followers int NOT NULL)"
            ).format(sql.Identifier(name))
        )


async def tally(bus: Bus, name: str) -> dict[UUID, int]:
    async with bus.pool.connection() as conn:
        cur = await conn.execute(
            sql.SQL("SELECT followee_id, followers FROM {}").format(sql.Identifier(name))
        )
        return dict(await cur.fetchall())


async def publish_follows(
    bus: Bus, count: int, stars: list[UUID], *, first: int = 0
) -> Counter[UUID]:
    """`count` Followed events from fans `first`, `first + 1`...; returns the tally they make."""
    expected: Counter[UUID] = Counter()
    rng = random.Random(7 + first)
    for i in range(0, count, 200):
        acks = []
        for j in range(i, min(i + 200, count)):
            star = rng.choice(stars)
            expected[star] += 1
            envelope = envelope_for(
                Followed(follower_id=uuid4(), followee_id=star),
                aggregate_id=f"fan-{first + j}",
                aggregate_version=1,
                occurred_at=datetime.now(UTC),
                actor_id=None,
            )
            acks.append(
                bus.js.publish(
                    envelope.subject,
                    envelope.model_dump_json().encode(),
                    headers={"Nats-Msg-Id": envelope.msg_id},
                )
            )
        await asyncio.gather(*acks)
    return expected


async def run_until_caught_up(runner: ProjectionRunner, last_seq: int) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop))
    try:
        async with asyncio.timeout(60):
            while await runner.position() < last_seq:
                await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=10)


async def last_seq(bus: Bus) -> int:
    return int((await bus.js.stream_info(STREAM_NAME)).state.last_seq)


async def test_consumer_killed_mid_batch_ends_like_an_uninterrupted_run(bus: Bus) -> None:
    stars = [uuid4() for _ in range(20)]
    expected = await publish_follows(bus, 1000, stars)
    end = await last_seq(bus)
    for name in ("tally", "tally_reference"):
        await create_tally_table(bus, name)

    killed, reached = tally_projection("tally", hang_after=250)
    first = ProjectionRunner(killed, bus.pool, bus.js, batch_size=100, ack_wait_s=1.0)
    task = asyncio.create_task(first.run(asyncio.Event()))
    await asyncio.wait_for(reached.wait(), timeout=30)
    task.cancel()  # killed in the middle of its third batch
    await asyncio.gather(task, return_exceptions=True)
    assert 0 < await first.position() < end

    restarted, _ = tally_projection("tally")
    await run_until_caught_up(
        ProjectionRunner(restarted, bus.pool, bus.js, batch_size=100, ack_wait_s=1.0), end
    )
    reference, _ = tally_projection("tally_reference")
    await run_until_caught_up(ProjectionRunner(reference, bus.pool, bus.js, batch_size=100), end)

    assert await tally(bus, "tally") == await tally(bus, "tally_reference") == dict(expected)


async def test_redelivered_batch_is_skipped_by_its_sequence(bus: Bus) -> None:
    stars = [uuid4()]
    await publish_follows(bus, 10, stars)
    await create_tally_table(bus, "tally")
    projection, _ = tally_projection("tally")
    runner = ProjectionRunner(projection, bus.pool, bus.js, batch_size=10)
    await runner.open_consumer()
    sub = await bus.js.pull_subscribe_bind("tally", STREAM_NAME)
    await runner.apply_batch(await sub.fetch(10, timeout=5))
    await sub.unsubscribe()
    # JetStream delivers the same sequences again (here: a consumer re-created from the start).
    await runner.delete_consumer()
    await bus.js.add_consumer(STREAM_NAME, runner._consumer_config(projection.subjects))
    sub = await bus.js.pull_subscribe_bind("tally", STREAM_NAME)
    await runner.apply_batch(await sub.fetch(10, timeout=5))
    assert await tally(bus, "tally") == {stars[0]: 10}
    assert runner.stats.skipped == 10


async def test_poison_message_is_dead_lettered_and_the_projection_moves_on(bus: Bus) -> None:
    attempts: Counter[str] = Counter()
    good: list[UUID] = []

    async def on_followed(conn: AsyncConnection[Any], event: Followed, _: Envelope) -> None:
        attempts[str(event.followee_id)] += 1
        if event.followee_id.int == 0:
            raise ValueError("this handler cannot cope with the nil UUID")
        good.append(event.followee_id)

    subject = Followed.subject()
    poison = envelope_for(
        Followed(follower_id=uuid4(), followee_id=UUID(int=0)),
        aggregate_id="p",
        aggregate_version=1,
        occurred_at=datetime.now(UTC),
        actor_id=None,
    )
    await bus.js.publish(subject, poison.model_dump_json().encode())
    await bus.js.publish(subject, b"this is not json")
    fine = envelope_for(
        Followed(follower_id=uuid4(), followee_id=uuid4()),
        aggregate_id="f",
        aggregate_version=1,
        occurred_at=datetime.now(UTC),
        actor_id=None,
    )
    await bus.js.publish(subject, fine.model_dump_json().encode())

    runner = ProjectionRunner(
        Projection("picky", {Followed: on_followed}), bus.pool, bus.js, max_failures=3
    )
    await run_until_caught_up(runner, await last_seq(bus))

    assert good == [fine.payload["followee_id"] and UUID(fine.payload["followee_id"])]
    assert attempts[str(UUID(int=0))] == 1 + 3  # once in the pipelined batch, 3 times alone
    assert runner.stats.dead_lettered == 2
    status = await runner.status()
    assert status["dead_letters"] == 2 and status["position"] == 3
    dlq = await bus.js.stream_info(DEAD_LETTER_STREAM_NAME)
    assert dlq.state.messages == 2
    letter = await bus.js.get_msg(DEAD_LETTER_STREAM_NAME, dlq.state.last_seq)
    assert letter.data == b"this is not json"
    assert letter.headers and letter.headers["Plein-Original-Subject"] == subject


class FollowerCounts:
    """A Deferred: follower counts summed in memory, written once per flush."""

    def __init__(self, table: str) -> None:
        self.table = table
        self.flushes = 0
        self.clear()

    def clear(self) -> None:
        self.counts: Counter[UUID] = Counter()

    async def flush(self, conn: AsyncConnection[Any]) -> None:
        self.flushes += 1
        for followee, n in self.counts.items():
            await conn.execute(
                sql.SQL(
                    "INSERT INTO {t} (followee_id, followers) VALUES (%s, %s) ON CONFLICT "
                    "(followee_id) DO UPDATE SET followers = {t}.followers + EXCLUDED.followers"
                ).format(t=sql.Identifier(self.table)),
                (followee, n),
            )
        self.clear()


async def test_deferred_writes_land_once_even_when_the_batch_is_redone_carefully(
    bus: Bus,
) -> None:
    """What handlers gathered on a failed pipelined attempt is dropped, not written twice."""
    await create_tally_table(bus, "deferred")
    counts = FollowerCounts("deferred")
    star = uuid4()

    async def on_followed(conn: AsyncConnection[Any], event: Followed, _: Envelope) -> None:
        if event.follower_id.int == 0:
            raise ValueError("this handler cannot cope with the nil UUID")
        counts.counts[event.followee_id] += 1

    for i, follower in enumerate([uuid4(), uuid4(), UUID(int=0), uuid4()]):
        envelope = envelope_for(
            Followed(follower_id=follower, followee_id=star),
            aggregate_id=f"d-{i}",
            aggregate_version=1,
            occurred_at=datetime.now(UTC),
            actor_id=None,
        )
        await bus.js.publish(envelope.subject, envelope.model_dump_json().encode())
    projection = Projection("deferred", {Followed: on_followed}, ("deferred",), deferred=counts)
    runner = ProjectionRunner(projection, bus.pool, bus.js, batch_size=10, max_failures=1)
    await run_until_caught_up(runner, await last_seq(bus))

    assert await tally(bus, "deferred") == {star: 3}
    assert runner.stats.dead_lettered == 1
    assert counts.flushes >= 3  # the careful path flushes per event, inside its savepoint


async def wait_for_position(runner: ProjectionRunner, seq: int) -> None:
    async with asyncio.timeout(60):
        while await runner.position() < seq:
            await asyncio.sleep(0.05)


async def test_consumer_deleted_on_the_server_is_recreated_from_the_tracking_row(bus: Bus) -> None:
    stars = [uuid4() for _ in range(5)]
    expected = await publish_follows(bus, 300, stars)
    await create_tally_table(bus, "tally")
    projection, _ = tally_projection("tally")
    runner = ProjectionRunner(
        projection, bus.pool, bus.js, batch_size=50, fetch_timeout_s=0.2, verify_idle_every_s=0.2
    )
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop))
    try:
        await wait_for_position(runner, await last_seq(bus))
        await bus.js.delete_consumer(STREAM_NAME, runner.consumer_name)  # an operator's mistake
        expected.update(await publish_follows(bus, 200, stars, first=300))
        await wait_for_position(runner, await last_seq(bus))
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=10)
    assert await tally(bus, "tally") == dict(expected)
    assert runner.stats.resumes >= 1
    assert await runner.pending() == 0


async def test_consumer_that_moved_past_undelivered_messages_is_caught_and_nothing_skipped(
    bus: Bus,
) -> None:
    # What a restarted server may bring back: the consumer's state ahead of what this client
    # received (with the "all" ack policy, one ack covers everything before it).
    stars = [uuid4() for _ in range(5)]
    expected = await publish_follows(bus, 100, stars)
    await create_tally_table(bus, "tally")
    projection, _ = tally_projection("tally")
    runner = ProjectionRunner(
        projection, bus.pool, bus.js, batch_size=50, fetch_timeout_s=0.2, verify_idle_every_s=3600
    )
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop))
    try:
        await wait_for_position(runner, await last_seq(bus))
        await bus.js.delete_consumer(STREAM_NAME, runner.consumer_name)
        expected.update(await publish_follows(bus, 100, stars, first=100))  # never delivered...
        config = runner._consumer_config(projection.subjects)
        config.deliver_policy = DeliverPolicy.BY_START_SEQUENCE
        config.opt_start_seq = await last_seq(bus) + 1  # ...the consumer starts after them
        await bus.js.add_consumer(STREAM_NAME, config)
        assert await runner.pending() == 100  # the lag tells the truth before the repair
        expected.update(await publish_follows(bus, 50, stars, first=200))
        await wait_for_position(runner, await last_seq(bus))
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=10)
    assert await tally(bus, "tally") == dict(expected)
    assert runner.stats.resumes == 1


def faststream_counts(family: str) -> float:
    """The sum of a FastStream Prometheus counter over all its labels, in this process."""
    from prometheus_client import REGISTRY

    return sum(
        sample.value
        for metric in REGISTRY.collect()
        if metric.name == family
        for sample in metric.samples
        if sample.name == f"{family}_total"
    )


async def test_every_batch_goes_through_the_faststream_subscriber_and_its_metrics(
    bus: Bus,
) -> None:
    name = "tally_faststream"
    projection, _ = tally_projection(name)
    await create_tally_table(bus, name)
    expected = await publish_follows(bus, 30, [uuid4() for _ in range(3)], first=90_000)
    runner = ProjectionRunner(projection, bus.pool, bus.js, batch_size=10)
    received = faststream_counts("faststream_received_messages")
    processed = faststream_counts("faststream_received_processed_messages")
    await run_until_caught_up(runner, await last_seq(bus))
    assert await tally(bus, name) == dict(expected)
    # FastStream's Prometheus middleware counted each message of each batch, received and
    # processed: the batches went through its subscriber, not around it.
    assert faststream_counts("faststream_received_messages") - received == 30
    assert faststream_counts("faststream_received_processed_messages") - processed == 30


async def test_a_stopped_runner_leaves_no_key_watch_and_its_connection_drains_cleanly(
    bus: Bus, servers: Servers
) -> None:
    """A projection opening sealed fields watches the person keys; that watch ends with the
    runner. Left open, it kept a subscription whose callback blocked on its full queue, and
    every shutdown's drain then waited out its whole timeout (30 s per test server in CI)."""
    await create_tally_table(bus, "tally")
    projection, _ = tally_projection("tally")
    errors: list[Exception] = []

    async def on_error(error: Exception) -> None:
        errors.append(error)

    nc = await nats.connect(servers.nats_url, error_cb=on_error, drain_timeout=5)
    runner = ProjectionRunner(projection, bus.pool, nc.jetstream(), batch_size=10)
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop))
    try:
        assert await runner.person_keys.get(str(uuid4())) is None  # starts the watch
        assert _key_watches(nc)
        # Far more key updates than the watch's queue holds (256), none read by the runner.
        kv = await bus.js.key_value(PERSON_KEYS_BUCKET)
        await asyncio.gather(*(kv.put(str(uuid4()), b"k" * 32) for _ in range(400)))
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=10)
    assert not _key_watches(nc)
    await nc.drain()
    assert not [e for e in errors if isinstance(e, nats.errors.DrainTimeoutError)]


def _key_watches(nc: NATS) -> list[Any]:
    return [s for s in nc._subs.values() if s._cb is not None and "watch" in repr(s._cb)]
