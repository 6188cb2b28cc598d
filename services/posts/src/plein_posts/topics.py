"""The #topic directory: the topics of the threads a reader may read, with how many there are
and how many people follow each topic, and the read model of topic follows behind it.

Privacy: a topic appears to a reader only through threads they may read (the one SQL form of
the rule in posts, `store.readable`). A topic used only in a private group has no threads a
non-member may read, so for them it is not in the directory and its summary says nothing,
not even how many follow it (followers are counted only where the topic shows).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from plein_events import Envelope
from plein_events.identity import TopicFollowed, TopicUnfollowed, UserErased
from plein_events.projection import Projection
from plein_platform.cursors import CursorCodec, CursorOffset, CursorText
from psycopg import AsyncConnection
from psycopg.rows import dict_row

from .store import readable

Conn = AsyncConnection[Any]
TABLES = ("topic_follows",)

# Where a directory page ended: topics with fewer threads, or as many and a later name, come next.
DIRECTORY_CURSOR = CursorCodec[tuple[int, str]](tuple[CursorOffset, CursorText])

# -- the read model of topic follows ---------------------------------------------------------


async def on_topic_followed(conn: Conn, event: TopicFollowed, _: Envelope) -> None:
    await conn.execute(
        "INSERT INTO topic_follows (follower_id, topic) VALUES (%s, %s) ON CONFLICT DO NOTHING",
        (event.follower_id, event.topic),
    )


async def on_topic_unfollowed(conn: Conn, event: TopicUnfollowed, _: Envelope) -> None:
    await conn.execute(
        "DELETE FROM topic_follows WHERE follower_id = %s AND topic = %s",
        (event.follower_id, event.topic),
    )


async def on_user_erased(conn: Conn, event: UserErased, _: Envelope) -> None:
    """An erased person follows nothing any more: their follows stop being counted."""
    await conn.execute("DELETE FROM topic_follows WHERE follower_id = %s", (event.user_id,))


FOLLOWS = Projection(
    name="posts_topics",
    handlers={
        TopicFollowed: on_topic_followed,
        TopicUnfollowed: on_topic_unfollowed,
        UserErased: on_user_erased,
    },
    tables=TABLES,
)

# -- reads -----------------------------------------------------------------------------------

# Each topic of the threads %(viewer)s may read, with how many of those threads carry it.
_READABLE_TOPICS = (
    "SELECT topic, count(*) AS posts, max(t.created_at) AS last_post_at "
    "FROM threads t CROSS JOIN LATERAL unnest(t.topics) AS topic "
    f"WHERE {readable('t')} {{only}} GROUP BY topic"
)
_FOLLOW_COLUMNS = (
    "(SELECT count(*) FROM topic_follows f WHERE f.topic = c.topic) AS followers, "
    "EXISTS (SELECT 1 FROM topic_follows f WHERE f.topic = c.topic "
    "AND f.follower_id = %(viewer)s) AS following"
)


async def directory(
    conn: Conn, viewer: UUID, after: tuple[int, str] | None, limit: int
) -> list[dict[str, Any]]:
    """The topics `viewer` may read threads with, those with the most threads first."""
    params: dict[str, Any] = {"viewer": viewer, "limit": limit}
    page_after = ""
    if after is not None:
        page_after = "WHERE (c.posts < %(posts)s OR (c.posts = %(posts)s AND c.topic > %(topic)s))"
        params.update(posts=after[0], topic=after[1])
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            f"WITH c AS ({_READABLE_TOPICS.format(only='')}) "
            f"SELECT c.topic, c.posts, c.last_post_at, {_FOLLOW_COLUMNS} FROM c {page_after} "
            "ORDER BY c.posts DESC, c.topic LIMIT %(limit)s",
            params,
        )
        return await cur.fetchall()


async def summary(conn: Conn, viewer: UUID, topic: str) -> dict[str, Any]:
    """One topic as `viewer` sees it: its threads they may read, and its followers (counted
    only when there are such threads, so that a private group's topic tells them nothing)."""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            f"WITH c AS ({_READABLE_TOPICS.format(only='AND t.topics @> ARRAY[%(topic)s]')}) "
            f"SELECT c.topic, c.posts, c.last_post_at, {_FOLLOW_COLUMNS} "
            "FROM c WHERE c.topic = %(topic)s",
            {"viewer": viewer, "topic": topic},
        )
        row = await cur.fetchone()
        if row is not None:
            return row
        await cur.execute(
            "SELECT EXISTS (SELECT 1 FROM topic_follows WHERE topic = %(topic)s "
            "AND follower_id = %(viewer)s) AS following",
            {"viewer": viewer, "topic": topic},
        )
        mine = await cur.fetchone()
    following = bool(mine and mine["following"])
    return {
        "topic": topic,
        "posts": 0,
        "last_post_at": None,
        "followers": int(following),
        "following": following,
    }
