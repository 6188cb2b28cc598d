"""Articles: the News page, writing and editing one, its page (cover, reading time, contents,
body, then its conversation as on a thread), a person's blog and the blog's Atom feed.

Every page works without JavaScript: the editor is a form (multipart, for the cover), the
toolbar and the in-place preview are what script adds.
"""

from __future__ import annotations

import asyncio
import html
import re
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from babel.numbers import format_decimal
from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse, Response
from feedgen.feed import FeedGenerator  # type: ignore[import-untyped]
from starlette.datastructures import UploadFile

from . import markdown
from .files import with_files
from .gateway import ApiProblem
from .i18n import gettext
from .pages_home import REACTIONS, _authors, group_or_none, my_groups, two_levels
from .pages_preview import preview_of
from .people import profiles
from .visits import Acting, Person, Visit

router = APIRouter()

MAX_BODY_CHARS = 100_000  # posts' limit for an article's body (the API refuses longer)

# A table of contents from this many headings on: a short article needs none.
TOC_FROM_HEADINGS = 3
_HEADING = re.compile(r"<(h[23])>(.*?)</\1>", re.DOTALL)
_TAGS = re.compile(r"<[^>]+>")


def with_contents(rendered_html: str) -> tuple[str, list[dict[str, str]]]:
    """The body's HTML with an id on each h2/h3, and the contents (level, id, text). The HTML
    is the sanitiser's already; the ids are ours, never the author's."""
    contents: list[dict[str, str]] = []

    def anchor(match: re.Match[str]) -> str:
        tag, inner = match.group(1), match.group(2)
        section = f"section-{len(contents) + 1}"
        contents.append(
            {"level": tag, "id": section, "text": html.unescape(_TAGS.sub("", inner)).strip()}
        )
        return f'<{tag} id="{section}">{inner}</{tag}>'

    return _HEADING.sub(anchor, rendered_html), contents


def ends_with_question(body: str) -> bool:
    """Whether the article ends by asking its readers something (conversation, not
    broadcast)."""
    return body.rstrip().rstrip("*_ )").endswith("?")


async def _names(visit: Visit, ids: list[str]) -> dict[str, Any]:
    return await profiles(visit, [i for i in ids if i]) if ids else {}


async def _article(visit: Visit, article_id: UUID) -> dict[str, Any]:
    article: dict[str, Any] = await visit.get(f"/posts/articles/{article_id}")
    return article


# -- lists ---------------------------------------------------------------------------------


@router.get("/news")
async def news(visit: Person, cursor: str | None = None) -> Response:
    """Featured articles first, then the newest; and my drafts, to go on with."""
    page, drafts = await asyncio.gather(
        visit.get("/posts/articles", cursor=cursor, limit=20),
        visit.get("/posts/articles/drafts", limit=20),
    )
    names = await _names(visit, [str(a["author_id"]) for a in page["articles"]])
    return visit.web.renderer.page(
        visit,
        "articles_news.html",
        articles=page["articles"],
        next_cursor=page.get("next_cursor"),
        drafts=drafts["articles"],
        people=names,
    )


@router.get("/news/strip")
async def news_strip(visit: Person) -> Response:
    """The featured articles at the top of home (a fragment; nothing when there are none)."""
    page = await visit.get("/posts/articles", featured="true", limit=3)
    if not page["articles"]:
        return Response(status_code=200, content="")
    names = await _names(visit, [str(a["author_id"]) for a in page["articles"]])
    return visit.web.renderer.page(
        visit, "articles_strip.html", articles=page["articles"], people=names
    )


@router.get("/people/{user_id}/blog")
async def blog(visit: Person, user_id: UUID, cursor: str | None = None) -> Response:
    page, names = await asyncio.gather(
        visit.get(f"/posts/people/{user_id}/articles", cursor=cursor, limit=20),
        _names(visit, [str(user_id)]),
    )
    return visit.web.renderer.page(
        visit,
        "articles_blog.html",
        author_id=str(user_id),
        author=names.get(str(user_id), {}),
        articles=page["articles"],
        next_cursor=page.get("next_cursor"),
        people=names,
    )


@router.get("/people/{user_id}/blog.atom")
async def blog_feed(visit: Person, user_id: UUID) -> Response:
    """A blog as Atom, for intranet CMSs and feed readers of signed-in colleagues: the
    published articles on profiles and in public groups only (never a private group's, even
    when the one asking is a member: a feed is passed on)."""
    page, names = await asyncio.gather(
        visit.get(f"/posts/people/{user_id}/articles", public_only="true", limit=50),
        _names(visit, [str(user_id)]),
    )
    base = str(visit.request.base_url).rstrip("/")
    author = str(names.get(str(user_id), {}).get("display_name") or "Plein")
    feed = FeedGenerator()
    feed.id(f"{base}/people/{user_id}/blog")
    feed.title(gettext("%(name)s's blog", name=author))
    feed.author({"name": author})
    feed.link(href=f"{base}/people/{user_id}/blog", rel="alternate")
    feed.link(href=f"{base}/people/{user_id}/blog.atom", rel="self")
    feed.language(visit.language)
    feed.updated(max((a["published_at"] for a in page["articles"]), default=visit.now))
    for article in reversed(page["articles"]):  # feedgen puts the last added first
        entry = feed.add_entry()
        entry.id(f"{base}/articles/{article['id']}")
        entry.title(article["title"])
        entry.link(href=f"{base}/articles/{article['id']}")
        entry.published(article["published_at"])
        entry.updated(article["published_at"])
        entry.summary(article["teaser"] or article["title"])
        entry.content(markdown.render(article["body"]).html, type="html")
    return Response(feed.atom_str(pretty=True), media_type="application/atom+xml")


# -- writing -------------------------------------------------------------------------------


def _form(article: dict[str, Any] | None = None, **typed: Any) -> dict[str, Any]:
    """The editor's fields: what was typed, else the article's."""
    article = article or {}
    return {
        "title": typed.get("title", article.get("title", "")),
        "teaser": typed.get("teaser", article.get("teaser", "")),
        "body": typed.get("body", article.get("body", "")),
        "cover_id": typed.get("cover_id") or article.get("cover_id") or "",
        "group_id": typed.get("group_id", article.get("group_id") or ""),
        "co_editors": typed.get("co_editors", ""),
        "publish_at": typed.get("publish_at", ""),
    }


async def _editor(
    visit: Visit,
    article: dict[str, Any] | None,
    form: dict[str, Any],
    *,
    status_code: int = 200,
    error: str | None = None,
    preview: dict[str, Any] | None = None,
) -> Response:
    groups = await my_groups(visit)
    co_editors = await _names(visit, [str(i) for i in (article or {}).get("co_editor_ids", [])])
    return visit.web.renderer.page(
        visit,
        "article_edit.html",
        status_code=status_code,
        article=article,
        form=form,
        groups=groups,
        co_editors=co_editors,
        error=error,
        preview=preview,
        nudge=bool(form["body"].strip()) and not ends_with_question(form["body"]),
        body_limit=format_decimal(MAX_BODY_CHARS, locale=visit.language),
    )


@router.get("/articles/new")
async def new_article(visit: Person) -> Response:
    return await _editor(visit, None, _form())


# -- one article ---------------------------------------------------------------------------


@router.get("/articles/{article_id}")
async def article_page(visit: Person, article_id: UUID) -> Response:
    """The article, then its conversation (the thread opened when it was published)."""
    article = await _article(visit, article_id)
    thread: dict[str, Any] | None = None
    if article.get("thread_id") and article["state"] == "published":
        try:
            thread = two_levels(await visit.get(f"/posts/posts/{article['thread_id']}"))
        except ApiProblem:
            thread = None
    ids = _authors(thread, set()) if thread else set()
    # As a thread's page reads them (pages_home.thread_page): side by side.
    names, _, group = await asyncio.gather(
        _names(visit, [str(article["author_id"]), *ids]),
        with_files(visit, [thread] if thread else []),
        group_or_none(visit, article.get("group_id")),
    )
    body_html, contents = with_contents(markdown.render(article["body"]).html)
    return visit.web.renderer.page(
        visit,
        "article.html",
        article=article,
        body_html=body_html,
        contents=contents if len(contents) >= TOC_FROM_HEADINGS else [],
        post=thread,
        people=names,
        group=group,
        reactions=REACTIONS,
        reply_error=None,
    )


@router.get("/articles/{article_id}/edit")
async def edit_article(visit: Person, article_id: UUID) -> Response:
    article = await _article(visit, article_id)
    if not article["may_edit"]:
        return RedirectResponse(f"/articles/{article_id}", status_code=303)
    return await _editor(visit, article, _form(article))


async def _cover(visit: Visit, current: str) -> str | None:
    """The cover: a new image sent with the form (passed on to the files service), else the
    one the article has."""
    form = await visit.request.form()
    upload = form.get("cover")
    if isinstance(upload, UploadFile) and upload.filename:
        media_type = upload.content_type or "application/octet-stream"
        if not media_type.startswith("image/"):
            raise ApiProblem(422, {"detail": gettext("The cover must be an image.")})
        meta = await visit.api(
            "POST", "/files/files", files={"file": (upload.filename, upload.file, media_type)}
        )
        return str(meta["id"])
    return current or None


def _handles(typed: str) -> list[str]:
    """The @handles typed in the co-editors field (the @ optional), each once."""
    return list(dict.fromkeys(h.lower() for h in re.findall(r"@?([A-Za-z0-9]{1,30})", typed)))


def _publish_at(value: str) -> str | None:
    """The form's local date and time (datetime-local), as the API reads it."""
    value = value.strip()
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).isoformat()
    except ValueError:
        unreadable = gettext("The publication time is not a date and time.")
        raise ApiProblem(422, {"detail": unreadable}) from None


def _explain(problem: ApiProblem) -> str:
    """A refusal in the page's language (the article's own codes first)."""
    code = problem.problem.get("code")
    if code == "unknown_handle":
        return gettext(
            "No colleague has the handle @%(handle)s.", handle=problem.problem.get("handle", "")
        )
    if code == "publish_at_past":
        return gettext("That time has passed. Publish the article now instead?")
    if problem.problem.get("max_chars") is not None and problem.status == 422:
        return gettext(
            "The article is too long: at most %(limit)s characters.",
            limit=problem.problem["max_chars"],
        )
    return problem.message


@router.post("/articles/new")
@router.post("/articles/{article_id}/edit")
async def save_article(
    visit: Acting,
    title: Annotated[str, Form(max_length=1000)] = "",
    teaser: Annotated[str, Form(max_length=2000)] = "",
    body: Annotated[str, Form(max_length=200_000)] = "",
    cover_id: Annotated[str, Form(max_length=40)] = "",
    group_id: Annotated[str, Form(max_length=40)] = "",
    co_editors: Annotated[str, Form(max_length=500)] = "",
    publish_at: Annotated[str, Form(max_length=40)] = "",
    action: Annotated[str, Form(max_length=20)] = "draft",
    article_id: UUID | None = None,
) -> Response:
    """Save the draft, then (by the button pressed) preview, schedule or publish it."""
    form = _form(
        title=title,
        teaser=teaser,
        body=body,
        cover_id=cover_id,
        group_id=group_id,
        co_editors=co_editors,
        publish_at=publish_at,
    )
    article = await _article(visit, article_id) if article_id else None
    if action == "preview":
        shown = await preview_of(visit, body, [])
        return await _editor(visit, article, form, preview=shown)
    try:
        text = {"title": title, "teaser": teaser, "body": body}
        text["cover_id"] = await _cover(visit, cover_id)  # type: ignore[assignment]
        form["cover_id"] = text["cover_id"] or ""
        handles = _handles(co_editors)
        when = _publish_at(publish_at) if action == "schedule" else None
        if article is None:
            article = await visit.api(
                "POST", "/posts/articles", json={**text, "group_id": group_id or None}
            )
        else:
            article = await visit.api("PATCH", f"/posts/articles/{article['id']}", json=text)
        assert article is not None
        path = f"/posts/articles/{article['id']}"
        for handle in handles:
            article = await visit.api("POST", f"{path}/co-editors", json={"handle": handle})
        form["co_editors"] = ""
        if action == "publish":
            article = await visit.api("POST", f"{path}/publish")
        elif action == "schedule":
            if when is None:
                raise ApiProblem(422, {"detail": gettext("Choose when to publish it.")})
            article = await visit.api("POST", f"{path}/schedule", json={"publish_at": when})
    except ApiProblem as problem:
        return await _editor(visit, article, form, status_code=422, error=_explain(problem))
    assert article is not None
    if action in ("publish", "schedule"):
        return RedirectResponse(f"/articles/{article['id']}", status_code=303)
    return RedirectResponse(f"/articles/{article['id']}/edit?saved=true", status_code=303)


@router.post("/articles/{article_id}/unpublish")
async def unpublish(visit: Acting, article_id: UUID) -> Response:
    await visit.api("POST", f"/posts/articles/{article_id}/unpublish")
    return RedirectResponse(f"/articles/{article_id}/edit", status_code=303)


@router.post("/articles/{article_id}/feature")
async def feature(
    visit: Acting, article_id: UUID, featured: Annotated[str, Form(max_length=5)] = "true"
) -> Response:
    await visit.api(
        "PUT", f"/posts/articles/{article_id}/featured", json={"featured": featured == "true"}
    )
    return RedirectResponse(f"/articles/{article_id}", status_code=303)
