"""Escalations as listed, and where each group lets them go."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from ._sql import Conn, rows


async def add_escalation(
    conn: Conn,
    escalation_id: UUID,
    post_id: UUID,
    group_id: UUID | None,
    raised_to: list[UUID],
    at: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO escalations (escalation_id, post_id, group_id, raised_to, raised_at) "
        "VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
        (escalation_id, post_id, group_id, raised_to, at),
    )


async def resolve_escalation(conn: Conn, escalation_id: UUID, at: datetime) -> None:
    await conn.execute(
        "UPDATE escalations SET resolved_at = %s WHERE escalation_id = %s AND resolved_at IS NULL",
        (at, escalation_id),
    )


async def answered_open_escalations(conn: Conn) -> list[dict[str, Any]]:
    return await rows(
        conn,
        "SELECT e.escalation_id, e.post_id, t.first_reply_id FROM escalations e "
        "JOIN threads t USING (post_id) WHERE e.resolved_at IS NULL "
        "AND (t.first_reply_id IS NOT NULL OR t.deleted)",
    )


async def escalations(conn: Conn, viewer_id: UUID, *, open_only: bool) -> list[dict[str, Any]]:
    """Escalations, each with what deciding whether `viewer_id` may see it needs: is its group
    private, is the viewer a member, did the group open its escalations to outsiders."""
    where = "WHERE e.resolved_at IS NULL " if open_only else ""
    return await rows(
        conn,
        "SELECT e.*, COALESCE(g.private, false) AS group_private, "
        "EXISTS (SELECT 1 FROM members m WHERE m.group_id = e.group_id "
        "AND m.user_id = %(viewer)s) AS viewer_member, "
        "COALESCE(c.outside_managers, false) AS outside_managers_welcome "
        "FROM escalations e LEFT JOIN groups g ON g.group_id = e.group_id "
        "LEFT JOIN group_escalation_choices c ON c.group_id = e.group_id "
        f"{where}ORDER BY e.raised_at DESC LIMIT 200",
        {"viewer": viewer_id},
    )


async def outside_managers_welcome(conn: Conn, group_id: UUID) -> bool:
    """Whether the group's admins opened its escalations to community managers outside it."""
    cur = await conn.execute(
        "SELECT outside_managers FROM group_escalation_choices WHERE group_id = %s", (group_id,)
    )
    row = await cur.fetchone()
    return bool(row and row[0])


async def set_outside_managers_welcome(conn: Conn, group_id: UUID, welcome: bool) -> None:
    await conn.execute(
        "INSERT INTO group_escalation_choices (group_id, outside_managers) VALUES (%s, %s) "
        "ON CONFLICT (group_id) DO UPDATE SET outside_managers = EXCLUDED.outside_managers",
        (group_id, welcome),
    )
