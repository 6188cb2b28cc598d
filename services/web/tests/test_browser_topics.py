"""#topics in a real browser (Debian's Chromium driven by Playwright) against a real Plein:
the directory, following from a topic's page, the followed topic's posts in the home feed with
their why-line, and a private group's topic kept from non-members."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.async_api import expect

from .conftest import Demo, Visitor
from .test_browser import LIVE_S, reload_until_visible

pytestmark = pytest.mark.integration


async def test_follow_a_topic_from_its_page_and_its_new_posts_come_home_with_why_line(
    demo: Demo,
    visitors,  # type: ignore[no-untyped-def]
) -> None:
    topic = f"fietsen{uuid.uuid4().hex[:6]}"
    secret = f"overname{uuid.uuid4().hex[:6]}"
    first = await demo.api(
        "daan", "POST", "/posts/posts", json={"text": f"Wie fietst mee? #{topic}"}
    )
    assert first.status_code == 201, first.text
    hidden = await demo.api(
        "daan",
        "POST",
        "/posts/posts",
        json={"text": f"Het bod #{secret}", "group_id": demo.group("Leadership team")},
    )
    assert hidden.status_code == 201, hidden.text

    tom: Visitor = await visitors()
    await tom.sign_in("tom")
    await tom.goto("/topics")
    await reload_until_visible(tom.page, ".topic-card", f"#{topic}")
    assert secret not in await tom.page.inner_text("body")  # tom is not in the leadership team
    await tom.check("topics")

    await tom.page.get_by_role("link", name=f"#{topic}").click()
    await expect(tom.page.get_by_role("heading", level=1)).to_have_text(f"#{topic}")
    await tom.page.get_by_role("button", name="Follow", exact=True).click()
    following = tom.page.get_by_role("button", name="Following", exact=True)
    await expect(following).to_be_visible()
    await expect(tom.page.get_by_text(f"New posts with #{topic} come into")).to_be_visible()
    await tom.check("topic")

    word = f"rit{uuid.uuid4().hex[:6]}"
    later = await demo.api(
        "daan", "POST", "/posts/posts", json={"text": f"Zaterdag een {word} #{topic}"}
    )
    assert later.status_code == 201, later.text
    await tom.goto("/")
    await reload_until_visible(tom.page, "article.entry", word)
    entry = tom.page.locator("article.entry").filter(has_text=word)
    await expect(entry.locator(".why")).to_contain_text(f"#{topic} you follow", timeout=LIVE_S)

    # The private group's topic's page says nothing of it either.
    await tom.goto(f"/topics/{secret}")
    assert "Het bod" not in await tom.page.inner_text("body")
    await expect(tom.page.locator("#topic-counts")).to_have_text(
        re.compile(r"0 posts · 0 followers")
    )

    await tom.goto(f"/topics/{topic}")
    await tom.page.get_by_role("button", name="Following", exact=True).click()
    await expect(tom.page.get_by_role("button", name="Follow", exact=True)).to_be_visible()
    assert demo.axe_findings == [], "\n".join(demo.axe_findings)
    assert tom.console_errors == []


async def test_the_topic_pages_speak_dutch(demo: Demo, visitors) -> None:  # type: ignore[no-untyped-def]
    topic = f"lunch{uuid.uuid4().hex[:6]}"
    posted = await demo.api("daan", "POST", "/posts/posts", json={"text": f"Soep #{topic}"})
    assert posted.status_code == 201, posted.text
    ilse: Visitor = await visitors("phone", locale="nl-NL")
    await ilse.sign_in("ilse")
    await ilse.goto("/topics")
    await expect(ilse.page.get_by_role("heading", level=1)).to_have_text("Thema's")
    await reload_until_visible(ilse.page, ".topic-card", f"#{topic}")
    await ilse.goto(f"/topics/{topic}")
    await ilse.page.get_by_role("button", name="Volgen", exact=True).click()
    await expect(ilse.page.get_by_role("button", name="Volgend", exact=True)).to_be_visible()
    await ilse.check("topic-nl")
    assert demo.axe_findings == [], "\n".join(demo.axe_findings)


# -- events (calendar events with RSVP): here to share this module's running Plein ----------


async def test_a_person_creates_an_event_and_another_says_yes_in_dutch_on_a_phone(
    demo: Demo,
    visitors,  # type: ignore[no-untyped-def]
) -> None:
    title = f"Zomerborrel {uuid.uuid4().hex[:6]}"
    daan: Visitor = await visitors("desktop")
    await daan.sign_in("daan")
    await daan.goto("/events")
    await daan.page.get_by_role("link", name="New event").first.click()
    form = daan.page.locator("form[action='/events']")
    await form.get_by_label("Title").fill(title)
    await form.get_by_label("Date", exact=True).fill("2027-07-01")
    await form.get_by_label("Starts at (Amsterdam time)").fill("19:00")
    await form.get_by_label("Ends at").fill("18:00")
    await form.get_by_label("Place").fill("Dakterras")
    await form.get_by_label("Group").select_option(label="Leadership team")
    await form.get_by_role("button", name="Create event").click()
    await expect(daan.page.locator(".problem")).to_have_text("An event ends after it starts.")
    await daan.check("event-new-error")
    await form.get_by_label("Ends at").fill("21:30")
    await form.get_by_role("button", name="Create event").click()
    await expect(daan.page.get_by_role("heading", level=1)).to_have_text(title)
    # Amsterdam's summer time, in the page's language.
    await expect(daan.page.locator(".event-facts time")).to_have_text(
        re.compile(r"1 Jul 2027, 19:00 – 21:30")
    )
    event_url = daan.page.url
    # "Add to calendar": the .ics comes through the web client, with the session's cookie.
    ics = await daan.page.request.get(event_url + ".ics")
    assert ics.headers["content-type"].startswith("text/calendar")
    assert "DTSTART;TZID=Europe/Amsterdam:20270701T190000" in (await ics.text())
    await daan.check("event")

    ilse: Visitor = await visitors("phone", locale="nl-NL")
    await ilse.sign_in("ilse")
    await ilse.goto("/events")
    await reload_until_visible(ilse.page, ".event-card", title)
    await ilse.check("events-nl")
    await ilse.page.get_by_role("link", name=title).click()
    await ilse.page.get_by_role("button", name="Ja", exact=True).click()
    await expect(ilse.page.get_by_role("button", name="Ja", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    await expect(ilse.page.locator(".people-coming")).to_contain_text("Ilse")
    await ilse.check("event-nl")

    # The (private) group's page shows its next events.
    await ilse.goto(f"/groups/{demo.group('Leadership team')}")
    await expect(ilse.page.locator(".group-events .event-card")).to_contain_text(title)
    await ilse.check("group-events-nl")

    await daan.page.reload()
    await expect(daan.page.locator(".people-coming")).to_contain_text("Ilse")
    assert demo.axe_findings == [], "\n".join(demo.axe_findings)
    assert daan.console_errors == [] and ilse.console_errors == []
