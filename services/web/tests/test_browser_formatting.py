"""Formatted posts in a real browser (Debian's Chromium) against a real Plein: the toolbar and
the preview, a formatted post and a reply with a table, and OWASP's filter-evasion vectors in a
post's body, link targets and image alt text, which never run (a dialog listener and a CSP
violation listener watch every page); the preview works without JavaScript too."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.async_api import expect

from .conftest import VIEWPORTS, Demo, Visitor
from .test_browser import reload_until_visible
from .test_markdown import VECTORS

pytestmark = pytest.mark.integration

# Every CSP violation the page reports (an inline handler or script that the CSP blocked
# would show up here even though it did not run), kept where the test can read it.
WATCH_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "") + " " + (e.sample || ""));
});
"""


async def watched(visitor: Visitor) -> list[str]:
    """Listens for dialogs (alert, confirm, prompt) and CSP violations; returns the dialogs."""
    dialogs: list[str] = []

    async def dismiss(dialog) -> None:  # type: ignore[no-untyped-def]
        dialogs.append(dialog.message)
        await dialog.dismiss()

    visitor.page.on("dialog", dismiss)
    await visitor.context.add_init_script(WATCH_CSP)
    return dialogs


async def no_csp_violations(visitor: Visitor) -> None:
    assert await visitor.page.evaluate("window.__csp") == []


async def test_a_formatted_post_and_reply_show_formatted_and_hostile_input_never_runs(
    demo: Demo,
    visitors,  # type: ignore[no-untyped-def]
) -> None:
    word = f"plan{uuid.uuid4().hex[:6]}"
    # The vectors in a post's body, through the API as any client could send them.
    hostile = await demo.api(
        "daan", "POST", "/posts/posts", json={"text": f"Vectors {word}\n\n" + "\n\n".join(VECTORS)}
    )
    assert hostile.status_code == 201, hostile.text

    tom: Visitor = await visitors()
    dialogs = await watched(tom)
    await tom.sign_in("tom")
    await tom.goto("/")
    box = tom.page.locator("#compose-text")
    await box.fill("Koffie")
    await box.select_text()
    await (
        tom.page.get_by_role("toolbar", name="Formatting")
        .get_by_role("button", name="Bold")
        .click()
    )
    await expect(box).to_have_value("**Koffie**")

    text = (
        f"**Koffie** om _drie_ {word}\n"
        '[klik](javascript:alert(1)) en ![" onerror="alert(1)](/files/x)\n'
        "<img src=x onerror=alert(1)>\n\n"
        "- eerste\n- tweede\n\n> gezegd"
    )
    await box.fill(text)
    await tom.page.get_by_role("button", name="Preview").click()
    preview = tom.page.locator(".preview")
    await expect(preview.locator("strong")).to_have_text("Koffie")
    await expect(preview).to_contain_text("A link was removed")
    await expect(preview).to_contain_text("HTML is not used in posts")
    await tom.check("formatted-preview")
    await tom.page.get_by_role("button", name="Post", exact=True).click()
    await tom.page.wait_for_url(re.compile(r"/posts/[0-9a-f-]{36}"))
    thread = tom.page.url

    await tom.page.locator("#reply-text").fill("| Wie | Kamer |\n|---|---|\n| Bo | 2.14 |")
    await tom.page.get_by_role("button", name="Reply", exact=True).last.click()
    await expect(tom.page.locator(".replies td").first).to_have_text("Bo")
    await expect(tom.page.locator("#post strong").first).to_have_text("Koffie")
    await expect(tom.page.locator("#post blockquote")).to_contain_text("gezegd")
    assert await tom.page.locator("#post a[href^='javascript']").count() == 0
    await tom.check("formatted-thread")
    await tom.page.set_viewport_size(VIEWPORTS["phone"])
    tom.size = "phone"
    await tom.check("formatted-thread")

    await tom.goto(f"/posts/{hostile.json()['id']}")
    await expect(tom.page.locator("#post")).to_contain_text(word)
    assert await tom.page.locator("#post script, #post [onerror], #post svg").count() == 0
    await no_csp_violations(tom)

    await tom.goto("/")
    await reload_until_visible(tom.page, "article.entry", word)
    await expect(tom.page.locator("article.entry strong").first).to_be_visible()
    await no_csp_violations(tom)
    assert dialogs == []
    # The vectors' images point at /files/x, which is no file: their 404s are all it logged.
    assert [e for e in tom.console_errors if "status of 404" not in e] == []

    ilse: Visitor = await visitors("phone", locale="nl-NL")
    dialogs = await watched(ilse)
    await ilse.sign_in("ilse")
    await ilse.page.goto(thread)
    await expect(ilse.page.locator(".replies td").first).to_have_text("Bo")
    await ilse.check("formatted-thread-nl")
    await ilse.page.set_viewport_size(VIEWPORTS["desktop"])
    ilse.size = "desktop"
    await ilse.check("formatted-thread-nl")
    await no_csp_violations(ilse)
    assert dialogs == []
    assert demo.axe_findings == [], "\n".join(demo.axe_findings)


async def test_the_preview_works_without_javascript_in_dutch(
    demo: Demo,
    visitors,  # type: ignore[no-untyped-def]
) -> None:
    eva: Visitor = await visitors("phone", locale="nl-NL", java_script_enabled=False)
    await eva.sign_in("eva")
    await eva.goto("/")
    await eva.page.locator("#compose-text").fill("**Vet** en [weg](javascript:alert(1))")
    await expect(eva.page.get_by_role("toolbar")).to_be_hidden()  # its buttons need JS
    await eva.page.get_by_role("button", name="Voorbeeld").click()
    await expect(eva.page.locator(".preview strong")).to_have_text("Vet")
    await expect(eva.page.locator(".preview")).to_contain_text("Er is een link weggehaald")
    await expect(eva.page.locator("#compose-text")).to_have_value(
        "**Vet** en [weg](javascript:alert(1))"
    )
    await expect(eva.page.get_by_role("link", name="Hulp bij opmaak")).to_have_attribute(
        "href", "/formatting"
    )
    # A reply's preview, without JavaScript: the thread again, the draft in the reply box.
    posted = await demo.api("daan", "POST", "/posts/posts", json={"text": "Wie weet het?"})
    assert posted.status_code == 201, posted.text
    await eva.goto(f"/posts/{posted.json()['id']}")
    await eva.page.locator("#reply-text").fill("- _ja_\n- nee")
    await eva.page.get_by_role("button", name="Voorbeeld").click()
    await expect(eva.page.locator(".preview li em")).to_have_text("ja")
    await expect(eva.page.locator("#reply-text")).to_have_value("- _ja_\n- nee")
    await eva.goto("/formatting")
    await expect(eva.page.get_by_role("heading", level=1)).to_have_text("Hulp bij opmaak")
