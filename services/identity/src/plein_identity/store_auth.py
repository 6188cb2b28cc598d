"""SQL on identity's sign-in tables: refresh tokens (sessions), login failures and sign-up
invitations."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from plein_platform.database import dict_rows
from psycopg import AsyncConnection
from psycopg.rows import dict_row

Conn = AsyncConnection[Any]


# -- refresh tokens ------------------------------------------------------------------------------


async def add_refresh_token(
    conn: Conn,
    token_hash: str,
    family_id: UUID,
    user_id: UUID,
    acting_as: UUID | None,
    expires_at: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO refresh_tokens (token_hash, family_id, user_id, acting_as, expires_at) "
        "VALUES (%s, %s, %s, %s, %s)",
        (token_hash, family_id, user_id, acting_as, expires_at),
    )


async def use_refresh_token(conn: Conn, token_hash: str, now: datetime) -> dict[str, Any] | None:
    """Mark a refresh token used and return it; None if unknown, expired, used or revoked.

    Using an already used token revokes its family: a copy of it is in someone else's hands.
    """
    rows = await dict_rows(
        conn,
        "SELECT token_hash, family_id, user_id, acting_as, expires_at, used_at, revoked_at "
        "FROM refresh_tokens WHERE token_hash = %s FOR UPDATE",
        (token_hash,),
    )
    if not rows:
        return None
    row = rows[0]
    if row["used_at"] is not None:
        await revoke_family(conn, row["family_id"], now)
        return None
    if row["revoked_at"] is not None or row["expires_at"] <= now:
        return None
    await conn.execute(
        "UPDATE refresh_tokens SET used_at = %s WHERE token_hash = %s", (now, token_hash)
    )
    return row


async def family_of(conn: Conn, token_hash: str) -> UUID | None:
    cur = await conn.execute(
        "SELECT family_id FROM refresh_tokens WHERE token_hash = %s", (token_hash,)
    )
    row = await cur.fetchone()
    return row[0] if row else None


async def revoke_family(conn: Conn, family_id: UUID, now: datetime) -> None:
    await conn.execute(
        "UPDATE refresh_tokens SET revoked_at = %s WHERE family_id = %s AND revoked_at IS NULL",
        (now, family_id),
    )


async def revoke_user_tokens(conn: Conn, user_id: UUID, now: datetime) -> None:
    await conn.execute(
        "UPDATE refresh_tokens SET revoked_at = %s WHERE user_id = %s AND revoked_at IS NULL",
        (now, user_id),
    )


async def revoke_acting_tokens(conn: Conn, account_id: UUID, user_id: UUID, now: datetime) -> None:
    await conn.execute(
        "UPDATE refresh_tokens SET revoked_at = %s "
        "WHERE acting_as = %s AND user_id = %s AND revoked_at IS NULL",
        (now, account_id, user_id),
    )


async def sessions_of(conn: Conn, user_id: UUID) -> list[dict[str, Any]]:
    return await dict_rows(
        conn,
        "SELECT family_id, acting_as, created_at, expires_at, used_at, revoked_at "
        "FROM refresh_tokens WHERE user_id = %s ORDER BY created_at",
        (user_id,),
    )


# -- login throttling ----------------------------------------------------------------------------


async def blocked_until(conn: Conn, keys: list[str]) -> datetime | None:
    cur = await conn.execute(
        "SELECT max(blocked_until) FROM login_failures WHERE key = ANY(%s)", (keys,)
    )
    row = await cur.fetchone()
    return row[0] if row else None


async def record_failure(conn: Conn, key: str, now: datetime) -> int:
    """Count one more wrong password for `key`; returns the failures in a row."""
    cur = await conn.execute(
        "INSERT INTO login_failures (key, failures, blocked_until, updated_at) "
        "VALUES (%s, 1, %s, %s) ON CONFLICT (key) DO UPDATE SET "
        # A quiet quarter of an hour forgives earlier failures (last week's typos do not count).
        "failures = CASE WHEN login_failures.updated_at < EXCLUDED.updated_at - interval '15 min' "
        " THEN 1 ELSE login_failures.failures + 1 END, updated_at = EXCLUDED.updated_at "
        "RETURNING failures",
        (key, now, now),
    )
    row = await cur.fetchone()
    assert row is not None
    return int(row[0])


async def block(conn: Conn, key: str, until: datetime) -> None:
    await conn.execute("UPDATE login_failures SET blocked_until = %s WHERE key = %s", (until, key))


async def clear_failures(conn: Conn, key: str) -> None:
    await conn.execute("DELETE FROM login_failures WHERE key = %s", (key,))


# -- known devices -------------------------------------------------------------------------------


async def known_device(conn: Conn, token_hash: str, email: str) -> bool:
    """Whether `token_hash` is a device `email` signed in from (and note that it was used)."""
    cur = await conn.execute(
        "UPDATE known_devices SET last_used_at = now() WHERE token_hash = %s AND email = %s",
        (token_hash, email),
    )
    return cur.rowcount == 1


async def add_known_device(conn: Conn, token_hash: str, email: str) -> None:
    await conn.execute(
        "INSERT INTO known_devices (token_hash, email) VALUES (%s, %s) "
        "ON CONFLICT (token_hash) DO NOTHING",
        (token_hash, email),
    )


# -- sign-up invitations ------------------------------------------------------------------------


async def add_signup_invitation(
    conn: Conn, token_hash: str, email: str, invited_by: UUID, expires_at: datetime
) -> None:
    await conn.execute(
        "INSERT INTO signup_invitations (token_hash, email, invited_by, expires_at) "
        "VALUES (%s, %s, %s, %s)",
        (token_hash, email, invited_by, expires_at),
    )


async def take_signup_invitation(
    conn: Conn, token_hash: str, email: str, now: datetime
) -> UUID | None:
    """Use an invitation for `email` once; returns who invited, None if it is not valid."""
    cur = await conn.execute(
        "UPDATE signup_invitations SET used_at = %s WHERE token_hash = %s AND email = %s "
        "AND used_at IS NULL AND expires_at > %s RETURNING invited_by",
        (now, token_hash, email, now),
    )
    row = await cur.fetchone()
    return row[0] if row else None


async def signup_invitation(conn: Conn, token_hash: str) -> dict[str, Any] | None:
    """An invitation's address, expiry and use (to explain why it was refused)."""
    cur = await conn.cursor(row_factory=dict_row).execute(
        "SELECT email, expires_at, used_at FROM signup_invitations WHERE token_hash = %s",
        (token_hash,),
    )
    return await cur.fetchone()


async def give_back_signup_invitation(conn: Conn, token_hash: str) -> None:
    await conn.execute(
        "UPDATE signup_invitations SET used_at = NULL WHERE token_hash = %s", (token_hash,)
    )
