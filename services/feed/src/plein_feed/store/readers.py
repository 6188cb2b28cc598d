"""What readers did: the announcements they acknowledged and when they last saw posts."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from .reads import Read, read
from .schema import Conn


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
