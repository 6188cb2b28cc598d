"""The community dashboard in a real browser (Debian's Chromium) against a real Plein with the
demo organisation and its twelve weeks of history (what `make run` seeds): kim, its community
manager, sees it at desktop size in English and on a phone in Dutch, with a baseline and a
follow-up that both have numbers; eva, an ordinary member, is refused."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.async_api import Browser, Route, expect
from plein_demo import COMMUNITY_MANAGER, seed_demo
from plein_demo.history_seed import caught_up
from plein_platform.registry import load_services
from plein_testdata.servers import Servers, fresh_streams, migrated_database, start_plein

from .conftest import Demo, Visitor

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def demo(servers: Servers) -> AsyncIterator[Demo]:
    """The demo seeded in process, as `plein run` does: its colleagues and twelve weeks of
    history besides the 22 people everyone signs in as."""
    database_url = await migrated_database(servers)
    await fresh_streams(servers.nats_url)
    plein = await start_plein(database_url, servers.nats_url)
    try:
        assert plein.server is not None
        app = plein.server.config.app
        seeded = await seed_demo(plein.base_url, say=lambda _: None, app=app)
        assert seeded is not None and seeded["history"] is not None
        await caught_up(plein.http, "metrics", timeout_s=300)
        yield Demo(plein, seeded)
    finally:
        await plein.http.aclose()
        await plein.stop()


WORDS = {
    "en-GB": {
        "nav": "Community",
        "more": "More",
        "title": "Community dashboard",
        "funnel": "Participation funnel",
        "matrix": "Responses between departments",
        "held_back": "Announcements held back by the weekly budget, last 7 days",
        "fewer": "fewer than 5",
        "show": "Show",
        "read": "Read",
        "stage": "Stage",
    },
    "nl-NL": {
        "nav": "Community",
        "more": "Meer",
        "title": "Communitydashboard",
        "funnel": "Deelnametrechter",
        "matrix": "Reacties tussen afdelingen",
        "held_back": "Mededelingen tegengehouden door het weekbudget, laatste 7 dagen",
        "fewer": "minder dan 5",
        "show": "Tonen",
        "read": "Lezen",
        "stage": "Stap",
    },
}

# The API docs pages in the same browser: here because this module's Plein is already running
# (a module of their own would start another stack for a few page loads).
APIS = [s.name for s in load_services() if s.path == f"/api/{s.name}"]
# What shows once each page rendered the service's OpenAPI: its operations, one per row.
OPERATIONS = {"docs": ".opblock-summary", "redoc": '[data-section-id*="operation/"]'}


@pytest.mark.parametrize("page_name", sorted(OPERATIONS))
async def test_api_docs_render_their_operations_with_nothing_fetched_from_outside(
    demo: Demo, browser: Browser, page_name: str
) -> None:
    context = await browser.new_context()
    inside: list[str] = []
    outside: list[str] = []

    async def only_plein(route: Route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            inside.append(route.request.url)
            await route.continue_()
        else:  # what a machine with no internet access would do to it
            outside.append(route.request.url)
            await route.abort("internetdisconnected")

    await context.route("**/*", only_plein)
    try:
        page = await context.new_page()
        for name in APIS:
            await page.goto(f"{demo.base_url}/api/{name}/{page_name}")
            await expect(page.locator(OPERATIONS[page_name]).first).to_be_visible()
            assert await page.locator(OPERATIONS[page_name]).count() >= 2, name  # not just /health
    finally:
        await context.close()
    assert outside == []
    assert any(url.endswith(".js") for url in inside), inside  # the block saw the page's scripts


@pytest.mark.parametrize(("size", "locale"), [("desktop", "en-GB"), ("phone", "nl-NL")])
async def test_community_manager_sees_the_dashboard_with_tables_and_csv(
    demo: Demo,
    visitors,  # type: ignore[no-untyped-def]
    size: str,
    locale: str,
) -> None:
    words = WORDS[locale]
    manager: Visitor = await visitors(size, locale=locale)
    await manager.sign_in(COMMUNITY_MANAGER)
    page = manager.page

    if size == "phone":  # the phone's bottom bar keeps the dashboard under "More"
        await page.get_by_role("navigation").get_by_text(words["more"]).click()
    await page.get_by_role("navigation").get_by_role("link", name=words["nav"]).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(words["title"])
    assert page.url.startswith(demo.base_url + "/community")

    # Each chart is an SVG with a title, and its numbers are in a table next to it.
    funnel = page.get_by_role("table", name=words["funnel"], exact=True)
    await expect(funnel.get_by_role("row")).to_have_count(4)
    await expect(funnel.get_by_role("rowheader", name=words["read"])).to_be_visible()
    # funnel, trends (two), baseline vs follow-up, heatmap, personas
    await expect(page.locator("svg.chart[role=img] title")).to_have_count(6)
    # A cell of fewer than k people says so in words, with no number in it.
    matrix = page.get_by_role("table", name=words["matrix"], exact=True)
    for text in await matrix.locator("tbody td:last-child").all_inner_texts():
        assert text == words["fewer"] or text.isdigit()
    # What the announcement budget held back, per group, beside the read receipts.
    held = page.get_by_role("table", name=words["held_back"], exact=True)
    await expect(held.get_by_role("columnheader")).to_have_count(3)
    await manager.check("community")

    # Two other periods, picked in the form (a plain GET form: no script needed).
    today = date.today()
    await page.locator("#baseline_from").fill(str(today - timedelta(days=30)))
    await page.locator("#baseline_to").fill(str(today - timedelta(days=1)))
    await page.locator("#followup_from").fill(str(today))
    await page.locator("#followup_to").fill(str(today))
    await page.get_by_role("button", name=words["show"]).click()
    await page.wait_for_url(re.compile(r"followup_from=" + str(today)))
    await expect(page.locator("#baseline_from")).to_have_value(str(today - timedelta(days=30)))
    await expect(page.get_by_role("heading", level=1)).to_have_text(words["title"])

    # Every table downloads as CSV with the same columns as on the page.
    async with page.expect_download() as caught:
        await page.locator('a[href^="/community/funnel.csv?"]').click()
    download = await caught.value
    assert download.suggested_filename == f"plein-funnel-{today}-{today}.csv"
    text = await asyncio.to_thread(Path(await download.path()).read_text, encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == words["stage"] and rows[1][0] == words["read"] and len(rows) == 4
    response = await manager.context.request.get(
        demo.base_url + "/community/matrix.csv", max_redirects=0
    )
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert manager.console_errors == []
    assert demo.axe_findings == [], "\n".join(demo.axe_findings)


@pytest.mark.parametrize("size", ["desktop", "phone"])
async def test_ordinary_member_is_refused_the_dashboard_and_not_offered_it(
    demo: Demo,
    visitors,  # type: ignore[no-untyped-def]
    size: str,
) -> None:
    member: Visitor = await visitors(size)
    await member.sign_in("eva")
    page = member.page
    await expect(page.get_by_role("navigation").get_by_role("link", name="Home")).to_be_visible()
    navigation = page.get_by_role("navigation")
    await expect(navigation.get_by_role("link", name="Community")).to_have_count(0)

    response = await page.goto(demo.base_url + "/community")
    assert response is not None and response.status == 403
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "This page is for community managers"
    )
    await expect(page.locator("table")).to_have_count(0)
    await member.check("community-refused")
    csv_answer = await member.context.request.get(demo.base_url + "/community/funnel.csv")
    assert csv_answer.status == 403 and "text/csv" not in csv_answer.headers["content-type"]
    assert demo.axe_findings == [], "\n".join(demo.axe_findings)


def _number(text: str) -> float:
    """A share or count as the page writes it ("55%", "1.234", "55 %", "–" is none)."""
    digits = re.sub(r"[^0-9,.]", "", text).replace(",", ".")
    return float(digits) if digits else float("nan")


@pytest.mark.parametrize(("size", "locale"), [("desktop", "en-GB"), ("phone", "nl-NL")])
async def test_the_dashboard_of_the_last_four_weeks_holds_together(
    demo: Demo,
    visitors,  # type: ignore[no-untyped-def]
    size: str,
    locale: str,
) -> None:
    """Baseline and follow-up both filled, a funnel that is nested, a headline that agrees
    with it, the coach and the trends there, nothing wider than the phone."""
    manager: Visitor = await visitors(size, locale=locale)
    await manager.sign_in(COMMUNITY_MANAGER)
    page = manager.page
    await manager.goto("/community?preset=weeks")
    await expect(page.get_by_role("heading", level=1)).to_have_text(WORDS[locale]["title"])
    funnel = page.get_by_role("table", name=WORDS[locale]["funnel"], exact=True)
    people = [_number(t) for t in await funnel.locator("tbody td:nth-child(2)").all_inner_texts()]
    assert people[0] >= people[1] >= people[2], people  # read >= respond >= create
    shares = await funnel.locator("tbody td:nth-child(3)").all_inner_texts()
    headline = await page.locator("p.headline").inner_text()
    assert all(share in headline for share in shares), (shares, headline)
    # baseline and follow-up both have a number for every funnel stage
    comparison = page.locator("#h-compare ~ .table-scroll table").first
    for row in (await comparison.locator("tbody tr").all())[1:4]:
        cells = await row.locator("td").all_inner_texts()
        assert "–" not in cells[:2], cells
    await expect(page.locator("#h-coach")).to_be_visible()
    trends = page.locator("#h-trends ~ .table-scroll table")
    await expect(trends.locator("tbody tr")).to_have_count(12)
    wide = await page.evaluate("document.scrollingElement.scrollWidth")
    viewport = await page.evaluate("window.innerWidth")
    assert wide <= viewport, (wide, viewport)
    await manager.check(f"community-weeks-{locale}")
    svg = await manager.context.request.get(
        demo.base_url + "/community/funnel-trend.svg?preset=weeks"
    )
    assert svg.status == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert (await svg.text()).count("<polyline") == 3
    assert manager.console_errors == []
    assert demo.axe_findings == [], "\n".join(demo.axe_findings)
