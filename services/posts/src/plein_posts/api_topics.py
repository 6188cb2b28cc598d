"""The #topic directory's routes: which topics there are for me, and one topic's summary.

A topic's threads are `/topics/{topic}/posts` (api.py); following a topic is identity's
(`PUT /api/identity/me/topics/{topic}`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from plein_events.identity import normal_topic
from plein_platform.auth import Principal
from plein_platform.caller import current_principal
from plein_platform.errors import InvalidInput
from plein_platform.service import service_of
from pydantic import BaseModel, Field

from . import topics

Me = Annotated[Principal, Depends(current_principal)]


class Topic(BaseModel):
    topic: str = Field(description='lower-case, without the "#"')
    posts: int = Field(description="threads with it that I may read")
    followers: int = Field(description="people following it (0 where I may read no thread)")
    following: bool = Field(description="whether I follow it")
    last_post_at: datetime | None


class TopicPage(BaseModel):
    topics: list[Topic]
    next_cursor: str | None


def _topic(raw: str) -> str:
    topic = normal_topic(raw)
    if topic is None:
        raise InvalidInput(f"{raw!r} is not a #topic: letters, digits, _ and - only.")
    return topic


def routes() -> APIRouter:
    router = APIRouter(tags=["topics"])

    @router.get("/topics", response_model=TopicPage, summary="The #topics of threads I may read")
    async def directory(
        request: Request,
        me: Me,
        limit: Annotated[int, Query(ge=1, le=100)] = 50,
        cursor: Annotated[str | None, Query(max_length=300)] = None,
    ) -> dict[str, Any]:
        """Topics with the most threads I may read first; a topic used only where I may not
        read (a private group I am not in) is not listed."""
        after = topics.DIRECTORY_CURSOR.decode(cursor) if cursor else None
        async with service_of(request).ctx.pool.connection() as conn:
            rows = await topics.directory(conn, me.real_user_id, after, limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        next_cursor = (
            topics.DIRECTORY_CURSOR.encode((rows[-1]["posts"], rows[-1]["topic"])) if more else None
        )
        return {"topics": rows, "next_cursor": next_cursor}

    @router.get("/topics/{topic}", response_model=Topic, summary="One #topic as I see it")
    async def summary(
        topic: Annotated[str, Path(min_length=1, max_length=60)], request: Request, me: Me
    ) -> dict[str, Any]:
        async with service_of(request).ctx.pool.connection() as conn:
            return await topics.summary(conn, me.real_user_id, _topic(topic))

    return router
