"""#topic follows: a thread with a topic someone follows comes into their timeline, if they may
see it, and leaves it when they stop following (unless another reason keeps it)."""

from __future__ import annotations

from uuid import UUID

from .schema import LIVE, Conn
from .visibility import ACTIVE, VISIBLE, prune


async def add_topic_follow(conn: Conn, follower_id: UUID, topic: str, *, backfill: int) -> None:
    """Record the follow and bring the topic's recent posts that the follower may see into
    their timeline. One statement."""
    await conn.execute(
        "WITH added AS (INSERT INTO topic_follows (follower_id, topic) VALUES (%(f)s, %(t)s) "
        "  ON CONFLICT DO NOTHING RETURNING topic) "
        "INSERT INTO timeline_entries (owner_id, post_id, created_at) "
        "SELECT %(f)s, p.post_id, p.created_at FROM posts p "
        f"WHERE p.topics @> ARRAY[%(t)s]::text[] AND {LIVE} AND {VISIBLE.format(who='%(f)s')} "
        f"AND EXISTS (SELECT 1 FROM added) AND {ACTIVE.format(who='%(f)s')} "
        "ORDER BY p.created_at DESC LIMIT %(n)s ON CONFLICT DO NOTHING",
        {"f": follower_id, "t": topic, "n": backfill},
    )


async def remove_topic_follow(conn: Conn, follower_id: UUID, topic: str) -> None:
    """End the follow; the topic's posts leave the timeline unless another reason keeps them."""
    await conn.execute(
        "DELETE FROM topic_follows WHERE follower_id = %s AND topic = %s", (follower_id, topic)
    )
    await prune(conn, "p.topics @> ARRAY[%(scope)s]::text[]", topic, follower_id)
