"""The public HTTP APIs as the web client calls them: with the signed-in person's token,
refreshed here (never in the browser), problems turned into exceptions the pages show."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

import httpx


class ApiProblem(Exception):
    """A 4xx/5xx answer of an API, with its RFC 9457 problem document."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        super().__init__(problem.get("detail") or problem.get("title") or f"HTTP {status}")
        self.status = status
        self.problem = problem

    @property
    def message(self) -> str:
        """What to show a person: the problem's detail, or the first field error."""
        fields = self.field_errors()
        if fields:
            return "; ".join(f"{field}: {text}" for field, text in fields.items())
        return str(self.problem.get("detail") or self.problem.get("title") or self)

    def field_errors(self) -> dict[str, str]:
        """Messages per form field, from a validation problem's errors."""
        out: dict[str, str] = {}
        for error in self.problem.get("errors") or []:
            if not isinstance(error, dict):
                continue
            where = error.get("location") or error.get("loc") or []
            text = str(error.get("message") or error.get("msg") or "")
            if where:
                out.setdefault(str(where[-1]), text)
        return out


class SignInNeeded(Exception):
    """The session has no (longer a) valid sign-in: send the person to the sign-in page."""


class Tokens:
    """What identity answered at sign-in or refresh."""

    def __init__(self, body: dict[str, Any], now: datetime) -> None:
        self.access_token: str = body["access_token"]
        self.refresh_token: str = body["refresh_token"]
        self.user_id: str = str(body["user_id"])
        self.access_expires_at = now + timedelta(seconds=int(body["expires_in"]))


def _problem(response: httpx.Response) -> ApiProblem:
    try:
        body = response.json()
    except ValueError:
        body = {"title": response.reason_phrase, "detail": response.text[:200]}
    if not isinstance(body, dict):
        body = {"detail": str(body)}
    return ApiProblem(response.status_code, body)


class Gateway:
    """One shared connection pool to the APIs (`PLEIN_WEB_API_URL`, default PUBLIC_URL/api)."""

    def __init__(self, api_url: str) -> None:
        # One base for all (`http://127.0.0.1:8000/api`), or one per service with `{service}`
        # (`http://{service}/api` in Kubernetes: each API straight from its Service).
        self.api_url = api_url.rstrip("/")
        self.http = httpx.AsyncClient(
            timeout=httpx.Timeout(30.0, connect=5.0),
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
        )

    def url(self, path: str) -> str:
        """The address of an API path such as `/identity/tokens`."""
        service = path.lstrip("/").split("/", 1)[0]
        return self.api_url.replace("{service}", service) + path

    async def close(self) -> None:
        await self.http.aclose()

    async def call(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> Any:
        """The JSON an API answered (None for 204); ApiProblem for an error; SignInNeeded for a
        401 when a token was sent (the sign-in was revoked)."""
        headers = dict(kwargs.pop("headers", None) or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            response = await self.http.request(method, self.url(path), headers=headers, **kwargs)
        except (httpx.ReadError, httpx.RemoteProtocolError):
            if method != "GET":
                raise
            # A kept-alive connection the API closed meanwhile: a read is safe to send again.
            response = await self.http.request(method, self.url(path), headers=headers, **kwargs)
        if response.status_code == 401 and token:
            raise SignInNeeded()
        if response.status_code >= 400:
            raise _problem(response)
        if response.status_code == 204 or not response.content:
            return None
        if response.headers.get("content-type", "").startswith("application/json"):
            return response.json()
        return response.content

    async def sign_in(self, email: str, password: str, now: datetime) -> Tokens:
        body = await self.call(
            "POST", "/identity/tokens", json={"email": email, "password": password}
        )
        return Tokens(body, now)

    async def refresh(self, refresh_token: str, now: datetime) -> Tokens:
        response = await self.http.post(
            self.url("/identity/tokens/refresh"), json={"refresh_token": refresh_token}
        )
        if response.status_code in (400, 401, 403, 404, 422):
            raise SignInNeeded()
        if response.status_code >= 400:
            raise _problem(response)
        return Tokens(response.json(), now)

    async def oidc_start(self, *, silent: bool = False) -> str:
        """Where to send the browser: identity's OIDC login, started for this web client;
        `silent`: the provider is asked to show nothing (`prompt=none`)."""
        params = {"return_to": "web", **({"prompt": "none"} if silent else {})}
        response = await self.http.get(self.url("/identity/oidc/login"), params=params)
        if response.status_code >= 400 or "location" not in response.headers:
            raise _problem(response)
        return response.headers["location"]

    async def oidc_handoff(self, code: str, state: str, now: datetime) -> Tokens:
        """Tokens for the one-time code identity's callback gave the browser."""
        body = await self.call(
            "POST", "/identity/oidc/handoff", json={"code": code, "state": state}
        )
        return Tokens(body, now)

    async def act_as(self, token: str, account_id: str, now: datetime) -> Tokens:
        """Tokens acting as a shared account the token's person is a delegate of."""
        body = await self.call(
            "POST", "/identity/tokens/act-as", token, json={"account_id": account_id}
        )
        return Tokens(body, now)

    async def sign_out(self, refresh_token: str) -> None:
        try:
            await self.http.post(
                self.url("/identity/logout"), json={"refresh_token": refresh_token}
            )
        except httpx.HTTPError:
            pass  # the session is gone here either way; the token expires on its own

    @asynccontextmanager
    async def stream(
        self, path: str, token: str, headers: dict[str, str]
    ) -> AsyncIterator[httpx.Response]:
        async with self.http.stream(
            "GET",
            self.url(path),
            headers={**headers, "Authorization": f"Bearer {token}"},
            timeout=httpx.Timeout(None, connect=5.0),
        ) as response:
            if response.status_code == 401:
                raise SignInNeeded()
            if response.status_code >= 400:
                await response.aread()
                raise _problem(response)
            yield response
