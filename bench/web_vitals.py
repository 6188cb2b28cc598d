"""Benchmark: what a person's browser sees of home, a thread and a group page on loopback.

Real Chromium (Debian's, as the browser tests use), the demo organisation, a signed-in person,
at 360x740 and 1280x800. For each page, loaded `--loads` times in a fresh tab with a warm cache
(as an employee opening Plein again): Largest Contentful Paint and Cumulative Layout Shift from
the browser's own PerformanceObserver (buffered, read after the page settled), and what the
page weighed on the wire (its document and every resource, as the Resource Timing API counts
them; the first load, with an empty cache). Goal (issue 27): LCP < 1 s and CLS < 0.1.

    uv run python bench/web_vitals.py --loads 5
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import tempfile
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import Browser, Page, async_playwright
from plein_demo import DEMO_PASSWORD, seed_demo
from plein_platform.embedded import EmbeddedNats, embedded_postgres
from plein_testdata.servers import start_plein
from rich.console import Console
from rich.table import Table

console = Console()
CHROMIUM = "/usr/bin/chromium"
SIZES = {"phone": {"width": 360, "height": 740}, "desktop": {"width": 1280, "height": 800}}
PERSON = "eva"

# Installed before any of the page's scripts: the observers collect from the first paint on.
OBSERVE = """
window.__vitals = {lcp: 0, cls: 0};
new PerformanceObserver(list => {
  for (const entry of list.getEntries()) window.__vitals.lcp = entry.startTime;
}).observe({type: 'largest-contentful-paint', buffered: true});
new PerformanceObserver(list => {
  for (const entry of list.getEntries())
    if (!entry.hadRecentInput) window.__vitals.cls += entry.value;
}).observe({type: 'layout-shift', buffered: true});
"""
# Bytes on the wire: the document and every resource (0 for what came from the cache).
WEIGHT = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  let total = nav ? nav.transferSize : 0;
  for (const r of performance.getEntriesByType('resource')) total += r.transferSize;
  return total;
}"""


async def pages_of(base_url: str) -> dict[str, str]:
    """The three pages measured: home, the newest thread on it, and the person's first group."""
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as api:
        tokens = await api.post(
            "/api/identity/tokens",
            json={"email": f"{PERSON}@example.com", "password": DEMO_PASSWORD},
        )
        api.headers["Authorization"] = f"Bearer {tokens.json()['access_token']}"
        home = (await api.get("/api/feed/home", params={"limit": 5})).json()
        thread = home["entries"][0]["post_id"]
        groups = (await api.get("/api/identity/groups")).json()
        listed = groups if isinstance(groups, list) else groups.get("groups", [])
        group = listed[0]["id"]
    return {"home": "/", "thread": f"/posts/{thread}", "group": f"/groups/{group}"}


async def sign_in(page: Page, base_url: str) -> None:
    await page.goto(f"{base_url}/sign-in")
    await page.get_by_label(re.compile("E-mail")).fill(f"{PERSON}@example.com")
    await page.get_by_label(re.compile("Password|Wachtwoord")).fill(DEMO_PASSWORD)
    await page.get_by_role("button", name=re.compile("Sign in|Inloggen")).click()
    await page.wait_for_url(re.compile(r"^(?!.*sign-in).*$"))


async def measure(browser: Browser, base_url: str, size: str, path: str, loads: int) -> Any:
    context = await browser.new_context(viewport=SIZES[size])  # type: ignore[arg-type]
    try:
        await context.add_init_script(OBSERVE)
        page = await context.new_page()
        await sign_in(page, base_url)
        cold = await context.new_page()
        await cold.goto(base_url + path, wait_until="networkidle")
        weight = await cold.evaluate(WEIGHT)
        await cold.close()
        lcp, cls = [], []
        for _ in range(loads):
            tab = await context.new_page()
            await tab.goto(base_url + path, wait_until="networkidle")
            # LCP is final once the page settled and no input came; read it then.
            vitals = await tab.evaluate("window.__vitals")
            lcp.append(float(vitals["lcp"]))
            cls.append(float(vitals["cls"]))
            await tab.close()
        return lcp, cls, weight
    finally:
        await context.close()


async def main(loads: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        with embedded_postgres(base / "pg") as database_url:
            nats = EmbeddedNats(base / "nats")
            plein = await start_plein(str(database_url), nats.start())
            try:
                await seed_demo(plein.base_url, say=lambda _: None)
                await run(plein.base_url, loads)
            finally:
                await plein.http.aclose()
                await plein.stop()
                nats.stop()


async def run(base_url: str, loads: int) -> None:
    pages = await pages_of(base_url)
    table = Table(title=f"in Chromium on loopback, {loads} warm loads each (LCP ms, CLS)")
    for column in ("page", "size", "LCP p50", "LCP max", "CLS max", "bytes, first visit"):
        table.add_column(column, justify="right")
    worst_lcp = worst_cls = 0.0
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            for name, path in pages.items():
                for size in SIZES:
                    lcp, cls, weight = await measure(browser, base_url, size, path, loads)
                    worst_lcp, worst_cls = max(worst_lcp, *lcp), max(worst_cls, *cls)
                    table.add_row(
                        name,
                        size,
                        f"{statistics.median(lcp):.0f}",
                        f"{max(lcp):.0f}",
                        f"{max(cls):.3f}",
                        f"{weight / 1024:.1f} KiB",
                    )
        finally:
            await browser.close()
    console.print(table)
    verdict = "met" if worst_lcp < 1000 and worst_cls < 0.1 else "NOT met"
    console.print(
        f"goal LCP < 1000 ms and CLS < 0.1 on every page: {verdict} "
        f"(worst LCP {worst_lcp:.0f} ms, worst CLS {worst_cls:.3f})"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--loads", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(main(args.loads))
