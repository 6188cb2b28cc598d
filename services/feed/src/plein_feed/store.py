"""SQL for the feed's own schema; the only module that knows its table names."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import AsyncConnection
from psycopg.rows import dict_row

from .domain import FOLLOWING, OWN, Cursor

TABLES = ("people", "follows", "posts", "timeline_entries")


async def upsert_person(
    conn: AsyncConnection[Any], user_id: UUID, name: str, department: str | None
) -> None:
    await conn.execute(
        "INSERT INTO people (user_id, display_name, department) VALUES (%s, %s, %s) "
        "ON CONFLICT (user_id) DO UPDATE SET display_name = EXCLUDED.display_name, "
        "department = EXCLUDED.department",
        (user_id, name, department),
    )


async def add_follow(
    conn: AsyncConnection[Any], follower_id: UUID, followee_id: UUID, backfill: int
) -> None:
    """Record the follow and bring the followee's recent posts into the follower's timeline."""
    await conn.execute(
        "INSERT INTO follows (follower_id, followee_id) VALUES (%s, %s) ON CONFLICT DO NOTHING",
        (follower_id, followee_id),
    )
    await conn.execute(
        "INSERT INTO timeline_entries (owner_id, post_id, author_id, created_at, reason) "
        "SELECT %s, post_id, author_id, created_at, %s FROM posts "
        "WHERE author_id = %s AND group_id IS NULL ORDER BY created_at DESC LIMIT %s "
        "ON CONFLICT DO NOTHING",
        (follower_id, FOLLOWING, followee_id, backfill),
    )


async def remove_follow(conn: AsyncConnection[Any], follower_id: UUID, followee_id: UUID) -> None:
    await conn.execute(
        "DELETE FROM follows WHERE follower_id = %s AND followee_id = %s",
        (follower_id, followee_id),
    )
    await conn.execute(
        "DELETE FROM timeline_entries WHERE owner_id = %s AND author_id = %s AND reason = %s",
        (follower_id, followee_id, FOLLOWING),
    )


async def add_profile_post(
    conn: AsyncConnection[Any],
    *,
    post_id: UUID,
    author_id: UUID,
    kind: str,
    text: str,
    created_at: datetime,
) -> None:
    """Store a post on the author's profile and fan it out to the author and followers."""
    await conn.execute(
        "INSERT INTO posts (post_id, author_id, group_id, kind, text, created_at) "
        "VALUES (%s, %s, NULL, %s, %s, %s) ON CONFLICT DO NOTHING",
        (post_id, author_id, kind, text, created_at),
    )
    await conn.execute(
        "INSERT INTO timeline_entries (owner_id, post_id, author_id, created_at, reason) "
        "SELECT %(author)s, %(post)s, %(author)s, %(at)s, %(own)s "
        "UNION ALL "
        "SELECT follower_id, %(post)s, %(author)s, %(at)s, %(following)s "
        "FROM follows WHERE followee_id = %(author)s "
        "ON CONFLICT DO NOTHING",
        {
            "author": author_id,
            "post": post_id,
            "at": created_at,
            "own": OWN,
            "following": FOLLOWING,
        },
    )


async def home_page(
    conn: AsyncConnection[Any], owner_id: UUID, after: Cursor | None, limit: int
) -> list[dict[str, Any]]:
    """Up to `limit` entries of `owner_id`'s timeline, newest first, older than `after`."""
    where = "e.owner_id = %(owner)s"
    params: dict[str, Any] = {"owner": owner_id, "limit": limit}
    if after is not None:
        where += " AND (e.created_at, e.post_id) < (%(at)s, %(post)s)"
        params.update(at=after.created_at, post=after.post_id)
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            "SELECT e.post_id, e.author_id, a.display_name AS author_name, p.kind, p.text, "
            "e.created_at, e.reason "
            "FROM timeline_entries e JOIN posts p USING (post_id) "
            "LEFT JOIN people a ON a.user_id = e.author_id "
            f"WHERE {where} ORDER BY e.created_at DESC, e.post_id DESC LIMIT %(limit)s",
            params,
        )
        return await cur.fetchall()


async def all_timelines(conn: AsyncConnection[Any]) -> list[tuple[Any, ...]]:
    """Every timeline entry, in a stable order (to compare a rebuild with the live state)."""
    cur = await conn.execute(
        "SELECT owner_id, post_id, author_id, created_at, reason FROM timeline_entries "
        "ORDER BY owner_id, created_at, post_id"
    )
    return await cur.fetchall()
