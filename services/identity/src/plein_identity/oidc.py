"""Single sign-on with an OpenID Connect provider (authorization code flow with PKCE), using
authlib's client and joserfc to check the ID token. Optional: on when PLEIN_OIDC_ISSUER is set."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

import httpx
from authlib.integrations.httpx_client import AsyncOAuth2Client
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from plein_platform.errors import NotAuthenticated, NotFound
from psycopg import AsyncConnection

LOGIN_TTL = timedelta(minutes=10)
HANDOFF_TTL = timedelta(seconds=60)  # from the callback's redirect to the web client's swap


@dataclass(frozen=True)
class OidcIdentity:
    """Who the provider says logged in."""

    subject: str
    email: str
    name: str


class OidcClient:
    def __init__(self, issuer: str, client_id: str, client_secret: str, redirect_uri: str) -> None:
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uri = redirect_uri
        self._metadata: dict[str, Any] | None = None
        self._metadata_at = 0.0

    async def metadata(self) -> dict[str, Any]:
        """The provider's discovery document (cached for an hour)."""
        if self._metadata is None or time.monotonic() - self._metadata_at > 3600:
            async with httpx.AsyncClient(timeout=10) as http:
                response = await http.get(f"{self.issuer}/.well-known/openid-configuration")
                response.raise_for_status()
            self._metadata = response.json()
            self._metadata_at = time.monotonic()
        return self._metadata

    def _client(self) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(
            client_id=self.client_id,
            client_secret=self.client_secret,
            scope="openid email profile",
            redirect_uri=self.redirect_uri,
            code_challenge_method="S256",
        )

    async def start(
        self,
        conn: AsyncConnection[Any],
        now: datetime,
        return_to: str | None = None,
        prompt: str | None = None,
    ) -> str:
        """The provider URL to send the browser to; remembers state, nonce and PKCE verifier,
        and where the flow ends (`web`: the browser client; None: the callback's JSON).
        `prompt="none"` asks the provider to answer without showing anything: a browser
        already signed in there comes back signed in, any other with `login_required`."""
        meta = await self.metadata()
        state, nonce, verifier = (secrets.token_urlsafe(32) for _ in range(3))
        extra = {"prompt": prompt} if prompt else {}
        async with self._client() as client:
            url, _ = client.create_authorization_url(
                meta["authorization_endpoint"],
                state=state,
                code_verifier=verifier,
                nonce=nonce,
                **extra,
            )
        await conn.execute(
            "INSERT INTO oidc_logins (state, nonce, code_verifier, expires_at, return_to) "
            "VALUES (%s, %s, %s, %s, %s)",
            (state, nonce, verifier, now + LOGIN_TTL, return_to),
        )
        return str(url)

    async def abandon(self, conn: AsyncConnection[Any], state: str, now: datetime) -> str | None:
        """The provider answered a flow with an error (`login_required` after `prompt=none`):
        the flow ends here, once. Says where it was to end (as `start` was told); raises when
        the state is unknown or expired."""
        cur = await conn.execute(
            "DELETE FROM oidc_logins WHERE state = %s AND expires_at > %s RETURNING return_to",
            (state, now),
        )
        row = await cur.fetchone()
        if row is None:
            raise NotAuthenticated("This sign-in was not started here, or it expired.")
        return None if row[0] is None else str(row[0])

    async def logout_url(self, post_logout_redirect_uri: str) -> str | None:
        """Where to send the browser to sign out of the provider too (RP-initiated logout),
        or None when the provider offers no such endpoint."""
        endpoint = (await self.metadata()).get("end_session_endpoint")
        if not endpoint:
            return None
        query = urlencode(
            {"client_id": self.client_id, "post_logout_redirect_uri": post_logout_redirect_uri}
        )
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"

    async def finish(
        self, conn: AsyncConnection[Any], *, code: str, state: str, now: datetime
    ) -> tuple[OidcIdentity, str | None]:
        """Swap the code for tokens and check the ID token; the state works once. Also says
        where the flow ends (as `start` was told)."""
        cur = await conn.execute(
            "DELETE FROM oidc_logins WHERE state = %s AND expires_at > %s "
            "RETURNING nonce, code_verifier, return_to",
            (state, now),
        )
        row = await cur.fetchone()
        if row is None:
            raise NotAuthenticated("This sign-in was not started here, or it expired.")
        nonce, verifier, return_to = row
        meta = await self.metadata()
        try:
            async with self._client() as client:
                token = await client.fetch_token(
                    meta["token_endpoint"],
                    grant_type="authorization_code",
                    code=code,
                    code_verifier=verifier,
                )
        except Exception as error:  # the provider refused the code
            raise NotAuthenticated("The identity provider refused the sign-in.") from error
        who = await self._check_id_token(str(token.get("id_token", "")), nonce, meta)
        return who, return_to

    async def _check_id_token(
        self, id_token: str, nonce: str, meta: dict[str, Any]
    ) -> OidcIdentity:
        async with httpx.AsyncClient(timeout=10) as http:
            response = await http.get(meta["jwks_uri"])
            response.raise_for_status()
        keys = KeySet.import_key_set(response.json())
        try:
            claims = jwt.decode(id_token, keys, algorithms=["RS256", "ES256", "EdDSA"]).claims
            jwt.JWTClaimsRegistry(
                leeway=60,
                iss={"essential": True, "value": meta["issuer"]},
                aud={"essential": True, "value": self.client_id},
                sub={"essential": True},
                exp={"essential": True},
                nonce={"essential": True, "value": nonce},
            ).validate(claims)
        except (JoseError, ValueError) as error:
            raise NotAuthenticated("The identity provider's ID token is not valid.") from error
        if not claims.get("email") or claims.get("email_verified") is False:
            raise NotAuthenticated("The identity provider gave no verified e-mail address.")
        return OidcIdentity(
            subject=str(claims["sub"]),
            email=str(claims["email"]),
            name=str(claims.get("name") or claims["email"]),
        )


async def hand_off(conn: AsyncConnection[Any], user_id: UUID, state: str, now: datetime) -> str:
    """A one-time code the browser carries to the web client, which swaps it (with the flow's
    state) for tokens server-to-server: the tokens never pass through the browser."""
    code = secrets.token_urlsafe(32)
    await conn.execute("DELETE FROM oidc_handoffs WHERE expires_at <= %s", (now,))  # unused ones
    await conn.execute(
        "INSERT INTO oidc_handoffs (code_hash, state, user_id, expires_at) VALUES (%s, %s, %s, %s)",
        (_digest(code), state, user_id, now + HANDOFF_TTL),
    )
    return code


async def take_handoff(
    conn: AsyncConnection[Any], code: str, state: str, now: datetime
) -> UUID | None:
    """Whose sign-in a hand-off code is, once: None when used, expired or of another flow."""
    cur = await conn.execute(
        "DELETE FROM oidc_handoffs WHERE code_hash = %s RETURNING state, user_id, expires_at",
        (_digest(code),),
    )
    row = await cur.fetchone()
    if row is None or not secrets.compare_digest(row[0], state) or row[2] <= now:
        return None
    return UUID(str(row[1]))


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def require(client: OidcClient | None) -> OidcClient:
    if client is None:
        raise NotFound("Single sign-on is not configured here.")
    return client
