"""The feed's SQL forms of "who may see a post" (plein_events.visibility states the rule;
tests/visibility checks these against its table), and the pruning that takes an entry out of
a timeline once no reason for it to be there is left."""

from __future__ import annotations

from uuid import UUID

from .schema import Conn

# Whether person {who} may see post p: not in a group, or the group is public, or a member.
VISIBLE = (
    "(p.group_id IS NULL OR NOT p.private OR EXISTS (SELECT 1 FROM members vm "
    "WHERE vm.group_id = p.group_id AND vm.user_id = {who}))"
)
# Whether post p belongs in {who}'s timeline at all: visible, and a reason for it to be there.
BELONGS = (
    "(NOT p.hidden AND NOT p.deleted AND " + VISIBLE + " AND (p.author_id = {who} "
    "OR EXISTS (SELECT 1 FROM follows bf WHERE bf.follower_id = {who} "
    "AND bf.followee_id = p.author_id) "
    "OR EXISTS (SELECT 1 FROM members bm WHERE bm.group_id = p.group_id AND bm.user_id = {who}) "
    "OR EXISTS (SELECT 1 FROM post_mentions bp WHERE bp.post_id = p.post_id "
    "AND bp.user_id = {who}) "
    "OR EXISTS (SELECT 1 FROM topic_follows bt WHERE bt.follower_id = {who} "
    "AND bt.topic = ANY(p.topics))))"
)
# Whether person {who} has an account that is not deactivated (only they get entries written).
ACTIVE = "NOT EXISTS (SELECT 1 FROM deactivated d WHERE d.user_id = {who})"


# Who a post `p` is written to, unless its audiences are read at read time: its author, the
# members of its group, the author's followers who may see it, the people in {mentioned}, and
# the followers of its #topics who may see it (topic followings are always written).
# Whether an audience is read at read time is asked first, on its own (NOT EXISTS): joined
# with the members instead, a prepared statement's generic plan read all 10,000 members of
# the all-company group for each of its posts before finding that none were wanted.
AUDIENCE = (
    "SELECT p.author_id AS owner_id"
    " UNION SELECT m.user_id FROM members m WHERE m.group_id = p.group_id"
    "  AND NOT EXISTS (SELECT 1 FROM groups g WHERE g.group_id = p.group_id AND g.read_fanout)"
    " UNION SELECT f.follower_id FROM follows f"
    "  WHERE f.followee_id = p.author_id AND NOT EXISTS (SELECT 1 FROM people a"
    "    WHERE a.user_id = p.author_id AND a.read_fanout)"
    f"  AND {VISIBLE.format(who='f.follower_id')}"
    " UNION SELECT mentioned.user_id FROM {mentioned}"
    f"  AND {VISIBLE.format(who='mentioned.user_id')}"
    " UNION SELECT tf.follower_id FROM topic_follows tf WHERE tf.topic = ANY(p.topics)"
    f"  AND {VISIBLE.format(who='tf.follower_id')}"
)


async def prune(conn: Conn, scope: str, scope_id: UUID | str, owner: UUID) -> None:
    """Delete the entries of `owner` in `scope` that no longer belong in their timeline."""
    await conn.execute(
        "DELETE FROM timeline_entries e USING posts p WHERE e.owner_id = %(owner)s "
        f"AND e.post_id = p.post_id AND {scope} AND NOT {BELONGS.format(who='e.owner_id')}",
        {"scope": scope_id, "owner": owner},
    )


# Who may hold an entry of post p: every way into a timeline (fan-out, backfill, a mention, a
# return from deactivation) goes through one of these, and every way out of them (unfollow,
# leave, an edit dropping a mention) prunes that person's entries at once. So a post's entries
# are found by probing these people's timelines: no index by post is kept for it.
HOLDERS = (
    "SELECT p.author_id AS owner_id"
    " UNION SELECT f.follower_id FROM follows f WHERE f.followee_id = p.author_id"
    " UNION SELECT pm.user_id FROM post_mentions pm WHERE pm.post_id = p.post_id"
    " UNION SELECT tf.follower_id FROM topic_follows tf WHERE tf.topic = ANY(p.topics)"
    " UNION SELECT unnest(%(also)s::uuid[])"
)
MEMBER_HOLDERS = " UNION SELECT m.user_id FROM members m WHERE m.group_id = p.group_id"


async def prune_posts(
    conn: Conn,
    scope: str,
    scope_id: UUID,
    *,
    members: bool = True,
    also: list[UUID] | None = None,
) -> None:
    """Delete the entries of the posts in `scope` that no longer belong where they are.

    `members=False` when the group's members keep its posts anyway; `also`: people who held
    them for a reason that is gone already (a mention an edit removed)."""
    holders = HOLDERS + (MEMBER_HOLDERS if members else "")
    await conn.execute(
        f"DELETE FROM timeline_entries e USING posts p CROSS JOIN LATERAL ({holders}) h "
        f"WHERE {scope} AND e.owner_id = h.owner_id AND e.created_at = p.created_at "
        f"AND e.post_id = p.post_id AND NOT {BELONGS.format(who='e.owner_id')}",
        {"scope": scope_id, "also": also or []},
    )
