"""The web client's surface in a real Chromium at 360 and 1280 px, in Dutch and in English:
every page walked (one language only on it, no raw keys, axe finds nothing of any impact,
44 px targets in the navigation), every error a page with the navigation that says what to do,
the phone's bottom bar of at most five, and the main tasks done by keyboard alone. Screenshots
of every page are kept under .artifacts/web/surface/."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.async_playwright import Axe
from babel.messages.pofile import read_po
from playwright.async_api import Page, expect
from plein_demo import DEMO_PASSWORD

from .conftest import ARTIFACTS, Demo, Visitor
from .test_browser import reload_until_visible

pytestmark = pytest.mark.integration

LOCALE = Path(__file__).resolve().parents[1] / "src/plein_web/locale"
SHOTS = ARTIFACTS / "surface"
BROWSER_LOCALE = {"en": "en-GB", "nl": "nl-NL"}
SIZES_AND_LANGUAGES = [
    (size, language) for size in ("desktop", "phone") for language in ("en", "nl")
]
# The community dashboard's owners scan it with axe in test_browser_dashboard.py.
AXED_ELSEWHERE = {"community"}
# A catalogue key shown as it is, such as announcement_guideline.
RAW_KEY = re.compile(r"^[a-z]+(_[a-z]+)+$")


def _other_language_words() -> dict[str, set[str]]:
    """Per page language, the UI sentences that belong only to the other language: English
    message ids whose Dutch differs (wrong on a Dutch page), and those Dutch translations
    (wrong on an English page)."""
    with (LOCALE / "en/LC_MESSAGES/messages.po").open("rb") as f:
        english_of = {m.id: str(m.string) for m in read_po(f, locale="en") if m.id and m.string}
    with (LOCALE / "nl/LC_MESSAGES/messages.po").open("rb") as f:
        catalog = read_po(f, locale="nl")
    english, dutch = set(), set()
    for message in catalog:
        if not message.id or isinstance(message.id, tuple) or not message.string:
            continue
        if "%" in message.id or english_of.get(message.id, message.id) == message.string:
            continue
        english.add(str(english_of.get(message.id, message.id)).strip())
        dutch.add(str(message.string).strip())
    # Words both languages write the same way in some places.
    both = english & dutch
    return {"nl": english - both, "en": dutch - both}


FOREIGN = _other_language_words()

# What a page exposes as words: text, and the attributes a screen reader or tooltip reads.
WORDS_ON_PAGE = """() => {
  const out = [document.title];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const parent = node.parentElement;
    if (!parent || parent.closest('script, style, .text, .hit, [translate="no"]')) continue;
    const text = node.textContent.trim();
    if (text) out.push(text);
  }
  for (const el of document.querySelectorAll('[aria-label], [title], [placeholder], [alt]')) {
    for (const name of ['aria-label', 'title', 'placeholder', 'alt']) {
      const value = el.getAttribute(name);
      if (value && value.trim()) out.push(value.trim());
    }
  }
  return out;
}"""

# Controls of the navigation and header: each at least 44 px high and wide (WCAG 2.5.8 asks
# 24; the house asks 44 for thumbs).
SMALL_TARGETS = """() => [...document.querySelectorAll(
    'header.top a, header.top summary, header.top button, .more-body a, .menu-body a')]
  .filter(el => el.offsetParent !== null || getComputedStyle(el).position === 'fixed')
  .map(el => [el, el.getBoundingClientRect()])
  .filter(([el, r]) => r.width > 0 && (r.height < 44 || r.width < 44))
  .map(([el, r]) => [el.tagName.toLowerCase(), (el.textContent || '').trim().slice(0, 20),
                     Math.round(r.width) + 'x' + Math.round(r.height)].join(' '))"""


async def language_findings(page: Page, language: str, name: str) -> list[str]:
    words: list[str] = await page.evaluate(WORDS_ON_PAGE)
    found = []
    for text in words:
        pieces = {text, *(p.strip() for p in re.split(r"\s[·:]\s|:\s*$", text) if p.strip())}
        for piece in pieces:
            if piece in FOREIGN[language] or RAW_KEY.match(piece):
                found.append(f"{name} ({language}): {piece!r}")
    return found


async def axe_findings(page: Page, name: str) -> list[str]:
    results = await Axe().run(page)
    return [
        f"{name}: {v['id']} ({v.get('impact')}) {[n.get('target') for n in v['nodes']][:3]}"
        for v in results.response["violations"]
    ]


async def shoot(visitor: Visitor, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}-{visitor.language}-{visitor.size}.png"
    await visitor.page.screenshot(path=str(path), full_page=True)


async def as_person(visitors: Any, handle: str, size: str, language: str) -> Visitor:
    visitor: Visitor = await visitors(size, locale=BROWSER_LOCALE[language])
    await visitor.sign_in(handle)
    assert await visitor.page.get_attribute("html", "lang") == language
    return visitor


async def post_form(page: Page, action: str, fields: dict[str, str]) -> None:
    """Submit a plain form (as a stale or hand-made page would), with the session's CSRF
    token, and wait for the page it leads to."""
    async with page.expect_navigation():
        await page.evaluate(
            """([action, fields]) => {
              const form = document.createElement('form');
              form.method = 'post';
              form.action = action;
              const all = {...fields, csrf_token: document.body.dataset.csrf};
              for (const [name, value] of Object.entries(all)) {
                const input = document.createElement('input');
                input.type = 'hidden'; input.name = name; input.value = value;
                form.appendChild(input);
              }
              document.body.appendChild(form);
              form.submit();
            }""",
            [action, fields],
        )


async def a_thread(demo: Demo) -> str:
    response = await demo.api(
        "ann", "POST", "/posts/posts", json={"text": "Wie heeft de sleutel van de fietsenstalling?"}
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


# -- the walk: every page, both languages, both sizes --------------------------------------------


@pytest.mark.parametrize(("size", "language"), SIZES_AND_LANGUAGES)
async def test_every_page_speaks_one_language_and_axe_finds_nothing(  # type: ignore[no-untyped-def]
    demo: Demo, visitors, size: str, language: str
) -> None:
    findings: list[str] = []
    anonymous: Visitor = await visitors(size, locale=BROWSER_LOCALE[language])
    for name, path in (("sign-in", "/sign-in"), ("register", "/register")):
        await anonymous.goto(path)
        await shoot(anonymous, name)
        findings += await language_findings(anonymous.page, language, name)
        findings += await axe_findings(anonymous.page, f"{name}-{language}-{size}")

    # Kim manages the community: the most links of anyone in the navigation.
    kim = await as_person(visitors, "kim", size, language)
    thread = await a_thread(demo)
    hr = demo.seeded["shared_accounts"]["HR"]["id"]
    pages = {
        "home": "/",
        "groups": "/groups",
        "group": f"/groups/{demo.group('Hardloopclub')}",
        "group-closed": f"/groups/{demo.group('Leadership team')}",
        "topics": "/topics",
        "topic": "/topics/engineering",
        "people": "/people",
        "profile": f"/people/{demo.id_of('ann')}",
        "own-profile": f"/people/{demo.id_of('kim')}",
        "shared-account": f"/people/{hr}",
        "search": "/search?q=koffie",
        "thread": f"/posts/{thread}",
        "reactions": f"/posts/{thread}/reactions",
        "notifications": "/notifications",
        "settings": "/settings",
        "my-data": "/my-data",
        "admin-exports": "/admin/exports",
        "community": "/community",
        "not-found": f"/posts/{uuid.uuid4()}",
        "malformed-id": "/groups/not-an-id",
    }
    for name, path in pages.items():
        await kim.goto(path)
        await shoot(kim, name)
        findings += await language_findings(kim.page, language, name)
        if name not in AXED_ELSEWHERE:
            findings += await axe_findings(kim.page, f"{name}-{language}-{size}")
        small = await kim.page.evaluate(SMALL_TARGETS)
        findings += [f"{name}-{size}: target {s}" for s in small]
    (SHOTS / f"findings-{language}-{size}.txt").write_text("\n".join(findings))
    assert findings == []
    # The error pages answer 404 on purpose, which the console reports; nothing else.
    assert [e for e in kim.console_errors if "status of 404" not in e] == []


# -- errors ------------------------------------------------------------------------------------

ERROR_WORDS_5XX = "Er ging bij ons iets mis"
ERROR_WORDS = {
    "en": {
        404: "Page not found",
        403: "Not for you, sorry",
        422: "That did not work",
        429: "Too many attempts in a short time. Wait",
    },
    "nl": {
        404: "Pagina niet gevonden",
        403: "Dit is niet voor jou, sorry",
        422: "Dat lukte niet",
        429: "Te veel pogingen in korte tijd. Wacht",
    },
}
# Each run of the 429 check blocks its own account (the block is per account and address).
BLOCKED = {
    ("desktop", "en"): "tom",
    ("desktop", "nl"): "umar",
    ("phone", "en"): "vera",
    ("phone", "nl"): "pieter",
}


async def expect_error_page(visitor: Visitor, status: int, name: str) -> None:
    page = visitor.page
    words = ERROR_WORDS[visitor.language][status]
    await expect(page.get_by_role("heading", level=1)).to_have_text(words)
    await expect(page.locator("nav.nav")).to_be_attached()  # the normal navigation is there
    home = re.compile("^(Back to the home page|Terug naar de startpagina)$")
    await expect(page.get_by_role("link", name=home)).to_be_visible()
    body = await page.locator("body").inner_text()
    assert '"status"' not in body and "about:blank" not in body  # never the raw problem
    await shoot(visitor, f"error-{name}")


@pytest.mark.parametrize(("size", "language"), SIZES_AND_LANGUAGES)
async def test_each_error_is_a_page_with_the_navigation_in_the_persons_language(  # type: ignore[no-untyped-def]
    demo: Demo, visitors, size: str, language: str
) -> None:
    eva = await as_person(visitors, "eva", size, language)
    page = eva.page

    for name, path in (
        ("unknown-post", f"/posts/{uuid.uuid4()}"),
        ("malformed-post", "/posts/12345"),
        ("unknown-person", f"/people/{uuid.uuid4()}"),
        ("malformed-group", "/groups/abc"),
    ):
        response = await page.goto(demo.base_url + path)
        assert response is not None and response.status == 404, path
        assert response.headers["content-type"].startswith("text/html"), path
        await expect_error_page(eva, 404, name)

    # Approving a request in a group one does not run: the API's 403, said in words.
    await eva.goto("/groups")
    await post_form(
        page,
        f"/groups/{demo.group('Marketing')}/requests/{demo.id_of('eva')}/approve",
        {},
    )
    await expect_error_page(eva, 403, "forbidden")
    await expect(page.locator(".problem")).to_contain_text(
        "admin" if language == "en" else "beheerder"
    )

    # A message longer than the form takes: 422, the field named and its limit.
    await eva.goto("/groups")
    await post_form(
        page, f"/groups/{demo.group('Leadership team')}/request", {"message": "x" * 600}
    )
    await expect_error_page(eva, 422, "too-long")
    await expect(page.locator(".problem")).to_contain_text(
        "Message: at most 500 characters" if language == "en" else "Bericht: hoogstens 500 tekens"
    )

    # A real 5xx: posts' database connections all taken (as by a runaway report), so posts
    # answers 503 after its pool wait. The thread page says so in words, with the navigation
    # and Retry-After, and opens again once posts has connections.
    await eva.goto("/")  # a thread of her home feed (no API token: the address is throttled)
    thread = await page.locator("#entries [id^=entry-]").first.get_attribute("id") or ""
    thread = thread.removeprefix("entry-")
    pool = demo.plein.runtime.service("posts").ctx.pool
    held = [await pool.getconn() for _ in range(pool.max_size)]
    try:
        response = await page.goto(f"{demo.base_url}/posts/{thread}")
        assert response is not None and response.status == 503
        assert response.headers.get("retry-after", "").isdigit()
        await expect(page.get_by_role("heading", level=1)).to_have_text(
            "Something went wrong on our side" if language == "en" else ERROR_WORDS_5XX
        )
        await expect(page.locator("nav.nav")).to_be_attached()
        body = await page.locator("body").inner_text()
        assert '"status"' not in body and "Traceback" not in body and "Pool" not in body
        assert not await language_findings(page, language, "error-5xx")
        await shoot(eva, "error-unavailable")
    finally:
        for connection in held:
            await pool.putconn(connection)
    response = await page.goto(f"{demo.base_url}/posts/{thread}")
    assert response is not None and response.status == 200

    # Wrong passwords until identity asks to wait: the sign-in page says how long.
    stranger: Visitor = await visitors(size, locale=BROWSER_LOCALE[language])
    handle = BLOCKED[(size, language)]
    # The sign-in page words its own 429 (identity's throttle, with the wait in the reader's
    # language); other pages use the general one (ERROR_WORDS).
    words = "Too many wrong passwords" if language == "en" else "Te veel verkeerde wachtwoorden"
    for _ in range(15):  # the wait doubles from the sixth try on: one of these is refused
        await stranger.goto("/sign-in")
        await stranger.page.get_by_label(re.compile("E-mail")).fill(f"{handle}@example.com")
        await stranger.page.get_by_label(re.compile("Password|Wachtwoord")).fill("wrong-guess")
        await stranger.page.get_by_role("button", name=re.compile("Sign in|Inloggen")).click()
        await stranger.page.wait_for_load_state()
        if words in await stranger.page.locator("body").inner_text():
            break
    problem = stranger.page.locator(".problem")
    await expect(problem).to_contain_text(words)
    # The wait, in the page's language: "Wait 16 seconds", "Wacht 16 seconden".
    await expect(problem).to_contain_text(
        re.compile(r"\d+ (second|minute)" if language == "en" else r"\d+ (seconde|minu)")
    )
    await shoot(stranger, "error-too-many-attempts")


# -- the phone's bottom bar --------------------------------------------------------------------


async def test_a_community_managers_phone_bar_has_five_items_and_the_rest_under_more(  # type: ignore[no-untyped-def]
    demo: Demo, visitors
) -> None:
    kim = await as_person(visitors, "kim", "phone", "nl")
    page = kim.page
    bar = page.locator("nav.nav")
    items = bar.locator(":scope > a:visible, :scope > details > summary:visible")
    await expect(items).to_have_count(5)
    labels = [t.strip().split("\n")[0] for t in await items.all_inner_texts()]
    assert labels == ["Start", "Groepen", "Zoeken", "Meldingen", "Meer"], labels
    # Five fit side by side: no label runs into the next.
    boxes = [await items.nth(i).bounding_box() for i in range(5)]
    assert all(b is not None for b in boxes)
    for left, right in zip(boxes, boxes[1:], strict=False):
        assert left is not None and right is not None
        assert left["x"] + left["width"] <= right["x"] + 0.5
    await bar.get_by_text("Meer").click()
    more = page.locator(".more-body")
    await expect(more.get_by_role("link")).to_have_text(
        ["Nieuws", "Thema's", "Evenementen", "Mensen", "Community"]
    )
    await shoot(kim, "bottom-bar-more")
    await more.get_by_role("link", name="Community").click()
    await expect(page).to_have_url(re.compile("/community"))


# -- dark mode ---------------------------------------------------------------------------------


async def test_dark_mode_follows_the_system_and_keeps_every_contrast(  # type: ignore[no-untyped-def]
    demo: Demo, visitors
) -> None:
    findings: list[str] = []
    for size in ("desktop", "phone"):
        visitor: Visitor = await visitors(size, color_scheme="dark")
        await visitor.sign_in("kim")
        background = await visitor.page.evaluate(
            "getComputedStyle(document.documentElement).backgroundColor"
        )
        assert background == "rgb(15, 20, 26)", background  # the dark --bg
        for name, path in (("home", "/"), ("settings", "/settings"), ("groups", "/groups")):
            await visitor.goto(path)
            await shoot(visitor, f"dark-{name}")
            findings += await axe_findings(visitor.page, f"dark-{name}-{size}")
    assert findings == []


# -- discovery and identity --------------------------------------------------------------------


async def test_a_private_group_is_listed_to_ask_to_join_and_the_shared_account_has_a_page(  # type: ignore[no-untyped-def]
    demo: Demo, visitors
) -> None:
    eva = await as_person(visitors, "eva", "desktop", "nl")
    page = eva.page
    await eva.goto("/groups")
    card = page.locator(".group-card").filter(has_text="Leadership team")
    await expect(card).to_contain_text("Besloten groep")
    await card.get_by_role("link", name="Vraag om lid te worden").click()
    await expect(page.get_by_role("button", name="Vraag om lid te worden")).to_be_visible()

    # The shared account: what it is and its posts for everyone; who manages it only for its
    # delegates (and network admins).
    hr = demo.seeded["shared_accounts"]["HR"]["id"]
    await eva.goto(f"/people/{hr}")
    await expect(page.get_by_role("heading", level=1)).to_have_text("HR")
    await expect(page.locator(".shared-account")).to_contain_text("Gedeeld account")
    await expect(page.get_by_text("Wie het beheert")).to_have_count(0)
    ilse = await as_person(visitors, "ilse", "desktop", "nl")
    await ilse.goto(f"/people/{hr}")
    await expect(ilse.page.locator(".delegates")).to_contain_text("Jeroen de Groot")
    # What the account posted is on its page (the feed knows an account by its posts).
    acting = await demo.plein.http.post(
        "/identity/tokens/act-as",
        headers={"Authorization": f"Bearer {await demo.token('ilse')}"},
        json={"account_id": hr},
    )
    assert acting.status_code == 200, acting.text
    posted = await demo.plein.http.post(
        "/posts/posts",
        headers={"Authorization": f"Bearer {acting.json()['access_token']}"},
        json={"text": "Het HR-spreekuur is voortaan op dinsdag."},
    )
    assert posted.status_code == 201, posted.text
    await reload_until_visible(page, "main article", "HR-spreekuur")

    # A member writes in the group from its own page.
    await eva.goto(f"/groups/{demo.group('Engineering')}")
    await expect(page.locator("#compose-target")).to_have_value(demo.group("Engineering"))

    # The admin-only export link shows to the network admin only.
    await eva.goto("/my-data")
    await expect(page.locator("a[href='/admin/exports']")).to_have_count(0)
    ann = await as_person(visitors, "ann", "desktop", "nl")
    await ann.goto("/my-data")
    await expect(ann.page.locator("main a[href='/admin/exports']")).to_have_count(1)


# -- keyboard only ----------------------------------------------------------------------------


async def tab_to(page: Page, selector: str, limit: int = 60) -> None:
    """Press Tab until the element matching `selector` has the focus."""
    for _ in range(limit):
        await page.keyboard.press("Tab")
        if await page.evaluate("s => document.activeElement?.matches(s) ?? false", selector):
            return
    raise AssertionError(f"Tab never reached {selector} on {page.url}")


@pytest.mark.parametrize("size", ["desktop", "phone"])
async def test_the_main_tasks_by_keyboard_alone(demo: Demo, visitors, size: str) -> None:  # type: ignore[no-untyped-def]
    visitor: Visitor = await visitors(size)
    page = visitor.page
    await visitor.goto("/sign-in")
    await tab_to(page, "input[type=email]")
    await page.keyboard.type("sanne@example.com")
    await tab_to(page, "input[type=password]")
    await page.keyboard.type(DEMO_PASSWORD)
    await page.keyboard.press("Enter")
    await page.wait_for_url(re.compile(r"^(?!.*sign-in).*$"))

    await tab_to(page, "nav a[href='/groups']")
    await page.keyboard.press("Enter")
    await page.wait_for_url(re.compile("/groups$"))

    if size == "phone":  # People waits under "More" on a phone
        await tab_to(page, "nav details summary")
        await page.keyboard.press("Enter")
        await tab_to(page, ".more-body a[href='/people']")
    else:
        await tab_to(page, "nav a[href='/people']")
    await page.keyboard.press("Enter")
    await page.wait_for_url(re.compile("/people$"))

    await tab_to(page, "input[name=q]")
    await page.keyboard.type("Farid")
    await page.keyboard.press("Enter")
    await page.wait_for_url(re.compile("q=Farid"))
    await tab_to(page, f"a[href='/people/{demo.id_of('farid')}']")
    await page.keyboard.press("Enter")
    await page.wait_for_url(re.compile(demo.id_of("farid")))
    await tab_to(page, "main button[type=submit]")
    follow = await page.evaluate("document.activeElement.textContent.trim()")
    await page.keyboard.press("Enter")
    await expect(page.locator("main button[type=submit]").first).not_to_have_text(follow)

    await tab_to(page, "details.menu summary")
    await page.keyboard.press("Enter")
    await tab_to(page, "form[action='/sign-out'] button")
    await shoot(visitor, "keyboard-menu")
    await page.keyboard.press("Enter")
    await page.wait_for_url(re.compile("/sign-in"))
