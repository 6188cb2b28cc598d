"""What every part of notify's store shares: the connection type, row helpers, the wake-up."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from psycopg import AsyncConnection
from psycopg.rows import dict_row

# Live streams listen on this PostgreSQL channel; a payload is a recipient's id.
INBOX_CHANNEL = "plein_notify_inbox"
Conn = AsyncConnection[Any]


async def rows(conn: Conn, query: str, params: Any = None) -> list[dict[str, Any]]:
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(query, params)
        return await cur.fetchall()


async def ids(conn: Conn, query: str, params: Any = None) -> list[UUID]:
    cur = await conn.execute(query, params)
    return [row[0] for row in await cur.fetchall()]


async def signal(conn: Conn, recipient_id: UUID) -> None:
    """Wake live streams of `recipient_id` (PostgreSQL delivers it when the transaction commits)."""
    await conn.execute("SELECT pg_notify(%s, %s)", (INBOX_CHANNEL, str(recipient_id)))
