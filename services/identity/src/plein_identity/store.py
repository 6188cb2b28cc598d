"""SQL on identity's directory: the read models the projection writes (people, follows,
groups) and the API reads, and profile photos. With store_auth.py (sessions, login failures,
sign-up invitations), tokens.py (signing keys) and personal.py (person keys), the only modules
that know table names."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from plein_events import FORMER_COLLEAGUE
from plein_platform.database import dict_rows
from psycopg import AsyncConnection

from .domain_directory import search_words

Conn = AsyncConnection[Any]

DIRECTORY_TABLES = (
    "people",
    "follows",
    "groups",
    "group_members",
    "group_requests",
    "group_invitations",
    "directory_seen",
)

# -- directory: written by the projection -------------------------------------------------------


async def mark_seen(conn: Conn, aggregate_id: str, version: int) -> None:
    await conn.execute(
        "INSERT INTO directory_seen (aggregate_id, version) VALUES (%s, %s) "
        "ON CONFLICT (aggregate_id) DO UPDATE SET version = "
        "greatest(directory_seen.version, EXCLUDED.version)",
        (aggregate_id, version),
    )


async def seen_version(conn: Conn, aggregate_id: str) -> int:
    cur = await conn.execute(
        "SELECT version FROM directory_seen WHERE aggregate_id = %s", (aggregate_id,)
    )
    row = await cur.fetchone()
    return int(row[0]) if row else 0


async def upsert_person(conn: Conn, profile: dict[str, Any], registered_at: datetime) -> None:
    await conn.execute(
        "INSERT INTO people (user_id, email, display_name, handle, department, job_title, "
        " location, photo_url, bio, languages, is_manager, manager_id, registered_at) "
        "VALUES (%(user_id)s, %(email)s, %(display_name)s, %(handle)s, %(department)s, "
        " %(job_title)s, %(location)s, %(photo_url)s, %(bio)s, %(languages)s, %(is_manager)s, "
        " %(manager_id)s, %(registered_at)s) "
        "ON CONFLICT (user_id) DO UPDATE SET email = EXCLUDED.email, "
        " handle = coalesce(EXCLUDED.handle, people.handle), "
        " display_name = EXCLUDED.display_name, department = EXCLUDED.department, "
        " job_title = EXCLUDED.job_title, location = EXCLUDED.location, "
        " photo_url = EXCLUDED.photo_url, bio = EXCLUDED.bio, languages = EXCLUDED.languages, "
        " is_manager = EXCLUDED.is_manager, manager_id = EXCLUDED.manager_id "
        "WHERE NOT people.erased",
        {"handle": None, **profile, "registered_at": registered_at},
    )


async def add_shared_account(
    conn: Conn, account_id: UUID, name: str, department: str | None, at: datetime
) -> None:
    await conn.execute(
        "INSERT INTO people (user_id, kind, display_name, department, registered_at) "
        "VALUES (%s, 'shared_account', %s, %s, %s) ON CONFLICT (user_id) DO NOTHING",
        (account_id, name, department, at),
    )


async def set_person(conn: Conn, user_id: UUID, **values: Any) -> None:
    assignments = ", ".join(f"{column} = %({column})s" for column in values)
    await conn.execute(
        f"UPDATE people SET {assignments} WHERE user_id = %(user_id)s",  # columns are ours
        {**values, "user_id": user_id},
    )


async def change_role(conn: Conn, user_id: UUID, role: str, granted: bool) -> None:
    if granted:
        await conn.execute(
            "UPDATE people SET roles = array_append(array_remove(roles, %s), %s) "
            "WHERE user_id = %s",
            (role, role, user_id),
        )
    else:
        await conn.execute(
            "UPDATE people SET roles = array_remove(roles, %s) WHERE user_id = %s", (role, user_id)
        )


async def erase_person(conn: Conn, user_id: UUID) -> None:
    """Drop everything personal about someone; what stays says only 'former colleague'."""
    await conn.execute(
        "UPDATE people SET email = NULL, display_name = %s, handle = NULL, job_title = NULL, "
        " location = NULL, "
        " photo_url = NULL, bio = NULL, languages = '{}', active = false, erased = true, "
        " roles = '{}', away_until = NULL, backup_id = NULL WHERE user_id = %s",
        (FORMER_COLLEAGUE, user_id),
    )
    await conn.execute(
        "DELETE FROM follows WHERE follower_id = %s OR followee_id = %s", (user_id, user_id)
    )
    await conn.execute("DELETE FROM photos WHERE user_id = %s", (user_id,))
    for table in ("group_members", "group_requests", "group_invitations"):
        await conn.execute(f"DELETE FROM {table} WHERE user_id = %s", (user_id,))


async def add_follow(conn: Conn, follower: UUID, followee: UUID, at: datetime) -> None:
    await conn.execute(
        "INSERT INTO follows (follower_id, followee_id, since) VALUES (%s, %s, %s) "
        "ON CONFLICT DO NOTHING",
        (follower, followee, at),
    )


async def remove_follow(conn: Conn, follower: UUID, followee: UUID) -> None:
    await conn.execute(
        "DELETE FROM follows WHERE follower_id = %s AND followee_id = %s", (follower, followee)
    )


async def upsert_group(conn: Conn, group_id: UUID, at: datetime, **values: Any) -> None:
    await conn.execute(
        "INSERT INTO groups (group_id, name, description, visibility, is_all_company, created_at) "
        "VALUES (%(group_id)s, %(name)s, %(description)s, %(visibility)s, %(is_all_company)s, "
        " %(at)s) ON CONFLICT (group_id) DO UPDATE SET name = EXCLUDED.name, "
        " description = EXCLUDED.description, visibility = EXCLUDED.visibility",
        {"is_all_company": False, **values, "group_id": group_id, "at": at},
    )


async def archive_group(conn: Conn, group_id: UUID) -> None:
    await conn.execute("UPDATE groups SET archived = true WHERE group_id = %s", (group_id,))


async def add_member(conn: Conn, group_id: UUID, user_id: UUID, via: str, at: datetime) -> None:
    await conn.execute(
        "INSERT INTO group_members (group_id, user_id, via, joined_at) VALUES (%s, %s, %s, %s) "
        "ON CONFLICT DO NOTHING",
        (group_id, user_id, via, at),
    )
    await drop_request(conn, group_id, user_id)
    await drop_invitation(conn, group_id, user_id)


async def remove_member(conn: Conn, group_id: UUID, user_id: UUID) -> None:
    await conn.execute(
        "DELETE FROM group_members WHERE group_id = %s AND user_id = %s", (group_id, user_id)
    )


async def set_group_admin(conn: Conn, group_id: UUID, user_id: UUID, is_admin: bool) -> None:
    await conn.execute(
        "UPDATE group_members SET is_admin = %s WHERE group_id = %s AND user_id = %s",
        (is_admin, group_id, user_id),
    )


async def add_request(
    conn: Conn, group_id: UUID, user_id: UUID, message: str, at: datetime
) -> None:
    await conn.execute(
        "INSERT INTO group_requests (group_id, user_id, message, requested_at) "
        "VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
        (group_id, user_id, message, at),
    )


async def drop_request(conn: Conn, group_id: UUID, user_id: UUID) -> None:
    await conn.execute(
        "DELETE FROM group_requests WHERE group_id = %s AND user_id = %s", (group_id, user_id)
    )


async def add_invitation(
    conn: Conn, group_id: UUID, user_id: UUID, invited_by: UUID, at: datetime
) -> None:
    await conn.execute(
        "INSERT INTO group_invitations (group_id, user_id, invited_by, invited_at) "
        "VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
        (group_id, user_id, invited_by, at),
    )


async def drop_invitation(conn: Conn, group_id: UUID, user_id: UUID) -> None:
    await conn.execute(
        "DELETE FROM group_invitations WHERE group_id = %s AND user_id = %s", (group_id, user_id)
    )


# -- directory: read by the API ----------------------------------------------------------------

PERSON_COLUMNS = (
    "user_id AS id, kind, display_name, handle, department, job_title, location, photo_url, bio, "
    "languages, is_manager, manager_id, active, roles, away_until, backup_id"
)


async def search_people(
    conn: Conn,
    *,
    text: str | None,
    department: str | None,
    title: str | None,
    after: tuple[str, UUID] | None,
    limit: int,
) -> list[dict[str, Any]]:
    """Active people (and shared accounts) by name, department, title; alphabetical, keyset."""
    conditions = ["NOT erased", "active"]
    params: dict[str, Any] = {"limit": limit}
    # Every word somewhere in the name, handle, title or department, accents and case ignored
    # (`folded`, migration 0003), plurals found by their singular (search_words).
    for i, word in enumerate(search_words(text or "")):
        conditions.append(
            "folded(concat_ws(' ', display_name, handle, job_title, department)) "
            f"LIKE folded(%(word{i})s)"
        )
        params[f"word{i}"] = f"%{_like(word)}%"
    if department:
        conditions.append("lower(department) = lower(%(department)s)")
        params["department"] = department
    if title:
        conditions.append("job_title ILIKE %(title)s")
        params["title"] = f"%{_like(title)}%"
    if after:
        conditions.append("(lower(display_name), user_id) > (%(after_name)s, %(after_id)s)")
        params.update(after_name=after[0], after_id=after[1])
    return await dict_rows(
        conn,
        f"SELECT {PERSON_COLUMNS}, lower(display_name) AS sort_key FROM people "
        f"WHERE {' AND '.join(conditions)} ORDER BY lower(display_name), user_id "
        "LIMIT %(limit)s",
        params,
    )


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def follow_list(
    conn: Conn, user_id: UUID, direction: str, after: tuple[str, UUID] | None, limit: int
) -> list[dict[str, Any]]:
    """The people `user_id` follows ("following") or who follow them ("followers")."""
    mine, theirs = (
        ("follower_id", "followee_id")
        if direction == "following"
        else ("followee_id", "follower_id")
    )
    condition = ""
    params: list[Any] = [user_id]
    if after:
        condition = "AND (lower(p.display_name), p.user_id) > (%s, %s)"
        params += [after[0], after[1]]
    return await dict_rows(
        conn,
        f"SELECT {_prefixed('p')}, lower(p.display_name) AS sort_key FROM follows f "
        f"JOIN people p ON p.user_id = f.{theirs} WHERE f.{mine} = %s {condition} "
        "ORDER BY lower(p.display_name), p.user_id LIMIT %s",
        [*params, limit],
    )


def _prefixed(alias: str) -> str:
    return ", ".join(f"{alias}.{column.strip()}" for column in PERSON_COLUMNS.split(","))


async def group_members(
    conn: Conn, group_id: UUID, after: tuple[str, UUID] | None, limit: int
) -> list[dict[str, Any]]:
    condition = ""
    params: list[Any] = [group_id]
    if after:
        condition = "AND (lower(p.display_name), p.user_id) > (%s, %s)"
        params += [after[0], after[1]]
    return await dict_rows(
        conn,
        f"SELECT {_prefixed('p')}, m.is_admin, m.joined_at, lower(p.display_name) AS sort_key "
        "FROM group_members m JOIN people p ON p.user_id = m.user_id "
        f"WHERE m.group_id = %s {condition} ORDER BY lower(p.display_name), p.user_id LIMIT %s",
        [*params, limit],
    )


async def visible_groups(
    conn: Conn, viewer_id: UUID, is_network_admin: bool, *, mine_only: bool, discover: bool = False
) -> list[dict[str, Any]]:
    """Groups the viewer may know of: public ones, and private ones they are in or invited to
    (with `discover`: every live group, private ones to ask to join)."""
    membership = (
        "EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = g.group_id AND m.user_id = %(v)s)"
    )
    invited = (
        "EXISTS (SELECT 1 FROM group_invitations i "
        "WHERE i.group_id = g.group_id AND i.user_id = %(v)s)"
    )
    if mine_only:
        condition = membership
    elif is_network_admin:
        condition = "true"
    elif discover:
        condition = f"(g.visibility = 'public' OR {membership} OR {invited} OR NOT g.archived)"
    else:
        condition = f"(g.visibility = 'public' OR {membership} OR {invited})"
    return await dict_rows(
        conn,
        "SELECT g.group_id AS id, g.name, g.description, g.visibility, g.is_all_company, "
        f" g.archived, {membership} AS is_member, "
        " (SELECT count(*) FROM group_members c WHERE c.group_id = g.group_id) AS member_count "
        f"FROM groups g WHERE {condition} "
        "ORDER BY g.is_all_company DESC, lower(g.name), g.group_id",
        {"v": viewer_id},
    )


async def group_requests(conn: Conn, group_id: UUID) -> list[dict[str, Any]]:
    return await dict_rows(
        conn,
        "SELECT r.user_id, p.display_name, r.message, r.requested_at FROM group_requests r "
        "JOIN people p ON p.user_id = r.user_id WHERE r.group_id = %s ORDER BY r.requested_at",
        (group_id,),
    )


async def memberships_of(conn: Conn, user_id: UUID) -> list[dict[str, Any]]:
    return await dict_rows(
        conn,
        "SELECT g.group_id, g.name, g.visibility, m.is_admin, m.via, m.joined_at "
        "FROM group_members m JOIN groups g USING (group_id) WHERE m.user_id = %s "
        "ORDER BY g.name",
        (user_id,),
    )


async def follower_ids(conn: Conn, user_id: UUID) -> list[UUID]:
    cur = await conn.execute(
        "SELECT follower_id FROM follows WHERE followee_id = %s ORDER BY follower_id", (user_id,)
    )
    return [row[0] for row in await cur.fetchall()]


# -- profile photos ----------------------------------------------------------------------------


async def put_photo(conn: Conn, user_id: UUID, image: bytes, media_type: str, etag: str) -> None:
    await conn.execute(
        "INSERT INTO photos (user_id, image, media_type, etag) VALUES (%s, %s, %s, %s) "
        "ON CONFLICT (user_id) DO UPDATE SET image = EXCLUDED.image, "
        " media_type = EXCLUDED.media_type, etag = EXCLUDED.etag, updated_at = now()",
        (user_id, image, media_type, etag),
    )


async def photo(conn: Conn, user_id: UUID) -> tuple[bytes, str, str] | None:
    """(image, media type, etag) of a person's photo, if they have one."""
    cur = await conn.execute(
        "SELECT image, media_type, etag FROM photos WHERE user_id = %s", (user_id,)
    )
    row = await cur.fetchone()
    return None if row is None else (bytes(row[0]), row[1], row[2])
