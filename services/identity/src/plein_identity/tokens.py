"""Signing keys (Ed25519) and the access tokens they sign."""

from __future__ import annotations

import json
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
        """The current signing key, created on first start."""
        async with self.pool.connection() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended('signing_keys', 0))")
            cur = await conn.execute(
                "SELECT kid, private_pem FROM signing_keys WHERE retired_at IS NULL "
                "ORDER BY created_at DESC LIMIT 1"
            )
            row = await cur.fetchone()
            if row is None:
                kid, pem, jwk = new_signing_key()
                await conn.execute(
                    "INSERT INTO signing_keys (kid, private_pem, public_jwk) VALUES (%s, %s, %s)",
                    (kid, pem, json.dumps(jwk)),
                )
                row = (kid, pem)
        private_key = serialization.load_pem_private_key(row[1].encode(), password=None)
        assert isinstance(private_key, Ed25519PrivateKey)
        return SigningKey(row[0], private_key)

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
) -> str:
    claims = {
        "sub": str(user_id),
        "name": name,
        "iss": issuer,
        "aud": audience,
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
        "jti": uuid4().hex,
    }
    return jwt.encode(claims, key.private_key, algorithm="EdDSA", headers={"kid": key.kid})
