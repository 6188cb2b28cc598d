"""Benchmark: notify's projection (who is told what, consolidation, idempotent causes,
preferences, e-mail queue) next to the simplest projection, on the same stream.

Both are measured in the same run, on the same servers, over the same messages in the `PLEIN`
stream, with the same ProjectionRunner and batch size:
- baseline: one PostgreSQL row per event (what bench/pipeline.py's projection does);
- notify: notify's real handlers over a realistic mix: replies in threads with several
  participants (one notification per participant, consolidated), reactions (aggregated),
  new followers and mentions.
Reported: events/s for each and the ratio notify / baseline.

    uv run python bench/notify.py --events 10000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from plein_events import Envelope, Event, envelope_for
from plein_events.identity import Followed, UserRegistered
from plein_events.posts import PostCreated, Reacted, ReplyPosted
from plein_events.projection import Projection, ProjectionRunner
from plein_events.stream import ensure_streams
from plein_notify.consumers import Notifications
from plein_notify.service import NotifyService
from plein_notify.settings import NotifySettings
from plein_platform.database import migrate, platform_migrations, schema_pool
from plein_platform.embedded import EmbeddedNats, embedded_postgres
from plein_platform.runtime import connect_nats
from rich.console import Console
from rich.table import Table

console = Console()
SCHEMA = "notify"


def workload(n: int, people: int = 200, threads: int = 300) -> list[Event]:
    """n events after the people register: replies 60%, reactions 25%, follows 10%, mentions 5%."""
    rng = random.Random(7)
    ids = [uuid4() for _ in range(people)]
    events: list[Event] = [
        UserRegistered(user_id=p, email=f"p{i}@example.com", display_name=f"Person {i}")
        for i, p in enumerate(ids)
    ]
    posts = [(uuid4(), rng.choice(ids)) for _ in range(threads)]
    for post_id, author in posts:
        events.append(
            PostCreated(post_id=post_id, author_id=author, real_author_id=author, text="Vraag?")
        )
    for _ in range(n):
        post_id, post_author = rng.choice(posts)
        actor = rng.choice(ids)
        roll = rng.random()
        if roll < 0.60:
            events.append(
                ReplyPosted(
                    reply_id=uuid4(),
                    post_id=post_id,
                    parent_id=post_id,
                    post_author_id=post_author,
                    parent_author_id=post_author,
                    author_id=actor,
                    real_author_id=actor,
                    text="Een antwoord " * 5,
                )
            )
        elif roll < 0.85:
            events.append(
                Reacted(
                    post_id=post_id, target_author_id=post_author, user_id=actor, reaction="like"
                )
            )
        elif roll < 0.95:
            events.append(Followed(follower_id=actor, followee_id=rng.choice(ids)))
        else:
            mentioned: list[UUID] = rng.sample(ids, 3)
            events.append(
                PostCreated(
                    post_id=uuid4(),
                    author_id=actor,
                    real_author_id=actor,
                    text="Kijk hier eens naar",
                    mentions=mentioned,
                )
            )
    return events


async def publish(js: Any, events: list[Event]) -> None:
    at = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    bodies = []
    for i, payload in enumerate(events):
        envelope = envelope_for(
            payload,
            aggregate_id=str(i),
            aggregate_version=1,
            occurred_at=at + timedelta(seconds=i),
            actor_id=None,
        )
        bodies.append((envelope.subject, envelope.model_dump_json().encode(), envelope.msg_id))
    for start in range(0, len(bodies), 1000):
        await asyncio.gather(
            *(
                js.publish(subject, body, headers={"Nats-Msg-Id": msg_id})
                for subject, body, msg_id in bodies[start : start + 1000]
            )
        )


async def one_row_per_event(conn: Any, _: Event, envelope: Envelope) -> None:
    await conn.execute(
        "INSERT INTO bench_events (event_id, type, at) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
        (envelope.event_id, envelope.type, envelope.occurred_at),
    )


async def timed(runner: ProjectionRunner, total: int) -> float:
    stop = asyncio.Event()
    started = time.perf_counter()
    task = asyncio.create_task(runner.run(stop))
    while runner.stats.applied + runner.stats.dead_lettered < total:
        await asyncio.sleep(0.02)
    elapsed = time.perf_counter() - started
    stop.set()
    await task
    assert runner.stats.dead_lettered == 0, "a handler failed"
    return total / elapsed


async def main(n: int, out: Path) -> None:
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="plein-bench-")))
        database_url = stack.enter_context(embedded_postgres(tmp / "postgres"))
        server = EmbeddedNats(tmp / "nats")
        nats_url = server.start()
        stack.callback(server.stop)

        await migrate(
            database_url,
            SCHEMA,
            [("platform", platform_migrations()), ("notify", NotifyService().migrations())],
        )
        pool = schema_pool(database_url, SCHEMA)
        await pool.open()
        async with pool.connection() as conn:
            await conn.execute(
                "CREATE TABLE bench_events (event_id uuid PRIMARY KEY, type text, at timestamptz)"
            )
        nc = await connect_nats(nats_url, name="bench-notify")
        js = nc.jetstream()
        await ensure_streams(js)
        events = workload(n)
        await publish(js, events)
        console.print(f"{len(events)} events in the stream ({n} after people and threads)")

        notify = Notifications(NotifySettings()).projection()
        baseline = Projection("baseline", dict.fromkeys(notify.handlers, one_row_per_event))
        raw = await timed(ProjectionRunner(baseline, pool, js, batch_size=500), len(events))
        ours = await timed(ProjectionRunner(notify, pool, js, batch_size=500), len(events))
        async with pool.connection() as conn:
            cur = await conn.execute(
                "SELECT (SELECT count(*) FROM notifications), (SELECT count(*) FROM causes)"
            )
            row = await cur.fetchone()
            entries, causes = (int(row[0]), int(row[1])) if row else (0, 0)
        await nc.close()
        await pool.close()

    ratio = ours / raw
    table = Table(title="bench/notify.py")
    table.add_column("measure")
    table.add_column("events/s", justify="right")
    table.add_row("baseline: projection writing one row per event", f"{raw:,.0f}")
    table.add_row("notify: recipients, consolidation, causes, e-mail queue", f"{ours:,.0f}")
    table.add_row("ratio notify / baseline", f"{ratio:.2f}")
    console.print(table)
    console.print(
        f"{causes} notifications delivered ({causes / len(events):.1f} per event, "
        f"{causes * ours / len(events):,.0f}/s), {entries} inbox entries after consolidation"
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "events": len(events),
                "baseline_eps": raw,
                "notify_eps": ours,
                "ratio": ratio,
                "inbox_entries": entries,
                "notifications_delivered": causes,
            },
            indent=2,
        )
    )
    console.print(f"written to {out}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--out", type=Path, default=Path("bench/results/notify.json"))
    args = parser.parse_args()
    asyncio.run(main(args.events, args.out))
