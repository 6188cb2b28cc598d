"""Benchmark: reading a thread from its event-sourced aggregate, next to fetching its stored
events raw.

`GET /posts/{id}` rebuilds the thread from the event store on every read (that is what gives
read-your-own-writes). Measured in the same run, on the same PostgreSQL, for threads of
growing length (a reply or a reaction is one event each):
- baseline: the eventsourcing recorder selects the thread's stored events (rows only);
- uncached: the thread view a reader receives, rebuilt from all its events (select + decode +
  apply every event + view);
- cached: the same with posts' aggregate cache (what the service runs): the cached thread is
  fast-forwarded by the events stored since (none here: one indexed select), deep-copied, viewed.
Reported: reads/s for each and their ratios to the baseline.

    uv run python bench/posts_thread.py
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import psycopg
from eventsourcing.application import Repository
from plein_events.eventstore import eventsourcing_env
from plein_platform.embedded import embedded_postgres
from plein_posts.app import PostsApplication
from plein_posts.domain import REACTIONS, Access, Post
from plein_posts.views import thread_view
from rich.console import Console
from rich.table import Table

console = Console()
SCHEMA = "bench_posts"


def build_thread(app: PostsApplication, events: int) -> Post:
    """A thread of `events` events: the post, then replies and reactions alternating."""
    author = uuid4()
    post = Post(
        author_id=author,
        real_author_id=author,
        text="Wie gaat er mee naar de kerstborrel? #kerstborrel",
        group_id=None,
        group_private=False,
        kind="question",
        mentions=[],
        topics=["kerstborrel"],
    )
    now = datetime.now(UTC)
    parents = [None]
    for n in range(events - 1):
        person = uuid4()
        access = Access(person, person, None)
        if n % 2 == 0:
            reply = post.reply(access, uuid4(), parents[-1], f"Ik kom ook, nummer {n}", [], now)
            parents.append(reply.id if n % 6 == 0 else None)
        else:
            post.react(access, None, REACTIONS[n % len(REACTIONS)])
        if n % 50 == 0:
            # Saved in slices, as requests do: psycopg's pipelined insert of ~1,000 events in
            # one save stalls on this machine.
            app.save(post)
    app.save(post)
    return post


def rate(read: Callable[[], object], seconds: float) -> float:
    """Reads per second of `read`, run for about `seconds`."""
    read()  # warm caches and connections
    count, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        read()
        count += 1
    return count / elapsed


def measure(database_url: str, sizes: list[int], seconds: float) -> list[dict[str, float]]:
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    env = eventsourcing_env(database_url, SCHEMA)
    app = PostsApplication(env=env)
    # The same event store without the cache (a second application on the same tables would
    # contend for the recorder's table lock).
    uncached = Repository(event_store=app.events)
    assert app.repository.cache is not None
    rows = []
    try:
        for size in sizes:
            post = build_thread(app, size)
            reader = Access(uuid4(), uuid4(), None)
            baseline = rate(lambda: app.recorder.select_events(post.id), seconds)  # noqa: B023
            full = rate(lambda: thread_view(uncached.get(post.id), reader), seconds)  # noqa: B023
            cached = rate(lambda: thread_view(app.post(post.id), reader), seconds)  # noqa: B023
            rows.append(
                {
                    "events": size,
                    "baseline_rps": baseline,
                    "uncached_rps": full,
                    "cached_rps": cached,
                    "uncached_ratio": full / baseline,
                    "cached_ratio": cached / baseline,
                }
            )
    finally:
        app.close()
    return rows


async def main(sizes: list[int], seconds: float, out: Path) -> None:
    with ExitStack() as stack:
        database_url = os.environ.get("PLEIN_DATABASE_URL")
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="plein-bench-")))
        if not database_url:
            database_url = stack.enter_context(embedded_postgres(tmp / "postgres"))
        rows = await asyncio.to_thread(measure, database_url, sizes, seconds)
    table = Table(title="bench/posts_thread.py: reading one thread")
    columns = ("events", "baseline reads/s", "uncached", "cached", "uncached/base", "cached/base")
    for column in columns:
        table.add_column(column, justify="right")
    for r in rows:
        table.add_row(
            str(r["events"]),
            f"{r['baseline_rps']:,.0f}",
            f"{r['uncached_rps']:,.0f}",
            f"{r['cached_rps']:,.0f}",
            f"{r['uncached_ratio']:.2f}",
            f"{r['cached_ratio']:.2f}",
        )
    console.print(table)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(rows, indent=2))
    console.print(f"written to {out}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--out", type=Path, default=Path("bench/results/posts_thread.json"))
    args = parser.parse_args()
    asyncio.run(main(args.sizes, args.seconds, args.out))
