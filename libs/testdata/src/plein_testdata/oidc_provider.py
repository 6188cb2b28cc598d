"""A local OpenID Connect provider for tests: it speaks the real protocol (discovery,
authorization code with PKCE, token endpoint with client secret, signed ID token, `prompt=none`
answered from the provider's own browser session, RP-initiated logout), and the test says who
logs in next. Used by identity's single sign-on tests and the web client's."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qs, urlencode

import uvicorn
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from joserfc import jwt
from joserfc.jwk import RSAKey
from plein_platform.embedded import free_port

CLIENT_ID, CLIENT_SECRET = "plein", "s3cret-of-the-client"
SESSION_COOKIE = "fake_idp_session"  # the provider's own sign-in, as a company laptop has one


class FakeProvider:
    """An identity provider: the test says who logs in next (`person`)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.key = RSAKey.generate_key(2048, parameters={"kid": "fake-1", "alg": "RS256"})
        self.person: dict[str, Any] = {}
        self.codes: dict[str, dict[str, Any]] = {}
        self.wrong_nonce = False
        self.sessions: dict[str, dict[str, Any]] = {}  # the provider's browser sessions
        self.app = self._app()

    def _signed_in(self, response: Any) -> None:
        """Sign the browser in to the provider itself, as `person` (its session cookie)."""
        session = secrets.token_urlsafe(16)
        self.sessions[session] = dict(self.person)
        response.set_cookie(SESSION_COOKIE, session, httponly=True, samesite="lax")

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
                "end_session_endpoint": f"{self.issuer}/logout",
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
            known = self.sessions.get(request.cookies.get(SESSION_COOKIE, ""))
            if q.get("prompt") == "none" and known is None:
                # Asked not to show anything, and this browser has not signed in here.
                query = urlencode({"error": "login_required", "state": q["state"]})
                return RedirectResponse(f"{q['redirect_uri']}?{query}", status_code=302)
            code = secrets.token_urlsafe(16)
            self.codes[code] = {
                "nonce": q["nonce"],
                "challenge": q["code_challenge"],
                "redirect_uri": q["redirect_uri"],
                "person": dict(known if q.get("prompt") == "none" and known else self.person),
            }
            query = urlencode({"code": code, "state": q["state"]})
            response = RedirectResponse(f"{q['redirect_uri']}?{query}", status_code=302)
            if known is None:  # the person signed in here (interactively, in a real provider)
                self._signed_in(response)
            return response

        @app.get("/session")
        async def session() -> HTMLResponse:
            """The person signs in to the provider itself (the laptop's sign-in at work)."""
            response = HTMLResponse("<!doctype html><title>Fake SSO</title><p>Signed in.</p>")
            self._signed_in(response)
            return response

        @app.get("/logout")
        async def logout(request: Request) -> RedirectResponse:
            """RP-initiated logout: ends the provider's session and goes back to the client."""
            self.sessions.pop(request.cookies.get(SESSION_COOKIE, ""), None)
            back = request.query_params.get("post_logout_redirect_uri") or self.issuer
            response = RedirectResponse(back, status_code=302)
            response.delete_cookie(SESSION_COOKIE)
            return response

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


@asynccontextmanager
async def running_provider() -> AsyncIterator[FakeProvider]:
    """A FakeProvider served on a free port for the block's duration."""
    fake = FakeProvider()
    server = uvicorn.Server(
        uvicorn.Config(fake.app, host="127.0.0.1", port=fake.port, log_config=None)
    )
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    try:
        yield fake
    finally:
        server.should_exit = True
        await serving
