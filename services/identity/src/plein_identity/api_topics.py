"""Topic follows: the #topics a person follows (their home feed takes threads with them)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from .api_deps import PeopleUse, PersonCaller

Topic = Annotated[str, Path(min_length=1, max_length=51, description='"fietsen" or "#fietsen"')]


def routes() -> APIRouter:
    router = APIRouter(tags=["follows"])

    @router.put(
        "/me/topics/{topic}",
        status_code=status.HTTP_204_NO_CONTENT,
        summary="Follow a #topic (following twice changes nothing)",
    )
    async def follow_topic(topic: Topic, principal: PersonCaller, use: PeopleUse) -> None:
        await use.follow_topic(principal.user_id, topic)

    @router.delete(
        "/me/topics/{topic}",
        status_code=status.HTTP_204_NO_CONTENT,
        summary="Stop following a #topic",
    )
    async def unfollow_topic(topic: Topic, principal: PersonCaller, use: PeopleUse) -> None:
        await use.unfollow_topic(principal.user_id, topic)

    return router
