"""Groups and their members: a group's visibility and who takes its posts."""

from __future__ import annotations

from uuid import UUID

from .schema import LIVE, Conn
from .visibility import ACTIVE, prune, prune_posts


async def upsert_group(
    conn: Conn,
    group_id: UUID,
    name: str,
    visibility: str,
    *,
    is_all_company: bool | None = None,
) -> None:
    """Create or update a group; its posts follow its visibility, and turning private removes
    them at once from every non-member's timeline."""
    await conn.execute(
        "INSERT INTO groups (group_id, name, visibility, is_all_company, read_fanout) "
        "VALUES (%(g)s, %(name)s, %(vis)s, coalesce(%(all)s, false), coalesce(%(all)s, false)) "
        "ON CONFLICT (group_id) DO UPDATE SET name = EXCLUDED.name, "
        "visibility = EXCLUDED.visibility, "
        "is_all_company = groups.is_all_company OR coalesce(%(all)s, false), "
        "read_fanout = groups.read_fanout OR coalesce(%(all)s, false)",
        {"g": group_id, "name": name, "vis": visibility, "all": is_all_company},
    )
    await conn.execute(
        "UPDATE posts SET private = %s WHERE group_id = %s AND private <> %s",
        (visibility == "private", group_id, visibility == "private"),
    )
    if visibility == "private":  # its members keep its posts; everyone else loses them
        await prune_posts(conn, "p.group_id = %(scope)s", group_id, members=False)


async def add_member(
    conn: Conn, group_id: UUID, user_id: UUID, *, backfill: int, threshold: int
) -> None:
    """Record the membership, count it, and bring the group's recent posts into the member's
    timeline (unless the group's posts are read at read time). One statement."""
    await conn.execute(
        "WITH added AS (INSERT INTO members (group_id, user_id) VALUES (%(g)s, %(u)s) "
        "  ON CONFLICT DO NOTHING RETURNING group_id), "
        # A membership may name a group whose GroupCreated this projection has not seen
        # (created before the feed existed): a nameless row keeps the membership counted.
        "counted AS (INSERT INTO groups (group_id, name, member_count, read_fanout) "
        "  SELECT group_id, '', 1, 1 > %(threshold)s FROM added "
        "  ON CONFLICT (group_id) DO UPDATE SET member_count = groups.member_count + 1, "
        "  read_fanout = groups.read_fanout OR groups.is_all_company "
        "    OR groups.member_count + 1 > %(threshold)s "
        "  RETURNING read_fanout) "
        "INSERT INTO timeline_entries (owner_id, post_id, created_at) "
        "SELECT %(u)s, p.post_id, p.created_at FROM posts p "
        f"WHERE p.group_id = %(g)s AND {LIVE} "
        "AND EXISTS (SELECT 1 FROM counted WHERE NOT read_fanout) "
        f"AND {ACTIVE.format(who='%(u)s')} "
        "ORDER BY p.created_at DESC LIMIT %(n)s ON CONFLICT DO NOTHING",
        {"g": group_id, "u": user_id, "threshold": threshold, "n": backfill},
    )


async def remove_member(conn: Conn, group_id: UUID, user_id: UUID) -> None:
    """End a membership; the group's posts leave the timeline unless another reason keeps them
    (a public group's post by someone followed, a mention), never a private group's."""
    await conn.execute(
        "WITH gone AS (DELETE FROM members WHERE group_id = %s AND user_id = %s "
        "RETURNING group_id) "
        "UPDATE groups SET member_count = greatest(0, member_count - 1) "
        "WHERE group_id IN (SELECT group_id FROM gone)",
        (group_id, user_id),
    )
    await prune(conn, "p.group_id = %(scope)s", group_id, user_id)
