"""The embed: the conversation about an intranet page, inside that page (an iframe that
/assets/embed.js inserts), and oEmbed cards for Plein's own threads. Only the origins of
`PLEIN_EMBED_ALLOWED_ORIGINS` may frame it (CSP frame-ancestors, enforced by the browser) and
every embed request is checked against them here too (its Referer, which embed.js makes the
browser send, and the page's own address): nothing renders for another origin."""

from __future__ import annotations

import asyncio
import re
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit
from uuid import UUID

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from plein_events.pages import MAX_PAGE_URL_CHARS, canonical_url, origin_of, page_thread_id

from .files import with_files
from .gateway import ApiProblem
from .i18n import gettext
from .pages_home import REACTIONS, _authors
from .people import profiles
from .rendering import CSP
from .visits import Acting, Anyone, Visit

router = APIRouter()

_COLOUR = re.compile(r"^#[0-9a-fA-F]{3,8}$")
THEME = ("accent", "background", "text")  # the CSS variables an embedding site may set


class EmbedRefused(Exception):
    """An embed request from (or about) an origin that may not embed Plein."""


def allowed_origins(visit: Visit) -> list[str]:
    origins = []
    for item in visit.web.settings.embed_allowed_origins.split(","):
        try:
            origins.append(origin_of(item.strip()))
        except ValueError:
            continue  # an empty or malformed entry allows nothing
    return origins


def _own_origin(visit: Visit) -> str:
    return origin_of(visit.web.ctx.settings.base_url)


def _origin_or_none(url: str | None) -> str | None:
    try:
        return origin_of(url) if url else None
    except ValueError:
        return None


def _frame_csp(origins: list[str]) -> str:
    return CSP.replace("frame-ancestors 'none'", "frame-ancestors " + " ".join(origins))


def check_embedding(visit: Visit, page_url: str | None) -> list[str]:
    """The allowed origins, when this request comes from one of them (or from the embed
    itself, after a reply) and the page it is about is on one; EmbedRefused otherwise."""
    allowed = allowed_origins(visit)
    came_from = _origin_or_none(visit.request.headers.get("referer"))
    if not allowed or came_from not in {*allowed, _own_origin(visit)}:
        raise EmbedRefused()
    if page_url is not None and _origin_or_none(page_url) not in allowed:
        raise EmbedRefused()
    return allowed


def refused() -> Response:
    """Nothing about any thread: a plain 403 that no page may frame."""
    return HTMLResponse(
        "<!doctype html><title>403</title><p>This page may not embed Plein.</p>",
        status_code=403,
    )


def _where(url: str | None, group: UUID | None, post: UUID | None) -> str:
    """The embed's own query string (what a reply or reaction goes back to)."""
    query = {"url": url, "group": str(group) if group else None, "post": post and str(post)}
    return urlencode({k: v for k, v in query.items() if v})


async def _readable_group(visit: Visit, group: UUID | None) -> bool:
    if group is None:
        return True
    try:
        found = await visit.get(f"/identity/groups/{group}")
    except ApiProblem:
        return False
    return bool(found.get("visibility") != "private" or found.get("is_member"))


@router.get("/embed")
async def embed(
    visit: Anyone,
    url: Annotated[str | None, Query(max_length=MAX_PAGE_URL_CHARS)] = None,
    group: UUID | None = None,
    post: UUID | None = None,
    accent: Annotated[str | None, Query(max_length=9)] = None,
    background: Annotated[str | None, Query(max_length=9)] = None,
    text: Annotated[str | None, Query(max_length=9)] = None,
) -> Response:
    try:
        page_url = canonical_url(url) if url else None
        if page_url is None and post is None:
            raise EmbedRefused()
        allowed = check_embedding(visit, page_url)
    except (EmbedRefused, ValueError):
        return refused()
    theme = {
        name: value
        for name, value in zip(THEME, (accent, background, text), strict=True)
        if value and _COLOUR.match(value)
    }
    context: dict[str, Any] = {
        "page_url": page_url,
        "group": group,
        "where": _where(page_url, group, post),
        "theme": urlencode(theme),
        "thread": None,
        "people": {},
        "reactions": REACTIONS,
        "state": "sign-in",
    }
    if visit.session.signed_in:
        thread_id = post or page_thread_id(page_url or "", group)
        try:
            context["thread"] = await visit.get(f"/posts/posts/{thread_id}")
            context["people"], _ = await asyncio.gather(
                profiles(visit, _authors(context["thread"], set())),
                with_files(visit, [context["thread"]]),
            )
            context["state"] = "thread"
        except ApiProblem as problem:
            if problem.status != 404:
                raise
            # No thread yet (or none this person may read: posts says 404 for both).
            readable = page_url is not None and await _readable_group(visit, group)
            context["state"] = "empty" if readable else "unavailable"
    response = visit.web.renderer.page(visit, "embed.html", **context)
    response.headers["content-security-policy"] = _frame_csp(allowed)
    return response


@router.get("/embed/signed-in")
async def signed_in_popup(visit: Anyone) -> Response:
    """Where the sign-in pop-up lands: its script reloads the embed that opened it."""
    return visit.web.renderer.page(visit, "embed_signed_in.html")


@router.get("/embed/theme.css")
async def theme_css(
    accent: Annotated[str | None, Query(max_length=9)] = None,
    background: Annotated[str | None, Query(max_length=9)] = None,
    text: Annotated[str | None, Query(max_length=9)] = None,
) -> Response:
    """The embedding site's colours as CSS variables (only #hex colours get through)."""
    values = zip(THEME, (accent, background, text), strict=True)
    rules = [f"--plein-{name}:{value}" for name, value in values if value and _COLOUR.match(value)]
    return Response(
        ":root{" + ";".join(rules) + "}",
        media_type="text/css",
        headers={"cache-control": "public, max-age=3600"},
    )


def _back(where: str, anchor: str = "conversation") -> RedirectResponse:
    return RedirectResponse(f"/embed?{where}#{anchor}", status_code=303)


@router.post("/embed/reply")
async def embed_reply(
    visit: Acting,
    text: Annotated[str, Form(max_length=20_000)] = "",
    url: Annotated[str, Form(max_length=MAX_PAGE_URL_CHARS)] = "",
    group: Annotated[str, Form(max_length=64)] = "",
    post: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """A reply from the embed; the first one about a page starts its thread (with the page's
    address in its text, so that feeds and notifications say what it is about)."""
    try:
        group_id = UUID(group) if group else None
        post_id = UUID(post) if post else None
        page_url = canonical_url(url) if url else None
    except ValueError:
        return _problem(422, "Invalid input", "The embed's page, group or thread is malformed.")
    try:
        check_embedding(visit, page_url)
    except EmbedRefused:
        return refused()
    if post_id:
        thread_id = post_id
    elif page_url:
        thread_id = page_thread_id(page_url, group_id)
    else:
        return refused()
    where = _where(page_url, group_id, post_id)
    reply = {"text": text, "mentions": []}
    try:
        await visit.api("POST", f"/posts/posts/{thread_id}/replies", json=reply)
    except ApiProblem as problem:
        if problem.status != 404 or page_url is None:
            raise
        start: dict[str, Any] = {"text": f"{text}\n\n{page_url}", "page_url": page_url}
        if group_id:
            start["group_id"] = str(group_id)
        try:
            await visit.api("POST", "/posts/posts", json=start)
        except ApiProblem as conflict:
            if conflict.status != 409:
                raise
            # Someone started it a moment ago: this is a reply to their thread.
            await visit.api("POST", f"/posts/posts/{thread_id}/replies", json=reply)
    return _back(where)


@router.post("/embed/reaction")
async def embed_reaction(
    visit: Acting,
    post: Annotated[UUID, Form()],
    reaction: Annotated[str, Form(max_length=20)] = "like",
    reply_id: Annotated[str, Form(max_length=64)] = "",
    current: Annotated[str, Form(max_length=20)] = "",
    where: Annotated[str, Form(max_length=MAX_PAGE_URL_CHARS + 200)] = "",
) -> Response:
    """Toggle a reaction, as on the thread page; back to the embed."""
    try:
        check_embedding(visit, None)
    except EmbedRefused:
        return refused()
    try:
        path = f"/posts/posts/{post}" + (f"/replies/{UUID(reply_id)}" if reply_id else "")
    except ValueError:
        return _problem(422, "Invalid input", "That is not the id of a reply.")
    if current and current == reaction:
        await visit.api("DELETE", f"{path}/reaction")
    else:
        await visit.api("PUT", f"{path}/reaction", json={"reaction": reaction})
    return _back(where.lstrip("?"), reply_id or "conversation")


_THREAD_PATH = re.compile(r"^/posts/([0-9a-fA-F-]{36})/?$")


def _problem(status: int, title: str, detail: str) -> JSONResponse:
    return JSONResponse(
        {"type": "about:blank", "title": title, "status": status, "detail": detail},
        status_code=status,
        media_type="application/problem+json",
    )


@router.get("/oembed")
async def oembed(
    visit: Anyone,
    url: Annotated[str, Query(max_length=MAX_PAGE_URL_CHARS)],
    format: str = "json",
    maxwidth: Annotated[int | None, Query(ge=200, le=2000)] = None,
    maxheight: Annotated[int | None, Query(ge=200, le=4000)] = None,
) -> Response:
    """An oEmbed card (type rich) for a thread of this Plein: the embed of that thread. It
    names no author and quotes no text: the CMS asking is nobody, and the frame shows each
    reader only what they may read."""
    if format != "json":
        return _problem(501, "Not implemented", "Plein answers oEmbed in JSON only.")
    own = _own_origin(visit)
    here = {own, _origin_or_none(str(visit.request.base_url))}  # public, and as addressed
    found = _THREAD_PATH.match(urlsplit(url).path) if _origin_or_none(url) in here else None
    if found is None:
        return _problem(404, "Not found", "That is not the address of a thread on this Plein.")
    width, height = min(maxwidth or 600, 600), min(maxheight or 480, 480)
    src = f"{own}/embed?post={UUID(found.group(1))}"
    title = gettext("A conversation on Plein")
    html = (
        f'<iframe src="{src}" title="{title}" width="{width}" height="{height}" '
        'referrerpolicy="origin" loading="lazy" style="border:0;width:100%"></iframe>'
    )
    return JSONResponse(
        {
            "version": "1.0",
            "type": "rich",
            "provider_name": "Plein",
            "provider_url": own,
            "title": title,
            "html": html,
            "width": width,
            "height": height,
        }
    )
