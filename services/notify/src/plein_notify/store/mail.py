"""E-mail: the queue of e-mails due, digests sent, the unsubscribe links' secret."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any
from uuid import UUID

from ..domain import Kind
from ._sql import Conn, rows
from .inbox import ENTRY


async def mail_secret(conn: Conn) -> str:
    await conn.execute(
        "INSERT INTO mail_secret (id, value) VALUES (1, %s) ON CONFLICT DO NOTHING",
        (secrets.token_urlsafe(32),),
    )
    cur = await conn.execute("SELECT value FROM mail_secret WHERE id = 1")
    row = await cur.fetchone()
    assert row is not None
    return str(row[0])


async def claim_due_emails(conn: Conn, now: datetime, limit: int = 50) -> list[dict[str, Any]]:
    """E-mails due by `now`, marked sent in the same statement (sent at most once; a failed
    send is put back with `release_email`)."""
    return await rows(
        conn,
        "UPDATE email_queue SET sent_at = %(now)s, attempts = attempts + 1 WHERE id IN ("
        " SELECT q.id FROM email_queue q JOIN people p ON p.user_id = q.recipient_id "
        " WHERE q.sent_at IS NULL AND NOT q.cancelled AND q.due_at <= %(now)s AND p.active "
        " AND q.attempts < 5 ORDER BY q.due_at LIMIT %(limit)s FOR UPDATE OF q SKIP LOCKED) "
        "RETURNING id, recipient_id, notification_id, kind, only_if_unread",
        {"now": now, "limit": limit},
    )


async def cancel_email(conn: Conn, email_id: int) -> None:
    """An e-mail claimed for sending whose recipient may no longer see what it is about."""
    await conn.execute(
        "UPDATE email_queue SET cancelled = true, sent_at = NULL WHERE id = %s", (email_id,)
    )


async def release_email(conn: Conn, email_id: int, error: str) -> None:
    await conn.execute(
        "UPDATE email_queue SET sent_at = NULL, last_error = %s WHERE id = %s", (error, email_id)
    )


async def cancel_announcement_emails(conn: Conn, reader_id: UUID, post_ids: list[UUID]) -> None:
    """Announcements seen in the app are not e-mailed later."""
    await conn.execute(
        "UPDATE email_queue SET cancelled = true WHERE recipient_id = %s AND kind = %s "
        "AND post_id = ANY(%s) AND sent_at IS NULL",
        (reader_id, Kind.ANNOUNCEMENT.value, post_ids),
    )


async def digest_recipients(conn: Conn) -> list[dict[str, Any]]:
    """People with digest lines waiting, with when their last digest went out."""
    return await rows(
        conn,
        "SELECT p.user_id, d.last_sent_at, s.frequency FROM people p "
        "LEFT JOIN digests_sent d USING (user_id) LEFT JOIN digest_settings s USING (user_id) "
        "WHERE p.active AND EXISTS (SELECT 1 FROM notifications n WHERE n.recipient_id = "
        "p.user_id AND n.in_digest AND n.digested_at IS NULL AND n.read_at IS NULL)",
    )


async def digest_entries(conn: Conn, recipient_id: UUID) -> list[dict[str, Any]]:
    return await rows(
        conn,
        ENTRY + "WHERE n.recipient_id = %s AND n.in_digest AND n.digested_at IS NULL "
        "AND n.read_at IS NULL ORDER BY n.updated_at DESC LIMIT 50",
        (recipient_id,),
    )


async def mark_digested(
    conn: Conn, recipient_id: UUID, notification_ids: list[UUID], now: datetime
) -> None:
    await conn.execute(
        "UPDATE notifications SET digested_at = %s WHERE recipient_id = %s AND id = ANY(%s)",
        (now, recipient_id, notification_ids),
    )
    await conn.execute(
        "INSERT INTO digests_sent (user_id, last_sent_at) VALUES (%s, %s) "
        "ON CONFLICT (user_id) DO UPDATE SET last_sent_at = EXCLUDED.last_sent_at",
        (recipient_id, now),
    )
