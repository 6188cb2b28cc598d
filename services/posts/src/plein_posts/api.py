"""Posts' HTTP routes."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request, Response, status
from plein_platform.auth import Principal
from plein_platform.service import current_principal, service_of
from pydantic import BaseModel, ConfigDict, Field

from .domain import MAX_TEXT_CHARS, Post


class NewPost(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(
        min_length=1,
        max_length=MAX_TEXT_CHARS,
        description="Plain text; shown as text, never interpreted as HTML",
    )


class PostOut(BaseModel):
    id: UUID
    author_id: UUID
    real_author_id: UUID
    group_id: UUID | None
    kind: str
    text: str
    topics: list[str]
    mentions: list[UUID]
    created_at: datetime


def _post(post: Post) -> dict[str, Any]:
    return {
        "id": post.id,
        "author_id": post.author_id,
        "real_author_id": post.real_author_id,
        "group_id": post.group_id,
        "kind": post.kind,
        "text": post.text,
        "topics": post.topics,
        "mentions": post.mentions,
        "created_at": post.created_on,
    }


def routes() -> APIRouter:
    router = APIRouter(tags=["posts"])

    @router.post(
        "/posts",
        status_code=status.HTTP_201_CREATED,
        response_model=PostOut,
        summary="Start a thread on my profile",
    )
    async def create_post(
        body: NewPost,
        request: Request,
        response: Response,
        principal: Annotated[Principal, Depends(current_principal)],
    ) -> dict[str, Any]:
        app = service_of(request).application
        post = await asyncio.to_thread(
            app.create_post,
            author_id=principal.user_id,
            real_author_id=principal.real_user_id,
            text=body.text,
        )
        response.headers["Location"] = f"{request.url.path}/{post.id}"
        return _post(post)

    @router.get("/posts/{post_id}", response_model=PostOut, summary="One post")
    async def get_post(
        post_id: UUID, request: Request, _: Annotated[Principal, Depends(current_principal)]
    ) -> dict[str, Any]:
        return _post(await asyncio.to_thread(service_of(request).application.post, post_id))

    return router
