"""SQL for posts' own schema; the only module that knows its table names."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from plein_events import REMOVED_TEXT
from psycopg import AsyncConnection
from psycopg.rows import dict_row

from .domain import Access, Group

ACCESS_TABLES = ("people", "groups", "members", "group_admins", "roles")
THREAD_TABLES = ("threads", "documents", "reports")

Conn = AsyncConnection[Any]

# Highlight marks that cannot be confused with anything a person typed: the client gets
# segments, never markup, so a post's own "<b>" stays text.
MARK_START = "\ue000"
MARK_STOP = "\ue001"
# The search parser takes `<...>` for markup and skips it; searched and headlined text has
# `<` and `>` swapped for two private-use characters it does not (see 0003_searchable_as_typed).
_AS_TYPED = "translate(%s, '<>', U&'\\E03C\\E03E')"
_TYPED = str.maketrans("\ue03c\ue03e", "<>")
_HEADLINE = (
    f"StartSel={MARK_START}, StopSel={MARK_STOP}, MaxWords=35, MinWords=12, "
    'MaxFragments=2, FragmentDelimiter=" … "'
)


def visible(alias: str) -> str:
    """SQL: the row `alias` (with a group_id) may be read by %(viewer)s.

    A group posts does not know yet counts as private: it fails closed.
    """
    return (
        f"({alias}.group_id IS NULL "
        f"OR EXISTS (SELECT 1 FROM groups g WHERE g.group_id = {alias}.group_id "
        "AND g.visibility = 'public') "
        f"OR EXISTS (SELECT 1 FROM members m WHERE m.group_id = {alias}.group_id "
        "AND m.user_id = %(viewer)s) "
        f"OR EXISTS (SELECT 1 FROM group_admins a WHERE a.group_id = {alias}.group_id "
        "AND a.user_id = %(viewer)s))"
    )


def readable(alias: str) -> str:
    """SQL: the thread or document `alias` is live (not deleted, not hidden) and %(viewer)s may
    read it: what every list, search and count of posts filters by."""
    return f"NOT {alias}.deleted AND NOT {alias}.hidden AND {visible(alias)}"


# -- access read model (identity's events) ---------------------------------------------------


async def upsert_person(
    conn: Conn, user_id: UUID, display_name: str, handle: str | None = None
) -> None:
    await conn.execute(
        "INSERT INTO people (user_id, display_name, handle) VALUES (%s, %s, lower(%s)) "
        "ON CONFLICT (user_id) DO UPDATE SET display_name = EXCLUDED.display_name, "
        "handle = coalesce(EXCLUDED.handle, people.handle) WHERE NOT people.erased",
        (user_id, display_name, handle),
    )


async def people_by_handle(conn: Conn, handles: list[str]) -> list[UUID]:
    """The people (not erased) with these @handles, in the order of `handles`."""
    cur = await conn.execute(
        "SELECT p.user_id FROM unnest(%s::text[]) WITH ORDINALITY AS h(handle, n) "
        "JOIN people p ON p.handle = h.handle AND NOT p.erased ORDER BY h.n",
        (handles,),
    )
    return [row[0] for row in await cur.fetchall()]


async def erase_person(conn: Conn, user_id: UUID, authored: str) -> None:
    await conn.execute(
        "INSERT INTO people (user_id, display_name, erased, authored) VALUES (%s, '', true, %s) "
        "ON CONFLICT (user_id) DO UPDATE SET display_name = '', handle = NULL, erased = true, "
        "authored = EXCLUDED.authored",
        (user_id, authored),
    )


async def erased_writers(conn: Conn, people: list[UUID]) -> dict[UUID, str]:
    """Which of `people` were erased, each with what they chose for their words."""
    cur = await conn.execute(
        "SELECT user_id, coalesce(authored, 'anonymised') FROM people "
        "WHERE erased AND user_id = ANY(%s)",
        (people,),
    )
    return {row[0]: row[1] for row in await cur.fetchall()}


async def upsert_group(
    conn: Conn, group_id: UUID, name: str, visibility: str, is_all_company: bool | None
) -> None:
    await conn.execute(
        "INSERT INTO groups (group_id, name, visibility, is_all_company) "
        "VALUES (%s, %s, %s, coalesce(%s, false)) "
        "ON CONFLICT (group_id) DO UPDATE SET name = EXCLUDED.name, "
        "visibility = EXCLUDED.visibility, "
        "is_all_company = coalesce(%s, groups.is_all_company)",
        (group_id, name, visibility, is_all_company, is_all_company),
    )


async def archive_group(conn: Conn, group_id: UUID) -> None:
    await conn.execute("UPDATE groups SET archived = true WHERE group_id = %s", (group_id,))


async def add_member(conn: Conn, group_id: UUID, user_id: UUID) -> None:
    await conn.execute(
        "INSERT INTO members (group_id, user_id) VALUES (%s, %s) ON CONFLICT DO NOTHING",
        (group_id, user_id),
    )


async def remove_member(conn: Conn, group_id: UUID, user_id: UUID) -> None:
    await conn.execute(
        "DELETE FROM members WHERE group_id = %s AND user_id = %s", (group_id, user_id)
    )
    # Leaving a group ends being its admin too.
    await conn.execute(
        "DELETE FROM group_admins WHERE group_id = %s AND user_id = %s", (group_id, user_id)
    )


async def set_group_admin(conn: Conn, group_id: UUID, user_id: UUID, admin: bool) -> None:
    if admin:
        await conn.execute(
            "INSERT INTO group_admins (group_id, user_id) VALUES (%s, %s) ON CONFLICT DO NOTHING",
            (group_id, user_id),
        )
    else:
        await conn.execute(
            "DELETE FROM group_admins WHERE group_id = %s AND user_id = %s", (group_id, user_id)
        )


async def set_role(conn: Conn, user_id: UUID, role: str, granted: bool) -> None:
    if granted:
        await conn.execute(
            "INSERT INTO roles (user_id, role) VALUES (%s, %s) ON CONFLICT DO NOTHING",
            (user_id, role),
        )
    else:
        await conn.execute("DELETE FROM roles WHERE user_id = %s AND role = %s", (user_id, role))


async def access(conn: Conn, user_id: UUID, real_user_id: UUID, group_id: UUID | None) -> Access:
    """What `real_user_id` (acting as `user_id`) may do in `group_id`."""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            "SELECT coalesce((SELECT array_agg(role) FROM roles WHERE user_id = %(real)s), '{}') "
            "AS roles, g.group_id, g.visibility, g.archived, g.is_all_company, "
            "EXISTS (SELECT 1 FROM members WHERE group_id = %(group)s AND user_id = %(real)s) "
            "AS member, "
            "EXISTS (SELECT 1 FROM group_admins WHERE group_id = %(group)s "
            "AND user_id = %(real)s) AS admin "
            "FROM (VALUES (1)) one LEFT JOIN groups g ON g.group_id = %(group)s",
            {"real": real_user_id, "group": group_id},
        )
        row = await cur.fetchone()
    assert row is not None
    group = Group.unknown(group_id) if group_id is not None else None
    if row["group_id"] is not None:
        group = Group(
            id=row["group_id"],
            private=row["visibility"] != "public",
            archived=row["archived"],
            all_company=row["is_all_company"],
        )
    roles = set(row["roles"])
    return Access(
        user_id=user_id,
        real_user_id=real_user_id,
        group=group,
        member=row["member"],
        group_admin=row["admin"],
        community_manager="community_manager" in roles,
        network_admin="network_admin" in roles,
    )


async def known_group(conn: Conn, group_id: UUID) -> bool:
    cur = await conn.execute("SELECT 1 FROM groups WHERE group_id = %s", (group_id,))
    return await cur.fetchone() is not None


async def administers_any(conn: Conn, user_id: UUID) -> bool:
    cur = await conn.execute("SELECT 1 FROM group_admins WHERE user_id = %s LIMIT 1", (user_id,))
    return await cur.fetchone() is not None


async def unknown_people(conn: Conn, ids: list[UUID]) -> list[UUID]:
    """The ids among `ids` that name nobody posts knows (or someone erased)."""
    if not ids:
        return []
    cur = await conn.execute(
        "SELECT user_id FROM people WHERE user_id = ANY(%s) AND NOT erased", (list(ids),)
    )
    known = {row[0] for row in await cur.fetchall()}
    return [i for i in ids if i not in known]


# -- threads read model (posts' own events) --------------------------------------------------


async def add_thread(
    conn: Conn,
    *,
    post_id: UUID,
    group_id: UUID | None,
    author_id: UUID,
    real_author_id: UUID,
    kind: str,
    title: str,
    text: str,
    topics: list[str],
    created_at: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO threads (post_id, group_id, author_id, real_author_id, kind, title, topics, "
        "created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
        (post_id, group_id, author_id, real_author_id, kind, title, topics, created_at),
    )
    await add_document(
        conn,
        doc_id=post_id,
        post_id=post_id,
        reply_id=None,
        group_id=group_id,
        author_id=author_id,
        kind=kind,
        text=f"{title}\n{text}" if title else text,
        created_at=created_at,
        real_author_id=real_author_id,
    )


async def add_document(
    conn: Conn,
    *,
    doc_id: UUID,
    post_id: UUID,
    reply_id: UUID | None,
    group_id: UUID | None,
    author_id: UUID,
    kind: str,
    text: str,
    created_at: datetime,
    real_author_id: UUID,
) -> None:
    await conn.execute(
        "INSERT INTO documents (doc_id, post_id, reply_id, group_id, author_id, kind, text, "
        "created_at, real_author_id) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) "
        "ON CONFLICT DO NOTHING",
        (doc_id, post_id, reply_id, group_id, author_id, kind, text, created_at, real_author_id),
    )


async def add_reply(
    conn: Conn,
    *,
    reply_id: UUID,
    post_id: UUID,
    group_id: UUID | None,
    author_id: UUID,
    real_author_id: UUID,
    text: str,
    created_at: datetime,
) -> None:
    await add_document(
        conn,
        doc_id=reply_id,
        post_id=post_id,
        reply_id=reply_id,
        group_id=group_id,
        author_id=author_id,
        kind="reply",
        text=text,
        created_at=created_at,
        real_author_id=real_author_id,
    )
    await conn.execute(
        "UPDATE threads SET reply_count = "
        "(SELECT count(*) - 1 FROM documents WHERE post_id = %s) WHERE post_id = %s",
        (post_id, post_id),
    )


async def edit_text(
    conn: Conn, post_id: UUID, reply_id: UUID | None, text: str, topics: list[str]
) -> None:
    if reply_id is None:
        await conn.execute("UPDATE threads SET topics = %s WHERE post_id = %s", (topics, post_id))
        # Keep an announcement's title in front of its searchable text.
        await conn.execute(
            "UPDATE documents d SET text = CASE WHEN t.title = '' THEN %s "
            "ELSE t.title || E'\\n' || %s END FROM threads t "
            "WHERE d.doc_id = %s AND t.post_id = d.doc_id",
            (text, text, post_id),
        )
    else:
        await conn.execute("UPDATE documents SET text = %s WHERE doc_id = %s", (text, reply_id))


async def purge_words(conn: Conn, writer: UUID, authored: str) -> None:
    """Drop the words an erased person wrote from the lists and the search index: their
    messages are deleted ("removed") or stay in place reading REMOVED_TEXT ("anonymised")."""
    if authored == "removed":
        await conn.execute(
            "UPDATE documents SET deleted = true, text = '' WHERE real_author_id = %s", (writer,)
        )
        await conn.execute(
            "UPDATE threads SET deleted = true, title = '' WHERE real_author_id = %s", (writer,)
        )
        await conn.execute(
            "UPDATE threads t SET accepted_reply_id = NULL FROM documents d "
            "WHERE d.doc_id = t.accepted_reply_id AND d.real_author_id = %s",
            (writer,),
        )
    else:
        await conn.execute(
            "UPDATE documents SET text = %s WHERE real_author_id = %s AND NOT deleted",
            (REMOVED_TEXT, writer),
        )
        await conn.execute(
            "UPDATE threads SET title = %s WHERE real_author_id = %s AND title <> ''",
            (REMOVED_TEXT, writer),
        )
    # A report quotes nothing of theirs, but its message is no longer there to moderate.
    await conn.execute(
        "UPDATE reports r SET closed = true FROM documents d "
        "WHERE d.doc_id = r.target_id AND d.real_author_id = %s AND %s = 'removed'",
        (writer, authored),
    )


async def mark(conn: Conn, post_id: UUID, reply_id: UUID | None, column: str, on: bool) -> None:
    """Set `deleted` or `hidden` on a post (and its thread row) or a reply."""
    assert column in ("deleted", "hidden")
    target = reply_id or post_id
    await conn.execute(f"UPDATE documents SET {column} = %s WHERE doc_id = %s", (on, target))
    if reply_id is None:
        await conn.execute(f"UPDATE threads SET {column} = %s WHERE post_id = %s", (on, post_id))
    if column == "deleted" and on:
        await conn.execute("UPDATE documents SET text = '' WHERE doc_id = %s", (target,))
    if on:
        await conn.execute(
            "UPDATE reports SET closed = true WHERE target_id = %s AND NOT closed", (target,)
        )


async def accept_answer(conn: Conn, post_id: UUID, reply_id: UUID) -> None:
    await conn.execute(
        "UPDATE threads SET accepted_reply_id = %s WHERE post_id = %s", (reply_id, post_id)
    )


async def unaccept_deleted_answer(conn: Conn, post_id: UUID, reply_id: UUID) -> None:
    await conn.execute(
        "UPDATE threads SET accepted_reply_id = NULL WHERE post_id = %s AND accepted_reply_id = %s",
        (post_id, reply_id),
    )


async def add_report(
    conn: Conn,
    *,
    post_id: UUID,
    reply_id: UUID | None,
    group_id: UUID | None,
    reported_by: UUID,
    reason: str,
    reported_at: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO reports (post_id, target_id, reply_id, group_id, reported_by, reason, "
        "reported_at) VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
        (post_id, reply_id or post_id, reply_id, group_id, reported_by, reason, reported_at),
    )


# -- reads -----------------------------------------------------------------------------------

# The person behind a shared account only for its delegates, network admins and themselves
# (the rule of Access.sees_real_author; moderators see it in the thread of a reported message).
_REAL_AUTHOR = (
    "CASE WHEN t.real_author_id = t.author_id OR t.real_author_id = %(viewer)s "
    "OR EXISTS (SELECT 1 FROM roles ro WHERE ro.user_id = %(viewer)s "
    "AND ro.role = 'network_admin') "
    "OR EXISTS (SELECT 1 FROM delegations dl WHERE dl.account_id = t.author_id "
    "AND dl.user_id = %(viewer)s) THEN t.real_author_id END AS real_author_id"
)
_THREAD_COLUMNS = (
    f"t.post_id, t.group_id, t.author_id, {_REAL_AUTHOR}, t.kind, t.title, d.text, t.topics, "
    "t.created_at, t.reply_count, t.accepted_reply_id"
)


async def unmasking(
    conn: Conn, viewer: UUID, post_id: UUID
) -> tuple[frozenset[UUID], frozenset[UUID]]:
    """The shared accounts `viewer` is a delegate of, and the messages of thread `post_id`
    with an open report: what decides whether a reader sees who wrote as an account."""
    cur = await conn.execute(
        "SELECT array(SELECT account_id FROM delegations WHERE user_id = %(viewer)s), "
        "array(SELECT target_id FROM reports WHERE post_id = %(post)s AND NOT closed)",
        {"viewer": viewer, "post": post_id},
    )
    row = await cur.fetchone()
    assert row is not None
    return frozenset(row[0]), frozenset(row[1])


async def thread_page(
    conn: Conn,
    viewer: UUID,
    *,
    group_id: UUID | None = None,
    author_id: UUID | None = None,
    topic: str | None = None,
    unanswered: bool = False,
    after: tuple[datetime, UUID] | None = None,
    limit: int,
) -> list[dict[str, Any]]:
    """Threads `viewer` may read, newest first, strictly older than `after`."""
    where = [readable("t")]
    params: dict[str, Any] = {"viewer": viewer, "limit": limit}
    if group_id is not None:
        where.append("t.group_id = %(group)s")
        params["group"] = group_id
    if author_id is not None:
        where.append("t.author_id = %(author)s")
        params["author"] = author_id
    if topic is not None:
        where.append("t.topics @> ARRAY[%(topic)s]::text[]")
        params["topic"] = topic
    if unanswered:
        where.append("t.kind = 'question' AND t.accepted_reply_id IS NULL")
    if after is not None:
        where.append("(t.created_at, t.post_id) < (%(at)s, %(after)s)")
        params.update(at=after[0], after=after[1])
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            f"SELECT {_THREAD_COLUMNS} FROM threads t JOIN documents d ON d.doc_id = t.post_id "
            f"WHERE {' AND '.join(where)} "
            "ORDER BY t.created_at DESC, t.post_id DESC LIMIT %(limit)s",
            params,
        )
        return await cur.fetchall()


async def search(
    conn: Conn, viewer: UUID, query: str, after: tuple[float, UUID] | None, limit: int
) -> list[dict[str, Any]]:
    """Posts and replies matching `query` (Dutch or English), best first, that `viewer` may
    read; each with a headline whose matches sit between MARK_START and MARK_STOP."""
    params: dict[str, Any] = {"viewer": viewer, "q": query, "limit": limit, "opts": _HEADLINE}
    page_after = ""
    if after is not None:
        page_after = "WHERE (h.rank, h.doc_id) < (%(rank)s::real, %(after)s::uuid)"
        params.update(rank=after[0], after=after[1])
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            f"WITH q AS (SELECT websearch_to_tsquery('dutch', {_AS_TYPED % '%(q)s'}) AS nl, "
            f"websearch_to_tsquery('english', {_AS_TYPED % '%(q)s'}) AS en), "
            "hits AS (SELECT d.doc_id, d.post_id, d.reply_id, d.group_id, d.author_id, d.kind, "
            "d.text, d.created_at, ts_rank_cd(d.tsv, q.nl || q.en) AS rank, q.nl, q.en "
            "FROM documents d, q WHERE d.tsv @@ (q.nl || q.en) "
            f"AND {readable('d')}), "
            "page AS (SELECT * FROM hits h "
            f"{page_after} ORDER BY h.rank DESC, h.doc_id DESC LIMIT %(limit)s) "
            # Headlines only for the page: ts_headline re-parses the whole text.
            "SELECT doc_id, post_id, reply_id, group_id, author_id, kind, created_at, rank, "
            f"CASE WHEN ts_rank(to_tsvector('dutch', {_AS_TYPED % 'text'}), nl) "
            f">= ts_rank(to_tsvector('english', {_AS_TYPED % 'text'}), en) "
            f"THEN ts_headline('dutch', {_AS_TYPED % 'text'}, nl, %(opts)s) "
            f"ELSE ts_headline('english', {_AS_TYPED % 'text'}, en, %(opts)s) END AS headline "
            "FROM page ORDER BY rank DESC, doc_id DESC",
            params,
        )
        rows = await cur.fetchall()
    for row in rows:
        row["headline"] = row["headline"].translate(_TYPED)
    return rows


async def open_reports(
    conn: Conn, viewer: UUID, *, everywhere: bool, limit: int
) -> list[dict[str, Any]]:
    """Open reports, oldest first: all of them for community managers and network admins
    (`everywhere`), else those in groups `viewer` administers."""
    where = "NOT r.closed"
    if not everywhere:
        where += (
            " AND EXISTS (SELECT 1 FROM group_admins a WHERE a.group_id = r.group_id "
            "AND a.user_id = %(viewer)s)"
        )
    else:
        # A private group's content still reaches its members only.
        where += f" AND {visible('r')}"
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            "SELECT r.post_id, r.reply_id, r.group_id, r.reported_by, r.reason, r.reported_at "
            f"FROM reports r WHERE {where} ORDER BY r.reported_at LIMIT %(limit)s",
            {"viewer": viewer, "limit": limit},
        )
        return await cur.fetchall()
