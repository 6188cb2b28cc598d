"""Articles in a real browser (Debian's Chromium) against a real Plein: the network admin
writes an article with a table and headings, is nudged to end with a question, publishes and
features it; it shows on News and at the top of home, with its contents and reading time; a
Dutch colleague reads it on a phone and replies. Screenshots: phone and desktop, nl and en."""

from __future__ import annotations

import io
import re
import uuid

import pytest
from PIL import Image
from playwright.async_api import FilePayload, expect

from .conftest import VIEWPORTS, Demo, Visitor

pytestmark = pytest.mark.integration

BODY = """Our floor moves in May.

## Why we move

More light, fewer stairs.

## Who sits where

| Team | Room |
|---|---|
| Web | 2.14 |
| Data | 2.16 |

### The quiet room

Room 2.20 stays quiet.

## What now

Pack your desk by Friday."""


def cover() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1200, 600), (40, 110, 190)).save(out, "PNG")
    return out.getvalue()


async def test_an_article_with_a_table_is_published_featured_and_read(
    demo: Demo,
    visitors,  # type: ignore[no-untyped-def]
) -> None:
    title = f"New office {uuid.uuid4().hex[:6]}"
    ann: Visitor = await visitors("desktop")
    await ann.sign_in("ann")  # the network admin: may feature
    await ann.goto("/news")
    await ann.page.get_by_role("link", name="Write an article").click()
    await ann.page.get_by_label("Title").fill(title)
    await ann.page.get_by_label("Teaser (optional)").fill("Where everyone sits from May")
    await ann.page.locator("#article-body").fill(BODY)
    await ann.page.locator("#article-cover").set_input_files(
        files=[FilePayload(name="cover.png", mimeType="image/png", buffer=cover())]
    )
    tom_profile = await demo.api("ann", "GET", f"/identity/users/{demo.id_of('tom')}")
    await ann.page.get_by_label("Co-editors (@handles, optional)").fill(
        f"@{tom_profile.json()['handle']}"
    )
    await ann.page.get_by_role("button", name="Save draft").click()
    await ann.page.wait_for_url(re.compile(r"/articles/[0-9a-f-]{36}/edit\?saved=true"))
    await expect(ann.page.locator(".article-editor img.cover")).to_be_attached()
    await expect(ann.page.locator(".article-editor")).to_contain_text("Co-editors: Tom Dijkstra")
    await ann.page.get_by_role("button", name="Preview").click()
    await expect(ann.page.locator(".preview td").first).to_have_text("Web")
    await expect(ann.page.locator("#article-nudge")).to_be_visible()
    await expect(ann.page.locator("#article-nudge")).to_contain_text("End with a question")
    await ann.check("article-editor")

    await ann.page.locator("#article-body").fill(BODY + "\n\nWhich room would you like?")
    await ann.page.get_by_role("button", name="Publish now").click()
    await ann.page.wait_for_url(re.compile(r"/articles/[0-9a-f-]{36}$"))
    article_url = ann.page.url
    page = ann.page.locator(".article-page")
    await expect(page.locator("h1")).to_have_text(title)
    await expect(page.locator("img.cover")).to_be_attached()
    await expect(page.locator(".body td").first).to_have_text("Web")
    await expect(page.locator("nav.contents li")).to_have_count(4)
    await expect(page).to_contain_text("1 min read")
    await ann.page.get_by_role("button", name="Feature in the news").click()
    await expect(ann.page.locator(".article-page .featured-tag")).to_be_visible()
    await ann.check("article")

    feed = await ann.page.request.get(f"{demo.base_url}/people/{demo.id_of('ann')}/blog.atom")
    assert feed.ok and feed.headers["content-type"].startswith("application/atom+xml")
    assert f"<title>{title}</title>" in await feed.text()

    await ann.goto("/news")
    await expect(ann.page.locator(".article-card").first).to_contain_text(title)
    await ann.check("news")
    await ann.goto("/")
    await expect(ann.page.locator(".news-strip .article-card").first).to_contain_text(title)
    await ann.check("home-news")
    await ann.page.set_viewport_size(VIEWPORTS["phone"])
    ann.size = "phone"
    await ann.check("article-news")

    tom: Visitor = await visitors("phone", locale="nl-NL")
    await tom.sign_in("tom")
    await tom.goto("/news")
    await expect(tom.page.get_by_role("heading", name="Nieuws", exact=True)).to_be_visible()
    await expect(tom.page.locator(".article-card").first).to_contain_text(title)
    await tom.check("news-nl")
    # A time that has passed is refused, in Dutch, with the text kept.
    await tom.goto("/articles/new")
    await tom.page.get_by_label("Titel").fill("Te laat")
    await tom.page.locator("#article-publish-at").fill("2020-01-01T10:00")
    await tom.page.get_by_role("button", name="Inplannen").click()
    await expect(tom.page.locator("#article-error")).to_contain_text("Dat tijdstip is voorbij")
    await expect(tom.page.get_by_label("Titel")).to_have_value("Te laat")
    await tom.check("article-editor-nl")
    await tom.page.goto(article_url)
    await expect(tom.page.locator(".article-page")).to_contain_text("1 min lezen")
    await tom.page.locator("#reply-text").fill("Graag **2.14**!")
    await tom.page.get_by_role("button", name="Reageren", exact=True).last.click()
    await expect(tom.page.locator(".replies strong").first).to_have_text("2.14")
    await tom.goto(article_url.removeprefix(demo.base_url))
    await expect(tom.page.locator(".replies")).to_contain_text("2.14")
    await tom.check("article-nl")
    await tom.page.set_viewport_size(VIEWPORTS["desktop"])
    tom.size = "desktop"
    await tom.check("article-nl")
    assert demo.axe_findings == [], "\n".join(demo.axe_findings)
