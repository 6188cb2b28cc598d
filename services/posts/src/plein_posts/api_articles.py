"""Articles over HTTP: write, co-edit, schedule, publish, feature; the news and the blogs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response, status
from plein_events.text import plain_text
from plein_platform.auth import Principal
from plein_platform.caller import current_principal
from plein_platform.service import service_of
from plein_platform.text import Storable
from pydantic import BaseModel, ConfigDict, Field

from .app_articles import Articles
from .domain import Access
from .domain.article import (
    MAX_ARTICLE_TITLE_CHARS,
    MAX_BODY_CHARS,
    MAX_TEASER_CHARS,
    Article,
    reading_minutes,
)
from .domain.paging import TIME_CURSOR

Me = Annotated[Principal, Depends(current_principal)]
Limit = Annotated[int, Query(ge=1, le=100)]
CursorParam = Annotated[str | None, Query(max_length=300)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ArticleText(_Body):
    title: Annotated[str, Field(min_length=1, max_length=MAX_ARTICLE_TITLE_CHARS), Storable]
    teaser: Annotated[str, Field(max_length=MAX_TEASER_CHARS), Storable] = ""
    cover_id: UUID | None = Field(
        default=None, description="an image uploaded to the files service, shown on top"
    )
    body: Annotated[
        str,
        Field(
            max_length=MAX_BODY_CHARS,
            description=f"Markdown (CommonMark with tables), at most {MAX_BODY_CHARS} characters",
        ),
        Storable,
    ] = ""


class NewArticle(ArticleText):
    group_id: UUID | None = Field(default=None, description="None: company-wide, on my blog")


class Schedule(_Body):
    publish_at: datetime = Field(description="when it goes out; without an offset: in time_zone")
    time_zone: Annotated[str, Field(max_length=60)] | None = Field(
        default=None,
        description="an IANA zone for a publish_at without offset (default Europe/Amsterdam)",
    )


class CoEditor(_Body):
    handle: Annotated[str, Field(min_length=1, max_length=31), Storable]


class Featured(_Body):
    featured: bool


def _articles(request: Request) -> Articles:
    service: Any = service_of(request)
    articles: Articles = service.articles
    return articles


Use = Annotated[Articles, Depends(_articles)]


def article_view(article: Article, access: Access, now: datetime) -> dict[str, Any]:
    """An article as a reader gets it. The person behind a shared account is never named;
    who may edit it is told to its editors only."""
    editor = article.may_edit(access)
    view: dict[str, Any] = {
        "id": article.id,
        "author_id": article.author_id,
        "group_id": article.group_id,
        "title": article.title,
        "teaser": article.teaser,
        "cover_id": article.cover_id,
        "body": article.body,
        "state": article.state_at(now),
        "publish_at": article.publish_at,
        "published_at": article.published_at,
        "featured": article.featured,
        "thread_id": article.thread_id,
        "reading_minutes": reading_minutes(len(plain_text(article.body).split())),
        "edited": bool(article.history),
        "may_edit": editor,
        "may_feature": access.network_admin or access.community_manager,
    }
    if editor:
        view["co_editor_ids"] = list(article.co_editors)
        view["history"] = [
            {"title": title, "body": body, "until": until} for title, body, until in article.history
        ]
    return view


def routes() -> APIRouter:
    router = APIRouter(tags=["articles"])

    async def _one(use: Articles, me: Principal, article_id: UUID) -> dict[str, Any]:
        article, access = await use.article(me, article_id)
        return article_view(article, access, use.clock())

    @router.post("/articles", status_code=status.HTTP_201_CREATED, summary="Start an article")
    async def create(
        body: NewArticle, request: Request, response: Response, me: Me, use: Use
    ) -> dict[str, Any]:
        """A draft: only I (and the co-editors I name) see it until it is published."""
        article, access = await use.draft(
            me,
            group_id=body.group_id,
            title=body.title,
            teaser=body.teaser,
            cover_id=body.cover_id,
            body=body.body,
        )
        response.headers["Location"] = f"{request.scope.get('root_path', '')}/articles/{article.id}"
        return article_view(article, access, use.clock())

    @router.get("/articles", summary="The news: articles out for me, featured first")
    async def news(
        me: Me,
        use: Use,
        limit: Limit = 20,
        cursor: CursorParam = None,
        featured: bool = False,
    ) -> dict[str, Any]:
        """Published articles I may read: featured first, then newest first (`featured`:
        only those)."""
        return await _page(use, me, limit, cursor, featured_only=featured)

    @router.get("/articles/drafts", summary="My drafts: articles I may edit that are not out")
    async def drafts(me: Me, use: Use, limit: Limit = 50) -> dict[str, Any]:
        now = use.clock()
        found = await use.my_drafts(me, limit)
        return {"articles": [article_view(a, access, now) for a, access in found]}

    @router.get("/people/{user_id}/articles", summary="A person's blog: their articles out")
    async def blog(
        user_id: UUID,
        me: Me,
        use: Use,
        limit: Limit = 20,
        cursor: CursorParam = None,
        public_only: bool = False,
    ) -> dict[str, Any]:
        """`public_only`: only those on profiles and in public groups (what an Atom feed for
        other systems carries)."""
        return await _page(use, me, limit, cursor, author_id=user_id, public_only=public_only)

    async def _page(
        use: Articles, me: Principal, limit: int, cursor: str | None, **where: Any
    ) -> dict[str, Any]:
        after = None
        if cursor:
            featured, (at, article_id) = cursor.startswith("f"), TIME_CURSOR.decode(cursor[1:])
            after = (featured, at, article_id)
        rows = await use.news(me, after=after, limit=limit + 1, **where)
        more, rows = len(rows) > limit, rows[:limit]
        now = use.clock()
        found = await use.listed(me, rows)
        next_cursor = None
        if more and rows:
            last = rows[-1]
            mark = "f" if last["featured"] else "n"
            next_cursor = mark + TIME_CURSOR.encode((last["publish_at"], last["article_id"]))
        return {
            "articles": [article_view(a, access, now) for a, access in found],
            "next_cursor": next_cursor,
        }

    @router.get("/articles/{article_id}", summary="One article")
    async def one(article_id: UUID, me: Me, use: Use) -> dict[str, Any]:
        """Read from the event store: a change is visible in the very next request. A draft
        is its author's and co-editors' only (404 for anyone else)."""
        return await _one(use, me, article_id)

    @router.patch("/articles/{article_id}", summary="Edit an article (author, co-editors)")
    async def revise(article_id: UUID, body: ArticleText, me: Me, use: Use) -> dict[str, Any]:
        """Earlier versions stay in `history`."""
        await use.revise(
            me,
            article_id,
            title=body.title,
            teaser=body.teaser,
            cover_id=body.cover_id,
            body=body.body,
        )
        return await _one(use, me, article_id)

    @router.put(
        "/articles/{article_id}/co-editors/{user_id}", summary="Name a co-editor (the author)"
    )
    async def co_editor(article_id: UUID, user_id: UUID, me: Me, use: Use) -> dict[str, Any]:
        await use.add_co_editor(me, article_id, user_id)
        return await _one(use, me, article_id)

    @router.post(
        "/articles/{article_id}/co-editors", summary="Name a co-editor by @handle (the author)"
    )
    async def co_editor_by_handle(
        article_id: UUID, body: CoEditor, me: Me, use: Use
    ) -> dict[str, Any]:
        """422 with `code` `unknown_handle` when no one has it."""
        await use.add_co_editor_by_handle(me, article_id, body.handle)
        return await _one(use, me, article_id)

    @router.post("/articles/{article_id}/schedule", summary="Publish at a later time")
    async def schedule(article_id: UUID, body: Schedule, me: Me, use: Use) -> dict[str, Any]:
        """A time without an offset is read in `time_zone` (Europe/Amsterdam unless given);
        a time that has passed is refused (422, `publish_at_past`): publish now instead."""
        await use.schedule(me, article_id, body.publish_at, body.time_zone)
        return await _one(use, me, article_id)

    @router.post("/articles/{article_id}/publish", summary="Publish now")
    async def publish(article_id: UUID, me: Me, use: Use) -> dict[str, Any]:
        """The first publication opens the article's thread of replies (`thread_id`)."""
        await use.publish(me, article_id)
        return await _one(use, me, article_id)

    @router.post("/articles/{article_id}/unpublish", summary="Take an article back")
    async def unpublish(article_id: UUID, me: Me, use: Use) -> dict[str, Any]:
        await use.unpublish(me, article_id)
        return await _one(use, me, article_id)

    @router.put("/articles/{article_id}/featured", summary="Feature an article in the news")
    async def feature(article_id: UUID, body: Featured, me: Me, use: Use) -> dict[str, Any]:
        """Network admins and community managers."""
        await use.feature(me, article_id, body.featured)
        return await _one(use, me, article_id)

    return router
