"""Benchmark: the feed on a synthetic organisation, each figure next to a same-run baseline.

1. Projection throughput: the feed projection consumes the synthetic stream from scratch
   (events/s), next to raw nats-py fetching the same messages (fetch(500) + JSON decode + ack).
2. Fan-out: PostCreated published in the 1,000-member group until it is in every member's
   timeline (p50/p99), next to the same message's delivery to a plain NATS subscriber; and a
   post in the all-company group (fan-out on read: visible once stored).
3. Home feed reads over HTTP on loopback under 50 concurrent readers (p50/p99, latest and
   relevant order), next to the same service's /health under the same load.
4. Full rebuild: `plein replay feed` over the whole stream (minutes).

    uv run python bench/feed.py --events 200000            # 10,000 people, 200 groups
    uv run python bench/feed.py --events 1000000 --people 10000 --groups 200
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from plein_events import envelope_for
from plein_events.posts import PostCreated
from plein_events.projection import ProjectionRunner
from plein_events.stream import STREAM_NAME, ensure_streams
from plein_feed.consumers import timelines
from plein_feed.service import FeedService
from plein_feed.settings import FeedSettings
from plein_identity.tokens import KeyStore, issue_access_token
from plein_platform.database import migrate, platform_migrations, schema_pool
from plein_platform.embedded import EmbeddedNats, embedded_postgres, free_port
from plein_platform.runtime import connect_nats
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

sys.path.insert(0, str(Path(__file__).parent))
from synthetic import Organisation  # noqa: E402

console = Console()


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def publish_all(js: Any, bodies: list[tuple[str, bytes, str]]) -> float:
    """Publish the envelopes in windows of 1,000; returns messages/s."""
    started = time.perf_counter()
    with Progress(console=console, transient=True) as progress:
        bar = progress.add_task("publishing the organisation", total=len(bodies))
        for i in range(0, len(bodies), 1000):
            window = bodies[i : i + 1000]
            await asyncio.gather(
                *(js.publish(s, b, headers={"Nats-Msg-Id": m}) for s, b, m in window)
            )
            progress.update(bar, completed=i + len(window))
    return len(bodies) / (time.perf_counter() - started)


async def raw_fetch(js: Any, n: int) -> float:
    """Baseline: a pull consumer fetches the same messages 500 at a time, decodes, acks."""
    await js.add_consumer(
        STREAM_NAME,
        ConsumerConfig(
            durable_name="raw-baseline",
            ack_policy=AckPolicy.ALL,
            deliver_policy=DeliverPolicy.ALL,
            max_ack_pending=1000,
        ),
    )
    sub = await js.pull_subscribe_bind("raw-baseline", STREAM_NAME)
    started = time.perf_counter()
    received = 0
    while received < n:
        msgs = await sub.fetch(500, timeout=5)
        for msg in msgs:
            json.loads(msg.data)
        await msgs[-1].ack()
        received += len(msgs)
    elapsed = time.perf_counter() - started
    await sub.unsubscribe()
    await js.delete_consumer(STREAM_NAME, "raw-baseline")
    return n / elapsed


async def project(runner: ProjectionRunner, n: int) -> float:
    """The feed projection consumes the stream from an empty read model; returns events/s."""
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop))
    started = time.perf_counter()
    with Progress(console=console, transient=True) as progress:
        bar = progress.add_task("feed projection", total=n)
        while True:
            position = await runner.position()
            progress.update(bar, completed=position)
            if position >= n:
                break
            await asyncio.sleep(0.2)
    elapsed = time.perf_counter() - started
    stop.set()
    # The runner's fetch may end in asyncio's TimeoutError when the stream runs dry at the
    # moment it is told to stop; the projection is complete either way.
    with contextlib.suppress(TimeoutError):
        await task
    return n / elapsed


def serve(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    """identity and feed in their own process, as `plein run` serves them."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "plein_platform.cli",
            "run",
            "--service",
            "identity",
            "--service",
            "feed",
            "--port",
            str(port),
            "--no-seed",
        ],
        env={**env, "PLEIN_LOG_LEVEL": "WARNING"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def wait_ready(base: str) -> None:
    async with httpx.AsyncClient() as http:
        for _ in range(600):
            try:
                if (await http.get(f"{base}/api/feed/ready")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError("the server did not become ready")


async def fan_out_latency(
    js: Any, nc: Any, pool: Any, org: Organisation, samples: int
) -> dict[str, list[float]]:
    """Per sample: seconds from publish to (a) a plain subscriber having it, (b) every member of
    the 1,000-member group having it in their timeline, (c) an all-company post stored."""
    group = org.fanout_group
    author = org.people[group.members[0]]
    delivered: dict[str, float] = {}

    async def on_msg(msg: Any) -> None:
        delivered[json.loads(msg.data)["payload"]["post_id"]] = time.perf_counter()

    sub = await nc.subscribe("plein.posts.PostCreated", cb=on_msg)
    out: dict[str, list[float]] = {"nats": [], "fanout_1000": [], "all_company_read": []}
    for i in range(samples):
        for target, key in ((group, "fanout_1000"), (org.all_company, "all_company_read")):
            post = PostCreated(
                post_id=uuid4(),
                author_id=author,
                real_author_id=author,
                group_id=target.group_id,
                text=f"timed post {i}",
            )
            envelope = envelope_for(
                post,
                aggregate_id=f"timed-{key}-{i}",
                aggregate_version=1,
                occurred_at=datetime.now(UTC),
                actor_id=None,
            )
            started = time.perf_counter()
            await js.publish(
                envelope.subject,
                envelope.model_dump_json().encode(),
                headers={"Nats-Msg-Id": envelope.msg_id},
            )
            expected = len(group.members) if target is group else 1
            async with pool.connection() as conn:
                while True:
                    cur = await conn.execute(
                        "SELECT count(*) FROM timeline_entries WHERE post_id = %s",
                        (post.post_id,),
                    )
                    row = await cur.fetchone()
                    if row and row[0] >= expected:
                        break
                    await asyncio.sleep(0.002)
            out[key].append(time.perf_counter() - started)
            while str(post.post_id) not in delivered:
                await asyncio.sleep(0.001)
            out["nats"].append(delivered[str(post.post_id)] - started)
    await sub.unsubscribe()
    return out


async def read_latency(
    base: str, tokens: list[str], path: str, params: dict[str, Any], *, readers: int, each: int
) -> list[float]:
    """Seconds per request, `readers` concurrent clients doing `each` requests."""
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=readers, max_keepalive_connections=readers)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as http:

        async def reader(r: int) -> None:
            for k in range(each):
                token = tokens[(r * each + k) % len(tokens)]
                started = time.perf_counter()
                response = await http.get(
                    path, params=params, headers={"Authorization": f"Bearer {token}"}
                )
                latencies.append(time.perf_counter() - started)
                assert response.status_code == 200, response.text

        await asyncio.gather(*(reader(r) for r in range(readers)))
    return latencies


async def main(args: argparse.Namespace) -> None:
    org = Organisation.generate(people=args.people, groups=args.groups, seed=args.seed)
    console.print(
        f"{args.events:,} events: {len(org.people):,} people, {len(org.groups)} groups, "
        f"{len(org.follows):,} follows, {org.structure_size():,} structure events"
    )
    bodies = [
        (e.subject, e.model_dump_json().encode(), e.msg_id) for e in org.envelopes(args.events)
    ]
    n = len(bodies)
    results: dict[str, Any] = {
        "events": n,
        "people": len(org.people),
        "groups": len(org.groups),
        "follows": len(org.follows),
    }
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="plein-bench-feed-")))
        database_url = os.environ.get("PLEIN_DATABASE_URL") or stack.enter_context(
            embedded_postgres(tmp / "postgres")
        )
        nats_url = os.environ.get("PLEIN_NATS_URL")
        if not nats_url:
            server = EmbeddedNats(tmp / "nats")
            nats_url = server.start()
            stack.callback(server.stop)
        nc = await connect_nats(nats_url, name="bench-feed")
        js = nc.jetstream()
        await ensure_streams(js)
        results["publish_eps"] = await publish_all(js, bodies)
        del bodies

        results["baseline_fetch_eps"] = await raw_fetch(js, n)
        console.print(f"baseline raw fetch: {results['baseline_fetch_eps']:,.0f} msg/s")

        service = FeedService()
        await migrate(
            database_url,
            "feed",
            [("platform", platform_migrations()), ("feed", service.migrations())],
        )
        pool = schema_pool(database_url, "feed")
        await pool.open()
        settings = FeedSettings()
        runner = ProjectionRunner(timelines(lambda: settings), pool, js, batch_size=500)
        results["projection_eps"] = await project(runner, n)
        console.print(f"feed projection: {results['projection_eps']:,.0f} events/s")
        save(args.out, results)
        async with pool.connection() as conn:
            cur = await conn.execute("SELECT count(*) FROM timeline_entries")
            row = await cur.fetchone()
            results["timeline_entries"] = int(row[0]) if row else 0
        await runner.delete_consumer()

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "PLEIN_DATABASE_URL": database_url,
            "PLEIN_NATS_URL": nats_url,
            "PLEIN_PORT": str(port),
            "PLEIN_SEED_DEMO": "false",
        }
        process = serve(env, port)
        try:
            await wait_ready(base)
            fan = await fan_out_latency(js, nc, pool, org, args.samples)
            results["fanout"] = {
                k: {"p50_ms": pct(v, 0.5) * 1000, "p99_ms": pct(v, 0.99) * 1000}
                for k, v in fan.items()
            }
            save(args.out, results)
            identity = schema_pool(database_url, "identity")
            await identity.open()
            key = await KeyStore(identity).ensure_key()
            await identity.close()
            now = datetime.now(UTC)
            tokens = [
                issue_access_token(
                    key,
                    user_id=UUID(str(org.people[i])),
                    name=f"Person {i}",
                    issuer="plein",
                    audience="plein",
                    now=now,
                    ttl=timedelta(hours=2),
                )
                for i in range(0, len(org.people), max(1, len(org.people) // 500))
            ]
            await read_latency(base, tokens, "/api/feed/home", {}, readers=10, each=20)  # warm-up
            reads: dict[str, list[float]] = {}
            for name, path, params in (
                ("baseline /health", "/api/feed/health", {}),
                ("home latest", "/api/feed/home", {"limit": 20}),
                ("home relevant", "/api/feed/home", {"limit": 20, "order": "relevant"}),
            ):
                reads[name] = await read_latency(
                    base, tokens, path, params, readers=args.readers, each=args.reads_each
                )
            results["reads"] = {
                k: {
                    "p50_ms": pct(v, 0.5) * 1000,
                    "p99_ms": pct(v, 0.99) * 1000,
                    "requests_per_s": len(v) / max(1e-9, sum(v) / args.readers),
                    "mean_ms": statistics.mean(v) * 1000,
                }
                for k, v in reads.items()
            }
        finally:
            process.terminate()
            process.wait(timeout=60)

        started = time.perf_counter()
        replay = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "plein_platform.cli", "replay", "feed"],
            env=env,
            capture_output=True,
            text=True,
        )
        assert replay.returncode == 0, replay.stderr
        results["rebuild_minutes"] = (time.perf_counter() - started) / 60
        async with pool.connection() as conn:
            cur = await conn.execute("SELECT count(*) FROM posts")
            row = await cur.fetchone()
            results["posts"] = int(row[0]) if row else 0
        await pool.close()
        await nc.close()

    report(results)
    save(args.out, results)
    console.print(f"written to {args.out}")


def save(out: Path, results: dict[str, Any]) -> None:
    """Write what is measured so far (a later phase failing keeps the earlier figures)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))


def report(r: dict[str, Any]) -> None:
    table = Table(title=f"bench/feed.py: {r['events']:,} events, {r['people']:,} people")
    table.add_column("measure")
    table.add_column("result", justify="right")
    table.add_column("baseline (same run)", justify="right")
    table.add_column("ratio", justify="right")
    table.add_row(
        "projection throughput (events/s)",
        f"{r['projection_eps']:,.0f}",
        f"raw fetch {r['baseline_fetch_eps']:,.0f}",
        f"{r['projection_eps'] / r['baseline_fetch_eps']:.2f}",
    )
    fan, nats = r["fanout"]["fanout_1000"], r["fanout"]["nats"]
    table.add_row(
        "PostCreated -> in all 1,000 members' timelines p50 / p99 (ms)",
        f"{fan['p50_ms']:.0f} / {fan['p99_ms']:.0f}",
        f"NATS delivery {nats['p50_ms']:.1f} / {nats['p99_ms']:.1f}",
        "",
    )
    read = r["fanout"]["all_company_read"]
    table.add_row(
        "all-company post stored (fan-out on read) p50 / p99 (ms)",
        f"{read['p50_ms']:.0f} / {read['p99_ms']:.0f}",
        "",
        "",
    )
    health = r["reads"]["baseline /health"]
    for name in ("home latest", "home relevant"):
        x = r["reads"][name]
        table.add_row(
            f"{name}, 50 readers, p50 / p99 (ms)",
            f"{x['p50_ms']:.1f} / {x['p99_ms']:.1f}",
            f"/health {health['p50_ms']:.1f} / {health['p99_ms']:.1f}",
            f"{x['p99_ms'] / health['p99_ms']:.1f}x",
        )
    table.add_row("full rebuild by replay (minutes)", f"{r['rebuild_minutes']:.1f}", "", "")
    table.add_row("timeline rows after the projection", f"{r['timeline_entries']:,}", "", "")
    console.print(table)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--groups", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--samples", type=int, default=50, help="timed fan-out posts")
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--reads-each", type=int, default=40)
    parser.add_argument("--out", type=Path, default=Path("bench/results/feed.json"))
    asyncio.run(main(parser.parse_args()))
