"""SQL for the articles list (migration 0008); the only module that knows its table."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import AsyncConnection
from psycopg.rows import dict_row

from .store import visible

ARTICLE_TABLES = ("articles",)

Conn = AsyncConnection[Any]

# Out for readers: published, or scheduled and its time has come (the one clock decides).
_OUT = "(a.state = 'published' OR (a.state = 'scheduled' AND a.publish_at <= %(now)s))"


async def upsert(conn: Conn, article_id: UUID, at: datetime, **columns: Any) -> None:
    """Record an article (first event: its author and place) or change some of its columns."""
    names = list(columns)
    await conn.execute(
        f"INSERT INTO articles (article_id, updated_at, {', '.join(names)}) "
        f"VALUES (%(article_id)s, %(at)s, {', '.join(f'%({n})s' for n in names)}) "
        "ON CONFLICT (article_id) DO UPDATE SET updated_at = excluded.updated_at"
        + "".join(f", {n} = excluded.{n}" for n in names if n not in ("editors",)),
        {"article_id": article_id, "at": at, **columns},
    )


async def add_editor(conn: Conn, article_id: UUID, editor_id: UUID) -> None:
    await conn.execute(
        "UPDATE articles SET editors = array_append(editors, %(editor)s) "
        "WHERE article_id = %(id)s AND NOT %(editor)s = ANY(editors)",
        {"id": article_id, "editor": editor_id},
    )


async def readable_ids(
    conn: Conn,
    viewer: UUID,
    now: datetime,
    *,
    author_id: UUID | None = None,
    featured_only: bool = False,
    public_only: bool = False,
    limit: int,
    after: tuple[bool, datetime, UUID] | None = None,
) -> list[dict[str, Any]]:
    """Articles out for `viewer` at `now`: featured first, then newest first (the news, or
    one author's blog with `author_id`); `public_only` leaves out every group but public
    ones (what an Atom feed for other systems may carry)."""
    where = [_OUT, visible("a")]
    params: dict[str, Any] = {"viewer": viewer, "now": now, "limit": limit}
    if author_id is not None:
        where.append("a.author_id = %(author)s")
        params["author"] = author_id
    if featured_only:
        where.append("a.featured")
    if public_only:
        where.append(
            "(a.group_id IS NULL OR EXISTS (SELECT 1 FROM groups g "
            "WHERE g.group_id = a.group_id AND g.visibility = 'public'))"
        )
    if after is not None:
        where.append("(a.featured, a.publish_at, a.article_id) < (%(f)s, %(at)s, %(after)s)")
        params.update(f=after[0], at=after[1], after=after[2])
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            "SELECT a.article_id, a.featured, a.publish_at, a.state FROM articles a "
            f"WHERE {' AND '.join(where)} "
            "ORDER BY a.featured DESC, a.publish_at DESC, a.article_id DESC LIMIT %(limit)s",
            params,
        )
        return await cur.fetchall()


async def editable_ids(conn: Conn, editor: UUID, now: datetime, limit: int) -> list[UUID]:
    """Articles `editor` may edit that are not out: their drafts, scheduled and taken back."""
    cur = await conn.execute(
        "SELECT a.article_id FROM articles a "
        f"WHERE %(editor)s = ANY(a.editors) AND NOT {_OUT} "
        "ORDER BY a.updated_at DESC LIMIT %(limit)s",
        {"editor": editor, "now": now, "limit": limit},
    )
    return [row[0] for row in await cur.fetchall()]


async def due_ids(conn: Conn, now: datetime, limit: int = 500) -> list[UUID]:
    """Scheduled articles whose time has come and whose publication is not recorded yet."""
    cur = await conn.execute(
        "SELECT article_id FROM articles WHERE state = 'scheduled' AND publish_at <= %s "
        "ORDER BY publish_at LIMIT %s",
        (now, limit),
    )
    return [row[0] for row in await cur.fetchall()]
