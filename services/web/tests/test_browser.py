"""The web client in a real browser (Debian's Chromium driven by Playwright) against a real
Plein: every service, real PostgreSQL and NATS, the demo organisation."""

from __future__ import annotations

import io
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from PIL import Image
from playwright.async_api import Page, expect
from plein_testdata.servers import eventually

from .conftest import ARTIFACTS, Demo, Visitor, single_sign_on

DUTCH_CATALOGUE = (
    Path(__file__).resolve().parents[1] / "src/plein_web/locale/nl/LC_MESSAGES/messages.po"
)

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
    await page.screenshot(path=str(ARTIFACTS / f"home-screen-{size}.png"))  # for the README
    pinned = page.locator("article.pinned").filter(has_text="hybride werkbeleid")
    await pinned.get_by_role("button", name="Mark as read").click()
    await expect(page.locator("article.pinned")).to_have_count(0)

    # The posts that were on screen were reported as seen: the feed now knows this visit.
    async def visit_recorded() -> None:
        home = await demo.api(people["asker"], "GET", "/feed/home", params={"limit": 1})
        assert home.json()["last_seen_at"] is not None

    await eventually(visit_recorded, timeout_s=30, interval_s=0.3)

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
    # Drawn as the page draws its entries: with the asker's face (photo or initials).
    await expect(live.first.locator(".avatar")).to_be_visible()
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
    await answer.get_by_role("button", name=re.compile("^Like")).click()
    answer = page.locator("article.reply").filter(has_text="top cupboard")
    await expect(answer.get_by_role("button", name=re.compile("^Like"))).to_have_attribute(
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


async def test_a_form_post_without_the_csrf_token_is_refused(demo: Demo, visitors) -> None:  # type: ignore[no-untyped-def]
    visitor: Visitor = await visitors()
    await visitor.sign_in("bob")
    word = f"forged{uuid.uuid4().hex[:8]}"
    # The browser's own cookie goes along (as with a forged cross-site form), the token not.
    response = await visitor.context.request.post(
        demo.base_url + "/posts", form={"text": f"{word} from elsewhere"}, max_redirects=0
    )
    assert response.status == 403
    wrong = await visitor.context.request.post(
        demo.base_url + "/posts",
        form={"text": f"{word} again", "csrf_token": "not-the-token"},
        max_redirects=0,
    )
    assert wrong.status == 403
    found = await demo.api("bob", "GET", "/posts/people/" + demo.id_of("bob") + "/posts")
    assert word not in found.text


async def test_the_session_cookie_is_http_only_and_same_site_lax(demo: Demo, visitors) -> None:  # type: ignore[no-untyped-def]
    visitor: Visitor = await visitors()
    await visitor.sign_in("chloe")
    (cookie,) = [c for c in await visitor.context.cookies() if c["name"] == "plein_session"]
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Lax"
    assert "plein_session" not in await visitor.page.evaluate("document.cookie")
    # No token reaches the page either: not in the HTML, not in storage.
    html = await visitor.page.content()
    assert "access_token" not in html and "eyJ" not in html
    assert await visitor.page.evaluate("Object.keys(localStorage).length") == 0


async def test_a_private_group_post_never_appears_for_a_non_member(demo: Demo, visitors) -> None:  # type: ignore[no-untyped-def]
    word = f"geheim{uuid.uuid4().hex[:8]}"
    leadership = demo.group("Leadership team")
    created = await demo.api(
        "daan", "POST", "/posts/posts", json={"text": f"Board notes {word}", "group_id": leadership}
    )
    assert created.status_code == 201, created.text
    post_id = created.json()["id"]

    member: Visitor = await visitors()
    await member.sign_in("ilse")
    await reload_until_visible(member.page, "article.entry", word)  # it is there for members

    outsider: Visitor = await visitors("phone")
    await outsider.sign_in("tom")
    for path in (
        "/",
        "/?order=relevant",
        f"/groups/{leadership}",
        f"/search?q={word}",
        f"/people/{demo.id_of('daan')}",
        f"/posts/{post_id}",
        "/notifications",
    ):
        await outsider.goto(path)
        # What a person reads (the search box's own value is not in the page's text).
        assert word not in await outsider.page.inner_text("body"), path
    await outsider.goto(f"/posts/{post_id}")
    await expect(outsider.page.get_by_role("heading", level=1)).not_to_contain_text("Board")


async def test_a_refused_reply_is_explained_next_to_the_box_on_the_whole_thread_page(
    demo: Demo, visitors
) -> None:  # type: ignore[no-untyped-def]
    word = f"lunch{uuid.uuid4().hex[:8]}"
    marketing = demo.group("Marketing")
    created = await demo.api(
        "ann", "POST", "/posts/posts", json={"text": f"Wie {word}?", "group_id": marketing}
    )
    assert created.status_code == 201, created.text
    visitor: Visitor = await visitors()
    await visitor.sign_in("bob")
    await visitor.goto(f"/posts/{created.json()['id']}")
    page = visitor.page
    # Only spaces: the browser lets it through (the box is merely required), posts refuses it.
    await page.get_by_label("Your reply").fill("   ")
    await page.get_by_role("button", name="Reply", exact=True).click()
    await expect(page.locator("#reply-error")).to_be_visible()
    assert "member" not in await page.locator("#reply-error").inner_text()  # refused for its text
    await expect(page.get_by_label("Your reply")).to_have_attribute("aria-invalid", "true")
    # The rest of the thread is drawn as before, its group included.
    await expect(page.locator("#post")).to_contain_text(word)
    await expect(page.get_by_role("link", name="Marketing").first).to_be_visible()
    assert demo.axe_findings == [], "\n".join(demo.axe_findings)


async def test_a_lost_session_goes_to_sign_in_and_back(demo: Demo, visitors) -> None:  # type: ignore[no-untyped-def]
    visitor: Visitor = await visitors(locale="nl-NL")
    await visitor.sign_in("kim")
    await visitor.context.clear_cookies()
    await visitor.goto("/groups?from=mail")
    await expect(visitor.page).to_have_url(re.compile(r"/sign-in\?next="))
    # Signed out, the session knows no language: the browser's Dutch is used.
    await expect(visitor.page.get_by_role("button", name="Inloggen")).to_be_visible()
    await visitor.page.get_by_label("E-mailadres").fill("kim@example.com")
    await visitor.page.get_by_label("Wachtwoord").fill("plein-demo-2026")
    await visitor.page.get_by_role("button", name="Inloggen").click()
    await expect(visitor.page).to_have_url(re.compile(r"/groups\?from=mail$"))
    await expect(visitor.page.get_by_role("heading", name="Groepen")).to_be_visible()


async def test_register_from_an_invitation_add_a_photo_then_erase_my_account(
    demo: Demo, visitors, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    email = f"guest{uuid.uuid4().hex[:6]}@partner.example"
    invitation = await demo.api("ann", "POST", "/identity/invitations", json={"email": email})
    assert invitation.status_code in (200, 201), invitation.text
    link = invitation.json()["url"]
    assert "/register?invitation=" in link

    visitor: Visitor = await visitors("phone")
    await visitor.goto(link.split(demo.base_url, 1)[-1])
    page = visitor.page
    await page.get_by_label("Your name").fill("Gast Partner")
    await page.get_by_label("E-mail address").fill(email)
    await page.get_by_label("Password (at least 8 characters)").fill("short")
    await page.get_by_role("button", name="Create account").click()
    # The API's problem is shown next to the field, the form keeps what was typed.
    await expect(page.locator(".field-error")).to_be_visible()
    await expect(page.get_by_label("Your name")).to_have_value("Gast Partner")
    await visitor.check("register-problem")
    await page.get_by_label("Password (at least 8 characters)").fill("a-long-enough-secret")
    await page.get_by_role("button", name="Create account").click()
    await expect(page).to_have_url(demo.base_url + "/")

    # A face: a landscape photo becomes a 256 px square, served with cache headers.
    await page.get_by_label("Your account").click()
    await page.get_by_role("link", name="My profile").click()
    upload = tmp_path / "holiday.png"
    Image.new("RGB", (900, 600), (30, 120, 200)).save(upload)
    await page.get_by_label("Your photo").set_input_files(str(upload))
    await page.get_by_role("button", name="Upload photo").click()
    face = page.locator(".profile-head img.avatar")
    await expect(face).to_be_visible()
    photo = await visitor.context.request.get(demo.base_url + str(await face.get_attribute("src")))
    assert photo.status == 200
    assert "max-age" in photo.headers["cache-control"]
    assert Image.open(io.BytesIO(await photo.body())).size == (256, 256)
    await visitor.check("profile-own")
    user_id = page.url.rsplit("/", 1)[-1]

    await visitor.goto("/my-data")
    # The person chooses what becomes of their words (here: removed everywhere).
    removed = page.get_by_label("Remove them everywhere", exact=False)
    await removed.check()
    await page.get_by_label('Type "erase" to confirm').fill("nope")
    await page.get_by_role("button", name="Erase my account").click()
    await expect(page.get_by_role("alert")).to_contain_text("erase")
    await removed.check()
    await page.get_by_label('Type "erase" to confirm').fill("erase")
    await page.get_by_role("button", name="Erase my account").click()
    await expect(page).to_have_url(re.compile("/sign-in"))
    await expect(page.get_by_role("status")).to_contain_text("erased")
    await page.get_by_label("E-mail address").fill(email)
    await page.get_by_label("Password").fill("a-long-enough-secret")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("alert")).to_be_visible()

    async def photo_gone() -> None:
        gone = await demo.api("ann", "GET", f"/identity/users/{user_id}/photo")
        assert gone.status_code == 404

    await eventually(photo_gone, timeout_s=30, interval_s=0.3)
    assert demo.axe_findings == [], "\n".join(demo.axe_findings)


async def test_a_group_admin_announces_and_a_poll_gets_votes(demo: Demo, visitors) -> None:  # type: ignore[no-untyped-def]
    admin: Visitor = await visitors()
    await admin.sign_in("ann")
    page = admin.page
    await page.get_by_label("What would you like to share?").fill("Team lunch on Friday #lunch")
    await page.get_by_label("Where").select_option(label="Marketing")
    await page.get_by_text("Poll or announcement").click()
    await page.get_by_label("Announce it in the group chosen below (group admins)").check()
    await page.get_by_label("Title of the announcement").fill("Lunch with the team")
    await admin.check("compose-announcement")
    await page.get_by_role("button", name="Post", exact=True).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Lunch with the team")
    await page.get_by_text("Edit", exact=True).click()
    await page.get_by_label("New text").fill("Team lunch on Friday at noon #lunch")
    await page.get_by_role("button", name="Save").click()
    await expect(page.locator("#post .text")).to_contain_text("at noon")
    await expect(page.get_by_text("Earlier versions")).to_be_visible()

    # Managing the group: invite a colleague, make a member admin and take it back.
    marketing = demo.group("Marketing")
    await admin.goto(f"/groups/{marketing}?invite_q=Sanne")
    await page.get_by_role("button", name="Invite").click()
    await expect(page).to_have_url(demo.base_url + f"/groups/{marketing}")
    bob = page.locator("li.person-line").filter(has_text="Bob Jansen")
    await bob.get_by_label("Manage Bob Jansen").click()
    await bob.get_by_role("button", name="Make admin").click()
    bob = page.locator("li.person-line").filter(has_text="Bob Jansen")
    await expect(bob.locator(":scope > span.muted")).to_have_text("admin")
    await admin.check("group-manage")
    await bob.get_by_label("Manage Bob Jansen").click()
    await bob.get_by_role("button", name="Take admin away").click()
    bob = page.locator("li.person-line").filter(has_text="Bob Jansen")
    await expect(bob.locator(":scope > span.muted")).to_have_count(0)

    await admin.goto("/")
    await page.get_by_label("What would you like to share?").fill("Pizza or sushi?")
    await page.get_by_text("Poll or announcement").click()
    await page.get_by_label("Make it a poll: the text is the question").check()
    await page.get_by_label("Option 1").fill("Pizza")
    await page.get_by_label("Option 2").fill("Sushi")
    await page.get_by_role("button", name="Post", exact=True).click()
    await page.get_by_label("Sushi").check()
    await page.get_by_role("button", name="Vote", exact=True).click()
    await expect(page.locator(".poll")).to_contain_text("1 vote")
    await admin.check("poll")
    await page.get_by_text("Delete", exact=True).click()
    await page.get_by_role("button", name="Yes, delete it").click()
    await expect(page).to_have_url(demo.base_url + "/")
    assert demo.axe_findings == [], "\n".join(demo.axe_findings)


def _english_ui_phrases() -> set[str]:
    """The catalogue's English phrases (two words or more) whose Dutch differs: none of them
    may be on a Dutch page."""
    with DUTCH_CATALOGUE.open("rb") as f:
        catalog = read_po(f)
    return {
        m.id
        for m in catalog
        if isinstance(m.id, str) and " " in m.id and "%" not in m.id and m.string != m.id
    }


# Everything a person reads or hears on a page: its text and its labels.
PAGE_WORDS = """() => [document.body.innerText,
  ...[...document.querySelectorAll('[aria-label],[placeholder],[title],[alt]')].map(e =>
     [e.getAttribute('aria-label'), e.getAttribute('placeholder'), e.getAttribute('title'),
      e.getAttribute('alt')].filter(Boolean).join(' '))].join('\\n')"""


async def test_a_demo_person_reads_plein_in_dutch_from_their_profile(demo: Demo, visitors) -> None:  # type: ignore[no-untyped-def]
    visitor: Visitor = await visitors()  # an English browser: the profile's Dutch wins
    await visitor.sign_in("lars", keep_profile_language=True)
    page = visitor.page
    await expect(page.locator("html")).to_have_attribute("lang", "nl")
    await page.get_by_label("Wat wil je delen?").click()  # the one-line composer opens
    await expect(page.get_by_role("button", name="Plaatsen", exact=True)).to_be_visible()
    # The live unread badge speaks Dutch too (its aria-label is written by the page's script).
    badge = page.locator("#unread")
    await expect(badge).to_have_attribute("aria-label", re.compile(r"^\d+ ongelezen$"))
    # Dates in Dutch (Babel): the demo's posts are minutes old.
    await expect(page.locator("main time").first).to_contain_text("geleden")

    thread = await page.locator("article.entry a[href^='/posts/']").first.get_attribute("href")
    english = _english_ui_phrases()
    for path in ("/", "/groups", "/people", "/notifications", "/settings", "/my-data", thread):
        assert path is not None
        await visitor.goto(path)
        words = await page.evaluate(PAGE_WORDS)
        assert {p for p in english if p in words} == set(), path
    await visitor.check("home-dutch")
    assert demo.axe_findings == [], "\n".join(demo.axe_findings)


async def test_a_delegate_praises_a_colleague_as_the_shared_account_and_sees_its_name(
    demo: Demo, visitors
) -> None:  # type: ignore[no-untyped-def]
    delegate: Visitor = await visitors()
    await delegate.sign_in("jeroen")  # a delegate of the HR shared account
    page = delegate.page
    box = page.get_by_label("What would you like to share?")
    await box.click()
    await box.press_sequentially("Thank you for the onboarding day, @Kim")
    await expect(page.get_by_role("option", name=re.compile("Kim Bos"))).to_be_visible()
    await box.press("Enter")
    await page.get_by_text("Praise a colleague").click()
    await page.get_by_label("Make it praise for the colleagues you @mention").check()
    await page.get_by_label("Badge").select_option(label="Team player")
    post_as = page.get_by_label("Post as")
    await expect(page.locator("[data-post-as]")).to_have_text("Jeroen de Groot")
    await post_as.select_option(label="HR (shared account)")
    await expect(page.locator("[data-post-as]")).to_have_text("HR")
    await delegate.check("compose-praise-as-account")
    await page.get_by_role("button", name="Post", exact=True).click()

    await expect(page.get_by_role("heading", level=1)).to_have_text("Post by HR")
    await expect(page.locator(".praise-line")).to_contain_text("Team player")
    await expect(page.locator(".praise-line")).to_contain_text("Kim Bos")
    post_id = page.url.rsplit("/", 1)[-1].split("?")[0]
    thread = await demo.api("kim", "GET", f"/posts/posts/{post_id}")
    assert thread.json()["author_id"] == demo.seeded["shared_accounts"]["HR"]["id"]
    assert thread.json()["praise"]["praised_ids"] == [demo.id_of("kim")]

    # Someone who is no delegate is offered no account, and a forged one is refused.
    other: Visitor = await visitors()
    await other.sign_in("mila")
    await expect(other.page.get_by_label("What would you like to share?")).to_be_visible()
    await expect(other.page.get_by_label("Post as")).to_have_count(0)
    csrf = await other.page.get_attribute("body", "data-csrf")
    forged = await other.context.request.post(
        demo.base_url + "/posts",
        form={
            "text": "as HR",
            "as_account": demo.seeded["shared_accounts"]["HR"]["id"],
            "csrf_token": csrf or "",
        },
        max_redirects=0,
    )
    assert forged.status == 403
    assert demo.axe_findings == [], "\n".join(demo.axe_findings)


async def test_a_multiple_choice_poll_closes_at_its_time_and_hides_counts_until_then(
    demo: Demo, visitors
) -> None:  # type: ignore[no-untyped-def]
    author: Visitor = await visitors()
    await author.sign_in("lars")
    page = author.page
    await page.get_by_label("What would you like to share?").fill("Which snacks for Friday?")
    await page.get_by_text("Poll or announcement").click()
    await page.get_by_label("Make it a poll: the text is the question").check()
    for n, snack in enumerate(("Crisps", "Fruit", "Nuts"), start=1):
        await page.get_by_label(f"Option {n}", exact=True).fill(snack)
    await page.get_by_label("Closes at (optional)").fill("2099-06-01T17:00")
    await page.get_by_label("Who sees the results").select_option("after_close")
    await page.get_by_label("Voters may choose several options").check()
    await author.check("compose-poll-settings")
    await page.get_by_role("button", name="Post", exact=True).click()
    await expect(page.locator(".poll")).to_contain_text("1 Jun 2099, 17:00")
    post_id = page.url.rsplit("/", 1)[-1]
    poll = (await demo.api("lars", "GET", f"/posts/posts/{post_id}/poll")).json()
    assert poll["multiple"] is True and poll["results"] == "after_close"
    closes_at = datetime.fromisoformat(poll["closes_at"])
    assert closes_at == datetime(2099, 6, 1, 15, 0, tzinfo=UTC)  # 17:00 in Amsterdam

    voter: Visitor = await visitors("phone")
    await voter.sign_in("mila")
    await voter.goto(f"/posts/{post_id}")
    await voter.page.get_by_label("Crisps").check()
    await voter.page.get_by_label("Nuts").check()
    await voter.page.get_by_role("button", name="Vote", exact=True).click()
    await expect(voter.page.locator(".poll")).to_contain_text("Results are shown when")
    await expect(voter.page.get_by_label("Nuts")).to_be_checked()
    await voter.check("poll-multiple")
    mine = (await demo.api("mila", "GET", f"/posts/posts/{post_id}/poll")).json()
    assert mine["my_votes"] == [0, 2]
    assert all(o["votes"] is None for o in mine["options"])  # the counts wait for the close
    # Unticking one takes that vote back.
    await voter.page.get_by_label("Crisps").uncheck()
    await voter.page.get_by_role("button", name="Vote", exact=True).click()
    await expect(voter.page.get_by_label("Crisps")).not_to_be_checked()
    mine = (await demo.api("mila", "GET", f"/posts/posts/{post_id}/poll")).json()
    assert mine["my_votes"] == [2]
    assert demo.axe_findings == [], "\n".join(demo.axe_findings)


async def test_who_reacted_lists_the_people_per_reaction(demo: Demo, visitors) -> None:  # type: ignore[no-untyped-def]
    word = f"borrel{uuid.uuid4().hex[:8]}"
    created = await demo.api("olivia", "POST", "/posts/posts", json={"text": f"Vrijdag {word}?"})
    post_id = created.json()["id"]
    for handle, reaction in (("bob", "like"), ("pieter", "like"), ("chloe", "celebrate")):
        given = await demo.api(
            handle, "PUT", f"/posts/posts/{post_id}/reaction", json={"reaction": reaction}
        )
        assert given.status_code == 200, given.text

    visitor: Visitor = await visitors("phone")
    await visitor.sign_in("noah")
    await visitor.goto(f"/posts/{post_id}")
    page = visitor.page
    await page.locator("#post").get_by_role("link", name="Who reacted").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Who reacted")
    liked = page.locator("section.reactors").filter(has_text="like")
    await expect(liked.get_by_role("heading")).to_contain_text("2")
    await expect(liked.get_by_role("link", name="Bob Jansen")).to_be_visible()
    await expect(liked.get_by_role("link", name="Pieter van Leeuwen")).to_be_visible()
    celebrated = page.locator("section.reactors").filter(has_text="celebrate")
    await expect(celebrated.get_by_role("link", name="Chloé Bakker")).to_be_visible()
    await expect(page.locator("section.reactors")).to_have_count(2)
    await visitor.check("who-reacted")
    await page.get_by_role("link", name="Back to the conversation").click()
    await expect(page).to_have_url(re.compile(f"/posts/{post_id}"))
    assert demo.axe_findings == [], "\n".join(demo.axe_findings)


async def test_faces_show_in_feed_entries_replies_and_notifications_else_initials(
    demo: Demo, visitors, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    photo = io.BytesIO()
    Image.new("RGB", (300, 300), (200, 80, 40)).save(photo, format="PNG")
    token = await demo.token("vera")
    uploaded = await demo.plein.http.put(
        "/identity/me/photo",
        content=photo.getvalue(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "image/png"},
    )
    assert uploaded.status_code in (200, 204), uploaded.text
    word = f"gezicht{uuid.uuid4().hex[:8]}"
    umar = demo.id_of("umar")
    created = await demo.api(
        "vera",
        "POST",
        "/posts/posts",
        json={"text": f"@Umar Yilmaz kijk even naar {word}", "mentions": [umar]},
    )
    post_id = created.json()["id"]
    await demo.api("vera", "POST", f"/posts/posts/{post_id}/replies", json={"text": "En dit"})
    await demo.api("olivia", "POST", f"/posts/posts/{post_id}/replies", json={"text": "Ja"})

    visitor: Visitor = await visitors()
    await visitor.sign_in("umar")
    page = visitor.page
    vera_face = f"/people/{demo.id_of('vera')}/photo"
    entry = page.locator("article.entry").filter(has_text=word)
    await reload_until_visible(page, "article.entry", word)
    await expect(entry.locator("img.avatar")).to_have_attribute("src", re.compile(vera_face))
    loaded = await entry.locator("img.avatar").evaluate("img => img.complete && img.naturalWidth")
    assert loaded > 0  # the browser got the picture, through web, with the session

    await visitor.goto(f"/posts/{post_id}")
    by_vera = page.locator("article.reply").filter(has_text="En dit")
    await expect(by_vera.locator("img.avatar")).to_have_attribute("src", re.compile(vera_face))
    by_olivia = page.locator("article.reply").filter(has_text="Ja")
    await expect(by_olivia.locator("span.avatar")).to_have_text("OD")  # no photo: initials

    await visitor.goto("/notifications")
    await reload_until_visible(page, "li.notification img.avatar")
    mention = page.locator("li.notification").filter(has=page.locator("img.avatar")).first
    await expect(mention.locator("img.avatar")).to_have_attribute("src", re.compile(vera_face))
    await visitor.check("notifications-faces")
    assert demo.axe_findings == [], "\n".join(demo.axe_findings)


async def test_the_sessions_table_holds_no_token_as_identity_issued_it(
    demo: Demo, visitors
) -> None:  # type: ignore[no-untyped-def]
    visitor: Visitor = await visitors()
    await visitor.sign_in("quinten")
    web = demo.plein.runtime.service("web")
    async with web.ctx.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT access_token, refresh_token FROM sessions WHERE refresh_token IS NOT NULL"
        )
        rows = await cur.fetchall()
    assert rows
    for sealed_access, sealed_refresh in rows:
        refresh = web.seal.open(sealed_refresh)  # type: ignore[attr-defined]
        access = web.seal.open(sealed_access)  # type: ignore[attr-defined]
        assert refresh and access and access.startswith("eyJ")
        assert refresh not in sealed_refresh and access not in sealed_access
        # No part of the JWT is kept readable (a random ciphertext may hold "eyJ" by chance,
        # so look for the token's own pieces).
        assert not any(piece in sealed_access for piece in access.split(".") if len(piece) > 8)
    # The pages still work from the sealed tokens.
    await visitor.goto("/groups")
    await expect(visitor.page.get_by_role("heading", name="Groups")).to_be_visible()

    # Rows from before sealing held tokens as issued: the migration signs them out.
    migration = Path(__file__).resolve().parents[1] / "migrations/0003_sealed_tokens.sql"
    async with web.ctx.pool.connection() as conn:
        await conn.execute(
            "INSERT INTO sessions (id_hash, csrf_token, user_id, access_token, refresh_token, "
            "expires_at) VALUES ('old', 'c', gen_random_uuid(), 'eyJplain', 'plain-refresh', "
            "now() + interval '1 day')"
        )
        await conn.execute(migration.read_text())
        cur = await conn.execute(
            "SELECT user_id, access_token, refresh_token FROM sessions WHERE id_hash = 'old'"
        )
        assert await cur.fetchone() == (None, None, None)
        await conn.execute("DELETE FROM sessions WHERE id_hash = 'old'")


async def test_sign_in_with_the_organisations_provider_ends_in_a_browser_session(
    demo: Demo, visitors
) -> None:  # type: ignore[no-untyped-def]
    async with single_sign_on(demo) as provider:
        provider.person = {"sub": "s-1", "email": "sanne@example.com", "name": "Sanne"}
        visitor: Visitor = await visitors()
        await visitor.goto("/groups")  # signed out: to the sign-in page
        page = visitor.page
        await visitor.check("sign-in-sso")
        await page.get_by_role("link", name="Sign in with Fake SSO").click()
        # Back on the page first asked for, as the session kept it when the flow began.
        await expect(page).to_have_url(demo.base_url + "/groups")
        # Signed in as the demo's Sanne (the provider's e-mail), in her profile's Dutch.
        mine = page.locator("details.menu a[href^='/people/']")
        await expect(mine).to_have_attribute("href", f"/people/{demo.id_of('sanne')}")
        await expect(page.locator("html")).to_have_attribute("lang", "nl")
        # The tokens stayed on the server: the browser has the session cookie only.
        (cookie,) = [c for c in await visitor.context.cookies() if c["name"] == "plein_session"]
        assert cookie["httpOnly"] is True
        assert "eyJ" not in await page.content()
        assert await page.evaluate("Object.keys(localStorage).length") == 0

        # A hand-off link carried to another browser does not sign that one in.
        started = await demo.plein.http.get("/identity/oidc/login", params={"return_to": "web"})
        at_provider = await demo.plein.http.get(started.headers["location"])
        callback = await demo.plein.http.get(at_provider.headers["location"])
        stranger: Visitor = await visitors("phone")
        await stranger.page.goto(callback.headers["location"])
        await expect(stranger.page.get_by_role("alert")).to_contain_text("another browser")
        await stranger.goto("/")
        await expect(stranger.page).to_have_url(re.compile("/sign-in"))
        # A target off this site is not followed: the flow ends on home.
        await stranger.goto("/sign-in/oidc?next=https://elsewhere.example/x")
        await expect(stranger.page).to_have_url(demo.base_url + "/")
    await visitor.context.clear_cookies()  # not configured any more: no button
    await visitor.goto("/sign-in")
    await expect(visitor.page.get_by_role("link", name=re.compile("Sign in with"))).to_have_count(0)
    assert demo.axe_findings == [], "\n".join(demo.axe_findings)
