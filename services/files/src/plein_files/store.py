"""SQL for the files service's own schema; the only module that knows its table names.

`READABLE` is the files' form of the one visibility rule (plein_events.visibility: a file is
readable by whoever may see where it is attached); tests/visibility checks it against the
rule's table, and services/files/tests against `FILE_CASES`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from plein_platform.database import dict_rows
from psycopg import AsyncConnection

Conn = AsyncConnection[Any]

# Tables the projections own (a replay empties them).
PLACE_TABLES = ("groups", "members", "places", "attachments")
QUEUE_TABLES = ("processing_queue",)

# Where file f counts as attached: a place whose writer uploaded it (nobody can lend another
# person's private upload to a public post by naming its id).
_ATTACHED = (
    "SELECT 1 FROM attachments a JOIN places p ON p.place_id = a.place_id "
    "WHERE a.file_id = f.file_id AND p.author_id = f.uploader_id"
)
# ... and where it is attached and the place is live (not hidden or deleted, nor its thread)
# and readable by %(who)s: no group, a public group, or a group they are a member of. A group
# this service has not heard of counts as private: privacy fails closed.
# Whether %(who)s may see place p (a post or reply) now; link cards use it alone.
PLACE_VISIBLE = (
    "NOT p.hidden AND NOT p.deleted AND NOT EXISTS (SELECT 1 FROM places t "
    "WHERE t.place_id = p.post_id AND (t.hidden OR t.deleted)) "
    "AND (p.group_id IS NULL "
    "OR EXISTS (SELECT 1 FROM groups g WHERE g.group_id = p.group_id AND NOT g.private) "
    "OR EXISTS (SELECT 1 FROM members m WHERE m.group_id = p.group_id AND m.user_id = %(who)s))"
)
_LIVE_AND_VISIBLE = _ATTACHED + " AND " + PLACE_VISIBLE
# ... and where it is attached and the place (or its thread) was hidden or deleted.
_TAKEN_DOWN = (
    _ATTACHED + " AND (p.hidden OR p.deleted OR EXISTS (SELECT 1 FROM places t "
    "WHERE t.place_id = p.post_id AND (t.hidden OR t.deleted)))"
)
# Whether %(who)s (the person, also when acting as a shared account) may read file f.
# %(moderator)s: they may also read files in posts and replies that were taken down. Before a
# file is processed (its image metadata removed, the scanner asked) only its uploader reads it.
READABLE = (
    "(f.status = 'ready' OR f.uploader_id = %(who)s) "
    f"AND ((f.uploader_id = %(who)s AND NOT EXISTS ({_ATTACHED})) "
    f"OR EXISTS ({_LIVE_AND_VISIBLE}) "
    f"OR (%(moderator)s AND EXISTS ({_TAKEN_DOWN})))"
)

COLUMNS = (
    "f.file_id AS id, f.name, f.media_type, f.kind, f.size, f.status, f.alt, f.width, "
    "f.height, f.page_count, f.duration_s, f.created_at, f.uploader_id, f.updated_at, "
    "f.storage_key, f.reason"
)


def access(who: UUID, moderator: bool) -> dict[str, Any]:
    return {"who": who, "moderator": moderator}


# -- files --------------------------------------------------------------------------------------


async def add_file(conn: Conn, row: dict[str, Any]) -> None:
    await conn.execute(
        "INSERT INTO files (file_id, uploader_id, name, media_type, kind, size, "
        "storage_key, alt, searchable, created_at, updated_at) VALUES (%(file_id)s, "
        "%(uploader_id)s, %(name)s, %(media_type)s, %(kind)s, %(size)s, "
        "%(storage_key)s, %(alt)s, " + _SEARCHABLE.format(text="''") + ", %(at)s, %(at)s)",
        row,
    )


# Words of the name and of the contents, stemmed both ways (posts' search does the same).
_SEARCHABLE = (
    "(to_tsvector('dutch'::regconfig, translate(%(name)s, '._-', '   ') || ' ' || {text}) || "
    "to_tsvector('english'::regconfig, translate(%(name)s, '._-', '   ') || ' ' || {text}))"
)


async def used_bytes(conn: Conn, uploader: UUID) -> int:
    cur = await conn.execute(
        "SELECT coalesce(sum(size), 0) + coalesce((SELECT sum(d.bytes) FROM derivatives d "
        "JOIN files x ON x.file_id = d.file_id WHERE x.uploader_id = %s), 0) "
        "FROM files WHERE uploader_id = %s",
        (uploader, uploader),
    )
    row = await cur.fetchone()
    return int(row[0]) if row else 0


async def file_row(conn: Conn, file_id: UUID) -> dict[str, Any] | None:
    rows = await dict_rows(conn, f"SELECT {COLUMNS} FROM files f WHERE f.file_id = %s", (file_id,))
    return rows[0] if rows else None


async def readable_files(
    conn: Conn, file_ids: list[UUID], who: dict[str, Any]
) -> list[dict[str, Any]]:
    """Those of `file_ids` that `who` may read, in the order asked."""
    return await dict_rows(
        conn,
        f"SELECT {COLUMNS} FROM unnest(%(ids)s::uuid[]) WITH ORDINALITY AS asked(id, n) "
        f"JOIN files f ON f.file_id = asked.id WHERE {READABLE} ORDER BY asked.n",
        {**who, "ids": file_ids},
    )


async def set_alt(conn: Conn, file_id: UUID, alt: str, at: datetime) -> None:
    await conn.execute(
        "UPDATE files SET alt = %s, updated_at = %s WHERE file_id = %s", (alt, at, file_id)
    )


async def set_size(conn: Conn, file_id: UUID, size: int) -> None:
    await conn.execute("UPDATE files SET size = %s WHERE file_id = %s", (size, file_id))


async def record_outcome(
    conn: Conn,
    file_id: UUID,
    *,
    status: str,
    reason: str,
    width: int | None,
    height: int | None,
    page_count: int | None,
    duration_s: float | None,
    text: str,
    at: datetime,
) -> None:
    await conn.execute(
        "UPDATE files SET status = %(status)s, reason = %(reason)s, width = %(width)s, "
        "height = %(height)s, page_count = %(page_count)s, duration_s = %(duration_s)s, "
        "content_text = %(text)s, updated_at = %(at)s WHERE file_id = %(file_id)s",
        {
            "file_id": file_id,
            "status": status,
            "reason": reason,
            "width": width,
            "height": height,
            "page_count": page_count,
            "duration_s": duration_s,
            "text": text.replace("\x00", ""),
            "at": at,
        },
    )
    # The name's words together with the text's, for search.
    await conn.execute(
        "UPDATE files SET searchable = to_tsvector('dutch'::regconfig, translate(name, '._-', "
        "'   ') || ' ' || content_text) || to_tsvector('english'::regconfig, translate(name, "
        "'._-', '   ') || ' ' || content_text) WHERE file_id = %s",
        (file_id,),
    )


async def add_derivative(
    conn: Conn, file_id: UUID, size: str, media_type: str, length: int, key: str
) -> None:
    await conn.execute(
        "INSERT INTO derivatives (file_id, size, media_type, bytes, storage_key) "
        "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (file_id, size) DO UPDATE SET "
        "media_type = EXCLUDED.media_type, bytes = EXCLUDED.bytes, "
        "storage_key = EXCLUDED.storage_key",
        (file_id, size, media_type, length, key),
    )


async def derivative(conn: Conn, file_id: UUID, size: str) -> dict[str, Any] | None:
    rows = await dict_rows(
        conn, "SELECT * FROM derivatives WHERE file_id = %s AND size = %s", (file_id, size)
    )
    return rows[0] if rows else None


async def remove_files(conn: Conn, file_ids: list[UUID]) -> list[str]:
    """Delete the files' rows; their objects (original and derivatives) are marked doomed
    and returned, for the caller to delete from storage once this commits."""
    cur = await conn.execute(
        "WITH gone AS (DELETE FROM files WHERE file_id = ANY(%s) RETURNING file_id, "
        "storage_key), keys AS (SELECT storage_key FROM gone UNION ALL SELECT d.storage_key "
        "FROM derivatives d JOIN gone USING (file_id)) "
        "INSERT INTO doomed_objects (storage_key) SELECT storage_key FROM keys "
        "ON CONFLICT DO NOTHING RETURNING storage_key",
        (file_ids,),
    )
    return [row[0] for row in await cur.fetchall()]


async def doomed(conn: Conn, limit: int = 500) -> list[str]:
    cur = await conn.execute("SELECT storage_key FROM doomed_objects LIMIT %s", (limit,))
    return [row[0] for row in await cur.fetchall()]


async def forget_doomed(conn: Conn, keys: list[str]) -> None:
    await conn.execute("DELETE FROM doomed_objects WHERE storage_key = ANY(%s)", (keys,))


async def files_of(conn: Conn, uploader: UUID) -> list[dict[str, Any]]:
    return await dict_rows(
        conn,
        f"SELECT {COLUMNS} FROM files f WHERE f.uploader_id = %s "
        "ORDER BY f.created_at DESC, f.file_id DESC",
        (uploader,),
    )


async def unattached_before(conn: Conn, before: datetime) -> list[tuple[UUID, UUID]]:
    """(file, uploader) of uploads older than `before` that are attached nowhere."""
    cur = await conn.execute(
        "SELECT f.file_id, f.uploader_id FROM files f WHERE f.created_at < %s "
        f"AND NOT EXISTS ({_ATTACHED}) LIMIT 1000",
        (before,),
    )
    return [(row[0], row[1]) for row in await cur.fetchall()]


# -- lists ----------------------------------------------------------------------------------------

SORTS = {
    "newest": "f.created_at DESC, f.file_id DESC",
    "oldest": "f.created_at ASC, f.file_id ASC",
    "name": "lower(f.name) ASC, f.file_id ASC",
    "largest": "f.size DESC, f.file_id DESC",
}


def _match(q: str | None) -> str:
    if not q:
        return "true"
    return (
        "(f.name ILIKE '%%' || %(like)s || '%%' ESCAPE '\\' "
        "OR f.searchable @@ websearch_to_tsquery('dutch', %(q)s) "
        "OR f.searchable @@ websearch_to_tsquery('english', %(q)s))"
    )


def _like(q: str | None) -> str:
    return (q or "").replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def group_library(
    conn: Conn,
    group_id: UUID,
    who: dict[str, Any],
    *,
    sort: str,
    kind: str | None,
    q: str | None,
    offset: int,
    limit: int,
) -> list[dict[str, Any]]:
    """The readable files attached to live posts and replies of a group."""
    return await dict_rows(
        conn,
        f"SELECT {COLUMNS} FROM files f WHERE EXISTS (SELECT 1 FROM attachments a "
        "JOIN places p ON p.place_id = a.place_id WHERE a.file_id = f.file_id "
        "AND p.group_id = %(group)s AND p.author_id = f.uploader_id AND NOT p.hidden "
        f"AND NOT p.deleted) AND {READABLE} AND (%(kind)s::text IS NULL OR f.kind = %(kind)s) "
        f"AND {_match(q)} ORDER BY {SORTS[sort]} OFFSET %(offset)s LIMIT %(limit)s",
        {
            **who,
            "group": group_id,
            "kind": kind,
            "q": q,
            "like": _like(q),
            "offset": offset,
            "limit": limit,
        },
    )


async def my_files(
    conn: Conn,
    who: dict[str, Any],
    *,
    sort: str,
    kind: str | None,
    q: str | None,
    offset: int,
    limit: int,
) -> list[dict[str, Any]]:
    return await dict_rows(
        conn,
        f"SELECT {COLUMNS} FROM files f WHERE f.uploader_id = %(who)s "
        f"AND (%(kind)s::text IS NULL OR f.kind = %(kind)s) AND {_match(q)} "
        f"ORDER BY {SORTS[sort]} OFFSET %(offset)s LIMIT %(limit)s",
        {**who, "kind": kind, "q": q, "like": _like(q), "offset": offset, "limit": limit},
    )


async def search(
    conn: Conn, who: dict[str, Any], q: str, offset: int, limit: int
) -> list[dict[str, Any]]:
    """Readable files whose name or words inside match `q`, best first."""
    return await dict_rows(
        conn,
        f"SELECT {COLUMNS} FROM files f WHERE {_match(q)} AND {READABLE} "
        "ORDER BY greatest(ts_rank(f.searchable, websearch_to_tsquery('dutch', %(q)s)), "
        "ts_rank(f.searchable, websearch_to_tsquery('english', %(q)s))) DESC, "
        "f.created_at DESC, f.file_id DESC OFFSET %(offset)s LIMIT %(limit)s",
        {**who, "q": q, "like": _like(q), "offset": offset, "limit": limit},
    )


# -- where files are attached (projection) --------------------------------------------------------


async def upsert_group(conn: Conn, group_id: UUID, private: bool) -> None:
    await conn.execute(
        "INSERT INTO groups (group_id, private) VALUES (%s, %s) "
        "ON CONFLICT (group_id) DO UPDATE SET private = EXCLUDED.private",
        (group_id, private),
    )


async def add_member(conn: Conn, group_id: UUID, user_id: UUID) -> None:
    await conn.execute(
        "INSERT INTO members (group_id, user_id) VALUES (%s, %s) ON CONFLICT DO NOTHING",
        (group_id, user_id),
    )


async def remove_member(conn: Conn, group_id: UUID, user_id: UUID) -> None:
    await conn.execute(
        "DELETE FROM members WHERE group_id = %s AND user_id = %s", (group_id, user_id)
    )


async def add_place(
    conn: Conn,
    place_id: UUID,
    post_id: UUID,
    author_id: UUID,
    group_id: UUID | None,
    at: datetime,
    attachments: list[UUID],
) -> None:
    await conn.execute(
        "INSERT INTO places (place_id, post_id, author_id, group_id, created_at) "
        "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (place_id) DO NOTHING",
        (place_id, post_id, author_id, group_id, at),
    )
    await set_attachments(conn, place_id, attachments)


async def set_attachments(conn: Conn, place_id: UUID, attachments: list[UUID]) -> None:
    """The place's attachments become `attachments`, in that order."""
    await conn.execute("DELETE FROM attachments WHERE place_id = %s", (place_id,))
    seen: list[UUID] = list(dict.fromkeys(attachments))
    if seen:
        async with conn.cursor() as cur:
            await cur.executemany(
                "INSERT INTO attachments (file_id, place_id, position) VALUES (%s, %s, %s)",
                [(file_id, place_id, n) for n, file_id in enumerate(seen)],
            )


async def place_exists(conn: Conn, place_id: UUID) -> bool:
    cur = await conn.execute("SELECT 1 FROM places WHERE place_id = %s", (place_id,))
    return await cur.fetchone() is not None


async def mark_place(conn: Conn, place_id: UUID, column: str, value: bool) -> None:
    assert column in ("hidden", "deleted")
    await conn.execute(f"UPDATE places SET {column} = %s WHERE place_id = %s", (value, place_id))


async def queue(conn: Conn, file_id: UUID, at: datetime) -> None:
    """Queue a file for processing, unless it was processed already: a replay of
    FileUploaded must not re-encode originals a second time."""
    await conn.execute(
        "INSERT INTO processing_queue (file_id, queued_at) SELECT %s, %s "
        "WHERE EXISTS (SELECT 1 FROM files WHERE file_id = %s AND status = 'processing') "
        "ON CONFLICT DO NOTHING",
        (file_id, at, file_id),
    )


async def next_queued(conn: Conn) -> UUID | None:
    """One queued file, locked for this transaction (other replicas take others)."""
    cur = await conn.execute(
        "SELECT file_id FROM processing_queue ORDER BY queued_at FOR UPDATE SKIP LOCKED LIMIT 1"
    )
    row = await cur.fetchone()
    return row[0] if row else None


async def dequeue(conn: Conn, file_id: UUID) -> None:
    await conn.execute("DELETE FROM processing_queue WHERE file_id = %s", (file_id,))


async def signing_secret(conn: Conn, fresh: bytes) -> bytes:
    """The link-signing secret, made of `fresh` at the first start."""
    await conn.execute(
        "INSERT INTO signing_keys (id, secret) VALUES (1, %s) ON CONFLICT DO NOTHING", (fresh,)
    )
    cur = await conn.execute("SELECT secret FROM signing_keys WHERE id = 1")
    row = await cur.fetchone()
    assert row is not None
    return bytes(row[0])
