"""Threads as cards: what a list of posts (the home feed, a group) shows of each thread so that
a reader can react, vote, see praise and the latest replies without opening it."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query

from .api import Me, Use
from .views import LATEST_REPLIES, card_view

MAX_CARDS = 50


def routes() -> APIRouter:
    router = APIRouter(tags=["posts"])

    @router.get("/cards", summary="Several threads as cards (latest replies, poll, praise)")
    async def cards(
        me: Me,
        use: Use,
        id: Annotated[list[UUID], Query(min_length=1, max_length=MAX_CARDS)],
        replies: Annotated[
            Literal["latest", "all"],
            Query(description="`all`: every readable reply, oldest first, not only the last few"),
        ] = "latest",
    ) -> dict[str, Any]:
        """Each thread asked for, in that order, as the thread read shows its opening post
        (reactions, `my_reaction`, poll, praise), with `latest_replies` (the last
        few, flat: `thread_parent_id` is the first-level reply each belongs under) and
        `best_answer_reply`. Threads that do not exist or that I may not read are left out,
        as the feed may list a thread a moment after it was deleted."""
        found = await use.cards(me, id)
        now = use.clock()
        return {
            "cards": [
                card_view(post, access, now, every_reply=replies == "all") for post, access in found
            ],
            "latest_replies": LATEST_REPLIES,
        }

    return router
