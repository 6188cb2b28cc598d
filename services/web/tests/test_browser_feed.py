"""A feed people act in, in a real browser (Debian's Chromium) against a real Plein, at 360 and
1280 px, in Dutch and English: from the home feed, without opening a thread or reloading the
page, a person reacts, replies, replies to a reply, answers a question, votes, sees a praise
badge and expands a long post; the scroll position stays; on a phone the first screen shows a
feed entry; a 20,000-character paste is counted and refused in words, never cut; and without
JavaScript the same forms work as plain forms."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from playwright.async_api import Locator, Page, expect

from .conftest import ARTIFACTS, Demo, Visitor
from .test_browser import LIVE_S, reload_until_visible

pytestmark = pytest.mark.integration

WORDS = {
    "en": {
        "show_more": "Show more",
        "reply": "Reply",
        "reply_to_this": "Reply to this",
        "answer": "Answer",
        "vote": "Vote",
        "one_vote": "1 vote",
        "badge": "Mentor",
        "too_long": "Too long",
    },
    "nl": {
        "show_more": "Meer tonen",
        "reply": "Reageren",
        "reply_to_this": "Hierop reageren",
        "answer": "Antwoorden",
        "vote": "Stemmen",
        "one_vote": "1 stem",
        "badge": "Mentor",
        "too_long": "Te lang",
    },
}


async def _thread_in(demo: Demo, author: str, group: str, **body: Any) -> str:
    path = {"question": "/posts/posts", "poll": "/posts/polls", "praise": "/posts/praise"}.get(
        body.pop("path", ""), "/posts/posts"
    )
    made = await demo.api(author, "POST", path, json={**body, "group_id": group})
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


async def _a_group_with_threads(demo: Demo, author: str, reader: str, tag: str) -> dict[str, str]:
    """A new public group of `author` that `reader` joins, with a long post, a post with a
    reply, a question, a poll and praise for the reader, each carrying `tag`."""
    made = await demo.api(author, "POST", "/identity/groups", json={"name": f"Feed {tag}"})
    assert made.status_code == 201, made.text
    group = str(made.json()["id"])
    joined = await demo.api(reader, "POST", f"/identity/groups/{group}/join")
    assert joined.status_code in (200, 201, 204), joined.text
    long_text = f"Lang verhaal {tag}. " + "Een zin die doorgaat. " * 400 + f"slot{tag}"
    ids = {
        "long": await _thread_in(demo, author, group, text=long_text),
        "talk": await _thread_in(demo, author, group, text=f"Borrel vrijdag? {tag}"),
        "question": await _thread_in(
            demo, author, group, kind="question", text=f"Wie weet de wifi-code? {tag}"
        ),
        "poll": await _thread_in(
            demo, author, group, path="poll", question=f"Lunch {tag}?", options=["Soep", "Salade"]
        ),
        "praise": await _thread_in(
            demo,
            author,
            group,
            path="praise",
            praised_ids=[demo.id_of(reader)],
            badge="mentor",
            text=f"Dank voor de hulp {tag}",
        ),
    }
    reply = await demo.api(
        author, "POST", f"/posts/posts/{ids['talk']}/replies", json={"text": f"Ik neem taart {tag}"}
    )
    assert reply.status_code == 201, reply.text
    for later in (f"Wie neemt chips mee? {tag}", f"Ik breng muziek {tag}"):
        # Two later replies: the list shows the latest two, so the first one is under "view all".
        answered = await demo.api(
            author, "POST", f"/posts/posts/{ids['talk']}/replies", json={"text": later}
        )
        assert answered.status_code == 201, answered.text
    return ids


def entry(page: Page, text: str) -> Locator:
    return page.locator("#entries article.entry").filter(has_text=text)


@pytest.mark.parametrize(
    ("size", "locale", "reader", "author"),
    [
        ("desktop", "en-GB", "hugo", "daan"),
        ("phone", "nl-NL", "farid", "greet"),
        ("phone", "en-GB", "olivia", "greet"),
        ("desktop", "nl-NL", "rosa", "greet"),
    ],
)
async def test_from_the_feed_react_reply_vote_see_praise_and_read_on_without_leaving_it(
    demo: Demo,
    visitors,  # type: ignore[no-untyped-def]
    size: str,
    locale: str,
    reader: str,
    author: str,
) -> None:
    tag = uuid.uuid4().hex[:6]
    await _a_group_with_threads(demo, author, reader, tag)
    visitor: Visitor = await visitors(size, locale=locale)
    words = WORDS[visitor.language]
    await visitor.sign_in(reader)
    page = visitor.page
    await visitor.goto("/")
    await reload_until_visible(page, "#entries article.entry", f"Dank voor de hulp {tag}")
    await reload_until_visible(page, "#entries article.entry", f"Lang verhaal {tag}")
    name = f"feed-{visitor.language}"

    # The first screen of a phone shows a feed entry: the composer is one line.
    if size == "phone":
        await page.screenshot(path=str(ARTIFACTS / f"{name}-first-screen-{size}.png"))
        first = await page.locator("#entries article.entry").first.bounding_box()
        assert first is not None and first["y"] < 740 - 80, first

    # Everything below happens in this one page: no navigation, no reload.
    await page.evaluate("window.stillTheSamePage = true")
    home = page.url

    praise = entry(page, f"Dank voor de hulp {tag}")
    await expect(praise.locator(".praise-badge")).to_contain_text(words["badge"])

    # A long post is folded; "show more" opens the rest in place.
    long = entry(page, f"Lang verhaal {tag}")
    assert (await long.bounding_box() or {"height": 0})["height"] < 900
    await expect(long.get_by_text(f"slot{tag}")).to_be_hidden()
    await long.get_by_text(words["show_more"]).click()
    await expect(long.get_by_text(f"slot{tag}")).to_be_visible()

    # React: the count and my choice show at once; the scroll position stays.
    talk = entry(page, f"Borrel vrijdag? {tag}")
    await talk.scroll_into_view_if_needed()
    before = await page.evaluate("window.scrollY")
    celebrate = talk.locator("button.reaction[value=celebrate]")
    await celebrate.click()
    await expect(celebrate).to_have_attribute("aria-pressed", "true")
    await expect(celebrate.locator(".count")).to_have_text("1")
    assert abs(await page.evaluate("window.scrollY") - before) < 2
    await expect(talk.locator(".who-reacted")).to_be_visible()

    # Reply, then reply to the author's reply: both show under the post, the second nested.
    await talk.locator(".reply-box > summary").click()
    await talk.locator(".reply-box textarea").fill(f"Ik kom {tag}")
    await talk.locator(".reply-box").get_by_role("button", name=words["reply"]).click()
    await expect(talk.locator(".latest-reply").filter(has_text=f"Ik kom {tag}")).to_be_visible()
    # The author's first reply is older than the latest two: "view all" shows it in place.
    cake = talk.locator(".latest-reply").filter(has_text=f"Ik neem taart {tag}")
    await expect(cake).to_have_count(0)
    view_all = talk.locator(".view-all a")
    await view_all.scroll_into_view_if_needed()  # as the reader does, before the measure
    before = await page.evaluate("window.scrollY")
    await view_all.click()
    await expect(cake).to_be_visible()
    await expect(talk.locator(".latest-reply")).to_have_count(4)
    await expect(talk.locator(".view-all")).to_have_count(0)
    assert abs(await page.evaluate("window.scrollY") - before) < 2
    await cake.get_by_text(words["reply_to_this"]).click()
    await cake.locator("textarea").fill(f"Met slagroom {tag}")
    await cake.get_by_role("button", name=words["reply"]).click()
    nested = talk.locator(".latest-reply.nested").filter(has_text=f"Met slagroom {tag}")
    await expect(nested).to_be_visible()

    # Answer a question in place.
    question = entry(page, f"Wie weet de wifi-code? {tag}")
    await question.locator(".reply-box > summary").click()
    await question.locator(".reply-box textarea").fill(f"Staat op de koelkast {tag}")
    await question.locator(".reply-box").get_by_role("button", name=words["answer"]).click()
    await expect(question.locator(".latest-reply")).to_contain_text(f"Staat op de koelkast {tag}")

    # Vote and see the results.
    poll = entry(page, f"Lunch {tag}?")
    await poll.get_by_label("Salade").check()
    await poll.get_by_role("button", name=words["vote"], exact=True).click()
    await expect(poll.locator(".poll legend")).to_contain_text(words["one_vote"])
    await expect(poll.locator("meter")).to_have_count(2)

    assert page.url == home and await page.evaluate("window.stillTheSamePage === true")
    await visitor.check(name)
    assert visitor.console_errors == []
    assert demo.axe_findings == [], "\n".join(demo.axe_findings)


async def test_a_long_paste_is_counted_and_refused_in_words_never_cut(
    demo: Demo,
    visitors,  # type: ignore[no-untyped-def]
) -> None:
    visitor: Visitor = await visitors("phone", locale="nl-NL")
    await visitor.sign_in("sanne")
    page = visitor.page
    box = page.locator("#compose-text")
    pasted = "Heel lang. " * 1819  # 20,009 characters
    await box.fill(pasted)
    assert len(await box.input_value()) == len(pasted)  # nothing cut by the browser
    counter = page.locator(".compose .counter")
    await expect(counter).to_contain_text("Te lang")
    await expect(counter).to_contain_text("20.009")
    await visitor.check("compose-too-long")

    # Sent anyway (no script): the page says so in Dutch and gives the whole text back.
    csrf = await page.get_attribute("body", "data-csrf")
    answer = await visitor.context.request.post(
        demo.base_url + "/posts", form={"text": pasted, "csrf_token": csrf or ""}
    )
    assert answer.status == 422
    body = await answer.text()
    assert "Je tekst heeft 20.009 tekens" in body and pasted.strip() in body


async def test_without_javascript_the_feeds_forms_work_and_come_back_to_the_post(
    demo: Demo,
    visitors,  # type: ignore[no-untyped-def]
) -> None:
    tag = uuid.uuid4().hex[:6]
    await _a_group_with_threads(demo, "hugo", "noah", tag)
    visitor: Visitor = await visitors("desktop", java_script_enabled=False)
    await visitor.sign_in("noah")
    page = visitor.page
    await visitor.goto("/")
    await reload_until_visible(page, "#entries article.entry", f"Borrel vrijdag? {tag}")
    talk = entry(page, f"Borrel vrijdag? {tag}")
    await talk.locator("button.reaction[value=thanks]").click()
    await expect(page).to_have_url(re.compile(r"/#entry-"), timeout=LIVE_S)
    talk = entry(page, f"Borrel vrijdag? {tag}")
    await expect(talk.locator("button.reaction[value=thanks]")).to_have_attribute(
        "aria-pressed", "true"
    )
    await talk.locator(".reply-box > summary").click()
    await talk.locator(".reply-box textarea").fill(f"Zonder script {tag}")
    await talk.locator(".reply-box").get_by_role("button", name="Reply").click()
    await expect(
        entry(page, f"Borrel vrijdag? {tag}").locator(".latest-reply").filter(has_text=tag)
    ).to_have_count(2)
