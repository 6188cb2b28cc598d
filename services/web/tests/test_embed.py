"""The embed in real Chromium: intranet pages served on other loopback origins embed a page's
conversation; only the allowed origin gets anything rendered; a private group's page thread
never renders for a non-member; oEmbed for Plein's own threads."""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from playwright.async_api import expect
from plein_demo import DEMO_PASSWORD
from plein_events.pages import page_thread_id

from .conftest import Demo, Visitor
from .test_browser import reload_until_visible

pytestmark = pytest.mark.integration


class Intranet:
    """A tiny intranet site on its own origin: every path is a page with the embed's tag."""

    def __init__(self, plein_url: str) -> None:
        plein = plein_url
        self.groups: dict[str, str] = {}
        groups = self.groups

        class Page(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
                group = groups.get(self.path.split("?")[0])
                extra = f' data-plein-group="{group}"' if group else ""
                body = (
                    f"<!doctype html><html lang='en'><title>Intranet</title><main><h1>{self.path}</h1>"
                    f'<script src="{plein}/assets/embed.js" async{extra}></script></main></html>'
                ).encode()
                self.send_response(200)
                self.send_header("content-type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def intranets(demo: Demo) -> Iterator[tuple[Intranet, Intranet]]:
    """Two sites on the same host as Plein (same-site, other origins): the first allowed."""
    allowed, other = Intranet(demo.base_url), Intranet(demo.base_url)
    [web] = [s for s in demo.plein.runtime.services if s.name == "web"]
    settings: Any = web.settings  # type: ignore[attr-defined]
    settings.embed_allowed_origins = allowed.origin
    try:
        yield allowed, other
    finally:
        settings.embed_allowed_origins = ""
        allowed.close()
        other.close()


def frame_of(visitor: Visitor) -> Any:
    return visitor.page.frame_locator("iframe.plein-embed")


async def test_a_reply_from_the_embed_shows_in_plein_and_in_the_thread_authors_notifications(
    demo: Demo, visitors, intranets: tuple[Intranet, Intranet]
) -> None:  # type: ignore[no-untyped-def]
    allowed, _ = intranets
    page_url = f"{allowed.origin}/news/canteen-{uuid.uuid4().hex[:8]}?week=2"
    word = f"soep{uuid.uuid4().hex[:6]}"

    author: Visitor = await visitors()
    await author.sign_in("rosa")
    await author.page.goto(page_url + "#menu")
    frame = frame_of(author)
    await expect(frame.get_by_text("No replies yet. Be the first!")).to_be_visible()
    await frame.get_by_label("Your reply").fill(f"Is there {word} on Friday?")
    await frame.get_by_role("button", name="Reply", exact=True).click()
    await expect(frame.locator("article.message")).to_contain_text(word)
    await author.check("embed")

    replier: Visitor = await visitors()
    await replier.sign_in("sanne")
    await replier.page.goto(page_url)
    frame = frame_of(replier)
    await expect(frame.locator("article.message").first).to_contain_text(word)
    await frame.get_by_label("Your reply").fill(f"Yes, tomato {word} and bread.")
    await frame.get_by_role("button", name="Reply", exact=True).click()
    await expect(frame.locator("article.message article.message")).to_contain_text("tomato")
    like = frame.locator("#post > form.reactions").get_by_role("button", name="like (0)")
    await like.click()
    await expect(
        frame.locator("#post > form.reactions").get_by_role("button", name="like (1)")
    ).to_have_attribute("aria-pressed", "true")

    # The frame itself, opened as the intranet page opens it, passes an axe scan.
    await replier.page.goto(f"{demo.base_url}/embed?url={quote(page_url)}", referer=page_url)
    await replier.check("embed-frame")
    assert demo.axe_findings == [], "\n".join(demo.axe_findings)
    # A reply with a malformed group is refused with a problem, nothing written.
    csrf = await replier.page.locator("input[name=csrf_token]").first.get_attribute("value")
    malformed = await replier.page.request.post(
        f"{demo.base_url}/embed/reply",
        form={"csrf_token": csrf or "", "url": page_url, "group": "nope", "text": "x"},
        headers={"referer": f"{demo.base_url}/embed"},
    )
    assert malformed.status == 422
    assert malformed.headers["content-type"].startswith("application/problem+json")

    # In the web client: the page thread (its id follows from the page), the reply in it.
    thread_id = page_thread_id(page_url, None)
    await author.goto(f"/posts/{thread_id}")
    await expect(author.page.locator("article.reply")).to_contain_text("tomato")
    await expect(author.page.get_by_role("link", name=page_url).first).to_be_visible()
    # ... and the author is told about the reply.
    await author.goto("/notifications")
    await reload_until_visible(author.page, f'#inbox a[href="/posts/{thread_id}"]')
    assert not author.console_errors and not replier.console_errors


async def test_a_page_on_an_origin_that_is_not_allowed_gets_nothing_rendered(
    demo: Demo, visitors, intranets: tuple[Intranet, Intranet]
) -> None:  # type: ignore[no-untyped-def]
    allowed, other = intranets
    visitor: Visitor = await visitors()
    await visitor.sign_in("sanne")
    async with visitor.page.expect_response(lambda r: "/embed?" in r.url) as answer:
        await visitor.page.goto(f"{other.origin}/news/elsewhere")
    assert (await answer.value).status == 403
    await visitor.page.wait_for_load_state("load")
    frame = frame_of(visitor)
    await expect(frame.locator("body")).not_to_contain_text("No replies yet")
    assert await frame.locator("#conversation").count() == 0

    # Over plain HTTP: the embed answers only for an allowed Referer and page, framed only by
    # the allowed origin; the rest of the web client may not be framed at all.
    async with httpx.AsyncClient(base_url=demo.base_url) as http:
        url = f"{allowed.origin}/news/x"
        ok = await http.get("/embed", params={"url": url}, headers={"referer": url})
        assert ok.status_code == 200
        assert f"frame-ancestors {allowed.origin}" in ok.headers["content-security-policy"]
        assert "x-frame-options" not in ok.headers
        for referer in (f"{other.origin}/news/x", None):
            headers = {"referer": referer} if referer else {}
            refused = await http.get("/embed", params={"url": url}, headers=headers)
            assert refused.status_code == 403 and "frame-ancestors 'none'" in str(refused.headers)
        elsewhere = await http.get(
            "/embed", params={"url": f"{other.origin}/x"}, headers={"referer": url}
        )
        assert elsewhere.status_code == 403
        theme = await http.get("/embed/theme.css", params={"accent": "#ff0000", "text": "red;}a{"})
        assert theme.text == ":root{--plein-accent:#ff0000}"  # only #hex colours get through
        sign_in = await http.get("/sign-in")
        assert "frame-ancestors 'none'" in sign_in.headers["content-security-policy"]


async def test_a_private_groups_page_thread_never_renders_for_a_non_member(
    demo: Demo, visitors, intranets: tuple[Intranet, Intranet]
) -> None:  # type: ignore[no-untyped-def]
    allowed, _ = intranets
    leadership = demo.group("Leadership team")
    path = f"/board/minutes-{uuid.uuid4().hex[:8]}"
    allowed.groups[path] = leadership
    secret = f"geheim{uuid.uuid4().hex[:6]}"
    started = await demo.api(
        "noah",
        "POST",
        "/posts/posts",
        json={"text": secret, "group_id": leadership, "page_url": allowed.origin + path},
    )
    assert started.status_code == 201, started.text

    member: Visitor = await visitors()
    await member.sign_in("noah")
    await member.page.goto(allowed.origin + path)
    await expect(frame_of(member).locator("article.message")).to_contain_text(secret)

    outsider: Visitor = await visitors()
    await outsider.sign_in("umar")
    await outsider.page.goto(allowed.origin + path)
    frame = frame_of(outsider)
    await expect(frame.get_by_text("This conversation is not available to you.")).to_be_visible()
    assert await frame.get_by_label("Your reply").count() == 0
    assert secret not in await frame.locator("body").inner_html()


async def test_oembed_gives_a_card_for_a_thread_of_this_plein_and_the_thread_page_links_it(
    demo: Demo, visitors
) -> None:  # type: ignore[no-untyped-def]
    created = await demo.api("rosa", "POST", "/posts/posts", json={"text": "Kaart"})
    post_id = created.json()["id"]
    visitor: Visitor = await visitors()
    await visitor.sign_in("rosa")
    await visitor.goto(f"/posts/{post_id}")
    link = visitor.page.locator('link[rel="alternate"][type="application/json+oembed"]')
    href = await link.get_attribute("href")
    assert href is not None and href.startswith("/oembed?url=")
    async with httpx.AsyncClient(base_url=demo.base_url) as http:
        card = await http.get(href)
        assert card.status_code == 200, card.text
        body = card.json()
        assert body["type"] == "rich" and body["version"] == "1.0"
        assert f'src="{demo.base_url}/embed?post={post_id}"' in body["html"]
        assert "Kaart" not in body["html"]  # nobody is asking: no text of the thread
        unknown = await http.get("/oembed", params={"url": "https://elsewhere.example/posts/1"})
        assert unknown.status_code == 404
        assert unknown.headers["content-type"].startswith("application/problem+json")


async def test_someone_not_signed_in_signs_in_from_the_embed_in_a_pop_up(
    demo: Demo, visitors, intranets: tuple[Intranet, Intranet]
) -> None:  # type: ignore[no-untyped-def]
    allowed, _ = intranets
    visitor: Visitor = await visitors()
    await visitor.page.goto(f"{allowed.origin}/news/pop-up-{uuid.uuid4().hex[:8]}")
    frame = frame_of(visitor)
    reply_box = frame.get_by_role("textbox", name=re.compile("^(Your reply|Jouw reactie)$"))
    assert await reply_box.count() == 0
    async with visitor.page.expect_popup() as opened:
        await frame.get_by_role("link", name="Sign in").click()
    popup = await opened.value
    await popup.get_by_label(re.compile("E-mail")).fill("vera@example.com")
    await popup.get_by_label(re.compile("Password")).fill(DEMO_PASSWORD)
    await popup.get_by_role("button", name=re.compile("Sign in")).click()
    await popup.wait_for_event("close")
    # Vera's profile is Dutch (the demo organisation is): the frame now speaks it.
    await expect(frame.get_by_role("textbox", name="Jouw reactie")).to_be_visible()
