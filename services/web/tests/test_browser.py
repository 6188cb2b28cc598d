"""The web client in a real browser (Debian's Chromium driven by Playwright) against a real
Plein: every service, real PostgreSQL and NATS, the demo organisation."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.async_api import Page, expect
from plein_platform.testing import eventually

from .conftest import Demo, Visitor

pytestmark = pytest.mark.integration

LIVE_S = 30_000  # ms Playwright waits for what arrives over SSE or after a projection


async def reload_until_visible(page: Page, locator: str, text: str | None = None) -> None:
    """Reload until `locator` (with `text`) shows: what projections write arrives a bit later."""

    async def shown() -> None:
        await page.reload()
        target = page.locator(locator)
        if text is not None:
            target = target.filter(has_text=text)
        assert await target.count() > 0, f"{locator} {text!r} not on {page.url}"

    await eventually(shown, timeout_s=30, interval_s=0.3)


# The journey runs once per viewport, each with its own people, on the same demo data.
JOURNEYS = {
    "desktop": {"asker": "eva", "colleague": "farid", "colleague_name": "Farid"},
    "phone": {"asker": "greet", "colleague": "hugo", "colleague_name": "Hugo"},
}


@pytest.mark.parametrize("size", ["desktop", "phone"])
async def test_morning_journey(demo: Demo, visitors, size: str) -> None:  # type: ignore[no-untyped-def]
    people = JOURNEYS[size]
    word = f"koffie{uuid.uuid4().hex[:8]}"

    asker: Visitor = await visitors(size)
    await asker.sign_in(people["asker"])
    page = asker.page

    # The pinned announcement is on top of home until it is marked read.
    await reload_until_visible(page, "article.pinned", "hybride werkbeleid")
    await asker.check("home")
    pinned = page.locator("article.pinned").filter(has_text="hybride werkbeleid")
    await pinned.get_by_role("button", name="Mark as read").click()
    await expect(page.locator("article.pinned")).to_have_count(0)

    # The colleague is signed in elsewhere, on the notifications page.
    colleague: Visitor = await visitors(size)
    await colleague.sign_in(people["colleague"])
    await colleague.goto("/notifications")
    await colleague.check("notifications")

    # A question mentioning the colleague, picked from the autocomplete.
    box = page.get_by_label("What would you like to share?")
    await box.click()
    await box.press_sequentially(
        f"Where do we keep the {word} beans? Do you know, @{people['colleague_name'][:3]}"
    )
    suggestion = page.get_by_role("option", name=re.compile(people["colleague_name"]))
    await expect(suggestion).to_be_visible()
    await asker.check("compose-mention")
    await box.press("Enter")
    await expect(box).to_have_value(re.compile(f"@{people['colleague_name']}"))
    await page.get_by_label("This is a question").check()
    await page.get_by_role("button", name="Post", exact=True).click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Post by")
    thread_url = page.url

    # Without reloading, the colleague's inbox shows the mention and the badge counts it.
    live = colleague.page.locator("#inbox li.live")
    await expect(live.first).to_be_visible(timeout=LIVE_S)
    await expect(colleague.page.locator("#unread")).to_be_visible()
    await live.first.get_by_role("link").click()
    await colleague.page.get_by_label("Your reply").fill(
        f"The {word} beans are in the top cupboard."
    )
    await colleague.page.get_by_role("button", name="Reply", exact=True).click()
    await expect(colleague.page.locator("article.reply")).to_contain_text("top cupboard")
    await colleague.check("thread")

    # The asker reacts to the answer and accepts it.
    await page.goto(thread_url)
    answer = page.locator("article.reply").filter(has_text="top cupboard")
    await answer.get_by_role("button", name=re.compile("^like")).click()
    answer = page.locator("article.reply").filter(has_text="top cupboard")
    await expect(answer.get_by_role("button", name=re.compile("^like"))).to_have_attribute(
        "aria-pressed", "true"
    )
    await answer.get_by_role("button", name="Accept as best answer").click()
    await expect(page.locator("article.reply.best")).to_contain_text("top cupboard")
    await asker.check("thread-answered")

    # Search finds the question, its words highlighted.
    await asker.goto(f"/search?q={word}")
    await reload_until_visible(page, ".hit mark")
    await asker.check("search")

    # A join request to the private group, approved by its admin.
    leadership = demo.group("Leadership team")
    await asker.goto(f"/groups/{leadership}")
    await asker.check("group-private")
    await page.get_by_role("button", name="Ask to join").click()
    await expect(page.get_by_role("status")).to_contain_text("request was sent")
    admin: Visitor = await visitors(size)
    await admin.sign_in("ann")
    await admin.goto(f"/groups/{leadership}")
    request = admin.page.locator("li.request").filter(has_text=re.compile(people["asker"], re.I))
    await expect(request).to_be_visible()
    await admin.check("group-admin")
    await request.get_by_role("button", name="Approve").click()
    await expect(admin.page.locator("li.request")).to_have_count(0)
    await asker.goto(f"/groups/{leadership}")
    await expect(page.get_by_role("button", name="Leave group")).to_be_visible()

    for other in ("/groups", "/people", f"/people/{demo.id_of('ann')}", "/settings", "/my-data"):
        await asker.goto(other)
        await asker.check(other.strip("/").split("/")[0] or "home")

    # Sign out: the session ends, the pages ask for sign-in again.
    await page.get_by_label("Your account").click()
    await page.get_by_role("button", name="Sign out").click()
    await expect(page).to_have_url(re.compile("/sign-in"))
    await asker.check("sign-in")
    await asker.goto("/")
    await expect(page).to_have_url(re.compile("/sign-in"))

    assert not [e for e in asker.console_errors if "Content Security Policy" in e], (
        asker.console_errors
    )
    assert demo.axe_findings == [], "\n".join(demo.axe_findings)
