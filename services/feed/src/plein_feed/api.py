"""The feed's HTTP routes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from plein_platform.auth import Principal
from plein_platform.service import current_principal, service_of
from pydantic import BaseModel

from . import store
from .domain import Cursor, why


class Entry(BaseModel):
    post_id: UUID
    author_id: UUID
    author_name: str | None
    kind: str
    text: str
    created_at: datetime
    reason: str
    why: str


class Page(BaseModel):
    entries: list[Entry]
    next_cursor: str | None


def routes() -> APIRouter:
    router = APIRouter(tags=["feed"])

    @router.get("/home", response_model=Page, summary="My home feed, newest first")
    async def home(
        request: Request,
        principal: Annotated[Principal, Depends(current_principal)],
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
        cursor: Annotated[str | None, Query(max_length=200)] = None,
    ) -> dict[str, Any]:
        after = Cursor.decode(cursor) if cursor else None
        async with service_of(request).ctx.pool.connection() as conn:
            rows = await store.home_page(conn, principal.user_id, after, limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        entries = [{**row, "why": why(row["reason"], row["author_name"])} for row in rows]
        next_cursor = Cursor(rows[-1]["created_at"], rows[-1]["post_id"]).encode() if more else None
        return {"entries": entries, "next_cursor": next_cursor}

    return router
