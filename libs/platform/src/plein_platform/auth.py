"""Access token verification, done locally by every service from identity's JWKS."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import httpx
import jwt
from cachetools import TLRUCache
from fastapi import Request
from pydantic import BaseModel, ConfigDict

from .errors import NotAuthenticated
from .text import StorableText

ALGORITHMS = ["EdDSA"]
# A reader sends the same token with every request until it expires; checking it again costs
# a tenth of a home read (the signature, and PyJWT's character-by-character base64 check).
VERIFIED_TOKENS = 10_000
VERIFIED_FOR_AT_MOST_S = 300.0


@dataclass(frozen=True)
class Principal:
    """Who a request acts for. `real_user_id` differs when a person acts as a shared account."""

    user_id: UUID
    real_user_id: UUID
    name: str | None = None
    roles: frozenset[str] = frozenset()
    issued_at: float | None = None  # the token's `iat` (seconds since the epoch)

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> Principal:
        """The principal of verified `claims`; ValueError when a claim has the wrong type."""
        parsed = _Claims.model_validate(claims)
        return cls(
            user_id=parsed.sub,
            real_user_id=parsed.act.sub if parsed.act is not None else parsed.sub,
            name=parsed.name,
            roles=frozenset(parsed.roles),
            issued_at=parsed.iat,
        )


class _Actor(BaseModel):
    sub: UUID


class _Claims(BaseModel):
    """The claims a Principal is made of. A correctly signed token may still carry a claim of
    another type (`act` a string, `roles` a number): that token is invalid, not a bug."""

    model_config = ConfigDict(strict=False)

    sub: UUID
    act: _Actor | None = None
    name: StorableText | None = None
    roles: list[StorableText] = []
    iat: float | None = None


class TokenVerifier:
    """Verifies signed access tokens against a JWKS fetched over HTTP and cached.

    An unknown key id triggers one refetch (identity rotated its key), at most once per
    `min_refresh_s`, so a flood of forged key ids cannot hammer identity.
    """

    def __init__(
        self, jwks_url: str, *, issuer: str, audience: str, min_refresh_s: float = 5.0
    ) -> None:
        self.jwks_url = jwks_url
        self.issuer = issuer
        self.audience = audience
        self.min_refresh_s = min_refresh_s
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()
        # token -> (principal, expiry): kept until the token expires, at most a few minutes
        self._verified: TLRUCache[str, tuple[Principal, float]] = TLRUCache(
            maxsize=VERIFIED_TOKENS,
            ttu=lambda _, value, now: min(value[1], now + VERIFIED_FOR_AT_MOST_S),
            timer=time.time,
        )

    async def _refresh(self) -> None:
        async with self._lock:
            if time.monotonic() - self._fetched_at < self.min_refresh_s and self._keys:
                return
            async with httpx.AsyncClient(timeout=5.0) as client:
                response = await client.get(self.jwks_url)
                response.raise_for_status()
            jwks = jwt.PyJWKSet.from_dict(response.json())
            self._keys = {key.key_id: key for key in jwks.keys if key.key_id}
            self._fetched_at = time.monotonic()

    async def _key(self, kid: str) -> jwt.PyJWK:
        if kid not in self._keys:
            try:
                await self._refresh()
            except (httpx.HTTPError, jwt.PyJWKSetError) as error:
                raise NotAuthenticated("Signing keys are unavailable; try again.") from error
        try:
            return self._keys[kid]
        except KeyError:
            raise NotAuthenticated("The token was signed by an unknown key.") from None

    async def verify(self, token: str) -> Principal:
        verified = self._verified.get(token)
        if verified is not None:
            return verified[0]
        principal, expires_at = await self._verify(token)
        self._verified[token] = (principal, expires_at)
        return principal

    async def _verify(self, token: str) -> tuple[Principal, float]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as error:
            raise NotAuthenticated("The access token is malformed.") from error
        if header.get("alg") not in ALGORITHMS or not header.get("kid"):
            raise NotAuthenticated("The access token uses an unsupported signature.")
        key = await self._key(str(header["kid"]))
        try:
            claims = jwt.decode(
                token,
                key=key,
                algorithms=ALGORITHMS,
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
            return Principal.from_claims(claims), float(claims["exp"])
        except jwt.ExpiredSignatureError as error:
            raise NotAuthenticated("The access token has expired.") from error
        except (jwt.InvalidTokenError, KeyError, ValueError) as error:
            raise NotAuthenticated("The access token is invalid.") from error


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise NotAuthenticated("This needs an access token (Authorization: Bearer ...).")
    return token.strip()
