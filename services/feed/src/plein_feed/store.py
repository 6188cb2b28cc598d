"""SQL for the feed's own schema; the only module that knows its table names.

Two kinds of audiences (see domain.fans_out_on_read): ordinary ones get one `timeline_entries`
row per reader when a post arrives; very large ones (the all-company group, groups and people
above the fan-out threshold, company-wide announcements) are read from `posts` when a feed is
read and merged with the written entries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from plein_events import FORMER_COLLEAGUE
from plein_events.visibility import may_read_group
from psycopg import AsyncConnection
from psycopg.rows import dict_row

from .domain import Candidate, Cursor

TABLES = (
    "people",
    "follows",
    "groups",
    "members",
    "posts",
    "post_mentions",
    "timeline_entries",
    "affinity",
    "readers",
    "acknowledgements",
    "deactivated",
)

Conn = AsyncConnection[Any]

# Whether person {who} may see post p: not in a group, or the group is public, or a member.
_VISIBLE = (
    "(p.group_id IS NULL OR NOT p.private OR EXISTS (SELECT 1 FROM members vm "
    "WHERE vm.group_id = p.group_id AND vm.user_id = {who}))"
)
# Whether post p belongs in {who}'s timeline at all: visible, and a reason for it to be there.
_BELONGS = (
    "(NOT p.hidden AND NOT p.deleted AND " + _VISIBLE + " AND (p.author_id = {who} "
    "OR EXISTS (SELECT 1 FROM follows bf WHERE bf.follower_id = {who} "
    "AND bf.followee_id = p.author_id) "
    "OR EXISTS (SELECT 1 FROM members bm WHERE bm.group_id = p.group_id AND bm.user_id = {who}) "
    "OR EXISTS (SELECT 1 FROM post_mentions bp WHERE bp.post_id = p.post_id "
    "AND bp.user_id = {who})))"
)
_LIVE = "NOT p.hidden AND NOT p.deleted"
# Whether person {who} has an account that is not deactivated (only they get entries written).
_ACTIVE = "NOT EXISTS (SELECT 1 FROM deactivated d WHERE d.user_id = {who})"


# -- people and follows --------------------------------------------------------------------


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
    it (their own, by people they follow, in their groups, mentioning them; large audiences
    stay read-time), each source read through its own index."""
    await conn.execute(
        "WITH back AS (DELETE FROM deactivated WHERE user_id = %(u)s RETURNING user_id), "
        "candidates AS ("
        "  (SELECT p.post_id FROM posts p WHERE p.author_id = %(u)s"
        f"   {_NEWEST_FIRST} LIMIT %(keep)s)"
        "  UNION (SELECT x.post_id FROM follows f"
        "   JOIN people a ON a.user_id = f.followee_id AND NOT a.read_fanout"
        "   CROSS JOIN LATERAL (SELECT p.post_id FROM posts p WHERE p.author_id = f.followee_id"
        f"     {_NEWEST_FIRST} LIMIT %(keep)s) x WHERE f.follower_id = %(u)s)"
        "  UNION (SELECT x.post_id FROM members m"
        "   JOIN groups g ON g.group_id = m.group_id AND NOT g.read_fanout"
        "   CROSS JOIN LATERAL (SELECT p.post_id FROM posts p WHERE p.group_id = m.group_id"
        f"     {_NEWEST_FIRST} LIMIT %(keep)s) x WHERE m.user_id = %(u)s)"
        "  UNION (SELECT pm.post_id FROM post_mentions pm WHERE pm.user_id = %(u)s)) "
        "INSERT INTO timeline_entries (owner_id, post_id, created_at) "
        "SELECT %(u)s, p.post_id, p.created_at FROM candidates c "
        "JOIN posts p ON p.post_id = c.post_id "
        f"WHERE EXISTS (SELECT 1 FROM back) AND {_LIVE} AND {_VISIBLE.format(who='%(u)s')} "
        f"{_NEWEST_FIRST} LIMIT %(keep)s ON CONFLICT DO NOTHING",
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
        f"WHERE p.author_id = %(t)s AND {_LIVE} AND {_VISIBLE.format(who='%(f)s')} "
        "AND EXISTS (SELECT 1 FROM counted WHERE NOT read_fanout) "
        f"AND {_ACTIVE.format(who='%(f)s')} "
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
    await _prune(conn, "p.author_id = %(scope)s", followee_id, follower_id)


async def _prune(conn: Conn, scope: str, scope_id: UUID, owner: UUID) -> None:
    """Delete the entries of `owner` in `scope` that no longer belong in their timeline."""
    await conn.execute(
        "DELETE FROM timeline_entries e USING posts p WHERE e.owner_id = %(owner)s "
        f"AND e.post_id = p.post_id AND {scope} AND NOT {_BELONGS.format(who='e.owner_id')}",
        {"scope": scope_id, "owner": owner},
    )


# Who may hold an entry of post p: every way into a timeline (fan-out, backfill, a mention, a
# return from deactivation) goes through one of these, and every way out of them (unfollow,
# leave, an edit dropping a mention) prunes that person's entries at once. So a post's entries
# are found by probing these people's timelines: no index by post is kept for it.
_HOLDERS = (
    "SELECT p.author_id AS owner_id"
    " UNION SELECT f.follower_id FROM follows f WHERE f.followee_id = p.author_id"
    " UNION SELECT pm.user_id FROM post_mentions pm WHERE pm.post_id = p.post_id"
    " UNION SELECT unnest(%(also)s::uuid[])"
)
_MEMBER_HOLDERS = " UNION SELECT m.user_id FROM members m WHERE m.group_id = p.group_id"


async def _prune_posts(
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
    holders = _HOLDERS + (_MEMBER_HOLDERS if members else "")
    await conn.execute(
        f"DELETE FROM timeline_entries e USING posts p CROSS JOIN LATERAL ({holders}) h "
        f"WHERE {scope} AND e.owner_id = h.owner_id AND e.created_at = p.created_at "
        f"AND e.post_id = p.post_id AND NOT {_BELONGS.format(who='e.owner_id')}",
        {"scope": scope_id, "also": also or []},
    )


# -- groups --------------------------------------------------------------------------------


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
        await _prune_posts(conn, "p.group_id = %(scope)s", group_id, members=False)


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
        f"WHERE p.group_id = %(g)s AND {_LIVE} "
        "AND EXISTS (SELECT 1 FROM counted WHERE NOT read_fanout) "
        f"AND {_ACTIVE.format(who='%(u)s')} "
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
    await _prune(conn, "p.group_id = %(scope)s", group_id, user_id)


# -- posts ---------------------------------------------------------------------------------


# Who a post `p` is written to, unless its audiences are read at read time: its author, the
# members of its group, the author's followers who may see it, and the people in {mentioned}.
# Whether an audience is read at read time is asked first, on its own (NOT EXISTS): joined
# with the members instead, a prepared statement's generic plan read all 10,000 members of
# the all-company group for each of its posts before finding that none were wanted.
_AUDIENCE = (
    "SELECT p.author_id AS owner_id"
    " UNION SELECT m.user_id FROM members m WHERE m.group_id = p.group_id"
    "  AND NOT EXISTS (SELECT 1 FROM groups g WHERE g.group_id = p.group_id AND g.read_fanout)"
    " UNION SELECT f.follower_id FROM follows f"
    "  WHERE f.followee_id = p.author_id AND NOT EXISTS (SELECT 1 FROM people a"
    "    WHERE a.user_id = p.author_id AND a.read_fanout)"
    f"  AND {_VISIBLE.format(who='f.follower_id')}"
    " UNION SELECT mentioned.user_id FROM {mentioned}"
    f"  AND {_VISIBLE.format(who='mentioned.user_id')}"
)


@dataclass(frozen=True)
class NewPost:
    """A thread's opening post as the feed stores it."""

    post_id: UUID
    author_id: UUID
    group_id: UUID | None
    private: bool
    kind: str
    title: str
    text: str
    mentions: list[UUID]
    created_at: datetime


class PendingPosts:
    """Opening posts that arrived one after the other, stored and fanned out together.

    A post costs one statement, and most of what a statement costs (the round trip, the
    parameters, starting the plan) does not grow with the posts it carries. Posts are
    independent of each other, so consecutive ones can go together; anything else that
    writes (a follow, a join...) must see the posts before it, so the projection flushes
    these first (consumers.py).
    """

    def __init__(self) -> None:
        self.posts: dict[UUID, NewPost] = {}

    def add(self, post: NewPost) -> None:
        self.posts.setdefault(post.post_id, post)  # a repeated event adds nothing

    def clear(self) -> None:
        self.posts = {}

    async def flush(self, conn: Conn) -> None:
        if self.posts:
            posts, self.posts = list(self.posts.values()), {}
            await add_posts(conn, posts)


async def add_posts(conn: Conn, posts: list[NewPost]) -> None:
    """Store threads' opening posts (private if the event or the group says so) and their
    mentions, and write them into their audiences' timelines: one statement.

    Nothing is written for a post already stored (a repeated event), so the timeline insert
    needs no conflict check: no entry of a post can exist before its post does. Timelines are
    cut back to their length apart from this (trimming.py).
    """
    mentions = [(post.post_id, user) for post in posts for user in post.mentions]
    await conn.execute(
        "WITH new AS (SELECT * FROM unnest(%(ids)s::uuid[], %(authors)s::uuid[], "
        "  %(groups)s::uuid[], %(private)s::bool[], %(kinds)s::text[], %(titles)s::text[], "
        "  %(texts)s::text[], %(ats)s::timestamptz[]) "
        "  AS new(post_id, author_id, group_id, private, kind, title, text, created_at)), "
        "p AS (INSERT INTO posts (post_id, author_id, group_id, private, kind, title, "
        "  text, created_at, last_activity_at) "
        "  SELECT post_id, author_id, group_id, private OR EXISTS (SELECT 1 FROM groups g "
        "  WHERE g.group_id = new.group_id AND g.visibility = 'private'), kind, title, text, "
        "  created_at, created_at FROM new ON CONFLICT DO NOTHING "
        "  RETURNING post_id, author_id, group_id, private, created_at), "
        "mentioned AS (INSERT INTO post_mentions (post_id, user_id) "
        "  SELECT m.post_id, m.user_id FROM unnest(%(mention_posts)s::uuid[], "
        "  %(mention_users)s::uuid[]) AS m(post_id, user_id) "
        "  WHERE m.post_id IN (SELECT post_id FROM p) ON CONFLICT DO NOTHING "
        "  RETURNING post_id, user_id) "
        "INSERT INTO timeline_entries (owner_id, post_id, created_at) "
        "SELECT audience.owner_id, p.post_id, p.created_at FROM p "
        "CROSS JOIN LATERAL ("
        + _AUDIENCE.format(mentioned="mentioned WHERE mentioned.post_id = p.post_id")
        + f") audience WHERE {_ACTIVE.format(who='audience.owner_id')}",
        {
            "ids": [post.post_id for post in posts],
            "authors": [post.author_id for post in posts],
            "groups": [post.group_id for post in posts],
            "private": [post.private for post in posts],
            "kinds": [post.kind for post in posts],
            "titles": [post.title for post in posts],
            "texts": [post.text for post in posts],
            "ats": [post.created_at for post in posts],
            "mention_posts": [post_id for post_id, _ in mentions],
            "mention_users": [user for _, user in mentions],
        },
    )


async def fan_out(conn: Conn, post_id: UUID) -> None:
    """Write a stored post into the timelines of its ordinary audiences (if it is live)."""
    await conn.execute(
        "INSERT INTO timeline_entries (owner_id, post_id, created_at) "
        "SELECT audience.owner_id, p.post_id, p.created_at FROM posts p "
        "CROSS JOIN LATERAL ("
        + _AUDIENCE.format(mentioned="post_mentions mentioned WHERE mentioned.post_id = p.post_id")
        + f") audience WHERE p.post_id = %(post)s AND {_LIVE} "
        f"AND {_ACTIVE.format(who='audience.owner_id')} ON CONFLICT DO NOTHING",
        {"post": post_id},
    )


async def edit_post(conn: Conn, post_id: UUID, text: str, mentions: list[UUID]) -> None:
    """New text and mentions: newly mentioned people get the post, un-mentioned ones lose it
    unless another reason keeps it."""
    await conn.execute("UPDATE posts SET text = %s WHERE post_id = %s", (text, post_id))
    cur = await conn.execute(
        "DELETE FROM post_mentions WHERE post_id = %s AND NOT (user_id = ANY(%s::uuid[])) "
        "RETURNING user_id",
        (post_id, mentions),
    )
    unmentioned = [row[0] for row in await cur.fetchall()]
    if mentions:
        await conn.execute(
            "INSERT INTO post_mentions (post_id, user_id) SELECT p.post_id, u FROM posts p, "
            "unnest(%s::uuid[]) u WHERE p.post_id = %s ON CONFLICT DO NOTHING",
            (mentions, post_id),
        )
        await conn.execute(
            "INSERT INTO timeline_entries (owner_id, post_id, created_at) "
            "SELECT pm.user_id, p.post_id, p.created_at FROM posts p "
            "JOIN post_mentions pm ON pm.post_id = p.post_id "
            f"WHERE p.post_id = %(post)s AND {_LIVE} AND {_VISIBLE.format(who='pm.user_id')} "
            f"AND {_ACTIVE.format(who='pm.user_id')} ON CONFLICT DO NOTHING",
            {"post": post_id},
        )
    await _prune_posts(conn, "p.post_id = %(scope)s", post_id, also=unmentioned)


async def take_down(conn: Conn, post_id: UUID, *, deleted: bool) -> None:
    """A deleted or hidden post leaves every timeline at once."""
    column = "deleted" if deleted else "hidden"
    await conn.execute(f"UPDATE posts SET {column} = true WHERE post_id = %s", (post_id,))
    await _prune_posts(conn, "p.post_id = %(scope)s", post_id)


async def unhide(conn: Conn, post_id: UUID) -> None:
    await conn.execute("UPDATE posts SET hidden = false WHERE post_id = %s", (post_id,))
    await fan_out(conn, post_id)


# -- trimming ------------------------------------------------------------------------------


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


class Tally:
    """Reply and reaction counts, affinities and last visits, summed over a batch in memory.

    These updates commute with each other and with everything else the projection does (no
    handler reads them), so the runner writes a whole batch of them with three set-based
    statements (see plein_events.projection.Deferred) instead of two statements per event.
    Counts never go below zero.
    """

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        # post -> [reply delta, reaction delta, latest activity]
        self.posts: dict[UUID, list[Any]] = {}
        self.affinity: dict[tuple[UUID, UUID], int] = {}
        self.seen: dict[UUID, datetime] = {}

    def _post(self, post_id: UUID) -> list[Any]:
        return self.posts.setdefault(post_id, [0, 0, None])

    def reply(self, post_id: UUID, delta: int, at: datetime | None = None) -> None:
        counts = self._post(post_id)
        counts[0] += delta
        if at is not None and (counts[2] is None or at > counts[2]):
            counts[2] = at

    def reaction(self, post_id: UUID, delta: int) -> None:
        self._post(post_id)[1] += delta

    def interaction(self, person_id: UUID, targets: list[UUID | None], delta: int) -> None:
        """An interaction of a person with authors and groups (never with themselves)."""
        for target in dict.fromkeys(targets):
            if target is not None and target != person_id:
                key = (person_id, target)
                self.affinity[key] = self.affinity.get(key, 0) + delta

    def visit(self, reader_id: UUID, seen_at: datetime) -> None:
        if reader_id not in self.seen or seen_at > self.seen[reader_id]:
            self.seen[reader_id] = seen_at

    async def flush(self, conn: Conn) -> None:
        try:
            if self.posts:
                await _add_post_counts(conn, self.posts)
            if self.affinity:
                await _add_affinity(conn, self.affinity)
            if self.seen:
                await _record_seen(conn, self.seen)
        finally:
            self.clear()


async def _add_post_counts(conn: Conn, posts: dict[UUID, list[Any]]) -> None:
    await conn.execute(
        "UPDATE posts p SET reply_count = greatest(0, p.reply_count + d.replies), "
        "reaction_count = greatest(0, p.reaction_count + d.reactions), "
        "last_activity_at = greatest(p.last_activity_at, d.at) "
        "FROM unnest(%s::uuid[], %s::int[], %s::int[], %s::timestamptz[]) "
        "AS d(post_id, replies, reactions, at) WHERE p.post_id = d.post_id",
        (list(posts), *(list(column) for column in zip(*posts.values(), strict=True))),
    )


async def _add_affinity(conn: Conn, affinity: dict[tuple[UUID, UUID], int]) -> None:
    # Existing rows take the delta (floored at 0); new rows start at the delta (floored at 0).
    await conn.execute(
        "WITH d AS (SELECT * FROM unnest(%s::uuid[], %s::uuid[], %s::int[]) "
        "  AS d(person_id, target_id, delta)), "
        "updated AS (UPDATE affinity a SET interactions = greatest(0, a.interactions + d.delta) "
        "  FROM d WHERE a.person_id = d.person_id AND a.target_id = d.target_id "
        "  RETURNING a.person_id, a.target_id) "
        "INSERT INTO affinity (person_id, target_id, interactions) "
        "SELECT d.person_id, d.target_id, greatest(0, d.delta) FROM d WHERE NOT EXISTS "
        "(SELECT 1 FROM updated u WHERE u.person_id = d.person_id AND u.target_id = d.target_id)",
        ([p for p, _ in affinity], [t for _, t in affinity], list(affinity.values())),
    )


async def _record_seen(conn: Conn, seen: dict[UUID, datetime]) -> None:
    await conn.execute(
        "INSERT INTO readers (user_id, last_seen_at) "
        "SELECT * FROM unnest(%s::uuid[], %s::timestamptz[]) ON CONFLICT (user_id) "
        "DO UPDATE SET last_seen_at = greatest(readers.last_seen_at, EXCLUDED.last_seen_at)",
        (list(seen), list(seen.values())),
    )


async def accept_answer(conn: Conn, post_id: UUID) -> None:
    await conn.execute("UPDATE posts SET answered = true WHERE post_id = %s", (post_id,))


# -- readers -------------------------------------------------------------------------------


async def record_acknowledgement(conn: Conn, user_id: UUID, post_id: UUID) -> None:
    await conn.execute(
        "INSERT INTO acknowledgements (user_id, post_id) VALUES (%s, %s) ON CONFLICT DO NOTHING",
        (user_id, post_id),
    )


def last_seen_read(reader_id: UUID) -> Read:
    return Read(
        "SELECT last_seen_at FROM readers WHERE user_id = %(me)s",
        {"me": reader_id},
        lambda rows: rows[0]["last_seen_at"] if rows else None,
    )


async def last_seen_at(conn: Conn, reader_id: UUID) -> datetime | None:
    last_seen: datetime | None = await read(conn, last_seen_read(reader_id))
    return last_seen


# -- reading -------------------------------------------------------------------------------

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
# Everything an entry shows and ranking needs.
_ENTRY = (
    "SELECT p.author_id, a.display_name AS author_name, p.group_id, g.name AS group_name, "
    "p.title, p.text, " + _FEATURES
)
_JOINS = (
    "LEFT JOIN people a ON a.user_id = p.author_id LEFT JOIN groups g ON g.group_id = p.group_id "
)
_NEWEST_FIRST = "ORDER BY p.created_at DESC, p.post_id DESC"


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
        f"     WHERE p.group_id = m.group_id AND {_LIVE}{p_after} {_NEWEST_FIRST}"
        "     LIMIT %(limit)s) x"
        "   WHERE m.user_id = %(me)s)"
        "  UNION"
        "  (SELECT x.post_id, x.created_at FROM follows f"
        "   JOIN people fa ON fa.user_id = f.followee_id AND fa.read_fanout"
        "   CROSS JOIN LATERAL (SELECT p.post_id, p.created_at FROM posts p"
        f"     WHERE p.author_id = f.followee_id AND {_LIVE}"
        f"     AND {_VISIBLE.format(who='%(me)s')}{p_after} {_NEWEST_FIRST}"
        "     LIMIT %(limit)s) x"
        "   WHERE f.follower_id = %(me)s)"
        "  UNION"
        "  (SELECT p.post_id, p.created_at FROM posts p WHERE p.kind = 'announcement'"
        f"   AND p.group_id IS NULL AND {_LIVE}{p_after} {_NEWEST_FIRST} LIMIT %(limit)s)"
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
    query = f"{_home_candidates(after, params)}{_ENTRY} {_PAGE_POSTS}{_JOINS}{_NEWEST_FIRST}"
    return Read(query, params)


async def home_features(conn: Conn, me: UUID, after: Cursor | None, limit: int) -> list[Candidate]:
    """The same entries as `home_page_read`, as ranking sees them (not what they show)."""
    params: dict[str, Any] = {"me": me, "limit": limit}
    query = f"{_home_candidates(after, params)}SELECT {_FEATURES} {_PAGE_POSTS}{_NEWEST_FIRST}"
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
        f"WHERE p.kind = 'announcement' AND {_LIVE} AND (p.group_id IS NULL OR EXISTS "
        "(SELECT 1 FROM members m WHERE m.group_id = p.group_id AND m.user_id = %(me)s)) "
        "AND NOT EXISTS (SELECT 1 FROM acknowledgements k WHERE k.user_id = %(me)s "
        f"AND k.post_id = p.post_id) {_NEWEST_FIRST} LIMIT %(limit)s",
        params,
    )


async def visible_posts(conn: Conn, me: UUID, post_ids: list[UUID]) -> set[UUID]:
    """Those of `post_ids` that are posts I may see (hidden and deleted ones included)."""
    cur = await conn.execute(
        f"SELECT p.post_id FROM posts p WHERE p.post_id = ANY(%(ids)s) "
        f"AND {_VISIBLE.format(who='%(me)s')}",
        {"ids": post_ids, "me": me},
    )
    return {row[0] for row in await cur.fetchall()}


async def announcement_visible_to(conn: Conn, me: UUID, post_id: UUID) -> dict[str, Any] | None:
    """The announcement `post_id` if it is addressed to me, else None."""
    params: dict[str, Any] = {"me": me, "post": post_id}
    rows = await _rows(
        conn,
        f"SELECT p.post_id, p.group_id FROM posts p WHERE p.post_id = %(post)s "
        f"AND p.kind = 'announcement' AND {_LIVE} AND (p.group_id IS NULL OR EXISTS "
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
        f"    WHERE p.group_id = mine.group_id AND {_LIVE} "
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
        f"{_ENTRY} FROM posts p {_JOINS}WHERE p.group_id = %(g)s AND {_LIVE} "
        f"AND {_VISIBLE.format(who='%(me)s')}{p_after} {_NEWEST_FIRST} LIMIT %(limit)s",
        params,
    )


async def person_exists(conn: Conn, user_id: UUID) -> bool:
    cur = await conn.execute("SELECT 1 FROM people WHERE user_id = %s", (user_id,))
    return await cur.fetchone() is not None


async def profile_page(
    conn: Conn, me: UUID, author_id: UUID, after: Cursor | None, limit: int
) -> list[dict[str, Any]]:
    """A person's posts that I may see, newest first."""
    params: dict[str, Any] = {"me": me, "author": author_id, "limit": limit}
    p_after = _keyset(after, params)
    return await _rows(
        conn,
        f"{_ENTRY} FROM posts p {_JOINS}WHERE p.author_id = %(author)s AND {_LIVE} "
        f"AND {_VISIBLE.format(who='%(me)s')}{p_after} {_NEWEST_FIRST} LIMIT %(limit)s",
        params,
    )


async def all_timelines(conn: Conn) -> list[tuple[Any, ...]]:
    """Every timeline entry, in a stable order (to compare a rebuild with the live state)."""
    cur = await conn.execute(
        "SELECT owner_id, post_id, created_at FROM timeline_entries "
        "ORDER BY owner_id, created_at, post_id"
    )
    return await cur.fetchall()
