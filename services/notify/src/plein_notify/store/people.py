"""People, groups, memberships, roles and who is away: notify's read model of identity."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from ._sql import Conn, ids, rows
from .inbox import forget_inbox, recount


async def upsert_person(
    conn: Conn, user_id: UUID, name: str, email: str, language: str | None = None
) -> None:
    """`language`: the one notify writes to them in (None: the default language)."""
    await conn.execute(
        "INSERT INTO people (user_id, display_name, email, language) VALUES (%s, %s, %s, %s) "
        "ON CONFLICT (user_id) DO UPDATE SET display_name = EXCLUDED.display_name, "
        "email = EXCLUDED.email, language = EXCLUDED.language",
        (user_id, name, email, language),
    )


async def set_active(conn: Conn, user_id: UUID, active: bool) -> None:
    await conn.execute("UPDATE people SET active = %s WHERE user_id = %s", (active, user_id))


async def erase_person(conn: Conn, user_id: UUID) -> None:
    """Everything notify holds about an erased person goes: their row, inbox, preferences,
    memberships, roles, and their name and words in other people's entries."""
    await forget_inbox(conn, user_id)
    for table in ("people", "members", "roles", "availability", "preferences", "digest_settings"):
        await conn.execute(f"DELETE FROM {table} WHERE user_id = %s", (user_id,))
    await conn.execute("DELETE FROM thread_participants WHERE user_id = %s", (user_id,))
    await conn.execute(
        "UPDATE notifications SET excerpt = NULL WHERE excerpt_author = %s", (user_id,)
    )
    touched = await ids(
        conn,
        "DELETE FROM notification_actors WHERE actor_id = %s RETURNING notification_id",
        (user_id,),
    )
    for notification_id in touched:
        await recount(conn, notification_id)
    await conn.execute("DELETE FROM email_queue WHERE recipient_id = %s", (user_id,))


async def person(conn: Conn, user_id: UUID) -> dict[str, Any] | None:
    found = await rows(conn, "SELECT * FROM people WHERE user_id = %s", (user_id,))
    return found[0] if found else None


async def upsert_group(conn: Conn, group_id: UUID, name: str, private: bool) -> None:
    await conn.execute(
        "INSERT INTO groups (group_id, name, private) VALUES (%s, %s, %s) "
        "ON CONFLICT (group_id) DO UPDATE SET name = EXCLUDED.name, private = EXCLUDED.private",
        (group_id, name, private),
    )


async def add_member(conn: Conn, group_id: UUID, user_id: UUID, *, admin: bool = False) -> None:
    await conn.execute(
        "INSERT INTO members (group_id, user_id, is_admin) VALUES (%s, %s, %s) "
        "ON CONFLICT (group_id, user_id) DO UPDATE SET is_admin = members.is_admin OR %s",
        (group_id, user_id, admin, admin),
    )


async def remove_member(conn: Conn, group_id: UUID, user_id: UUID) -> None:
    await conn.execute(
        "DELETE FROM members WHERE group_id = %s AND user_id = %s", (group_id, user_id)
    )


async def is_member(conn: Conn, group_id: UUID, user_id: UUID) -> bool:
    return bool(await members_among(conn, group_id, [user_id]))


async def revoke_admin(conn: Conn, group_id: UUID, user_id: UUID) -> None:
    await conn.execute(
        "UPDATE members SET is_admin = false WHERE group_id = %s AND user_id = %s",
        (group_id, user_id),
    )


async def group_is_private(conn: Conn, group_id: UUID) -> bool:
    cur = await conn.execute("SELECT private FROM groups WHERE group_id = %s", (group_id,))
    row = await cur.fetchone()
    return bool(row and row[0])


async def members_among(conn: Conn, group_id: UUID, people: list[UUID]) -> set[UUID]:
    """Which of `people` are members of the group."""
    return set(
        await ids(
            conn,
            "SELECT user_id FROM members WHERE group_id = %s AND user_id = ANY(%s)",
            (group_id, people),
        )
    )


async def group_members(conn: Conn, group_id: UUID) -> list[UUID]:
    return await ids(conn, "SELECT user_id FROM members WHERE group_id = %s", (group_id,))


async def group_admins(conn: Conn, group_id: UUID) -> list[UUID]:
    return await ids(
        conn, "SELECT user_id FROM members WHERE group_id = %s AND is_admin", (group_id,)
    )


async def everyone_active(conn: Conn) -> list[UUID]:
    return await ids(conn, "SELECT user_id FROM people WHERE active")


async def grant_role(conn: Conn, user_id: UUID, role: str) -> None:
    await conn.execute(
        "INSERT INTO roles (user_id, role) VALUES (%s, %s) ON CONFLICT DO NOTHING", (user_id, role)
    )


async def revoke_role(conn: Conn, user_id: UUID, role: str) -> None:
    await conn.execute("DELETE FROM roles WHERE user_id = %s AND role = %s", (user_id, role))


async def holders_of(conn: Conn, *roles: str) -> list[UUID]:
    return await ids(
        conn,
        "SELECT DISTINCT r.user_id FROM roles r JOIN people p USING (user_id) "
        "WHERE r.role = ANY(%s) AND p.active ORDER BY 1",
        (list(roles),),
    )


async def set_availability(
    conn: Conn, user_id: UUID, away_until: datetime | None, backup_id: UUID | None
) -> None:
    await conn.execute(
        "INSERT INTO availability (user_id, away_until, backup_id) VALUES (%s, %s, %s) "
        "ON CONFLICT (user_id) DO UPDATE SET away_until = EXCLUDED.away_until, "
        "backup_id = EXCLUDED.backup_id",
        (user_id, away_until, backup_id),
    )


async def community_managers_now(conn: Conn, now: datetime) -> list[UUID]:
    """The community managers to tell now: each one, or their named backup while away."""
    return await ids(
        conn,
        "SELECT DISTINCT CASE WHEN a.away_until > %s AND a.backup_id IS NOT NULL "
        "THEN a.backup_id ELSE r.user_id END "
        "FROM roles r JOIN people p USING (user_id) LEFT JOIN availability a USING (user_id) "
        "WHERE r.role = 'community_manager' AND p.active ORDER BY 1",
        (now,),
    )
