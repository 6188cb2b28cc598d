"""Benchmark: the feed on a synthetic organisation, each figure next to a same-run baseline.

1. Projection throughput: the feed projection consumes the synthetic stream from scratch
   (events/s), next to raw nats-py fetching the same messages (fetch(500) + JSON decode + ack).
2. Fan-out: PostCreated published in the 1,000-member group until it is in every member's
   timeline (p50/p99), next to the same message's delivery to a plain NATS subscriber; and a
   post in the all-company group (fan-out on read: visible once stored).
3. Home feed reads over HTTP on loopback, served as in production: feed alone in
   `plein run --service feed --workers N` (N processes on one port; identity, which only
   hands out its JWKS here, in a process of its own). The load comes from `wrk` (a separate
   C process; `make bench-tools` installs it), 50 connections, each request with the next
   reader's token; `latest`, `relevant` and the service's /health (the baseline) in turn:
   a. closed loop: every connection sends its next request as soon as the answer comes
      (saturation: throughput and latency, bounded by the machine's cores);
   b. paced: every connection waits a random think time (exponential, mean --think-ms)
      between requests, readers refreshing at a human pace (50 readers x 1/0.25 s = about
      200 reads/s); the latency a reader sees when the server is not saturated.
   Next to them, the server-side cost of one home read: `app.home` timed in this process,
   one read at a time.
4. Full rebuild: `plein replay feed` over the whole stream (minutes).

    uv run python bench/feed.py --events 200000            # 10,000 people, 200 groups
    uv run python bench/feed.py --events 1000000 --people 10000 --groups 200
    uv run python bench/feed.py --reads-only   # phase 3 again on PLEIN_DATABASE_URL's data
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
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
from plein_events.identity import GroupCreated, MemberJoined
from plein_events.personal import new_person_key
from plein_events.posts import PostCreated
from plein_events.projection import ProjectionRunner
from plein_events.stream import STREAM_NAME, ensure_streams
from plein_feed import app as feed_app
from plein_feed.consumers import timelines
from plein_feed.service import FeedService
from plein_feed.settings import FeedSettings
from plein_feed.trimming import TimelineTrimmer
from plein_identity.tokens import KeyStore, issue_access_token
from plein_platform.database import migrate, platform_migrations, schema_pool
from plein_platform.embedded import (
    PRODUCTION_SETTINGS,
    EmbeddedNats,
    embedded_postgres,
    free_port,
)
from plein_platform.runtime import connect_nats
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

sys.path.insert(0, str(Path(__file__).parent))
from synthetic import (  # noqa: E402
    FANOUT_GROUP_SIZE,
    Organisation,
    sealed,
    share_person_keys,
)

console = Console()
WRK_SCRIPT = Path(__file__).parent / "feed_reads.lua"


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


async def project(
    runner: ProjectionRunner, n: int, trimmer: TimelineTrimmer | None = None
) -> float:
    """The feed projection consumes the stream from an empty read model; returns events/s.

    With `trimmer`, its passes run beside the projection (as the service runs them), so the
    throughput is what is left with trimming going on."""
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop))
    trimming = asyncio.create_task(trimmer.run(stop)) if trimmer else None
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
    if trimming:
        await trimming
    return n / elapsed


def serve(env: dict[str, str], port: int, service: str, workers: int) -> subprocess.Popen[bytes]:
    """`plein run --service SERVICE --workers N`, as a Kubernetes Deployment's pod runs it."""
    return subprocess.Popen(
        [sys.executable, "-m", "plein_platform.cli", "run", "--service", service]
        + ["--workers", str(workers), "--port", str(port), "--no-seed"],
        env={**env, "PLEIN_LOG_LEVEL": "WARNING"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def require_wrk() -> str:
    """The load generator's path; without it the benchmark stops before doing anything."""
    found = shutil.which("wrk")
    if not found:
        raise SystemExit(
            "bench/feed.py drives its read load with wrk, which is not installed: "
            "run `make bench-tools` (apt-get install wrk)."
        )
    return found


def wrk(
    url: str, tokens_file: Path, *, connections: int, seconds: float, think_ms: float
) -> dict[str, Any]:
    """One wrk run against `url`; its done() summary (latencies in microseconds)."""
    result = subprocess.run(
        [require_wrk(), "-t1", f"-c{connections}", f"-d{seconds:.0f}s", "--timeout", "10s"]
        + ["-s", str(WRK_SCRIPT), url, "--", str(tokens_file)],
        env={**os.environ, "WRK_THINK_MS": str(think_ms)},
        capture_output=True,
        text=True,
        check=True,
    )
    summary: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return summary


def process_tree(root: int) -> list[int]:
    """`root` and every process below it (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(stat.parent.name))
    tree: list[int] = []
    todo = [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def cpu_seconds(roots: list[int]) -> float:
    """User + system CPU time used so far by these processes and their descendants."""
    ticks = 0
    for root in roots:
        for pid in process_tree(root):
            with contextlib.suppress(OSError, ValueError, IndexError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def postmaster_pid(database_url: str) -> int | None:
    """The PostgreSQL server's pid when it runs here (its socket directory is its data
    directory, as with the embedded one), so that its CPU time can be counted."""
    from psycopg.conninfo import conninfo_to_dict

    host = str(conninfo_to_dict(database_url).get("host", ""))
    with contextlib.suppress(OSError, ValueError):
        return int((Path(host) / "postmaster.pid").read_text().split()[0])
    return None


def read_figures(summary: dict[str, Any]) -> dict[str, Any]:
    lat = summary["latency_us"]
    return {
        "requests": summary["requests"],
        "requests_per_s": summary["requests"] / (summary["duration_us"] / 1e6),
        "errors": summary["errors"],
        **{f"{k}_ms": v / 1000 for k, v in lat.items() if k != "stdev"},
    }


async def wait_ready(base: str, service: str) -> None:
    async with httpx.AsyncClient() as http:
        for _ in range(600):
            try:
                if (await http.get(f"{base}/api/{service}/ready")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError("the server did not become ready")


async def timed_group(js: Any, pool: Any, org: Organisation, size: int) -> tuple[UUID, list[UUID]]:
    """A new public group of `size` members (a fixed sample), joined after the projection ran;
    returns it once the feed counts every member."""
    rng = random.Random(org.seed + 2)
    group_id = UUID(int=rng.getrandbits(128), version=4)
    members = [org.people[i] for i in rng.sample(range(len(org.people)), size)]
    events: list[Any] = [GroupCreated(group_id=group_id, name="Fan-out timed", visibility="public")]
    events += [MemberJoined(group_id=group_id, user_id=m, via="open") for m in members]
    for i, event in enumerate(events):
        envelope = envelope_for(
            event,
            aggregate_id=f"timed-group-{i}",
            aggregate_version=1,
            occurred_at=datetime.now(UTC),
            actor_id=None,
        )
        await js.publish(envelope.subject, envelope.model_dump_json().encode())
    async with pool.connection() as conn:
        for _ in range(3000):
            cur = await conn.execute(
                "SELECT member_count, read_fanout FROM groups WHERE group_id = %s", (group_id,)
            )
            row = await cur.fetchone()
            if row and row[0] >= size:
                assert not row[1], "the timed group must be fanned out on write"
                return group_id, members
            await asyncio.sleep(0.05)
    raise RuntimeError("the feed did not take in the timed group")


async def fan_out_latency(
    js: Any, nc: Any, pool: Any, org: Organisation, samples: int, written: tuple[UUID, list[UUID]]
) -> dict[str, list[float]]:
    """Per sample: seconds from publish to (a) a plain subscriber having it, (b) every member
    of the 1,000-member `written` group having it in their timeline (fan-out on write),
    (c) a post in the synthetic 1,000-member group and (d) in the all-company group being
    stored (both fan-out on read at the default threshold: readable once stored)."""
    group_id, members = written
    author = members[0]
    delivered: dict[str, float] = {}

    async def on_msg(msg: Any) -> None:
        delivered[json.loads(msg.data)["payload"]["post_id"]] = time.perf_counter()

    sub = await nc.subscribe("plein.posts.PostCreated", cb=on_msg)
    targets = {
        "fanout_1000_write": group_id,
        "group_1000_read": org.fanout_group.group_id,
        "all_company_read": org.all_company.group_id,
    }
    out: dict[str, list[float]] = {"nats": []} | {key: [] for key in targets}
    for i in range(samples):
        for key, target in targets.items():
            post = PostCreated(
                post_id=uuid4(),
                author_id=author,
                real_author_id=author,
                group_id=target,
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
            async with pool.connection() as conn:
                while not await visible(conn, key, post.post_id, envelope.occurred_at, members):
                    await asyncio.sleep(0.002)
            out[key].append(time.perf_counter() - started)
            while str(post.post_id) not in delivered:
                await asyncio.sleep(0.001)
            out["nats"].append(delivered[str(post.post_id)] - started)
    await sub.unsubscribe()
    return out


async def visible(conn: Any, key: str, post_id: UUID, at: datetime, members: list[UUID]) -> bool:
    """Whether the timed post is readable: in every member's timeline (probed by the timeline
    key) for the written group, stored for the read-time audiences."""
    if key == "fanout_1000_write":
        cur = await conn.execute(
            "SELECT count(*) FROM timeline_entries WHERE owner_id = ANY(%s) "
            "AND created_at = %s AND post_id = %s",
            (members, at, post_id),
        )
        row = await cur.fetchone()
        return bool(row and row[0] >= len(members))
    cur = await conn.execute("SELECT 1 FROM posts WHERE post_id = %s", (post_id,))
    return await cur.fetchone() is not None


READS = (
    ("baseline /health", "/api/feed/health"),
    ("home latest", "/api/feed/home?limit=20"),
    ("home relevant", "/api/feed/home?limit=20&order=relevant"),
)


async def read_latency(
    base: str, tokens_file: Path, args: argparse.Namespace, servers: list[int]
) -> dict[str, Any]:
    """Both regimes, each endpoint in turn under the same load shape (wrk, an own process).

    Besides latency, the CPU time the serving processes (`servers`: the feed's processes and
    PostgreSQL's) spent per request: unlike throughput, it hardly moves when another load
    shares the machine.
    """
    for path in ("/api/feed/home?limit=20", "/api/feed/home?limit=20&order=relevant"):
        # warm-up: every worker process fetches the JWKS, fills its pool and its caches
        await asyncio.to_thread(
            wrk, base + path, tokens_file, connections=args.readers, seconds=5, think_ms=0
        )
    out: dict[str, Any] = {
        "server_processes": args.workers,
        "connections": args.readers,
        "seconds_each": args.read_seconds,
        "think_ms": args.think_ms,
    }
    for regime, think_ms in (("closed", 0.0), ("paced", args.think_ms)):
        out[regime] = {}
        for name, path in READS:
            cpu_before = cpu_seconds(servers)
            summary = await asyncio.to_thread(
                wrk,
                base + path,
                tokens_file,
                connections=args.readers,
                seconds=args.read_seconds,
                think_ms=think_ms,
            )
            figures = read_figures(summary)
            figures["server_cpu_ms_per_request"] = (
                (cpu_seconds(servers) - cpu_before) * 1000 / summary["requests"]
            )
            assert not any(figures["errors"].values()), (regime, name, figures["errors"])
            out[regime][name] = figures
            console.print(
                f"{regime:6} {name:17} p50 {figures['p50_ms']:7.1f} ms  "
                f"p99 {figures['p99_ms']:7.1f} ms  {figures['requests_per_s']:7.0f} req/s  "
                f"server CPU {figures['server_cpu_ms_per_request']:.2f} ms/req"
            )
    return out


async def server_cost(pool: Any, users: list[UUID], reads: int = 300) -> dict[str, Any]:
    """Milliseconds per home read inside the service (`app.home` with its queries and
    shaping; no HTTP, no token), one read at a time, cycling through `users`."""
    settings = FeedSettings()
    out: dict[str, Any] = {}
    for order in ("latest", "relevant"):
        times: list[float] = []
        async with pool.connection() as conn:
            for i in range(reads + 20):
                started = time.perf_counter()
                await feed_app.home(
                    conn,
                    users[i % len(users)],
                    order=order,
                    cursor=None,
                    limit=20,
                    explain=False,
                    now=datetime.now(UTC),
                    settings=settings,
                )
                if i >= 20:  # the first reads warm the caches
                    times.append(time.perf_counter() - started)
        out[order] = {"p50_ms": pct(times, 0.5) * 1000, "p99_ms": pct(times, 0.99) * 1000}
        console.print(
            f"server-side home {order}: p50 {out[order]['p50_ms']:.2f} ms, "
            f"p99 {out[order]['p99_ms']:.2f} ms"
        )
    return out


async def main(args: argparse.Namespace) -> None:
    require_wrk()
    org = Organisation.generate(people=args.people, groups=args.groups, seed=args.seed)
    console.print(
        f"{args.events:,} events: {len(org.people):,} people, {len(org.groups)} groups, "
        f"{len(org.follows):,} follows, {org.structure_size():,} structure events"
    )
    results: dict[str, Any] = {
        "events": args.events,
        "people": len(org.people),
        "groups": len(org.groups),
        "follows": len(org.follows),
    }
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="plein-bench-feed-")))
        database_url = os.environ.get("PLEIN_DATABASE_URL") or stack.enter_context(
            embedded_postgres(tmp / "postgres", settings=PRODUCTION_SETTINGS)
        )
        nats_url = os.environ.get("PLEIN_NATS_URL")
        if not nats_url:
            server = EmbeddedNats(tmp / "nats")
            nats_url = server.start()
            stack.callback(server.stop)
        nc = await connect_nats(nats_url, name="bench-feed")
        js = nc.jetstream()
        pool = schema_pool(database_url, "feed")
        if args.reads_only:
            results["reads_only"] = True
            await pool.open()
        else:
            await project_from_scratch(args, org, results, database_url, js, pool)
        if args.projection_only:
            report(results)
            save(args.out, results)
            await pool.close()
            await nc.close()
            return
        threshold = FeedSettings().fanout_threshold

        identity_port, feed_port = free_port(), free_port()
        env = {
            **os.environ,
            "PLEIN_DATABASE_URL": database_url,
            "PLEIN_NATS_URL": nats_url,
            "PLEIN_SEED_DEMO": "false",
        }
        identity_process = serve(env, identity_port, "identity", 1)
        feed_env = {
            **env,
            "PLEIN_JWKS_URL": (
                f"http://127.0.0.1:{identity_port}/api/identity/.well-known/jwks.json"
            ),
        }
        # Phase 2 times fan-out on write to 1,000 members, so the serving feed writes to
        # audiences of up to 1,000 (the projection above ran with the default threshold).
        feed_env["PLEIN_FEED_FANOUT_THRESHOLD"] = str(max(FANOUT_GROUP_SIZE, threshold))
        feed_process = serve(feed_env, feed_port, "feed", args.workers)
        base = f"http://127.0.0.1:{feed_port}"
        try:
            await wait_ready(f"http://127.0.0.1:{identity_port}", "identity")
            await wait_ready(base, "feed")
            if not args.reads_only:
                written = await timed_group(js, pool, org, FANOUT_GROUP_SIZE)
                fan = await fan_out_latency(js, nc, pool, org, args.samples, written)
                results["fanout"] = {
                    k: {"p50_ms": pct(v, 0.5) * 1000, "p99_ms": pct(v, 0.99) * 1000}
                    for k, v in fan.items()
                }
                save(args.out, results)
            readers = list(range(0, len(org.people), max(1, len(org.people) // 500)))
            users = [UUID(str(org.people[i])) for i in readers]
            tokens_file = tmp / "tokens"
            tokens_file.write_text("\n".join(await access_tokens(database_url, users)) + "\n")
            results["server_cost"] = await server_cost(pool, users)
            servers = [feed_process.pid]
            postgres = postmaster_pid(database_url)
            if postgres is not None:
                servers.append(postgres)
            results["reads"] = await read_latency(base, tokens_file, args, servers)
            results["reads"]["cpu_counted"] = "feed + PostgreSQL" if postgres else "feed"
            save(args.out, results)
        finally:
            stop(feed_process)
            stop(identity_process)

        if not args.reads_only:
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
            results["posts_after"] = int(row[0]) if row else 0
            cur = await conn.execute("SELECT count(*) FROM timeline_entries")
            row = await cur.fetchone()
            results["timeline_rows_after"] = int(row[0]) if row else 0
        await pool.close()
        await nc.close()

    report(results)
    save(args.out, results)
    console.print(f"written to {args.out}")


async def project_from_scratch(
    args: argparse.Namespace,
    org: Organisation,
    results: dict[str, Any],
    database_url: str,
    js: Any,
    pool: Any,
) -> None:
    """Phase 1: publish the organisation, read it raw (baseline), then project it.

    Published as the producers publish: personal fields, and the words of posts and replies
    where the contract marks them, sealed under per-person keys the projection opens."""
    await ensure_streams(js)
    keys = {person: new_person_key() for person in org.people}
    await share_person_keys(js, keys)
    bodies = [
        (e.subject, e.model_dump_json().encode(), e.msg_id)
        for e in sealed(org.envelopes(args.events), keys)
    ]
    n = results["events"] = len(bodies)
    results["sealed_messages"] = sum(1 for _, body, _ in bodies if b"plein-sealed:v1:" in body)
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
    await pool.open()
    settings = FeedSettings(trim_interval_s=args.trim_interval)
    runner = ProjectionRunner(timelines(lambda: settings), pool, js, batch_size=500)
    trimmer = TimelineTrimmer(pool, lambda: settings)
    results["projection_eps"] = await project(runner, n, trimmer)
    results["fanout_threshold"] = settings.fanout_threshold
    # What the projection left for the trimmer's next pass, and what that pass costs.
    trim = await trimmer.trim()
    results["trim_pass"] = {
        "interval_s": args.trim_interval,
        "timelines": trim.timelines,
        "entries_deleted": trim.entries_deleted,
        "seconds": trim.seconds,
    }
    console.print(
        f"a trimming pass after the projection: {trim.timelines:,} timelines, "
        f"{trim.entries_deleted:,} entries deleted in {trim.seconds:.1f} s"
    )
    console.print(
        f"feed projection (fan-out threshold {settings.fanout_threshold}): "
        f"{results['projection_eps']:,.0f} events/s, "
        f"ratio {results['projection_eps'] / results['baseline_fetch_eps']:.2f}"
    )
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT (SELECT count(*) FROM timeline_entries), (SELECT count(*) FROM posts)"
        )
        rows, posts = await cur.fetchone() or (0, 0)
    results["timeline_rows"], results["posts"] = rows, posts
    console.print(
        f"{rows:,} timeline rows for {posts:,} posts ({rows / max(1, posts):.0f} per post)"
    )
    save(args.out, results)
    await runner.delete_consumer()


async def access_tokens(database_url: str, users: list[UUID]) -> list[str]:
    """A two-hour access token per user, signed with identity's key."""
    identity = schema_pool(database_url, "identity")
    await identity.open()
    try:
        key = await KeyStore(identity).ensure_key()
    finally:
        await identity.close()
    now = datetime.now(UTC)
    return [
        issue_access_token(
            key,
            user_id=user,
            name=f"Reader {i}",
            issuer="plein",
            audience="plein",
            now=now,
            ttl=timedelta(hours=2),
        )
        for i, user in enumerate(users)
    ]


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
    if "projection_eps" in r:
        table.add_row(
            "projection throughput (events/s)",
            f"{r['projection_eps']:,.0f}",
            f"raw fetch {r['baseline_fetch_eps']:,.0f}",
            f"{r['projection_eps'] / r['baseline_fetch_eps']:.2f}",
        )
    if "trim_pass" in r:
        trim = r["trim_pass"]
        table.add_row(
            "a trimming pass after the projection (s; timelines cut, entries deleted)",
            f"{trim['seconds']:.1f}",
            f"{trim['timelines']:,} timelines, {trim['entries_deleted']:,} entries",
            "",
        )
    if "fanout" in r:
        fan, nats = r["fanout"]["fanout_1000_write"], r["fanout"]["nats"]
        table.add_row(
            "PostCreated -> in all 1,000 members' timelines (fan-out on write) p50 / p99 (ms)",
            f"{fan['p50_ms']:.0f} / {fan['p99_ms']:.0f}",
            f"NATS delivery {nats['p50_ms']:.1f} / {nats['p99_ms']:.1f}",
            "",
        )
        for key, label in (
            ("group_1000_read", "synthetic 1,000-member group"),
            ("all_company_read", "all-company group"),
        ):
            read = r["fanout"][key]
            table.add_row(
                f"{label}: post stored (fan-out on read) p50 / p99 (ms)",
                f"{read['p50_ms']:.0f} / {read['p99_ms']:.0f}",
                "",
                "",
            )
    if "server_cost" not in r:
        console.print(table)
        return
    for order, cost in r["server_cost"].items():
        table.add_row(
            f"home {order}, server side (app.home, one at a time), p50 / p99 (ms)",
            f"{cost['p50_ms']:.1f} / {cost['p99_ms']:.1f}",
            "",
            "",
        )
    reads = r["reads"]
    shape = {
        "closed": f"closed loop, {reads['connections']} connections",
        "paced": f"{reads['connections']} readers pausing {reads['think_ms']:.0f} ms",
    }
    for regime, label in shape.items():
        health = reads[regime]["baseline /health"]
        for name in ("home latest", "home relevant"):
            x = reads[regime][name]
            table.add_row(
                f"{name}, {label}, {reads['server_processes']} processes: p50 / p99 (ms), req/s",
                f"{x['p50_ms']:.1f} / {x['p99_ms']:.1f}, {x['requests_per_s']:,.0f}",
                f"/health {health['p50_ms']:.1f} / {health['p99_ms']:.1f}, "
                f"{health['requests_per_s']:,.0f}",
                f"{x['p99_ms'] / health['p99_ms']:.1f}x",
            )
    if "rebuild_minutes" in r:
        table.add_row("full rebuild by replay (minutes)", f"{r['rebuild_minutes']:.1f}", "", "")
    if "timeline_rows" in r:  # not with --reads-only
        table.add_row(
            "timeline rows after the rebuild (after the projection: per post)",
            f"{r['timeline_rows_after']:,}",
            f"{r['timeline_rows']:,} ({r['timeline_rows'] / max(1, r['posts']):.0f} per post)",
            "",
        )
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
    parser.add_argument("--readers", type=int, default=50, help="concurrent connections")
    parser.add_argument("--workers", type=int, default=2, help="feed server processes")
    parser.add_argument("--read-seconds", type=float, default=20, help="per wrk run")
    parser.add_argument(
        "--think-ms", type=float, default=250, help="paced regime: mean pause per reader"
    )
    parser.add_argument(
        "--reads-only",
        action="store_true",
        help="only phase 3, on the data already projected in PLEIN_DATABASE_URL",
    )
    parser.add_argument(
        "--projection-only",
        action="store_true",
        help="phase 1 only (e.g. to compare PLEIN_FEED_FANOUT_THRESHOLD values)",
    )
    parser.add_argument(
        "--trim-interval",
        type=float,
        default=60,
        help="seconds between trimming passes beside the projection (the service's default "
        "is longer; shorter here so that passes run during it)",
    )
    parser.add_argument("--out", type=Path, default=None)
    parsed = parser.parse_args()
    if parsed.out is None:
        name = "feed-reads.json" if parsed.reads_only else "feed.json"
        parsed.out = Path("bench/results") / name
    asyncio.run(main(parsed))
