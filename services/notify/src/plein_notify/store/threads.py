"""Threads: who started them, who took part, their first reply, announcements counted."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from ._sql import Conn, ids, rows


async def add_thread(
    conn: Conn,
    *,
    post_id: UUID,
    author_id: UUID,
    group_id: UUID | None,
    group_private: bool,
    kind: str,
    created_at: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO threads (post_id, author_id, group_id, group_private, kind, created_at) "
        "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
        (post_id, author_id, group_id, group_private, kind, created_at),
    )
    await add_participant(conn, post_id, author_id)


async def add_participant(conn: Conn, post_id: UUID, user_id: UUID) -> None:
    await conn.execute(
        "INSERT INTO thread_participants (post_id, user_id) VALUES (%s, %s) ON CONFLICT DO NOTHING",
        (post_id, user_id),
    )


async def join_thread(conn: Conn, post_id: UUID, user_id: UUID) -> list[UUID]:
    """Add `user_id` to the thread's participants; returns those who were there before (the
    statement's SELECT sees the table as it was when the statement began)."""
    return await ids(
        conn,
        "WITH joined AS (INSERT INTO thread_participants (post_id, user_id) VALUES (%(post)s, "
        "%(user)s) ON CONFLICT DO NOTHING) "
        "SELECT user_id FROM thread_participants WHERE post_id = %(post)s",
        {"post": post_id, "user": user_id},
    )


async def record_reply(conn: Conn, post_id: UUID, reply_id: UUID, at: datetime) -> None:
    await conn.execute(
        "UPDATE threads SET first_reply_id = %s, first_reply_at = %s "
        "WHERE post_id = %s AND first_reply_id IS NULL",
        (reply_id, at, post_id),
    )


async def thread_kind(conn: Conn, post_id: UUID) -> str | None:
    cur = await conn.execute("SELECT kind FROM threads WHERE post_id = %s", (post_id,))
    row = await cur.fetchone()
    return str(row[0]) if row else None


async def delete_thread(conn: Conn, post_id: UUID) -> None:
    await conn.execute("UPDATE threads SET deleted = true WHERE post_id = %s", (post_id,))


async def thread(conn: Conn, post_id: UUID) -> dict[str, Any] | None:
    found = await rows(
        conn,
        "SELECT post_id, author_id, group_id, group_private, kind, created_at, first_reply_id, "
        "deleted FROM threads WHERE post_id = %s",
        (post_id,),
    )
    return found[0] if found else None


async def unanswered_threads(conn: Conn, older_than: datetime) -> list[dict[str, Any]]:
    """Group posts and questions without a reply, started before `older_than`, not escalated."""
    return await rows(
        conn,
        "SELECT t.post_id, t.author_id, t.group_id, t.group_private, t.kind, t.created_at "
        "FROM threads t WHERE t.first_reply_id IS NULL AND t.group_id IS NOT NULL "
        "AND NOT t.deleted AND t.kind IN ('post', 'question') AND t.created_at <= %s "
        "AND NOT EXISTS (SELECT 1 FROM escalations e WHERE e.post_id = t.post_id) "
        "ORDER BY t.created_at LIMIT 200",
        (older_than,),
    )


async def announcements_since(conn: Conn, group_id: UUID, since: datetime) -> int:
    cur = await conn.execute(
        "SELECT count(*) FROM threads WHERE group_id = %s AND kind = 'announcement' "
        "AND created_at > %s AND NOT deleted",
        (group_id, since),
    )
    row = await cur.fetchone()
    return int(row[0]) if row else 0


async def claim_guideline_notice(conn: Conn, group_id: UUID, week: str) -> bool:
    cur = await conn.execute(
        "INSERT INTO guideline_notices (group_id, week) VALUES (%s, %s) "
        "ON CONFLICT DO NOTHING RETURNING 1",
        (group_id, week),
    )
    return await cur.fetchone() is not None
