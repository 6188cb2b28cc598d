"""SQL for the web client's own schema: browser sessions. The only file that knows table names.
The tokens are stored sealed (plein_web.sealing), never as they are."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from psycopg import AsyncConnection
from psycopg.rows import dict_row

from .sealing import TokenSeal


def hash_id(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


@dataclass
class Session:
    """One browser's session: who is signed in (if anyone) and the tokens kept for them."""

    id: str  # the cookie's value; stored only hashed
    csrf_token: str
    expires_at: datetime
    user_id: UUID | None = None
    display_name: str | None = None
    access_token: str | None = None
    access_expires_at: datetime | None = None
    refresh_token: str | None = None
    language: str | None = None
    oidc_state: str | None = None  # the single sign-on this browser started
    oidc_next: str | None = None  # where that sign-on returns to (a path on this site)

    @property
    def signed_in(self) -> bool:
        return self.user_id is not None and self.refresh_token is not None


_COLUMNS = (
    "csrf_token, expires_at, user_id, display_name, access_token, access_expires_at, "
    "refresh_token, language, oidc_state, oidc_next"
)


def _session(session_id: str, row: dict[str, Any], seal: TokenSeal) -> Session:
    session = Session(id=session_id, **row)
    session.access_token = seal.open(session.access_token)
    session.refresh_token = seal.open(session.refresh_token)
    if session.refresh_token is None:  # sealed under a key no longer held: signed out
        session.user_id = session.access_token = None
    return session


async def new_session(conn: AsyncConnection[Any], now: datetime, ttl_s: int) -> Session:
    session = Session(
        id=secrets.token_urlsafe(32),
        csrf_token=secrets.token_urlsafe(32),
        expires_at=now + timedelta(seconds=ttl_s),
    )
    await conn.execute(
        "INSERT INTO sessions (id_hash, csrf_token, expires_at, created_at) "
        "VALUES (%s, %s, %s, %s)",
        (hash_id(session.id), session.csrf_token, session.expires_at, now),
    )
    return session


async def find_session(
    conn: AsyncConnection[Any],
    session_id: str,
    now: datetime,
    seal: TokenSeal,
    *,
    for_update: bool = False,
) -> Session | None:
    lock = " FOR UPDATE" if for_update else ""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            f"SELECT {_COLUMNS} FROM sessions WHERE id_hash = %s AND expires_at > %s{lock}",
            (hash_id(session_id), now),
        )
        row = await cur.fetchone()
    return None if row is None else _session(session_id, row, seal)


async def save_tokens(conn: AsyncConnection[Any], session: Session, seal: TokenSeal) -> None:
    await conn.execute(
        "UPDATE sessions SET user_id = %s, display_name = %s, access_token = %s, "
        "access_expires_at = %s, refresh_token = %s, language = %s, expires_at = %s "
        "WHERE id_hash = %s",
        (
            session.user_id,
            session.display_name,
            seal.seal(session.access_token),
            session.access_expires_at,
            seal.seal(session.refresh_token),
            session.language,
            session.expires_at,
            hash_id(session.id),
        ),
    )


async def remember_oidc_state(
    conn: AsyncConnection[Any], session_id: str, state: str, next_path: str
) -> None:
    await conn.execute(
        "UPDATE sessions SET oidc_state = %s, oidc_next = %s WHERE id_hash = %s",
        (state, next_path, hash_id(session_id)),
    )


async def delete_session(conn: AsyncConnection[Any], session_id: str) -> None:
    await conn.execute("DELETE FROM sessions WHERE id_hash = %s", (hash_id(session_id),))


async def delete_expired(conn: AsyncConnection[Any], now: datetime) -> int:
    cur = await conn.execute("DELETE FROM sessions WHERE expires_at <= %s", (now,))
    return cur.rowcount
