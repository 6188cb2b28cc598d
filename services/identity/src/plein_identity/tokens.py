"""Signing keys (Ed25519) and the access tokens they sign."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm
from psycopg_pool import AsyncConnectionPool


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: Ed25519PrivateKey


def new_signing_key() -> tuple[str, str, dict[str, Any]]:
    """(kid, private PEM, public JWK) of a fresh Ed25519 key."""
    private_key = Ed25519PrivateKey.generate()
    kid = uuid4().hex
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    jwk = json.loads(OKPAlgorithm.to_jwk(private_key.public_key()))
    jwk.update({"kid": kid, "use": "sig", "alg": "EdDSA"})
    return kid, pem, jwk


class KeyStore:
    """Identity's signing keys, in its own schema."""

    def __init__(self, pool: AsyncConnectionPool) -> None:
        self.pool = pool

    async def ensure_key(self) -> SigningKey:
        """The key that signs now, created on first start."""
        async with self.pool.connection() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended('signing_keys', 0))")
            key = await self._signing(conn)
            if key is None:
                await self._add(conn, activation_delay_s=0)
                key = await self._signing(conn)
        assert key is not None
        return key

    async def current(self) -> SigningKey:
        """The newest key whose signing time has come (a rotated-in key waits its turn)."""
        async with self.pool.connection() as conn:
            key = await self._signing(conn)
        return key if key is not None else await self.ensure_key()

    async def rotate(self, activation_delay_s: float) -> tuple[str, Any]:
        """Add a key that signs from `activation_delay_s` on; returns (kid, signs_from).

        The new key is in the JWKS at once but signs only later, so every service has
        refetched the JWKS before it meets a token with the new key id; older keys stay
        published until retired, so the tokens they signed keep working: nobody is logged out.
        """
        async with self.pool.connection() as conn, conn.transaction():
            return await self._add(conn, activation_delay_s=activation_delay_s)

    async def _signing(self, conn: Any) -> SigningKey | None:
        cur = await conn.execute(
            "SELECT kid, private_pem FROM signing_keys WHERE retired_at IS NULL "
            "AND signs_from <= now() ORDER BY signs_from DESC, created_at DESC LIMIT 1"
        )
        row = await cur.fetchone()
        if row is None:
            return None
        private_key = serialization.load_pem_private_key(row[1].encode(), password=None)
        assert isinstance(private_key, Ed25519PrivateKey)
        return SigningKey(row[0], private_key)

    async def _add(self, conn: Any, *, activation_delay_s: float) -> tuple[str, Any]:
        kid, pem, jwk = new_signing_key()
        cur = await conn.execute(
            "INSERT INTO signing_keys (kid, private_pem, public_jwk, signs_from) "
            "VALUES (%s, %s, %s, now() + make_interval(secs => %s)) RETURNING signs_from",
            (kid, pem, json.dumps(jwk), activation_delay_s),
        )
        row = await cur.fetchone()
        return kid, row[0]

    async def retire_older_than(self, kid: str, age_s: float) -> list[str]:
        """Retire keys older than `age_s` seconds, except `kid` (the one signing now).

        Call it with the access token lifetime: every token those keys signed has expired.
        """
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "UPDATE signing_keys SET retired_at = now() WHERE retired_at IS NULL AND kid <> %s "
                "AND created_at < now() - make_interval(secs => %s) RETURNING kid",
                (kid, age_s),
            )
            return [row[0] for row in await cur.fetchall()]

    async def jwks(self) -> dict[str, Any]:
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT public_jwk FROM signing_keys WHERE retired_at IS NULL ORDER BY created_at"
            )
            return {"keys": [row[0] for row in await cur.fetchall()]}


def issue_access_token(
    key: SigningKey,
    *,
    user_id: UUID,
    name: str,
    issuer: str,
    audience: str,
    now: datetime,
    ttl: timedelta,
    roles: list[str] | None = None,
    acting_for: UUID | None = None,
) -> str:
    """A signed access token. Acting as a shared account: `sub` is the account and `act.sub`
    the real person (RFC 8693), so every service records both."""
    claims: dict[str, Any] = {
        "sub": str(acting_for or user_id),
        "name": name,
        "roles": sorted(roles or []),
        "iss": issuer,
        "aud": audience,
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
        "jti": uuid4().hex,
    }
    if acting_for is not None:
        claims["act"] = {"sub": str(user_id)}
    return jwt.encode(claims, key.private_key, algorithm="EdDSA", headers={"kid": key.kid})


def new_opaque_token() -> tuple[str, str]:
    """(token, its SHA-256): refresh tokens and invitations are stored only as their hash."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
