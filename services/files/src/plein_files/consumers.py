"""The files service's projections: one handler per event type.

`files-places` keeps what decides who may read a file: identity's groups and members, and
where posts says files are attached (posts, replies, edits, deletions, hiding).
`files-processing` queues each uploaded file for the worker (worker.py).
`files-erasure` removes an erased person's files (the worker deletes the bytes).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from plein_events import Envelope
from plein_events.files import FileUploaded
from plein_events.identity import (
    GroupCreated,
    GroupUpdated,
    MemberJoined,
    MemberLeft,
    MemberRemoved,
    UserErased,
)
from plein_events.posts import (
    PostCreated,
    PostDeleted,
    PostEdited,
    PostHidden,
    PostUnhidden,
    ReplyPosted,
)
from plein_events.projection import Projection
from psycopg import AsyncConnection

from . import store

Conn = AsyncConnection[Any]


async def on_group(conn: Conn, event: GroupCreated | GroupUpdated, _: Envelope) -> None:
    await store.upsert_group(conn, event.group_id, event.visibility == "private")


async def on_joined(conn: Conn, event: MemberJoined, _: Envelope) -> None:
    await store.add_member(conn, event.group_id, event.user_id)


async def on_left(conn: Conn, event: MemberLeft | MemberRemoved, _: Envelope) -> None:
    await store.remove_member(conn, event.group_id, event.user_id)


async def on_post(conn: Conn, event: PostCreated, envelope: Envelope) -> None:
    await store.add_place(
        conn,
        event.post_id,
        event.post_id,
        event.real_author_id,
        event.group_id,
        envelope.occurred_at,
        event.attachments,
    )


async def on_reply(conn: Conn, event: ReplyPosted, envelope: Envelope) -> None:
    await store.add_place(
        conn,
        event.reply_id,
        event.post_id,
        event.real_author_id,
        event.group_id,
        envelope.occurred_at,
        event.attachments,
    )


async def on_edited(conn: Conn, event: PostEdited, _: Envelope) -> None:
    # An edit names the whole list: what it leaves out is no longer attached there.
    place = event.reply_id or event.post_id
    if await store.place_exists(conn, place):
        await store.set_attachments(conn, place, event.attachments)


def _marking(column: str, value: bool) -> Callable[..., Any]:
    async def mark(conn: Conn, event: Any, _: Envelope) -> None:
        await store.mark_place(conn, event.reply_id or event.post_id, column, value)

    return mark


PLACES = Projection(
    "files-places",
    {
        GroupCreated: on_group,
        GroupUpdated: on_group,
        MemberJoined: on_joined,
        MemberLeft: on_left,
        MemberRemoved: on_left,
        PostCreated: on_post,
        ReplyPosted: on_reply,
        PostEdited: on_edited,
        PostDeleted: _marking("deleted", True),
        PostHidden: _marking("hidden", True),
        PostUnhidden: _marking("hidden", False),
    },
    tables=store.PLACE_TABLES,
)


async def on_uploaded(conn: Conn, event: FileUploaded, envelope: Envelope) -> None:
    await store.queue(conn, event.file_id, envelope.occurred_at)


PROCESSING = Projection("files-processing", {FileUploaded: on_uploaded}, tables=store.QUEUE_TABLES)


async def on_erased(conn: Conn, event: UserErased, envelope: Envelope) -> None:
    # The rows go at once, in the projection's transaction; their objects are doomed and the
    # worker deletes them from storage (again until they are gone).
    rows = await store.files_of(conn, event.user_id)
    await store.remove_files(conn, [row["id"] for row in rows])


ERASURE = Projection("files-erasure", {UserErased: on_erased})
