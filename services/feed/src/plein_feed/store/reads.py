"""Reading feeds: home pages, group and profile pages, pinned and raised posts.

Large audiences (see domain.fans_out_on_read) are read from `posts` here and merged with the
written timeline entries."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from plein_events.visibility import may_read_group
from psycopg.rows import dict_row

from ..domain import Candidate, Cursor
from .schema import LIVE, NEWEST_FIRST, Conn
from .visibility import VISIBLE

# What ranking needs of an entry, from the reader %(me)s's point of view: a domain.Candidate,
# column for field, in its order.
_FEATURES = (
    "p.post_id, p.created_at, p.kind, p.reply_count, p.reaction_count, p.answered, "
    "EXISTS (SELECT 1 FROM follows f WHERE f.follower_id = %(me)s "
    "  AND f.followee_id = p.author_id) AS follows_author, "
    "EXISTS (SELECT 1 FROM members m WHERE m.group_id = p.group_id "
    "  AND m.user_id = %(me)s) AS in_group, "
    "coalesce((SELECT interactions FROM affinity WHERE person_id = %(me)s "
    "  AND target_id = p.author_id), 0) AS author_interactions, "
    "coalesce((SELECT interactions FROM affinity WHERE person_id = %(me)s "
    "  AND target_id = p.group_id), 0) AS group_interactions, "
    "coalesce(p.author_id = (SELECT manager_id FROM people WHERE user_id = %(me)s), false) "
    "  AS by_my_manager, "
    "EXISTS (SELECT 1 FROM post_mentions pm WHERE pm.post_id = p.post_id "
    "  AND pm.user_id = %(me)s) AS mentions_me, "
    "p.author_id = %(me)s AS own "
)
# Everything an entry shows and ranking needs; `followed_topic`: the first of its #topics
# that I follow (the why-line names it), or NULL.
_ENTRY = (
    "SELECT p.author_id, a.display_name AS author_name, p.group_id, g.name AS group_name, "
    "p.title, p.text, p.attachments, "
    "(SELECT tf.topic FROM topic_follows tf WHERE tf.follower_id = %(me)s "
    "  AND tf.topic = ANY(p.topics) ORDER BY array_position(p.topics, tf.topic) LIMIT 1) "
    "  AS followed_topic, " + _FEATURES
)
_JOINS = (
    "LEFT JOIN people a ON a.user_id = p.author_id LEFT JOIN groups g ON g.group_id = p.group_id "
)


def _keyset(after: Cursor | None, params: dict[str, Any], alias: str = "p") -> str:
    if after is None:
        return ""
    params.update(at=after.created_at, pid=after.post_id)
    return f" AND ({alias}.created_at, {alias}.post_id) < (%(at)s, %(pid)s)"


async def _rows(conn: Conn, query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(query, params)
        return await cur.fetchall()


def _all_rows(rows: list[dict[str, Any]]) -> Any:
    return rows


@dataclass(frozen=True)
class Read:
    """A query, and what its rows become: reads built this way can share one round trip."""

    query: str
    params: dict[str, Any]
    result: Callable[[list[dict[str, Any]]], Any] = _all_rows


async def read(conn: Conn, one: Read) -> Any:
    """One read on its own (no pipeline to set up for a single query)."""
    return one.result(await _rows(conn, one.query, one.params))


async def together(conn: Conn, *reads: Read) -> list[Any]:
    """Run `reads` in one round trip (a pipeline) and return their results in order: a home
    page's four queries cost one wait for PostgreSQL instead of four."""
    cursors = []
    async with conn.pipeline():
        for read in reads:
            cur = conn.cursor(row_factory=dict_row)
            await cur.execute(read.query, read.params)
            cursors.append(cur)
    return [read.result(await cur.fetchall()) for read, cur in zip(reads, cursors, strict=True)]


def _home_candidates(after: Cursor | None, params: dict[str, Any]) -> str:
    """`page (post_id, created_at)`: the newest `limit` entries of my home feed, older than
    `after`. Merges my written timeline with what large audiences I belong to posted (read at
    read time): each source yields at most `limit` rows through its own index, then the
    newest `limit` of the union win."""
    e_after = _keyset(after, params, "e")
    p_after = _keyset(after, params, "p")
    return (
        "WITH candidates AS ("
        "  (SELECT e.post_id, e.created_at FROM timeline_entries e WHERE e.owner_id = %(me)s"
        f"   {e_after} ORDER BY e.created_at DESC, e.post_id DESC LIMIT %(limit)s)"
        "  UNION"
        "  (SELECT x.post_id, x.created_at FROM members m"
        "   JOIN groups g ON g.group_id = m.group_id AND g.read_fanout"
        "   CROSS JOIN LATERAL (SELECT p.post_id, p.created_at FROM posts p"
        f"     WHERE p.group_id = m.group_id AND {LIVE}{p_after} {NEWEST_FIRST}"
        "     LIMIT %(limit)s) x"
        "   WHERE m.user_id = %(me)s)"
        "  UNION"
        "  (SELECT x.post_id, x.created_at FROM follows f"
        "   JOIN people fa ON fa.user_id = f.followee_id AND fa.read_fanout"
        "   CROSS JOIN LATERAL (SELECT p.post_id, p.created_at FROM posts p"
        f"     WHERE p.author_id = f.followee_id AND {LIVE}"
        f"     AND {VISIBLE.format(who='%(me)s')}{p_after} {NEWEST_FIRST}"
        "     LIMIT %(limit)s) x"
        "   WHERE f.follower_id = %(me)s)"
        "  UNION"
        "  (SELECT p.post_id, p.created_at FROM posts p WHERE p.kind = 'announcement'"
        f"   AND p.group_id IS NULL AND {LIVE}{p_after} {NEWEST_FIRST} LIMIT %(limit)s)"
        "), page AS (SELECT post_id, created_at FROM candidates "
        "  ORDER BY created_at DESC, post_id DESC LIMIT %(limit)s) "
    )


# Each page entry's post by its primary key: joined plainly, the planner reads the whole posts
# table once a page has a few hundred entries (a hash join), where a few hundred index lookups
# cost far less. The LIMIT keeps the planner from flattening the lookup back into a join.
_PAGE_POSTS = (
    "FROM page CROSS JOIN LATERAL (SELECT * FROM posts WHERE post_id = page.post_id LIMIT 1) p "
)


def home_page_read(me: UUID, after: Cursor | None, limit: int) -> Read:
    """Up to `limit` entries of my home feed, newest first, older than `after`."""
    params: dict[str, Any] = {"me": me, "limit": limit}
    query = f"{_home_candidates(after, params)}{_ENTRY} {_PAGE_POSTS}{_JOINS}{NEWEST_FIRST}"
    return Read(query, params)


async def home_features(conn: Conn, me: UUID, after: Cursor | None, limit: int) -> list[Candidate]:
    """The same entries as `home_page_read`, as ranking sees them (not what they show)."""
    params: dict[str, Any] = {"me": me, "limit": limit}
    query = f"{_home_candidates(after, params)}SELECT {_FEATURES} {_PAGE_POSTS}{NEWEST_FIRST}"
    cur = await conn.execute(query, params)
    return [Candidate(*row) for row in await cur.fetchall()]


async def entries(conn: Conn, me: UUID, post_ids: list[UUID]) -> list[dict[str, Any]]:
    """The entries of these posts as `home_page_read` shows them, in the order given."""
    if not post_ids:
        return []
    params: dict[str, Any] = {"me": me, "ids": post_ids}
    return await _rows(
        conn,
        f"{_ENTRY} FROM unnest(%(ids)s::uuid[]) WITH ORDINALITY AS page (post_id, n) "
        "CROSS JOIN LATERAL (SELECT * FROM posts WHERE post_id = page.post_id LIMIT 1) p "
        f"{_JOINS}ORDER BY page.n",
        params,
    )


def pinned_read(me: UUID, limit: int) -> Read:
    """Announcements addressed to me (company-wide or in my groups) I have not acknowledged."""
    params: dict[str, Any] = {"me": me, "limit": limit}
    return Read(
        f"{_ENTRY} FROM posts p {_JOINS}"
        f"WHERE p.kind = 'announcement' AND {LIVE} AND (p.group_id IS NULL OR EXISTS "
        "(SELECT 1 FROM members m WHERE m.group_id = p.group_id AND m.user_id = %(me)s)) "
        "AND NOT EXISTS (SELECT 1 FROM acknowledgements k WHERE k.user_id = %(me)s "
        f"AND k.post_id = p.post_id) {NEWEST_FIRST} LIMIT %(limit)s",
        params,
    )


async def visible_posts(conn: Conn, me: UUID, post_ids: list[UUID]) -> set[UUID]:
    """Those of `post_ids` that are posts I may see (hidden and deleted ones included)."""
    cur = await conn.execute(
        f"SELECT p.post_id FROM posts p WHERE p.post_id = ANY(%(ids)s) "
        f"AND {VISIBLE.format(who='%(me)s')}",
        {"ids": post_ids, "me": me},
    )
    return {row[0] for row in await cur.fetchall()}


async def announcement_visible_to(conn: Conn, me: UUID, post_id: UUID) -> dict[str, Any] | None:
    """The announcement `post_id` if it is addressed to me, else None."""
    params: dict[str, Any] = {"me": me, "post": post_id}
    rows = await _rows(
        conn,
        f"SELECT p.post_id, p.group_id FROM posts p WHERE p.post_id = %(post)s "
        f"AND p.kind = 'announcement' AND {LIVE} AND (p.group_id IS NULL OR EXISTS "
        "(SELECT 1 FROM members m WHERE m.group_id = p.group_id AND m.user_id = %(me)s))",
        params,
    )
    return rows[0] if rows else None


def raised_read(me: UUID, *, older_than: datetime, newer_than: datetime, limit: int) -> Read:
    """Posts and questions in my groups still without a reply, oldest waiting first."""
    params: dict[str, Any] = {"me": me, "old": older_than, "new": newer_than, "limit": limit}
    # Each of my groups yields its oldest few waiting posts, walking its live posts oldest
    # first from the window's start and stopping at `limit` (most posts there get replies,
    # so a few rows are read, not the group's week); the oldest of those win, and only they
    # are then joined with names and features.
    return Read(
        "WITH page AS (SELECT x.post_id, x.created_at FROM members mine "
        "  CROSS JOIN LATERAL (SELECT p.post_id, p.created_at FROM posts p "
        f"    WHERE p.group_id = mine.group_id AND {LIVE} "
        "    AND p.created_at > %(new)s AND p.created_at <= %(old)s "
        "    AND p.kind IN ('post', 'question') AND p.reply_count = 0 AND NOT p.answered "
        "    AND p.author_id <> %(me)s ORDER BY p.created_at, p.post_id LIMIT %(limit)s) x "
        "  WHERE mine.user_id = %(me)s ORDER BY x.created_at, x.post_id LIMIT %(limit)s) "
        f"{_ENTRY} {_PAGE_POSTS}{_JOINS}ORDER BY p.created_at, p.post_id",
        params,
    )


async def group_for(conn: Conn, me: UUID, group_id: UUID) -> dict[str, Any] | None:
    """The group if I may read it (public, or I am a member), else None."""
    rows = await _rows(
        conn,
        "SELECT g.group_id, g.name, g.visibility, EXISTS (SELECT 1 FROM members m "
        "WHERE m.group_id = g.group_id AND m.user_id = %(me)s) AS member FROM groups g "
        "WHERE g.group_id = %(g)s",
        {"me": me, "g": group_id},
    )
    if not rows or not may_read_group(
        private=rows[0]["visibility"] == "private", member=rows[0]["member"]
    ):
        return None
    return rows[0]


async def group_page(
    conn: Conn, me: UUID, group_id: UUID, after: Cursor | None, limit: int
) -> list[dict[str, Any]]:
    """A group's live posts that I may see, newest first. `group_for` opens the page; each
    post's own privacy still counts: a group the feed has not heard of yet has a nameless
    public row (a membership came first) while its posts arrive marked private."""
    params: dict[str, Any] = {"me": me, "g": group_id, "limit": limit}
    p_after = _keyset(after, params)
    return await _rows(
        conn,
        f"{_ENTRY} FROM posts p {_JOINS}WHERE p.group_id = %(g)s AND {LIVE} "
        f"AND {VISIBLE.format(who='%(me)s')}{p_after} {NEWEST_FIRST} LIMIT %(limit)s",
        params,
    )


async def person_exists(conn: Conn, user_id: UUID) -> bool:
    cur = await conn.execute("SELECT 1 FROM people WHERE user_id = %s", (user_id,))
    return await cur.fetchone() is not None


async def author_exists(conn: Conn, author_id: UUID) -> bool:
    """A person, or a shared account that has posted (feed keeps no table of accounts)."""
    cur = await conn.execute(
        "SELECT 1 FROM people WHERE user_id = %(a)s "
        "UNION ALL SELECT 1 FROM posts WHERE author_id = %(a)s LIMIT 1",
        {"a": author_id},
    )
    return await cur.fetchone() is not None


async def profile_page(
    conn: Conn, me: UUID, author_id: UUID, after: Cursor | None, limit: int
) -> list[dict[str, Any]]:
    """A person's posts that I may see, newest first."""
    params: dict[str, Any] = {"me": me, "author": author_id, "limit": limit}
    p_after = _keyset(after, params)
    return await _rows(
        conn,
        f"{_ENTRY} FROM posts p {_JOINS}WHERE p.author_id = %(author)s AND {LIVE} "
        f"AND {VISIBLE.format(who='%(me)s')}{p_after} {NEWEST_FIRST} LIMIT %(limit)s",
        params,
    )


async def all_timelines(conn: Conn) -> list[tuple[Any, ...]]:
    """Every timeline entry, in a stable order (to compare a rebuild with the live state)."""
    cur = await conn.execute(
        "SELECT owner_id, post_id, created_at FROM timeline_entries "
        "ORDER BY owner_id, created_at, post_id"
    )
    return await cur.fetchall()
