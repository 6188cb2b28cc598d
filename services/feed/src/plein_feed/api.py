"""The feed's HTTP routes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response
from plein_platform.auth import Principal
from plein_platform.caller import current_principal
from plein_platform.service import service_of
from pydantic import BaseModel, Field

from . import app
from .domain import MAX_SEEN_BATCH


class Entry(BaseModel):
    post_id: UUID
    author_id: UUID
    author_name: str | None
    group_id: UUID | None
    group_name: str | None
    kind: str
    title: str
    text: str
    attachments: list[UUID] = Field(
        default_factory=list, description="ids of the files attached, in order (files service)"
    )
    created_at: datetime
    reply_count: int
    reaction_count: int
    reasons: list[str] = Field(
        description="own, mention, topic, group, following, announcement, raised"
    )
    followed_topic: str | None = Field(
        default=None, description="the #topic I follow that brought it (reason `topic`)"
    )
    why: str = Field(description="the sentence shown next to the entry")
    new: bool = Field(description="posted since I last reported seeing posts")
    score: float | None = None
    score_parts: dict[str, float] | None = None


class HomePage(BaseModel):
    pinned: list[Entry] = Field(description="announcements not yet acknowledged (first page)")
    raised: list[Entry] = Field(description="posts in my groups still waiting for a reply")
    entries: list[Entry]
    next_cursor: str | None
    last_seen_at: datetime | None


class Page(BaseModel):
    entries: list[Entry]
    next_cursor: str | None


class Seen(BaseModel):
    post_ids: list[UUID] = Field(min_length=1, max_length=MAX_SEEN_BATCH)


Limit = Annotated[int, Query(ge=1, le=100)]
CursorParam = Annotated[str | None, Query(max_length=200)]
Caller = Annotated[Principal, Depends(current_principal)]


def routes() -> APIRouter:
    router = APIRouter(tags=["feed"])

    @router.get("/home", response_model=HomePage, response_model_exclude_unset=True)
    async def home(
        request: Request,
        principal: Caller,
        order: Literal["latest", "relevant"] = "latest",
        limit: Limit = 20,
        cursor: CursorParam = None,
        explain: Annotated[bool, Query(description="include each entry's score parts")] = False,
    ) -> dict[str, Any]:
        """My home feed: pinned announcements, raised posts, then `latest` or `relevant`."""
        service = service_of(request)
        async with service.ctx.pool.connection() as conn:
            page = await app.home(
                conn,
                principal.user_id,
                order=order,
                cursor=cursor,
                limit=limit,
                explain=explain,
                now=service.ctx.clock(),
                settings=service.settings,  # type: ignore[attr-defined]
            )
        return page.__dict__

    @router.get("/groups/{group_id}", response_model=Page, response_model_exclude_unset=True)
    async def group(
        request: Request,
        group_id: UUID,
        principal: Caller,
        limit: Limit = 20,
        cursor: CursorParam = None,
    ) -> dict[str, Any]:
        """A group's posts, newest first (private groups: members only)."""
        async with service_of(request).ctx.pool.connection() as conn:
            entries, next_cursor = await app.group_feed(
                conn, principal.user_id, group_id, cursor, limit
            )
        return {"entries": entries, "next_cursor": next_cursor}

    @router.get("/people/{user_id}", response_model=Page, response_model_exclude_unset=True)
    async def profile(
        request: Request,
        user_id: UUID,
        principal: Caller,
        limit: Limit = 20,
        cursor: CursorParam = None,
    ) -> dict[str, Any]:
        """A person's posts that I may see, newest first."""
        async with service_of(request).ctx.pool.connection() as conn:
            entries, next_cursor = await app.profile_feed(
                conn, principal.user_id, user_id, cursor, limit
            )
        return {"entries": entries, "next_cursor": next_cursor}

    @router.post("/seen", status_code=202, response_class=Response)
    async def seen(request: Request, body: Seen, principal: Caller) -> Response:
        """Report the posts that were on my screen (published as PostsSeen). Only posts I may
        see count: any other id (unknown, or in a private group I am not in) refuses the whole
        report, with the same answer for both so that it tells nothing about private posts."""
        service = service_of(request)
        await app.report_seen(
            service.ctx.pool,
            service.application,  # type: ignore[attr-defined]
            principal.user_id,
            body.post_ids,
            seen_at=service.ctx.clock(),
            actor_id=principal.real_user_id,
        )
        return Response(status_code=202)

    @router.post(
        "/announcements/{post_id}/acknowledgement", status_code=204, response_class=Response
    )
    async def acknowledge(request: Request, post_id: UUID, principal: Caller) -> Response:
        """Acknowledge an announcement: it is no longer pinned in my feed."""
        service = service_of(request)
        await app.acknowledge(
            service.ctx.pool,
            service.application,  # type: ignore[attr-defined]
            principal.user_id,
            post_id,
            actor_id=principal.real_user_id,
        )
        return Response(status_code=204)

    return router
