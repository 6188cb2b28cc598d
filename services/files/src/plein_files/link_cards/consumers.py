"""`files-link-cards`: the first link of each post and reply (from posts' events), its card
queued for the worker. Publishing never waits for a card: this runs after the fact."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from plein_events import Envelope
from plein_events.identity import UserErased
from plein_events.posts import PostCreated, PostEdited, ReplyPosted
from plein_events.projection import Projection
from psycopg import AsyncConnection

from ..settings import FilesSettings
from . import store
from .metadata import first_url

Conn = AsyncConnection[Any]


def projection(settings: Callable[[], FilesSettings]) -> Projection:
    async def linked(conn: Conn, place_id: UUID, text: str, envelope: Envelope) -> None:
        s = settings()
        url = first_url(text) if s.link_previews else None
        if url is None:
            await store.unlink_place(conn, place_id)  # an edit that took the link out
        else:
            await store.link_place(
                conn, place_id, url, envelope.occurred_at, s.link_preview_refetch_s
            )

    async def on_post(conn: Conn, event: PostCreated, envelope: Envelope) -> None:
        await linked(conn, event.post_id, event.text, envelope)

    async def on_reply(conn: Conn, event: ReplyPosted, envelope: Envelope) -> None:
        await linked(conn, event.reply_id, event.text, envelope)

    async def on_edited(conn: Conn, event: PostEdited, envelope: Envelope) -> None:
        await linked(conn, event.reply_id or event.post_id, event.text, envelope)

    async def on_erased(conn: Conn, event: UserErased, _: Envelope) -> None:
        await store.unlink_author(conn, event.user_id)

    return Projection(
        "files-link-cards",
        {
            PostCreated: on_post,
            ReplyPosted: on_reply,
            PostEdited: on_edited,
            UserErased: on_erased,
        },
        tables=store.PLACE_TABLES,
    )
