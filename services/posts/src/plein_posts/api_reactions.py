"""Who reacted: per reaction, the people who gave it to a post or a reply (as far as the reader
may read the thread; a deleted or hidden message shows no one)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter
from plein_platform.errors import NotFound

from .api import Me, Use
from .domain import REACTIONS


def routes() -> APIRouter:
    router = APIRouter(tags=["posts"])

    async def reactors(
        post_id: UUID, me: Me, use: Use, reply_id: UUID | None = None
    ) -> dict[str, Any]:
        """`{"reactions": {"like": [user_id, ...], ...}}`, the six kinds in their order, each
        with the people in a stable order; kinds no one gave are left out."""
        post, access = await use.thread(me, post_id)
        message = post.messages.get(reply_id or post.id)
        if message is None:
            raise NotFound("No such reply in this thread.")
        concealed = message.deleted or (message.hidden and not access.may_moderate)
        given = {} if concealed else message.reactions
        people = {
            kind: sorted(str(user) for user, chosen in given.items() if chosen == kind)
            for kind in REACTIONS
        }
        return {"reactions": {kind: ids for kind, ids in people.items() if ids}}

    for suffix, where in (("", "post"), ("/replies/{reply_id}", "reply")):
        router.add_api_route(
            "/posts/{post_id}" + suffix + "/reactions",
            reactors,
            methods=["GET"],
            summary=f"Who reacted to a {where}, per reaction",
        )
    return router
