"""One browser request as the pages see it: its session (from the httpOnly cookie), the CSRF
check of state changes, and API calls made with the person's tokens, refreshed here."""

from __future__ import annotations

import contextvars
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlsplit
from uuid import UUID

from fastapi import Depends, Request

from . import store
from .gateway import SignInNeeded, Tokens
from .i18n import choose_language, current_language
from .store import Session

if TYPE_CHECKING:
    from .service import WebService

COOKIE = "plein_session"
# The device token identity answered at this browser's last sign-in (OWASP's device cookie):
# sent with the next sign-in, it keeps strangers' wrong passwords from slowing this one down.
DEVICE_COOKIE = "plein_device"
DEVICE_COOKIE_MAX_AGE = 180 * 24 * 3600
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
# What this request's answer must carry besides its body (the session cookie), filled in by
# the pages and written by rendering.SecurityHeaders; a contextvar, because Starlette may hand
# the app a copy of the scope.
ANSWER: contextvars.ContextVar[dict[str, Any]] = contextvars.ContextVar("plein_web_answer")


def set_cookie(value: str, max_age: int) -> None:
    answer = ANSWER.get(None)
    if answer is not None:
        answer["set_cookie"] = (value, max_age)


def set_device_cookie(value: str) -> None:
    answer = ANSWER.get(None)
    if answer is not None:
        answer["device_cookie"] = (value, DEVICE_COOKIE_MAX_AGE)


def safe_next(target: str | None) -> str:
    """Only a path on this site (no scheme, no host): a sign-in never redirects elsewhere."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


class CsrfRefused(Exception):
    """A state-changing request without this session's CSRF token."""


# What the page's script calls (not pages): they never start a session nor redirect.
SCRIPT_PATHS = frozenset({"/live", "/seen", "/people/suggest", "/unread-count", "/files/upload"})


def for_scripts(request: Request) -> bool:
    return request.url.path in SCRIPT_PATHS


def web_of(request: Request) -> WebService:
    service: WebService = request.app.state.service
    return service


@dataclass
class Visit:
    request: Request
    web: WebService
    session: Session
    now: datetime

    @property
    def language(self) -> str:
        return self.session.language or choose_language(
            None, self.request.headers.get("accept-language")
        )

    @property
    def user_id(self) -> str:
        if self.session.user_id is None:
            raise SignInNeeded()
        return str(self.session.user_id)

    async def api(self, method: str, path: str, **kwargs: Any) -> Any:
        """Call a public API as the signed-in person."""
        token = await self._fresh_access_token()
        # The APIs that write sentences (notify's inbox) write them in the pages' language.
        kwargs["headers"] = {"Accept-Language": self.language, **(kwargs.get("headers") or {})}
        try:
            return await self.web.gateway.call(method, path, token, **kwargs)
        except SignInNeeded:
            await self.forget_sign_in()
            raise

    async def get(self, path: str, **params: Any) -> Any:
        clean = {k: v for k, v in params.items() if v is not None and v != ""}
        return await self.api("GET", path, params=clean)

    async def _fresh_access_token(self) -> str:
        s = self.session
        margin = timedelta(seconds=self.web.settings.refresh_margin_s)
        if not s.signed_in:
            raise SignInNeeded()
        if s.access_token and s.access_expires_at and s.access_expires_at > self.now + margin:
            return s.access_token
        # Each refresh token works once: the row lock makes concurrent requests of one session
        # (several tabs, htmx calls in parallel) refresh once and share the result.
        async with self.web.ctx.pool.connection() as conn, conn.transaction():
            locked = await store.find_session(conn, s.id, self.now, self.web.seal, for_update=True)
            if locked is None or not locked.signed_in or locked.refresh_token is None:
                raise SignInNeeded()
            if (
                locked.access_token
                and locked.access_expires_at
                and locked.access_expires_at > self.now + margin
            ):
                self.session = locked
                return locked.access_token
            try:
                tokens = await self.web.gateway.refresh(locked.refresh_token, self.now)
            except SignInNeeded:
                await store.delete_session(conn, s.id)
                raise
            self.session = self._with_tokens(locked, tokens)
            await store.save_tokens(conn, self.session, self.web.seal)
        assert self.session.access_token is not None
        return self.session.access_token

    def _with_tokens(self, session: Session, tokens: Tokens) -> Session:
        session.access_token = tokens.access_token
        session.refresh_token = tokens.refresh_token
        session.access_expires_at = tokens.access_expires_at
        session.user_id = UUID(tokens.user_id)
        return session

    async def sign_in(self, tokens: Tokens, display_name: str, languages: list[str]) -> None:
        """Start a signed-in session under a new id (the old one, known before sign-in, ends)."""
        settings = self.web.settings
        async with self.web.ctx.pool.connection() as conn, conn.transaction():
            await store.delete_session(conn, self.session.id)
            fresh = await store.new_session(conn, self.now, settings.session_ttl_s)
            self._with_tokens(fresh, tokens)
            fresh.display_name = display_name
            fresh.language = choose_language(languages, None) if languages else None
            await store.save_tokens(conn, fresh, self.web.seal)
        self.session = fresh
        set_cookie(fresh.id, settings.session_ttl_s)

    async def remember_language(self, language: str) -> None:
        self.session.language = language
        current_language.set(language)
        async with self.web.ctx.pool.connection() as conn:
            await store.save_tokens(conn, self.session, self.web.seal)

    async def sign_out(self) -> None:
        if self.session.refresh_token:
            await self.web.gateway.sign_out(self.session.refresh_token)
        await self.forget_sign_in()

    async def forget_sign_in(self) -> None:
        async with self.web.ctx.pool.connection() as conn:
            await store.delete_session(conn, self.session.id)
        set_cookie("", 0)


async def visit(request: Request) -> Visit:
    """FastAPI dependency: this request's session, created (not signed in) when there is none."""
    web = web_of(request)
    now = datetime.now(UTC)
    cookie = request.cookies.get(COOKIE)
    session = None
    async with web.ctx.pool.connection() as conn:
        if cookie:
            session = await store.find_session(conn, cookie, now, web.seal)
        if session is None and request.method == "GET" and not for_scripts(request):
            ttl = web.settings.anonymous_session_ttl_s
            session = await store.new_session(conn, now, ttl)
            set_cookie(session.id, ttl)
    if session is None:
        # Scripts' calls (seen reports, the live stream) and forms posted without a session
        # get none: creating one would replace, under their feet, the cookie of the page the
        # person is signing in on.
        session = Session(id="", csrf_token=secrets.token_urlsafe(32), expires_at=now)
    the_visit = Visit(request, web, session, now)
    current_language.set(the_visit.language)
    request.state.visit = the_visit
    return the_visit


async def signed_in(the_visit: Annotated[Visit, Depends(visit)]) -> Visit:
    """FastAPI dependency: the visit of a signed-in person (else: to the sign-in page)."""
    if not the_visit.session.signed_in:
        raise SignInNeeded()
    if the_visit.request.method == "GET" and not for_scripts(the_visit.request):
        from .people import profiles  # people's cache builds on this module

        await profiles(the_visit, [the_visit.user_id])  # the header's face (cached a minute)
    return the_visit


async def check_csrf(request: Request, the_visit: Visit) -> None:
    """Refuse a state change that does not carry this session's CSRF token (form or header)."""
    sent = request.headers.get(CSRF_HEADER)
    if not sent:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    if not sent or not hmac.compare_digest(sent, the_visit.session.csrf_token):
        raise CsrfRefused()


async def changing(request: Request, the_visit: Annotated[Visit, Depends(visit)]) -> Visit:
    """FastAPI dependency for a state change by anyone (sign-in, register): CSRF checked."""
    await check_csrf(request, the_visit)
    return the_visit


async def acting(request: Request, the_visit: Annotated[Visit, Depends(signed_in)]) -> Visit:
    """FastAPI dependency for a state change by a signed-in person: CSRF checked."""
    await check_csrf(request, the_visit)
    return the_visit


Anyone = Annotated[Visit, Depends(visit)]
Person = Annotated[Visit, Depends(signed_in)]
AnyoneChanging = Annotated[Visit, Depends(changing)]
Acting = Annotated[Visit, Depends(acting)]
