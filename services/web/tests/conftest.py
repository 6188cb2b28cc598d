"""One Plein (every service, the demo organisation seeded) and one Debian Chromium, shared by
the web client's browser tests of a module; each test opens its own browser contexts."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, BrowserContext, Page, ViewportSize, async_playwright
from plein_demo import DEMO_PASSWORD, seed_demo
from plein_testdata.oidc_provider import CLIENT_ID, CLIENT_SECRET, FakeProvider, running_provider
from plein_testdata.servers import Plein, Servers, fresh_streams, migrated_database, start_plein

CHROMIUM = (
    "/usr/bin/chromium"  # Debian's package (`make browser`); Playwright's download is not reachable
)
ARTIFACTS = Path(__file__).resolve().parents[3] / ".artifacts" / "web"
VIEWPORTS: dict[str, ViewportSize] = {
    "desktop": {"width": 1280, "height": 800},
    "phone": {"width": 360, "height": 740},
}


@dataclass
class Demo:
    plein: Plein
    seeded: dict[str, Any]
    axe_findings: list[str] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return self.plein.base_url

    def id_of(self, handle: str) -> str:
        return str(self.seeded["people"][handle]["id"])

    def group(self, name: str) -> str:
        return str(self.seeded["groups"][name])

    async def token(self, handle: str) -> str:
        response = await self.plein.http.post(
            "/identity/tokens",
            json={"email": f"{handle}@example.com", "password": DEMO_PASSWORD},
        )
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    async def api(self, handle: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {await self.token(handle)}"}
        return await self.plein.http.request(method, path, headers=headers, **kwargs)


@pytest.fixture(scope="module")
async def demo(servers: Servers) -> AsyncIterator[Demo]:
    database_url = await migrated_database(servers)
    await fresh_streams(servers.nats_url)
    plein = await start_plein(database_url, servers.nats_url)
    try:
        seeded = await seed_demo(plein.base_url, say=lambda _: None)
        assert seeded is not None
        yield Demo(plein, seeded)
    finally:
        await plein.http.aclose()
        await plein.stop()


@asynccontextmanager
async def single_sign_on(demo: Demo) -> AsyncIterator[FakeProvider]:
    """Identity and the web client set up for the project's OpenID Connect test provider
    ("Fake SSO"), running for the block; single sign-on is off again after it."""
    web = demo.plein.runtime.service("web")
    sso = demo.plein.runtime.service("identity").identity_settings  # type: ignore[attr-defined]
    async with running_provider() as provider:
        sso.oidc_issuer, sso.oidc_client_id = provider.issuer, CLIENT_ID
        sso.oidc_client_secret = CLIENT_SECRET
        web.settings.oidc_provider = "Fake SSO"  # type: ignore[attr-defined]
        try:
            yield provider
        finally:
            sso.oidc_issuer = None
            web.settings.oidc_provider = None  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            yield chromium
        finally:
            await chromium.close()


class Visitor:
    """One person's browser context at one viewport, with screenshots and axe scans."""

    def __init__(
        self, demo: Demo, context: BrowserContext, page: Page, size: str, locale: str = "en-GB"
    ) -> None:
        self.demo = demo
        self.context = context
        self.page = page
        self.size = size
        self.language = locale[:2]  # the browser's; what sign_in puts the pages in
        self.console_errors: list[str] = []
        self.scanning = False  # axe's own probing of the page is not the page's doing
        page.on("console", self._console)

    def _console(self, message: Any) -> None:
        if message.type == "error" and not self.scanning:
            self.console_errors.append(f"{message.text[:120]} on {self.page.url}")

    async def goto(self, path: str) -> None:
        await self.page.goto(self.demo.base_url + path)

    async def sign_in(
        self, handle: str, password: str = DEMO_PASSWORD, *, keep_profile_language: bool = False
    ) -> None:
        """Signs in through the form; then, unless told to keep the profile's language (the
        demo people's is Dutch), sets the browser's language on the profile, as a person
        would on the settings page, so that a test reads the words of its browser's locale."""
        await self.goto("/sign-in")
        await self.page.get_by_label(re.compile("E-mail")).fill(f"{handle}@example.com")
        await self.page.get_by_label(re.compile("Password|Wachtwoord")).fill(password)
        await self.page.get_by_role("button", name=re.compile("Sign in|Inloggen")).click()
        await self.page.wait_for_url(re.compile(r"^(?!.*sign-in).*$"))
        if keep_profile_language:
            return
        if await self.page.get_attribute("html", "lang") != self.language:
            back = self.page.url
            await self.goto("/settings")
            await self.page.locator("select#language").select_option(self.language)
            await self.page.locator("form[action='/settings/language'] button").click()
            await self.page.wait_for_url(re.compile(r"/settings\?saved=true"))
            await self.page.goto(back)

    async def check(self, name: str) -> None:
        """A screenshot of the page kept under .artifacts/web, and an axe scan of it."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        await self.page.screenshot(path=str(ARTIFACTS / f"{name}-{self.size}.png"), full_page=True)
        self.scanning = True
        try:
            results = await Axe().run(self.page)
        finally:
            self.scanning = False
        for violation in results.response["violations"]:  # of any impact, minor included
            targets = [n.get("target") for n in violation.get("nodes", [])][:3]
            self.demo.axe_findings.append(
                f"{name}-{self.size}: {violation['id']} ({violation['impact']}) {targets}"
            )


@pytest.fixture
async def visitors(demo: Demo, browser: Browser) -> AsyncIterator[Any]:
    """Opens browser contexts: `await visitors("desktop")` gives a new person's Visitor."""
    opened: list[BrowserContext] = []

    async def open_visitor(size: str = "desktop", **options: Any) -> Visitor:
        locale = options.pop("locale", "en-GB")
        context = await browser.new_context(viewport=VIEWPORTS[size], locale=locale, **options)
        opened.append(context)
        return Visitor(demo, context, await context.new_page(), size, locale)

    try:
        yield open_visitor
    finally:
        for context in opened:
            await context.close()
