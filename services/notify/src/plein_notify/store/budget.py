"""The announcement budget: which announcements interrupted whom, and which were held back."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from ..recipients import Delivery
from ._sql import Conn, rows


async def announcements_told_since(
    conn: Conn, people: list[UUID], *, since: datetime, besides: list[str]
) -> dict[UUID, int]:
    """How many announcements interrupted each of `people` after `since` (none held back),
    leaving out the causes `besides` (the ones being decided, should their event come again)."""
    cur = await conn.execute(
        "SELECT recipient_id, count(*) FROM announcements_told WHERE recipient_id = ANY(%s) "
        "AND at > %s AND NOT held_back AND cause_key <> ALL(%s) GROUP BY recipient_id",
        (people, since, besides),
    )
    return {person: int(n) for person, n in await cur.fetchall()}


async def record_announcements_told(conn: Conn, counted: list[tuple[Delivery, bool]]) -> None:
    if not counted:
        return
    await conn.execute(
        "INSERT INTO announcements_told (cause_key, recipient_id, group_id, at, held_back) "
        "SELECT * FROM unnest(%s::text[], %s::uuid[], %s::uuid[], %s::timestamptz[], "
        "%s::boolean[]) ON CONFLICT (cause_key) DO NOTHING",
        (
            [d.notification.cause_key for d, _ in counted],
            [d.notification.recipient_id for d, _ in counted],
            [d.notification.group_id for d, _ in counted],
            [d.notification.at for d, _ in counted],
            [held for _, held in counted],
        ),
    )


async def held_back_per_group(conn: Conn, viewer_id: UUID, since: datetime) -> list[dict[str, Any]]:
    """Announcements held back to the digest since `since`, per group, with whether the group
    is private and `viewer_id` a member (the caller decides who may see which)."""
    return await rows(
        conn,
        "SELECT g.group_id, g.name AS group_name, count(*) AS held_back, "
        " count(DISTINCT t.recipient_id) AS people, g.private AS group_private, "
        " EXISTS (SELECT 1 FROM members m WHERE m.group_id = g.group_id "
        "  AND m.user_id = %(me)s) AS viewer_member "
        "FROM announcements_told t JOIN groups g ON g.group_id = t.group_id "
        "WHERE t.held_back AND t.at >= %(since)s "
        "GROUP BY g.group_id, g.name, g.private ORDER BY held_back DESC, g.name",
        {"since": since, "me": viewer_id},
    )
