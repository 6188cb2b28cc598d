"""SQL on pending_reads: seen reports for posts the feed has not received yet."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from plein_platform.database import dict_rows

from .schema import Conn
from .visibility import VISIBLE

# Settle every pending report whose post has arrived: visible or not to its reader, by the
# visibility rule as the feed holds it now.
_SETTLE = (
    "UPDATE pending_reads r SET visible = EXISTS (SELECT 1 FROM posts p "
    "WHERE p.post_id = r.post_id AND " + VISIBLE.format(who="r.reader_id") + ") "
    "WHERE r.visible IS NULL AND EXISTS (SELECT 1 FROM posts p WHERE p.post_id = r.post_id)"
)


async def known_posts(conn: Conn, post_ids: list[UUID]) -> set[UUID]:
    """Those of `post_ids` the feed has received (whoever may see them)."""
    cur = await conn.execute("SELECT post_id FROM posts WHERE post_id = ANY(%s)", (post_ids,))
    return {row[0] for row in await cur.fetchall()}


async def add_pending_reads(
    conn: Conn, reader_id: UUID, actor_id: UUID, post_ids: list[UUID], seen_at: datetime
) -> None:
    """Keep reports of posts not received yet; a report repeated is kept once."""
    await conn.cursor().executemany(
        "INSERT INTO pending_reads (reader_id, post_id, actor_id, seen_at) "
        "VALUES (%s, %s, %s, %s) ON CONFLICT (reader_id, post_id) DO NOTHING",
        [(reader_id, post_id, actor_id, seen_at) for post_id in post_ids],
    )


async def settle_pending_reads(conn: Conn, post_ids: list[UUID] | None = None) -> int:
    """Decide the pending reports whose post arrived (only those of `post_ids`, if given);
    returns how many. Cheap when nothing is pending: the projection runs it every batch."""
    if post_ids is None:
        cur = await conn.execute(_SETTLE)
    else:
        cur = await conn.execute(_SETTLE + " AND r.post_id = ANY(%s)", (post_ids,))
    return cur.rowcount


async def take_settled_reads(conn: Conn, limit: int) -> list[dict[str, Any]]:
    """Remove up to `limit` settled reports and return them (the visible ones are to be
    recorded; call inside the transaction that records them)."""
    return await dict_rows(
        conn,
        "DELETE FROM pending_reads WHERE (reader_id, post_id) IN (SELECT reader_id, post_id "
        "FROM pending_reads WHERE visible IS NOT NULL LIMIT %s FOR UPDATE SKIP LOCKED) "
        "RETURNING reader_id, post_id, actor_id, seen_at, visible",
        (limit,),
    )


async def forget_unsettled_reads(conn: Conn, reported_before: datetime) -> int:
    """Drop reports whose post never arrived (a mistyped or forged id); returns how many."""
    cur = await conn.execute(
        "DELETE FROM pending_reads WHERE visible IS NULL AND reported_at < %s", (reported_before,)
    )
    return cur.rowcount
