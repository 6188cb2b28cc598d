"""Cutting timelines back to their length (the worker is plein_feed.trimming)."""

from __future__ import annotations

from uuid import UUID

from .schema import Conn


async def long_timelines(conn: Conn, *, longer_than: int) -> list[UUID]:
    """The owners whose timelines hold more than `longer_than` entries."""
    cur = await conn.execute(
        "SELECT owner_id FROM timeline_entries GROUP BY owner_id HAVING count(*) > %s",
        (longer_than,),
    )
    return [row[0] for row in await cur.fetchall()]


async def trim_timelines(conn: Conn, owners: list[UUID], *, keep: int) -> int:
    """Cut these owners' timelines back to their newest `keep` entries; returns rows deleted.

    Only entries older than each timeline's `keep`-th newest go, so what the feed shows
    first is the same whenever the cut happens (live, or after a replay)."""
    cur = await conn.execute(
        "WITH cut AS (SELECT o.owner_id, c.created_at, c.post_id "
        "  FROM unnest(%(owners)s::uuid[]) AS o(owner_id) "
        "  CROSS JOIN LATERAL (SELECT t.created_at, t.post_id FROM timeline_entries t "
        "    WHERE t.owner_id = o.owner_id ORDER BY t.created_at DESC, t.post_id DESC "
        "    OFFSET %(keep)s LIMIT 1) c) "
        "DELETE FROM timeline_entries e USING cut WHERE e.owner_id = cut.owner_id "
        "AND (e.created_at, e.post_id) <= (cut.created_at, cut.post_id)",
        {"owners": owners, "keep": keep},
    )
    return cur.rowcount
