"""Benchmark: how long seeding the demo organisation takes, on a fresh Plein in this process.

Same run, same servers: the small demo over HTTP (`seed_demo(base_url)`, the baseline, what
the tests seed) and the demo with its twelve weeks of history (`seed_demo(..., app=...)`, what
`make run` seeds), each on a fresh database and stream. Prints both and their ratio.

    uv run python bench/demo_seed.py
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from plein_demo import seed_demo
from plein_platform.embedded import EmbeddedNats, embedded_postgres
from plein_testdata.servers import fresh_database, fresh_streams, start_plein
from rich.console import Console

console = Console()


async def timed(admin_url: str, nats_url: str, history: bool) -> float:
    database_url = await fresh_database_url(admin_url)
    await fresh_streams(nats_url)
    plein = await start_plein(database_url, nats_url)
    try:
        start = time.perf_counter()
        app = plein.server.config.loaded_app if history and plein.server else None
        await seed_demo(
            plein.base_url,
            say=lambda m: console.print(f"  {time.perf_counter() - start:6.1f} s  {m}"),
            app=app,
        )
        return time.perf_counter() - start
    finally:
        await plein.http.aclose()
        await plein.stop()


async def fresh_database_url(admin_url: str) -> str:
    from plein_testdata.servers import Servers

    return await fresh_database(Servers(admin_url, ""))


async def main(only_history: bool = False) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        with embedded_postgres(base / "pg") as admin_url:
            nats = EmbeddedNats(base / "nats")
            nats_url = nats.start()
            try:
                small = 1.0 if only_history else await timed(str(admin_url), nats_url, False)
                console.print(f"small demo over HTTP: {small:.1f} s")
                full = await timed(str(admin_url), nats_url, history=True)
                console.print(f"demo with 12 weeks of history (in process): {full:.1f} s")
                console.print(f"history / small: {full / small:.2f}x")
            finally:
                nats.stop()


if __name__ == "__main__":
    import sys

    asyncio.run(main(only_history="--only-history" in sys.argv))
