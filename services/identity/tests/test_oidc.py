"""Single sign-on against a local OpenID Connect provider that speaks the real protocol
(discovery, authorization code with PKCE, token endpoint with client secret, signed ID token)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
import uvicorn
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import RedirectResponse
from joserfc import jwt
from joserfc.jwk import RSAKey
from plein_platform.embedded import free_port
from plein_platform.testing import Plein

CLIENT_ID, CLIENT_SECRET = "plein", "s3cret-of-the-client"


class FakeProvider:
    """An identity provider: the test says who logs in next (`person`)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.key = RSAKey.generate_key(2048, parameters={"kid": "fake-1", "alg": "RS256"})
        self.person: dict[str, Any] = {}
        self.codes: dict[str, dict[str, Any]] = {}
        self.wrong_nonce = False
        self.app = self._app()

    def _app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/.well-known/openid-configuration")
        async def discovery() -> dict[str, Any]:
            return {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
            }

        @app.get("/jwks")
        async def jwks() -> dict[str, Any]:
            return {"keys": [self.key.as_dict(private=False)]}

        @app.get("/authorize")
        async def authorize(request: Request) -> RedirectResponse:
            q = request.query_params
            if q["client_id"] != CLIENT_ID or q["response_type"] != "code":
                raise HTTPException(400, "bad client or response type")
            if q.get("code_challenge_method") != "S256" or "openid" not in q["scope"].split():
                raise HTTPException(400, "PKCE and the openid scope are required")
            code = secrets.token_urlsafe(16)
            self.codes[code] = {
                "nonce": q["nonce"],
                "challenge": q["code_challenge"],
                "redirect_uri": q["redirect_uri"],
                "person": dict(self.person),
            }
            query = urlencode({"code": code, "state": q["state"]})
            return RedirectResponse(f"{q['redirect_uri']}?{query}", status_code=302)

        @app.post("/token")
        async def token(request: Request) -> dict[str, Any]:
            form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
            grant_type, code = form.get("grant_type"), form.get("code", "")
            redirect_uri, code_verifier = form.get("redirect_uri"), form.get("code_verifier", "")
            basic = request.headers.get("authorization", "")
            expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
            if basic != f"Basic {expected}":
                raise HTTPException(401, "client authentication failed")
            grant = self.codes.pop(code, None)
            if grant_type != "authorization_code" or grant is None:
                raise HTTPException(400, "invalid_grant")
            digest = hashlib.sha256(code_verifier.encode()).digest()
            if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != grant["challenge"]:
                raise HTTPException(400, "PKCE verifier does not match")
            if redirect_uri != grant["redirect_uri"]:
                raise HTTPException(400, "redirect_uri mismatch")
            now = int(time.time())
            claims = {
                "iss": self.issuer,
                "aud": CLIENT_ID,
                "iat": now,
                "exp": now + 300,
                "nonce": "something else" if self.wrong_nonce else grant["nonce"],
                **grant["person"],
            }
            id_token = jwt.encode({"alg": "RS256", "kid": "fake-1"}, claims, self.key)
            return {"access_token": "opaque", "token_type": "Bearer", "id_token": id_token}

        return app


@pytest.fixture
async def provider(plein: Plein) -> AsyncIterator[FakeProvider]:
    fake = FakeProvider()
    server = uvicorn.Server(
        uvicorn.Config(fake.app, host="127.0.0.1", port=fake.port, log_config=None)
    )
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    settings = plein.runtime.service("identity").identity_settings  # type: ignore[attr-defined]
    settings.oidc_issuer, settings.oidc_client_id = fake.issuer, CLIENT_ID
    settings.oidc_client_secret = CLIENT_SECRET
    try:
        yield fake
    finally:
        server.should_exit = True
        await serving


async def sign_in(plein: Plein) -> Any:
    """What a browser does: to the provider, back to Plein's callback."""
    start = await plein.http.get("/identity/oidc/login")
    assert start.status_code == 302, start.text
    at_provider = await plein.http.get(start.headers["location"])
    assert at_provider.status_code == 302, at_provider.text
    return await plein.http.get(at_provider.headers["location"])


async def test_single_sign_on_registers_then_logs_in_the_same_person(
    plein: Plein, provider: FakeProvider
) -> None:
    await plein.register("ann")
    provider.person = {
        "sub": "u-42",
        "email": "Zoe@Example.com",
        "name": "Zoë Sso",
        "email_verified": True,
    }
    first = await sign_in(plein)
    assert first.status_code == 200, first.text
    auth = {"Authorization": f"Bearer {first.json()['access_token']}"}
    me = (await plein.http.get("/identity/me", headers=auth)).json()
    assert me["display_name"] == "Zoë Sso" and me["email"] == "zoe@example.com"
    second = await sign_in(plein)
    assert second.json()["user_id"] == me["id"]


async def test_single_sign_on_refuses_a_replayed_state_and_a_wrong_nonce(
    plein: Plein, provider: FakeProvider
) -> None:
    provider.person = {"sub": "u-1", "email": "bob@example.com", "name": "Bob"}
    start = await plein.http.get("/identity/oidc/login")
    at_provider = await plein.http.get(start.headers["location"])
    callback = at_provider.headers["location"]
    assert (await plein.http.get(callback)).status_code == 200
    assert (await plein.http.get(callback)).status_code == 401  # the state works once
    forged = urlparse(callback)
    params = {k: v[0] for k, v in parse_qs(forged.query).items()}
    made_up = await plein.http.get("/identity/oidc/callback", params={**params, "state": "x"})
    assert made_up.status_code == 401
    provider.wrong_nonce = True
    replayed_token = await sign_in(plein)
    assert replayed_token.status_code == 401
    assert "ID token" in replayed_token.json()["detail"]


async def test_single_sign_on_is_off_unless_configured(plein: Plein) -> None:
    assert (await plein.http.get("/identity/oidc/login")).status_code == 404
