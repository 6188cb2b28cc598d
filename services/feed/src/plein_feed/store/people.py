"""People, their follows, and deactivation: who a person's timeline is for and what it takes in."""

from __future__ import annotations

from uuid import UUID

from plein_events import FORMER_COLLEAGUE

from .schema import LIVE, NEWEST_FIRST, Conn
from .visibility import ACTIVE, VISIBLE, prune


async def upsert_person(
    conn: Conn, user_id: UUID, name: str, department: str | None, manager_id: UUID | None
) -> None:
    await conn.execute(
        "INSERT INTO people (user_id, display_name, department, manager_id) "
        "VALUES (%s, %s, %s, %s) ON CONFLICT (user_id) DO UPDATE SET "
        "display_name = EXCLUDED.display_name, department = EXCLUDED.department, "
        "manager_id = EXCLUDED.manager_id",
        (user_id, name, department, manager_id),
    )


async def erase_person(conn: Conn, user_id: UUID) -> None:
    """Forget an erased person's name (what they wrote stays, attributed to a former
    colleague), and stop keeping a timeline for them: nobody will read it again, and what
    was shown to them is theirs too, so it goes the way a deactivated account's does."""
    await conn.execute(
        "UPDATE people SET display_name = %s, department = NULL WHERE user_id = %s",
        (FORMER_COLLEAGUE, user_id),
    )
    await deactivate(conn, user_id)


async def deactivate(conn: Conn, user_id: UUID) -> None:
    """A deactivated account reads nothing: its timeline goes, and nothing is written to it."""
    await conn.execute(
        "INSERT INTO deactivated (user_id) VALUES (%s) ON CONFLICT DO NOTHING", (user_id,)
    )
    await conn.execute("DELETE FROM timeline_entries WHERE owner_id = %s", (user_id,))


async def reactivate(conn: Conn, user_id: UUID, *, keep: int) -> None:
    """A returning person's timeline is rebuilt: the newest `keep` live posts that belong in
    it (their own, by people they follow, in their groups, mentioning them, with #topics they
    follow; large audiences stay read-time), each source read through its own index."""
    await conn.execute(
        "WITH back AS (DELETE FROM deactivated WHERE user_id = %(u)s RETURNING user_id), "
        "candidates AS ("
        "  (SELECT p.post_id FROM posts p WHERE p.author_id = %(u)s"
        f"   {NEWEST_FIRST} LIMIT %(keep)s)"
        "  UNION (SELECT x.post_id FROM follows f"
        "   JOIN people a ON a.user_id = f.followee_id AND NOT a.read_fanout"
        "   CROSS JOIN LATERAL (SELECT p.post_id FROM posts p WHERE p.author_id = f.followee_id"
        f"     {NEWEST_FIRST} LIMIT %(keep)s) x WHERE f.follower_id = %(u)s)"
        "  UNION (SELECT x.post_id FROM members m"
        "   JOIN groups g ON g.group_id = m.group_id AND NOT g.read_fanout"
        "   CROSS JOIN LATERAL (SELECT p.post_id FROM posts p WHERE p.group_id = m.group_id"
        f"     {NEWEST_FIRST} LIMIT %(keep)s) x WHERE m.user_id = %(u)s)"
        "  UNION (SELECT pm.post_id FROM post_mentions pm WHERE pm.user_id = %(u)s)"
        "  UNION (SELECT x.post_id FROM topic_follows tf"
        "   CROSS JOIN LATERAL (SELECT p.post_id FROM posts p WHERE p.topics @> ARRAY[tf.topic]"
        f"     {NEWEST_FIRST} LIMIT %(keep)s) x WHERE tf.follower_id = %(u)s)) "
        "INSERT INTO timeline_entries (owner_id, post_id, created_at) "
        "SELECT %(u)s, p.post_id, p.created_at FROM candidates c "
        "JOIN posts p ON p.post_id = c.post_id "
        f"WHERE EXISTS (SELECT 1 FROM back) AND {LIVE} AND {VISIBLE.format(who='%(u)s')} "
        f"{NEWEST_FIRST} LIMIT %(keep)s ON CONFLICT DO NOTHING",
        {"u": user_id, "keep": keep},
    )


async def add_follow(
    conn: Conn, follower_id: UUID, followee_id: UUID, *, backfill: int, threshold: int
) -> None:
    """Record the follow, count it, and bring the followee's recent visible posts into the
    follower's timeline (unless the followee's posts are read at read time). One statement."""
    await conn.execute(
        "WITH added AS (INSERT INTO follows (follower_id, followee_id) VALUES (%(f)s, %(t)s) "
        "  ON CONFLICT DO NOTHING RETURNING followee_id), "
        # The followee's UserRegistered may come later (another producer's order): a nameless
        # row keeps the follower count right until it does.
        "counted AS (INSERT INTO people (user_id, display_name, follower_count, read_fanout) "
        "  SELECT followee_id, '', 1, 1 > %(threshold)s FROM added "
        "  ON CONFLICT (user_id) DO UPDATE SET follower_count = people.follower_count + 1, "
        "  read_fanout = people.read_fanout OR people.follower_count + 1 > %(threshold)s "
        "  RETURNING read_fanout) "
        "INSERT INTO timeline_entries (owner_id, post_id, created_at) "
        "SELECT %(f)s, p.post_id, p.created_at FROM posts p "
        f"WHERE p.author_id = %(t)s AND {LIVE} AND {VISIBLE.format(who='%(f)s')} "
        "AND EXISTS (SELECT 1 FROM counted WHERE NOT read_fanout) "
        f"AND {ACTIVE.format(who='%(f)s')} "
        "ORDER BY p.created_at DESC LIMIT %(n)s ON CONFLICT DO NOTHING",
        {"f": follower_id, "t": followee_id, "n": backfill, "threshold": threshold},
    )


async def remove_follow(conn: Conn, follower_id: UUID, followee_id: UUID) -> None:
    await conn.execute(
        "WITH gone AS (DELETE FROM follows WHERE follower_id = %s AND followee_id = %s "
        "RETURNING followee_id) "
        "UPDATE people SET follower_count = greatest(0, follower_count - 1) "
        "WHERE user_id IN (SELECT followee_id FROM gone)",
        (follower_id, followee_id),
    )
    await prune(conn, "p.author_id = %(scope)s", followee_id, follower_id)
