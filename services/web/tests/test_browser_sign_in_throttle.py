"""The sign-in page under throttling: a stranger's wrong passwords make the page say how long
to wait, in the person's language; the person, on the browser they signed in from before (its
device cookie), still signs in."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect
from plein_testdata.servers import Plein, Servers, fresh_streams, migrated_database, start_plein

from .conftest import CHROMIUM

PASSWORD = "ann-secret-pw"


@pytest.fixture(scope="module")
async def plein_web(servers: Servers) -> AsyncIterator[Plein]:
    database_url = await migrated_database(servers)
    await fresh_streams(servers.nats_url)
    plein = await start_plein(
        database_url, servers.nats_url, services=["identity", "feed", "notify", "web"]
    )
    try:
        await plein.register("ann")
        identity: Any = plein.runtime.service("identity")
        now = identity.ctx.clock()
        identity.ctx.clock = lambda: now  # a wait lasts the whole test, however slow the machine
        yield plein
    finally:
        await plein.http.aclose()
        await plein.stop()


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            yield chromium
        finally:
            await chromium.close()


async def sign_in(page: Page, base_url: str, password: str) -> None:
    await page.goto(base_url + "/sign-in")
    await page.get_by_label(re.compile("E-mail")).fill("ann@example.com")
    await page.get_by_label(re.compile("Password|Wachtwoord")).fill(password)
    await page.get_by_role("button", name=re.compile("Sign in|Inloggen")).click()
    await page.wait_for_load_state()


async def test_a_throttled_sign_in_says_how_long_to_wait_and_spares_a_known_device(
    plein_web: Plein, browser: Browser
) -> None:
    base = plein_web.base_url
    own = await browser.new_context(locale="en-GB")
    dutch = await browser.new_context(locale="nl-NL")
    english = await browser.new_context(locale="en-GB")
    try:
        # Ann signs in from her own browser: it becomes a known device.
        ann = await own.new_page()
        await sign_in(ann, base, PASSWORD)
        await ann.wait_for_url(re.compile(r"^(?!.*sign-in).*$"))
        assert "plein_device" in {c["name"] for c in await own.cookies()}
        await ann.goto("about:blank")  # her home page's live stream is not this test's

        # Someone guesses her password (through the same web client: the same address).
        stranger = await dutch.new_page()
        for _ in range(5):
            await sign_in(stranger, base, "a-wrong-guess")
            await expect(stranger.locator("body")).to_contain_text("horen niet bij elkaar")
        await sign_in(stranger, base, "a-wrong-guess")
        await expect(stranger.locator("body")).to_contain_text(
            re.compile(r"Te veel verkeerde wachtwoorden\. Probeer het over \d+ seconden? opnieuw")
        )
        other = await english.new_page()
        await sign_in(other, base, PASSWORD)  # even the right password, from a new device
        await expect(other.locator("body")).to_contain_text(
            re.compile(r"Too many wrong passwords\. Try again in \d+ seconds?\.")
        )

        # Ann, signed out, signs in again from her known browser: not slowed by the guessing.
        await own.clear_cookies(name="plein_session")
        await sign_in(ann, base, PASSWORD)
        await ann.wait_for_url(re.compile(r"^(?!.*sign-in).*$"))
    finally:
        for context in (own, dutch, english):
            await context.close()
