"""An erased person's words leave the feed: SQL for the feed's schema, beside store.py.

On the stream their words arrive as REMOVED_TEXT once their key is shredded (a replay), so
what was stored while they could still be read is purged at the erasure, the same way: posts
they wrote are taken down ("removed") or keep their place reading REMOVED_TEXT ("anonymised").
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from plein_events import REMOVED_TEXT
from psycopg import AsyncConnection

from . import store

Conn = AsyncConnection[Any]
TABLES = ("post_writers",)


async def note_writer(conn: Conn, post_id: UUID, writer: UUID) -> None:
    """Remember the person behind a post that appears under a shared account."""
    await conn.execute(
        "INSERT INTO post_writers (post_id, writer) VALUES (%s, %s) ON CONFLICT DO NOTHING",
        (post_id, writer),
    )


async def purge_words(conn: Conn, writer: UUID, authored: str) -> None:
    mine = (
        "(author_id = %(writer)s OR post_id IN "
        "(SELECT post_id FROM post_writers WHERE writer = %(writer)s))"
    )
    if authored == "removed":
        cur = await conn.execute(
            f"SELECT post_id FROM posts WHERE {mine} AND NOT deleted", {"writer": writer}
        )
        for (post_id,) in await cur.fetchall():
            await store.take_down(conn, post_id, deleted=True)
        await conn.execute(
            f"UPDATE posts SET text = '', title = '' WHERE {mine}", {"writer": writer}
        )
    else:
        await conn.execute(
            f"UPDATE posts SET text = %(removed)s, title = CASE WHEN title = '' THEN '' "
            f"ELSE %(removed)s END WHERE {mine}",
            {"writer": writer, "removed": REMOVED_TEXT},
        )
