"""Benchmark: the web client's rendered home page next to the JSON home read it is built from.

Same run, same servers, same demo data, same person, same pacing:
- baseline: `GET /api/feed/home` with the person's bearer token, then `GET /api/posts/cards`
  for its threads (what any API client reads to show the same page: each post with its
  reactions, poll, praise and latest replies); the feed read alone is shown too;
- web: `GET /` with the browser's session cookie (the web service reads the same feed page,
  its cards and the person's groups over HTTP, then renders the template).
Requests are paced (a fixed rate, not as fast as possible) so latency, not queueing, is
measured; p50 and p99 of each, and web / baseline. Goal: web p99 <= 1.5x the JSON reads' p99.
Also reported: what the home page weighs, gzip-compressed (HTML, CSS, scripts).

    uv run python bench/web.py --requests 400 --rate 40
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from plein_demo import DEMO_PASSWORD, seed_demo
from plein_platform.embedded import EmbeddedNats, embedded_postgres
from plein_testdata.servers import start_plein
from rich.console import Console
from rich.table import Table

console = Console()
JSON_HOME = "json-home"  # the feed page, then its cards: what the rendered home is built from


async def paced(client: httpx.AsyncClient, url: str, n: int, rate: float) -> list[float]:
    """Latencies (ms) of n GETs started at `rate` per second, each checked for 200; with
    `url` "json-home", the feed page and then its cards, as an API client shows home."""
    latencies: list[float] = []

    async def one() -> None:
        start = time.perf_counter()
        if url == JSON_HOME:
            response = await client.get("/api/feed/home?limit=20")
            assert response.status_code == 200, (url, response.status_code)
            page = response.json()
            ids = [e["post_id"] for k in ("pinned", "raised", "entries") for e in page.get(k) or []]
            response = await client.get("/api/posts/cards", params={"id": ids})
        else:
            response = await client.get(url)
        latencies.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)

    tasks = []
    t0 = time.perf_counter()
    for i in range(n):
        delay = t0 + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one()))
    await asyncio.gather(*tasks)
    return latencies


class Phases:
    """Where the rendered home's server time goes: the web service's own steps timed in
    process (the services run in this process), in ms per page."""

    def __init__(self) -> None:
        self.ms: dict[str, float] = {}
        self.pages = 0

    def wrap(self, owner: Any, name: str, label: str) -> None:
        original = getattr(owner, name)
        phases = self

        if asyncio.iscoroutinefunction(original):

            async def timed_async(*args: Any, **kwargs: Any) -> Any:
                start = time.perf_counter()
                try:
                    return await original(*args, **kwargs)
                finally:
                    phases.add(label, start)

            setattr(owner, name, timed_async)
        else:

            def timed(*args: Any, **kwargs: Any) -> Any:
                start = time.perf_counter()
                try:
                    return original(*args, **kwargs)
                finally:
                    phases.add(label, start)

            setattr(owner, name, timed)

    def add(self, label: str, start: float) -> None:
        self.ms[label] = self.ms.get(label, 0.0) + (time.perf_counter() - start) * 1000

    def install(self) -> None:
        from plein_web import pages_home, rendering, store, visits

        self.wrap(store, "find_session", "session lookup (web's PostgreSQL)")
        self.wrap(visits.Visit, "get", "API reads (HTTP; concurrent ones overlap)")
        self.wrap(pages_home, "with_cards", "cards and faces (posts, profiles cached)")
        self.wrap(rendering.Renderer, "render", "template rendering (CPU)")

    def report(self) -> None:
        table = Table(title=f"where a rendered home's time goes (mean of {self.pages} pages)")
        table.add_column("step")
        table.add_column("ms / page", justify="right")
        for label, total in self.ms.items():
            table.add_row(label, f"{total / max(self.pages, 1):.2f}")
        console.print(table)


def p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


async def main(requests: int, rate: float, with_phases: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        with embedded_postgres(base / "pg") as database_url:
            nats = EmbeddedNats(base / "nats")
            plein = await start_plein(str(database_url), nats.start())
            try:
                await seed_demo(plein.base_url, say=lambda _: None)
                await run(plein.base_url, requests, rate, with_phases)
            finally:
                await plein.http.aclose()
                await plein.stop()
                nats.stop()


async def run(base_url: str, requests: int, rate: float, with_phases: bool = False) -> None:
    email = "eva@example.com"
    async with (
        httpx.AsyncClient(base_url=base_url, timeout=30) as api,
        httpx.AsyncClient(base_url=base_url, timeout=30) as browser,
    ):
        tokens = await api.post(
            "/api/identity/tokens", json={"email": email, "password": DEMO_PASSWORD}
        )
        api.headers["Authorization"] = f"Bearer {tokens.json()['access_token']}"
        page = await browser.get("/sign-in")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert csrf
        signed_in = await browser.post(
            "/sign-in",
            data={"email": email, "password": DEMO_PASSWORD, "csrf_token": csrf.group(1)},
        )
        assert signed_in.status_code == 303, signed_in.text

        home = await browser.get("/")
        weights = {"HTML": len(gzip.compress(home.content))}
        for asset in re.findall(r'(?:src|href)="(/assets/[^"]+)"', home.text):
            body = (await browser.get(asset)).content
            weights[asset.rsplit("/", 1)[-1]] = len(gzip.compress(body))

        # Warm both paths (connections, caches, plans), then measure them in turns.
        await paced(api, JSON_HOME, 40, rate)
        await paced(browser, "/", 40, rate)
        feed_ms, json_ms, web_ms = [], [], []
        for _ in range(2):
            feed_ms += await paced(api, "/api/feed/home?limit=20", requests // 2, rate)
            json_ms += await paced(api, JSON_HOME, requests // 2, rate)
            web_ms += await paced(browser, "/", requests // 2, rate)
        phases = Phases()
        if with_phases:  # after the measurement: the timing wrappers cost a little
            phases.install()
            phases.pages = requests // 4
            await paced(browser, "/", phases.pages, rate)

    table = Table(title=f"home page, {requests} requests each at {rate:g}/s (ms)")
    for column in ("read", "p50", "p99", "p99 / JSON p99"):
        table.add_column(column, justify="right")
    base99 = p(json_ms, 99)
    table.add_row(
        "JSON /api/feed/home alone",
        f"{p(feed_ms, 50):.1f}",
        f"{p(feed_ms, 99):.1f}",
        f"{p(feed_ms, 99) / base99:.2f}",
    )
    table.add_row("JSON home + its cards", f"{p(json_ms, 50):.1f}", f"{base99:.1f}", "1.00")
    table.add_row(
        "web / (rendered)",
        f"{p(web_ms, 50):.1f}",
        f"{p(web_ms, 99):.1f}",
        f"{p(web_ms, 99) / base99:.2f}",
    )
    console.print(table)
    if phases.pages:
        phases.report()
    total = sum(weights.values())
    console.print(
        "home page weight, gzip: "
        + ", ".join(f"{k} {v / 1024:.1f} KiB" for k, v in weights.items())
        + f"; total {total / 1024:.1f} KiB"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--rate", type=float, default=40.0)
    parser.add_argument("--phases", action="store_true", help="also: where the time goes")
    args = parser.parse_args()
    asyncio.run(main(args.requests, args.rate, args.phases))
