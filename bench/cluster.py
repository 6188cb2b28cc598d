"""Benchmark: how fast Plein recovers when a node of a 3-node JetStream cluster is killed.

Three nats-server processes on loopback (cluster routes, streams with 3 replicas), an embedded
PostgreSQL, and Plein's identity, posts and feed services on them. People keep signing up and
posting while, each round, the node leading the `PLEIN` stream is SIGKILLed (and started again
afterwards). Measured in the same run, per round:

- NATS's own failover (the baseline): from the kill until the stream has a new leader, and
  until every durable consumer (a Raft group of its own) answers with a leader;
- projections back: from the kill until every projection with traffic applied a message
  published after the kill; reported next to the consumers' election as a ratio (goal: close
  to 1: Plein adds little to NATS's own failover);
- consumers recreated: durable consumers whose creation time changed across the round
  (deleting and recreating them costs API calls that time out during an election);
- writes: the slowest sign-up and post started during the round (they never touch NATS).

    uv run python bench/cluster.py --rounds 3
    uv run python bench/cluster.py --rounds 1 --single-url   # PLEIN_NATS_URL with one node
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import nats
from plein_platform.embedded import embedded_postgres
from plein_platform.nats_cluster import NatsCluster, stream_leader, wait_for_leader
from plein_testdata.servers import Plein, fresh_database, harness_settings, start_plein

SERVICES = ["identity", "posts", "feed"]


class Writes:
    """Sign-ups and posts, one after the other each, timed; never waiting for NATS."""

    def __init__(self, plein: Plein) -> None:
        self.plein = plein
        self.timings: list[tuple[float, str, float, int]] = []  # (started, kind, seconds, status)
        self.stop = asyncio.Event()

    async def _timed(self, kind: str, method: str, path: str, **kw: Any) -> int:
        started = time.monotonic()
        try:
            response = await self.plein.http.request(method, path, **kw)
            status = response.status_code
        except Exception:
            status = 599
        self.timings.append((started, kind, time.monotonic() - started, status))
        return status

    async def sign_ups(self) -> None:
        i = 0
        while not self.stop.is_set():
            i += 1
            body = {
                "email": f"p{i}@example.com",
                "password": f"p{i}-secret-pw",
                "display_name": f"P {i}",
            }
            await self._timed("sign-up", "POST", "/identity/users", json=body)

    async def posts(self, auth: dict[str, str]) -> None:
        i = 0
        while not self.stop.is_set():
            i += 1
            await self._timed(
                "post", "POST", "/posts/posts", headers=auth, json={"text": f"post {i}"}
            )

    def slowest(self, kind: str, since: float, until: float) -> float:
        return max(
            (s for t, k, s, _ in self.timings if k == kind and since <= t <= until), default=0.0
        )

    def failed(self, since: float) -> int:
        return sum(1 for t, _, _, status in self.timings if t >= since and status >= 500)


async def consumers_led(js: Any, names: Any) -> bool:
    """Whether every durable consumer answers with a leader (each is a Raft group of its own,
    elected after the stream's)."""
    for name in names:
        try:
            info = await js.consumer_info("PLEIN", name)
        except Exception:
            return False
        if not (info.cluster and info.cluster.leader):
            return False
    return True


async def consumers_created(js: Any) -> dict[str, Any]:
    out = {}
    async for info in _consumers(js):
        out[info.name] = info.created
    return out


async def _consumers(js: Any) -> Any:
    for info in await js.consumers_info("PLEIN"):
        if info.config.durable_name:
            yield info


async def one_round(
    plein: Plein, cluster: NatsCluster, writes: Writes, probe: Any
) -> dict[str, float]:
    runners = [r for s in plein.runtime.services for r in s.runners.values()]
    created_before = await consumers_created(probe)
    info = await probe.stream_info("PLEIN")
    killed_at_seq = info.state.last_seq
    leader = await wait_for_leader(probe, "PLEIN")
    killed_at = time.monotonic()
    node = cluster.kill(leader)
    elected = consumers_elected = 0.0
    back: dict[str, float] = {}
    while time.monotonic() - killed_at < 90:
        now = time.monotonic() - killed_at
        if not elected:
            new = await stream_leader(probe, "PLEIN")
            if new and new != leader:
                elected = now
        if elected and not consumers_elected and await consumers_led(probe, created_before):
            consumers_elected = time.monotonic() - killed_at
        for runner in runners:
            name = runner.projection.name
            if name not in back:
                try:
                    if await runner.position() > killed_at_seq:
                        back[name] = time.monotonic() - killed_at
                except Exception:
                    pass
        if consumers_elected and len(back) == len(runners):
            break
        await asyncio.sleep(0.05)
    idle = [r.projection.name for r in runners if r.projection.name not in back]
    node.start()  # the node comes back and catches up; the next round waits for it
    await asyncio.sleep(3)
    await wait_for_leader(probe, "PLEIN")
    created_after = await consumers_created(probe)
    recreated = sum(1 for name, at in created_before.items() if created_after.get(name) != at)
    until = killed_at + max([elected, *back.values()])
    return {
        "elected_s": elected,
        "consumers_elected_s": consumers_elected,
        "projections_back_s": max(back.values(), default=float("nan")),
        "idle_projections": float(len(idle)),
        "consumers_recreated": float(recreated),
        "consumers": float(len(created_before)),
        "slowest_sign_up_s": writes.slowest("sign-up", killed_at, until),
        "slowest_post_s": writes.slowest("post", killed_at, until),
        "failed_writes": float(writes.failed(killed_at)),
    }


async def main(rounds: int, single_url: bool) -> None:
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="plein-cluster-") as tmp:
        base = Path(tmp)
        admin_url = stack.enter_context(embedded_postgres(base / "postgres"))
        cluster = NatsCluster(base / "nats")
        cluster.start()
        stack.callback(cluster.stop)
        nats_url = cluster.nodes[0].url if single_url else cluster.url
        # nats-py directly: a checkout from before PLEIN_NATS_URL took lists runs this too.
        nc = await nats.connect(servers=cluster.url.split(","), name="bench-cluster-probe")
        probe = nc.jetstream(timeout=0.5)  # short: an API call during an election fails fast
        while True:  # the cluster elects its meta leader first
            try:
                await nc.jetstream().account_info()
                break
            except Exception:
                await asyncio.sleep(0.2)
        from plein_testdata.servers import Servers

        database_url = await fresh_database(Servers(admin_url, nats_url))
        settings = harness_settings(database_url, nats_url, stream_replicas=3)
        plein = await start_plein(database_url, nats_url, settings=settings, services=SERVICES)
        try:
            author = await plein.register("author")
            writes = Writes(plein)
            tasks = [
                asyncio.create_task(writes.sign_ups()),
                asyncio.create_task(writes.posts(author.auth)),
            ]
            await asyncio.sleep(3)  # traffic flowing, every consumer created
            results = []
            for i in range(rounds):
                result = await one_round(plein, cluster, writes, probe)
                results.append(result)
                print(
                    f"round {i + 1}: " + ", ".join(f"{k} {v:.2f}" for k, v in result.items()),
                    flush=True,
                )
            writes.stop.set()
            await asyncio.gather(*tasks)
        finally:
            await plein.http.aclose()
            await plein.stop()
            await nc.close()
        elected = statistics.median(r["elected_s"] for r in results)
        led = statistics.median(r["consumers_elected_s"] for r in results)
        back = statistics.median(r["projections_back_s"] for r in results)
        print(
            f"\nmedian over {rounds} rounds: NATS elected a new stream leader in {elected:.2f} s,"
            f" every consumer had a leader after {led:.2f} s;"
            f" projections back in {back:.2f} s (ratio {back / led:.2f} to the consumers');"
            f" slowest sign-up {max(r['slowest_sign_up_s'] for r in results):.2f} s;"
            f" consumers recreated {sum(r['consumers_recreated'] for r in results):.0f}"
            f" of {sum(r['consumers'] for r in results):.0f}"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--single-url", action="store_true", help="PLEIN_NATS_URL names one node")
    args = parser.parse_args()
    asyncio.run(main(args.rounds, args.single_url))
