"""The composer's preview and the formatting help: a post's Markdown rendered as it will read,
with what the sanitiser changed told in the author's language. With htmx the preview is a
fragment under the text box; without JavaScript the same form post shows the page again, the
draft in its box and the preview under it."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Form
from fastapi.responses import Response

from . import markdown
from .compose import MAX_TEXT_CHARS, Draft
from .i18n import gettext
from .pages_home import home_again, thread_page, too_long
from .people import profiles
from .rendering import mentioned, mentions
from .visits import Acting, Anyone, Visit

router = APIRouter()


def note_text(note: str) -> str:
    """What a renderer note tells the author, in their language."""
    if note == markdown.HTML_AS_TEXT:
        return gettext(
            "HTML is not used in posts: what you typed between < and > shows as text. "
            "Use the toolbar or Markdown for formatting."
        )
    if note == markdown.LINK_DROPPED:
        return gettext(
            "A link was removed: only http, https and mailto addresses and pages on Plein "
            "can be linked. Its text stays."
        )
    return gettext(
        "Images from other sites show as a link, so readers' browsers ask no one else. "
        "Attach the image to show it."
    )


async def preview_of(visit: Visit, text: str, mention_ids: list[UUID]) -> dict[str, Any]:
    """The preview's parts: the HTML, the notes and the length problem (None when it fits)."""
    people = await profiles(visit, mention_ids) if mention_ids else {}
    rendered = markdown.render(text, mentions(mentioned(mention_ids, people)))
    return {
        "html": rendered.html,
        "notes": [note_text(n) for n in rendered.notes],
        "too_long": too_long(text),
        "empty": not text.strip(),
        "limit": MAX_TEXT_CHARS,
    }


@router.post("/preview")
async def preview(
    visit: Acting,
    draft: Annotated[Draft, Form()],
    reply_to: Annotated[UUID | None, Form()] = None,
) -> Response:
    """The draft as it will read: a fragment for htmx, else the composer's page again."""
    shown = await preview_of(visit, draft.text, draft.mentions)
    if visit.request.headers.get("hx-request") and not visit.request.headers.get("hx-boosted"):
        return visit.web.renderer.page(visit, "_preview.html", preview=shown)
    shown["box"] = str(reply_to) if reply_to else "compose"
    if reply_to:
        return await thread_page(visit, reply_to, reply_text=draft.text, preview=shown)
    return await home_again(visit, draft, 200, preview=shown)


@router.get("/formatting")
async def formatting_help(visit: Anyone) -> Response:
    """How to format a post: the Markdown a person may type, in their language."""
    return visit.web.renderer.page(visit, "formatting.html", limit_chars=MAX_TEXT_CHARS)
