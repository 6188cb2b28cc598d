"""Plein as an installable app in a real Chromium: the manifest and service worker pass
Chromium's own installability check (asked over the DevTools protocol), and with the network
gone the home feed and the thread last read still open, saying they are offline; signing out
forgets the pages kept."""

from __future__ import annotations

import re
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from playwright.async_api import async_playwright, expect

from .conftest import ARTIFACTS, CHROMIUM, VIEWPORTS, Demo, Visitor, single_sign_on

pytestmark = pytest.mark.integration


def untold(title: str) -> str:
    """A page's title without the unread count the live badge puts before it, "(4) ...",
    which arrives whenever the inbox answers."""
    return re.sub(r"^\(\d+\) ", "", title)


PAGES_KEPT = """async () => {
  let count = 0;
  for (const name of await caches.keys()) {
    if (name.endsWith("-pages")) count += (await (await caches.open(name)).keys()).length;
  }
  return count;
}"""


@pytest.fixture
async def profile_visitors(demo: Demo) -> AsyncIterator[Callable[[str], Awaitable[Visitor]]]:
    """Visitors in a Chromium with a profile on disk, as a person's browser has: Chromium
    offers to install nothing from a throwaway (incognito) context, which is what Playwright's
    ordinary contexts are."""
    async with async_playwright() as playwright:
        opened = []

        async def open_visitor(size: str) -> Visitor:
            context = await playwright.chromium.launch_persistent_context(
                tempfile.mkdtemp(prefix="chromium-profile-"),
                executable_path=CHROMIUM,
                viewport=VIEWPORTS[size],
                locale="en-GB",
            )
            opened.append(context)
            return Visitor(demo, context, context.pages[0], size, "en-GB")

        try:
            yield open_visitor
        finally:
            for context in opened:
                await context.close()


@pytest.mark.parametrize("size", ["desktop", "phone"])
async def test_plein_installs_and_opens_offline_with_the_last_feed(
    profile_visitors: Callable[[str], Awaitable[Visitor]], size: str
) -> None:
    reader = await profile_visitors(size)
    await reader.sign_in("eva" if size == "desktop" else "greet")
    page = reader.page
    await reader.goto("/")
    # The worker installs (keeping the shell), then controls the next load of home.
    await page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    await page.reload()
    await page.wait_for_function("navigator.serviceWorker.controller !== null")

    cdp = await reader.context.new_cdp_session(page)
    installability = await cdp.send("Page.getInstallabilityErrors")
    assert installability["installabilityErrors"] == [], installability
    manifest = await cdp.send("Page.getAppManifest")
    assert manifest["errors"] == [], manifest["errors"]
    assert manifest["url"].endswith("/manifest.webmanifest")

    # A thread read online is kept too.
    entry = page.locator("article.entry[data-seen]").first
    post_id = await entry.get_attribute("data-seen")
    home_text = (await entry.inner_text()).strip().splitlines()[-1]
    await reader.goto(f"/posts/{post_id}")
    thread_title = untold(await page.title())
    await reader.goto("/")
    await page.evaluate("navigator.serviceWorker.ready.then(() => true)")

    await reader.context.set_offline(True)
    try:
        await page.reload()
        await expect(page.locator("#offline-note")).to_be_visible()
        await expect(page.locator("#offline-note")).to_contain_text("offline")
        await expect(page.locator("article.entry").first).to_be_visible()
        assert home_text in await page.locator("main").inner_text()
        await reader.check("app-offline-home")

        await reader.goto(f"/posts/{post_id}")
        assert untold(await page.title()) == thread_title
        await expect(page.locator("#offline-note")).to_be_visible()

        # A page never read here: the app's own offline page, not the browser's error.
        await reader.goto("/people")
        await expect(page.get_by_role("heading", name="You are offline")).to_be_visible()
        await page.screenshot(path=str(ARTIFACTS / f"app-offline-page-{size}.png"))
    finally:
        await reader.context.set_offline(False)

    await reader.goto("/")
    assert await page.evaluate(PAGES_KEPT) > 0
    await page.locator("details.menu summary").click()
    await page.get_by_role("button", name=re.compile("Sign out")).click()
    await page.wait_for_url(re.compile(r"/sign-in"))
    assert await page.evaluate(PAGES_KEPT) == 0


async def test_manifest_speaks_the_persons_language(demo: Demo, visitors) -> None:  # type: ignore[no-untyped-def]
    reader: Visitor = await visitors("phone", locale="nl-NL")
    await reader.sign_in("hugo", keep_profile_language=True)
    response = await reader.page.request.get(f"{demo.base_url}/manifest.webmanifest")
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = await response.json()
    assert manifest["lang"] == "nl"
    assert [s["name"] for s in manifest["shortcuts"]] == ["Nieuw bericht", "Inbox"]
    assert manifest["display"] == "standalone"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        got = await reader.page.request.get(demo.base_url + icon["src"])
        assert got.status == 200 and got.headers["content-type"] == "image/png", icon
        width, height = (int(n) for n in icon["sizes"].split("x"))
        png = await got.body()
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        assert int.from_bytes(png[16:20]) == width and int.from_bytes(png[20:24]) == height


async def test_a_laptop_signed_in_to_the_provider_lands_on_the_page_without_a_click(
    demo: Demo,
    visitors,  # type: ignore[no-untyped-def]
) -> None:
    async with single_sign_on(demo) as provider:
        provider.person = {"sub": "s-eva", "email": "eva@example.com", "name": "Eva"}
        laptop: Visitor = await visitors("desktop")
        page = laptop.page
        await page.goto(f"{provider.issuer}/session")  # this morning's sign-in at work
        provider.person = {}  # nobody signs in interactively from here on

        # Opening Plein: no sign-in screen, no click, straight to the page asked for.
        await laptop.goto("/groups")
        await expect(page).to_have_url(demo.base_url + "/groups")
        mine = page.locator("details.menu a[href^='/people/']")
        await expect(mine).to_have_attribute("href", f"/people/{demo.id_of('eva')}")

        # Signing out of Plein stays signed out, and offers the provider's sign-out too.
        await page.locator("details.menu summary").click()
        await page.get_by_role("button", name=re.compile("Sign out|Uitloggen")).click()
        await expect(page).to_have_url(re.compile(r"/sign-in\?signed_out=plein"))
        await laptop.goto("/")
        await expect(page).to_have_url(re.compile("/sign-in"))
        await expect(page.locator("input#password")).to_be_visible()
        await laptop.check("sign-in-signed-out-sso")
        await laptop.goto("/sign-in?signed_out=plein")
        await page.get_by_role("link", name=re.compile("Fake SSO")).last.click()
        await expect(page).to_have_url(re.compile(r"/sign-in\?signed_out=provider"))
        assert provider.sessions == {}

        # A browser not signed in to the provider: one silent try, then the sign-in page.
        other: Visitor = await visitors("phone")
        await other.goto("/groups")
        await expect(other.page).to_have_url(re.compile(r"/sign-in\?next=/groups"))
        await expect(other.page.locator("input#password")).to_be_visible()
    assert demo.axe_findings == [], "\n".join(demo.axe_findings)
