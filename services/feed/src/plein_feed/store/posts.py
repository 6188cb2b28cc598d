"""Posts as they arrive, change and go: stored, fanned out to their audiences' timelines,
and taken out of them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from .schema import LIVE, Conn
from .visibility import ACTIVE, AUDIENCE, VISIBLE, prune_posts


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
    topics: list[str] = field(default_factory=list)
    attachments: list[UUID] = field(default_factory=list)


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
        "  %(texts)s::text[], %(ats)s::timestamptz[], %(topics)s::text[], "
        "  %(attachments)s::text[]) "
        "  AS new(post_id, author_id, group_id, private, kind, title, text, created_at, "
        "  topics, attachments)), "
        "p AS (INSERT INTO posts (post_id, author_id, group_id, private, kind, title, "
        "  text, created_at, last_activity_at, topics, attachments) "
        "  SELECT post_id, author_id, group_id, private OR EXISTS (SELECT 1 FROM groups g "
        "  WHERE g.group_id = new.group_id AND g.visibility = 'private'), kind, title, text, "
        # A post's topics travel space-separated (a topic has no spaces): unnest cannot take
        # an array of arrays of different lengths.
        "  created_at, created_at, string_to_array(topics, ' '), "
        "  string_to_array(attachments, ' ')::uuid[] FROM new "
        "  ON CONFLICT DO NOTHING "
        "  RETURNING post_id, author_id, group_id, private, created_at, topics), "
        "mentioned AS (INSERT INTO post_mentions (post_id, user_id) "
        "  SELECT m.post_id, m.user_id FROM unnest(%(mention_posts)s::uuid[], "
        "  %(mention_users)s::uuid[]) AS m(post_id, user_id) "
        "  WHERE m.post_id IN (SELECT post_id FROM p) ON CONFLICT DO NOTHING "
        "  RETURNING post_id, user_id) "
        "INSERT INTO timeline_entries (owner_id, post_id, created_at) "
        "SELECT audience.owner_id, p.post_id, p.created_at FROM p "
        "CROSS JOIN LATERAL ("
        + AUDIENCE.format(mentioned="mentioned WHERE mentioned.post_id = p.post_id")
        + f") audience WHERE {ACTIVE.format(who='audience.owner_id')}",
        {
            "ids": [post.post_id for post in posts],
            "authors": [post.author_id for post in posts],
            "groups": [post.group_id for post in posts],
            "private": [post.private for post in posts],
            "kinds": [post.kind for post in posts],
            "titles": [post.title for post in posts],
            "texts": [post.text for post in posts],
            "ats": [post.created_at for post in posts],
            "topics": [" ".join(post.topics) for post in posts],
            "attachments": [" ".join(map(str, post.attachments)) for post in posts],
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
        + AUDIENCE.format(mentioned="post_mentions mentioned WHERE mentioned.post_id = p.post_id")
        + f") audience WHERE p.post_id = %(post)s AND {LIVE} "
        f"AND {ACTIVE.format(who='audience.owner_id')} ON CONFLICT DO NOTHING",
        {"post": post_id},
    )


async def edit_post(
    conn: Conn,
    post_id: UUID,
    text: str,
    mentions: list[UUID],
    topics: list[str],
    attachments: list[UUID] | None = None,
) -> None:
    """New text, mentions, #topics and files (the whole list after the edit): newly
    mentioned people and followers of new topics get the post, un-mentioned ones and
    followers of dropped topics lose it unless another reason keeps it."""
    cur = await conn.execute(
        "WITH old AS (SELECT topics FROM posts WHERE post_id = %(post)s), "
        "edited AS (UPDATE posts SET text = %(text)s, topics = %(topics)s::text[], "
        "  attachments = %(attachments)s::uuid[] WHERE post_id = %(post)s) "
        "SELECT tf.follower_id FROM old, topic_follows tf WHERE tf.topic = ANY(old.topics) "
        "AND NOT tf.topic = ANY(%(topics)s::text[])",
        {"post": post_id, "text": text, "topics": topics, "attachments": attachments or []},
    )
    untopical = [row[0] for row in await cur.fetchall()]
    await conn.execute(
        "INSERT INTO timeline_entries (owner_id, post_id, created_at) "
        "SELECT tf.follower_id, p.post_id, p.created_at FROM posts p "
        "JOIN topic_follows tf ON tf.topic = ANY(p.topics) "
        f"WHERE p.post_id = %(post)s AND {LIVE} AND {VISIBLE.format(who='tf.follower_id')} "
        f"AND {ACTIVE.format(who='tf.follower_id')} ON CONFLICT DO NOTHING",
        {"post": post_id},
    )
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
            f"WHERE p.post_id = %(post)s AND {LIVE} AND {VISIBLE.format(who='pm.user_id')} "
            f"AND {ACTIVE.format(who='pm.user_id')} ON CONFLICT DO NOTHING",
            {"post": post_id},
        )
    await prune_posts(conn, "p.post_id = %(scope)s", post_id, also=unmentioned + untopical)


async def take_down(conn: Conn, post_id: UUID, *, deleted: bool) -> None:
    """A deleted or hidden post leaves every timeline at once."""
    column = "deleted" if deleted else "hidden"
    await conn.execute(f"UPDATE posts SET {column} = true WHERE post_id = %s", (post_id,))
    await prune_posts(conn, "p.post_id = %(scope)s", post_id)


async def unhide(conn: Conn, post_id: UUID) -> None:
    await conn.execute("UPDATE posts SET hidden = false WHERE post_id = %s", (post_id,))
    await fan_out(conn, post_id)


async def accept_answer(conn: Conn, post_id: UUID) -> None:
    await conn.execute("UPDATE posts SET answered = true WHERE post_id = %s", (post_id,))
