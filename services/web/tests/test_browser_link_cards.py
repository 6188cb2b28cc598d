"""A link preview in a real browser (Debian's Chromium): a post linking to a page on another
loopback port shows the page's card under its text in the thread, its image served by Plein
(the browser never asks the site), and its author removes it."""

from __future__ import annotations

import io
import re
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from PIL import Image
from playwright.async_api import expect
from plein_testdata.servers import eventually

from .conftest import Demo, Visitor
from .test_browser import reload_until_visible

pytestmark = pytest.mark.integration


class Site:
    """A page with Open Graph tags and its image, on loopback; remembers who asked."""

    def __init__(self, title: str) -> None:
        image = io.BytesIO()
        Image.new("RGB", (640, 360), (30, 140, 90)).save(image, "PNG")
        page = (
            f'<!doctype html><title>x</title><meta property="og:title" content="{title}">'
            '<meta property="og:description" content="What the canteen serves this week">'
            '<meta property="og:site_name" content="Intranet">'
            '<meta property="og:image" content="/week.png">'
        ).encode()
        self.answers = {"/menu": ("text/html", page), "/week.png": ("image/png", image.getvalue())}
        self.agents: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/menu"

    def serve(self) -> ThreadingHTTPServer:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
                site.agents.append(self.headers.get("User-Agent", ""))
                media_type, body = site.answers.get(self.path, ("text/plain", b""))
                self.send_response(200 if self.path in site.answers else 404)
                self.send_header("Content-Type", media_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = server.server_address[1]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server


@pytest.fixture
def site(demo: Demo) -> Iterator[Site]:
    """The site, allow-listed for link previews (as an intranet host would be)."""
    running = Site(f"Menu {uuid.uuid4().hex[:6]}")
    server = running.serve()
    files: Any = demo.plein.runtime.service("files")
    saved = files.settings
    files.settings = saved.model_copy(update={"link_preview_allow": "127.0.0.1"})
    try:
        yield running
    finally:
        files.settings = saved
        server.shutdown()
        server.server_close()


async def test_a_posts_link_shows_its_card_and_its_author_removes_it(
    demo: Demo, visitors, site: Site
) -> None:  # type: ignore[no-untyped-def]
    title = site.answers["/menu"][1].decode().split('og:title" content="')[1].split('"')[0]
    posted = await demo.api(
        "daan", "POST", "/posts/posts", json={"text": f"Lunch menu: {site.url} enjoy"}
    )
    assert posted.status_code == 201, posted.text
    thread = f"/posts/{posted.json()['id']}"

    reader: Visitor = await visitors("desktop")
    await reader.sign_in("ilse")
    await reader.goto(thread)
    await reload_until_visible(reader.page, "#post .link-card", title)
    card = reader.page.locator("#post .link-card")
    await expect(card.locator(".link-card-site")).to_have_text("Intranet")
    await expect(card.locator("a.link-card-body")).to_have_attribute("href", site.url)
    await expect(card.locator("a.link-card-body")).to_have_attribute("rel", re.compile("nofollow"))
    image = card.locator("img")
    await expect(image).to_have_attribute("src", re.compile(r"^/link-cards/"))

    async def loaded() -> None:
        assert await image.evaluate("i => i.complete && i.naturalWidth") > 0

    await eventually(loaded)
    await expect(card.get_by_role("button", name="Remove preview")).to_have_count(0)
    await reader.check("link-card-thread")
    assert demo.axe_findings == [], "\n".join(demo.axe_findings)
    # Only Plein's fetcher asked the site; the reader's browser never did.
    assert site.agents and all("Chrom" not in agent for agent in site.agents), site.agents

    author: Visitor = await visitors("desktop")
    await author.sign_in("daan")
    # Lists of posts show it too (here the author's profile, read in one call with the files).
    await author.goto(f"/people/{demo.id_of('daan')}")
    await reload_until_visible(author.page, "article.entry .link-card", title)
    await author.goto(thread)
    await (
        author.page.locator("#post .link-card").get_by_role("button", name="Remove preview").click()
    )
    await author.page.wait_for_url(re.compile(re.escape(thread)))
    await expect(author.page.locator("#post .link-card")).to_have_count(0)
    await reader.page.reload()
    await expect(reader.page.locator("#post .link-card")).to_have_count(0)
