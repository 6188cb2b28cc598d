"""What each person chose: a channel per kind, a digest frequency."""

from __future__ import annotations

from uuid import UUID

from ..domain import Channel, Kind
from ._sql import Conn


async def recipient_choices(
    conn: Conn, wanted: list[tuple[UUID, Kind]]
) -> dict[tuple[UUID, Kind], str | None]:
    """For each (person, kind) whose person is known and active: the channel they chose for
    that kind (None: the kind's default). Inactive and unknown people are left out."""
    if not wanted:
        return {}
    cur = await conn.execute(
        "SELECT w.user_id, w.kind, c.channel "
        "FROM unnest(%s::uuid[], %s::text[]) AS w(user_id, kind) "
        "JOIN people p ON p.user_id = w.user_id AND p.active "
        "LEFT JOIN preferences c ON c.user_id = w.user_id AND c.kind = w.kind",
        ([user for user, _ in wanted], [kind.value for _, kind in wanted]),
    )
    return {(user, Kind(kind)): channel for user, kind, channel in await cur.fetchall()}


async def preferences(conn: Conn, user_id: UUID) -> dict[str, str]:
    cur = await conn.execute("SELECT kind, channel FROM preferences WHERE user_id = %s", (user_id,))
    return {kind: channel for kind, channel in await cur.fetchall()}


async def set_preference(conn: Conn, user_id: UUID, kind: Kind, channel: Channel) -> None:
    await conn.execute(
        "INSERT INTO preferences (user_id, kind, channel) VALUES (%s, %s, %s) "
        "ON CONFLICT (user_id, kind) DO UPDATE SET channel = EXCLUDED.channel",
        (user_id, kind.value, channel.value),
    )


async def digest_frequency(conn: Conn, user_id: UUID) -> str | None:
    cur = await conn.execute("SELECT frequency FROM digest_settings WHERE user_id = %s", (user_id,))
    row = await cur.fetchone()
    return str(row[0]) if row else None


async def set_digest_frequency(conn: Conn, user_id: UUID, frequency: str) -> None:
    await conn.execute(
        "INSERT INTO digest_settings (user_id, frequency) VALUES (%s, %s) "
        "ON CONFLICT (user_id) DO UPDATE SET frequency = EXCLUDED.frequency",
        (user_id, frequency),
    )
