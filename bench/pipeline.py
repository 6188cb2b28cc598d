"""Benchmark: events through outbox relay -> JetStream -> projection, next to raw nats-py.

Both are measured in the same run, on the same servers, with the same message bodies:
- baseline: nats-py publishes the envelopes (windows of 1,000 awaited together), then a pull
  consumer fetches them 500 at a time, decodes the JSON and acks;
- pipeline: the same number of events stored by the eventsourcing library are read by the
  outbox relay, published, and applied by a projection (one PostgreSQL row per event, in
  batch transactions with the tracking row), relay and projection running concurrently.
Reported: events/s for each and the ratio (goal: pipeline >= 30% of the baseline).

`--words`: the events are replies with a text (ReplyPosted) instead of follows, published as
posts publishes them: where the contract marks the text as the writer's words, the relay seals
it under the writer's key and the projection opens it (crypto-shredding). The baseline stays
the same unsealed bodies, so the ratio shows what sealing costs (compare a checkout without).

    uv run python bench/pipeline.py --events 20000
    uv run python bench/pipeline.py --events 20000 --words
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event
from nats.js.api import AckPolicy, ConsumerConfig, StorageType, StreamConfig
from plein_events import Envelope, Event, Followed, envelope_for
from plein_events.eventstore import EventStoreOutbox, PleinApplication, eventsourcing_env
from plein_events.personal import new_person_key, seal_envelope
from plein_events.posts import ReplyPosted
from plein_events.projection import Projection, ProjectionRunner
from plein_events.relay import OutboxRelay
from plein_events.stream import ensure_streams
from plein_platform.database import migrate, platform_migrations, schema_pool
from plein_platform.embedded import EmbeddedNats, embedded_postgres
from plein_platform.runtime import connect_nats
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from synthetic import share_person_keys

console = Console()
SCHEMA = "bench"


class Fan(Aggregate):
    @event("Registered")
    def __init__(self) -> None:
        self.stars: list[UUID] = []

    @event("Followed")
    def follow(self, star: UUID) -> None:
        self.stars.append(star)

    @event("Replied")
    def reply(self, post_id: UUID, post_author_id: UUID, text: str) -> None:
        self.text = text


class BenchApp(PleinApplication):
    name = "bench"


def to_contract(domain_event: Any) -> Event | None:
    if isinstance(domain_event, Fan.Followed):
        return Followed(follower_id=domain_event.originator_id, followee_id=domain_event.star)
    if isinstance(domain_event, Fan.Replied):
        return reply_event(
            domain_event.originator_id,
            domain_event.post_id,
            domain_event.post_author_id,
            domain_event.text,
        )
    return None


def reply_event(writer: UUID, post_id: UUID, post_author_id: UUID, text: str) -> ReplyPosted:
    return ReplyPosted(
        reply_id=writer,
        post_id=post_id,
        parent_id=post_id,
        post_author_id=post_author_id,
        parent_author_id=post_author_id,
        author_id=writer,
        real_author_id=writer,
        text=text,
    )


def reply_text(i: int) -> str:
    return f"Reply {i}: thanks, that helps, let us discuss it on Thursday with the team."


async def on_replied(conn: Any, evt: ReplyPosted, envelope: Envelope) -> None:
    await conn.execute(
        "INSERT INTO bench_follows (follower_id, followee_id, at, text) VALUES (%s, %s, %s, %s) "
        "ON CONFLICT DO NOTHING",
        (evt.author_id, evt.post_id, envelope.occurred_at, evt.text),
    )


async def on_followed(conn: Any, evt: Followed, envelope: Envelope) -> None:
    await conn.execute(
        "INSERT INTO bench_follows (follower_id, followee_id, at) VALUES (%s, %s, %s) "
        "ON CONFLICT DO NOTHING",
        (evt.follower_id, evt.followee_id, envelope.occurred_at),
    )


async def baseline(nats_url: str, n: int, words: bool = False) -> float:
    """Raw nats-py: publish n envelopes, fetch them back 500 at a time, decode, ack."""
    nc = await connect_nats(nats_url, name="bench-baseline")
    js = nc.jetstream()
    await js.add_stream(
        StreamConfig(name="BASELINE", subjects=["baseline.>"], storage=StorageType.FILE)
    )
    bodies = [
        envelope_for(
            reply_event(uuid4(), uuid4(), uuid4(), reply_text(i))
            if words
            else Followed(follower_id=uuid4(), followee_id=uuid4()),
            aggregate_id=str(i),
            aggregate_version=1,
            occurred_at=datetime.now(UTC),
            actor_id=None,
        )
        .model_dump_json()
        .encode()
        for i in range(n)
    ]
    started = time.perf_counter()
    for i in range(0, n, 1000):
        await asyncio.gather(
            *(
                js.publish("baseline.Followed", body, headers={"Nats-Msg-Id": f"b{i + j}"})
                for j, body in enumerate(bodies[i : i + 1000])
            )
        )
    await js.add_consumer("BASELINE", ConsumerConfig(durable_name="raw", ack_policy=AckPolicy.ALL))
    sub = await js.pull_subscribe_bind("raw", "BASELINE")
    received = 0
    while received < n:
        msgs = await sub.fetch(500, timeout=5)
        for msg in msgs:
            json.loads(msg.data)
        await msgs[-1].ack()
        received += len(msgs)
    elapsed = time.perf_counter() - started
    await js.delete_stream("BASELINE")
    await nc.close()
    return n / elapsed


async def pipeline(
    database_url: str, nats_url: str, n: int, words: bool = False
) -> tuple[float, float]:
    """Relay + projection over n stored events; returns (events/s, seconds to store them)."""
    await migrate(database_url, SCHEMA, [("platform", platform_migrations())])
    pool = schema_pool(database_url, SCHEMA)
    await pool.open()
    async with pool.connection() as conn:
        await conn.execute(
            "CREATE TABLE bench_follows (follower_id uuid, followee_id uuid, "
            "at timestamptz, text text, PRIMARY KEY (follower_id, followee_id))"
        )
    app = BenchApp(env=eventsourcing_env(database_url, SCHEMA))
    stars = [uuid4() for _ in range(100)]
    keys: dict[UUID, bytes] = {}
    store_started = time.perf_counter()
    # Replies are bigger: saved 200 at a time (a psycopg pipeline of 1,000 of them stalls).
    chunk = 200 if words else 1000
    for i in range(0, n, chunk):
        fans = []
        for j in range(i, min(i + chunk, n)):
            fan = Fan()
            if words:
                fan.reply(stars[j % len(stars)], stars[0], reply_text(j))
                keys[fan.id] = new_person_key()
            else:
                fan.follow(stars[j % len(stars)])
            fans.append(fan)
        await asyncio.to_thread(app.save, *fans)
    store_s = time.perf_counter() - store_started

    nc = await connect_nats(nats_url, name="bench-pipeline")
    js = nc.jetstream()
    await ensure_streams(js)
    # Every writer's key in the bucket, as identity shares them (not timed).
    await share_person_keys(js, keys)
    relay = OutboxRelay(
        "outbox:bench",
        EventStoreOutbox(app, to_contract, lambda e: seal_envelope(e, keys.get)),
        pool,
        js,
        batch_size=1000,
        producer=ReplyPosted.producer if words else Followed.producer,
    )
    handlers: dict[Any, Any] = {ReplyPosted: on_replied} if words else {Followed: on_followed}
    runner = ProjectionRunner(
        Projection("bench", handlers, ("bench_follows",)), pool, js, batch_size=500
    )
    stop = asyncio.Event()
    started = time.perf_counter()
    tasks = [asyncio.create_task(relay.run(stop)), asyncio.create_task(runner.run(stop))]
    with Progress(console=console, transient=True) as progress:
        bar = progress.add_task("relay -> NATS -> projection", total=n)
        while runner.stats.applied < n:
            await asyncio.sleep(0.05)
            progress.update(bar, completed=runner.stats.applied)
    elapsed = time.perf_counter() - started
    stop.set()
    await asyncio.gather(*tasks)
    async with pool.connection() as conn:
        cur = await conn.execute("SELECT count(*) FROM bench_follows")
        row = await cur.fetchone()
        assert row is not None and row[0] == n, f"projection holds {row}, expected {n}"
    app.close()
    await nc.close()
    await pool.close()
    return n / elapsed, store_s


async def main(n: int, out: Path, words: bool = False) -> None:
    with ExitStack() as stack:
        import os

        database_url = os.environ.get("PLEIN_DATABASE_URL")
        nats_url = os.environ.get("PLEIN_NATS_URL")
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="plein-bench-")))
        if not database_url:
            database_url = stack.enter_context(embedded_postgres(tmp / "postgres"))
        if not nats_url:
            server = EmbeddedNats(tmp / "nats")
            nats_url = server.start()
            stack.callback(server.stop)
        console.print(f"{n} events; PostgreSQL and NATS on this machine")
        raw = await baseline(nats_url, n, words)
        ours, store_s = await pipeline(database_url, nats_url, n, words)

    ratio = ours / raw
    table = Table(title="bench/pipeline.py")
    table.add_column("measure")
    table.add_column("events/s", justify="right")
    table.add_row("baseline: raw nats-py publish + fetch(500) + decode + ack", f"{raw:,.0f}")
    table.add_row("pipeline: outbox relay -> JetStream -> projection (PostgreSQL)", f"{ours:,.0f}")
    table.add_row("ratio pipeline / baseline (goal >= 0.30)", f"{ratio:.2f}")
    table.add_row("(not in the ratio) storing the events with eventsourcing", f"{n / store_s:,.0f}")
    console.print(table)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "events": n,
                "words": words,
                "baseline_eps": raw,
                "pipeline_eps": ours,
                "ratio": ratio,
                "store_eps": n / store_s,
            },
            indent=2,
        )
    )
    console.print(f"written to {out}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--words", action="store_true", help="replies with text, sealed")
    parser.add_argument("--out", type=Path, default=Path("bench/results/pipeline.json"))
    args = parser.parse_args()
    asyncio.run(main(args.events, args.out, args.words))
