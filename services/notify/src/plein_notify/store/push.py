"""Web Push: people's devices (push subscriptions), the pushes waiting to be sent, whether a
person lets pushes show a private group's text, and the instance's own VAPID key."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from ._sql import Conn, rows
from .inbox import ENTRY


async def people_with_devices(conn: Conn, people: list[UUID]) -> set[UUID]:
    """Those of `people` who turned push on on at least one device."""
    if not people:
        return set()
    cur = await conn.execute(
        "SELECT DISTINCT user_id FROM push_subscriptions WHERE user_id = ANY(%s)", (people,)
    )
    return {row[0] for row in await cur.fetchall()}


async def add_device(
    conn: Conn,
    *,
    device_id: UUID,
    user_id: UUID,
    endpoint: str,
    p256dh: str,
    auth: str,
    name: str,
    at: datetime,
) -> dict[str, Any] | None:
    """Record a device of `user_id`'s (a device that subscribes again keeps its row and gets
    its new keys). None when the endpoint is someone else's device."""
    found = await rows(
        conn,
        "INSERT INTO push_subscriptions (id, user_id, endpoint, p256dh, auth, device_name, "
        "created_at) VALUES (%s, %s, %s, %s, %s, %s, %s) "
        "ON CONFLICT (endpoint) DO UPDATE SET p256dh = EXCLUDED.p256dh, auth = EXCLUDED.auth, "
        "device_name = EXCLUDED.device_name WHERE push_subscriptions.user_id = EXCLUDED.user_id "
        "RETURNING id, device_name AS name, created_at, last_used_at",
        (device_id, user_id, endpoint, p256dh, auth, name, at),
    )
    return found[0] if found else None


async def devices(conn: Conn, user_id: UUID) -> list[dict[str, Any]]:
    return await rows(
        conn,
        "SELECT id, device_name AS name, created_at, last_used_at FROM push_subscriptions "
        "WHERE user_id = %s ORDER BY created_at, id",
        (user_id,),
    )


async def remove_device(conn: Conn, user_id: UUID, device_id: UUID) -> bool:
    """Remove one of `user_id`'s own devices; False when they have no such device."""
    cur = await conn.execute(
        "DELETE FROM push_subscriptions WHERE id = %s AND user_id = %s", (device_id, user_id)
    )
    return cur.rowcount > 0


async def forget_devices(conn: Conn, user_id: UUID) -> None:
    """A deactivated or erased person's devices (and their pushes waiting) go at once."""
    await conn.execute("DELETE FROM push_subscriptions WHERE user_id = %s", (user_id,))


async def drop_subscription(conn: Conn, subscription_id: UUID) -> None:
    """The push service said the subscription is gone (404, 410)."""
    await conn.execute("DELETE FROM push_subscriptions WHERE id = %s", (subscription_id,))


async def private_previews(conn: Conn, user_id: UUID) -> bool:
    cur = await conn.execute(
        "SELECT private_previews FROM push_settings WHERE user_id = %s", (user_id,)
    )
    row = await cur.fetchone()
    return bool(row[0]) if row else False  # off unless they chose it


async def set_private_previews(conn: Conn, user_id: UUID, allowed: bool) -> None:
    await conn.execute(
        "INSERT INTO push_settings (user_id, private_previews) VALUES (%s, %s) "
        "ON CONFLICT (user_id) DO UPDATE SET private_previews = EXCLUDED.private_previews",
        (user_id, allowed),
    )


async def claim_due_pushes(conn: Conn, now: datetime, limit: int) -> list[dict[str, Any]]:
    """Pushes due by `now`, marked sent in the same statement (sent at most once; a failed one
    is put back with `retry_push`), each with its device and its entry as `ENTRY` reads it."""
    return await rows(
        conn,
        "WITH claimed AS (UPDATE push_queue SET sent_at = %(now)s, attempts = attempts + 1 "
        " WHERE id IN (SELECT id FROM push_queue WHERE sent_at IS NULL AND due_at <= %(now)s "
        # What is addressed to one person first; announcements to many after it.
        "  ORDER BY (kind = 'announcement'), due_at LIMIT %(limit)s FOR UPDATE SKIP LOCKED) "
        " RETURNING id, subscription_id, notification_id, attempts) "
        "SELECT c.id AS push_id, c.attempts, s.id AS subscription_id, s.endpoint, s.p256dh, "
        " s.auth, s.user_id AS subscriber_id, "
        " COALESCE(ps.private_previews, false) AS private_previews, e.* "
        "FROM claimed c JOIN push_subscriptions s ON s.id = c.subscription_id "
        # Its own person's entry only, whatever the queue says.
        "JOIN notifications n ON n.id = c.notification_id AND n.recipient_id = s.user_id "
        f"JOIN ({ENTRY}) e ON e.id = c.notification_id "
        "LEFT JOIN push_settings ps ON ps.user_id = s.user_id",
        {"now": now, "limit": limit},
    )


async def device_used(conn: Conn, subscription_id: UUID, at: datetime) -> None:
    await conn.execute(
        "UPDATE push_subscriptions SET last_used_at = %s WHERE id = %s", (at, subscription_id)
    )


async def retry_push(conn: Conn, push_id: int, due_at: datetime, error: str) -> None:
    await conn.execute(
        "UPDATE push_queue SET sent_at = NULL, due_at = %s, last_error = %s WHERE id = %s",
        (due_at, error, push_id),
    )


async def give_up_push(conn: Conn, push_id: int, error: str) -> None:
    """Left as sent, with the error: it is not tried again."""
    await conn.execute("UPDATE push_queue SET last_error = %s WHERE id = %s", (error, push_id))


async def vapid_private_pem(conn: Conn, new_pem: str) -> str:
    """The instance's VAPID private key (PEM): the one kept, else `new_pem`, kept from now on."""
    await conn.execute(
        "INSERT INTO vapid_keys (id, private_pem) VALUES (1, %s) ON CONFLICT DO NOTHING",
        (new_pem,),
    )
    cur = await conn.execute("SELECT private_pem FROM vapid_keys WHERE id = 1")
    row = await cur.fetchone()
    assert row is not None
    return str(row[0])
