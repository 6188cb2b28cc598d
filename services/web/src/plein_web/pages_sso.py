"""Single sign-on ending in a browser session: "Sign in with <provider>" sends the browser to
identity's OIDC login (started server-to-server, so the flow is for this web client); identity's
callback sends it back here with a one-time code, swapped server-to-server for tokens. The
browser never holds a token; the flow's state is checked against the one this session began.

No sign-in screen on a company laptop: a visit without a session first asks the provider
silently (`prompt=none`), so a browser already signed in there lands on the page it asked for
without a click. When the provider answers `login_required`, or after the person signed out of
Plein, the browser carries a marker (`QUIET_COOKIE`) and sees the sign-in page instead: no loop,
and signing out is not undone by the next visit."""

from __future__ import annotations

import hmac
from typing import Annotated
from urllib.parse import parse_qs, quote, urlsplit

from fastapi import APIRouter, Query
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException

from . import store
from .gateway import ApiProblem
from .i18n import gettext
from .visits import Anyone, Visit, safe_next

router = APIRouter()

# Set when the silent attempt failed or the person signed out: the sign-in page shows itself.
# Until the browser closes (no Max-Age), so a laptop's next morning starts silent again.
QUIET_COOKIE = "plein_sso_quiet"


def _refused(visit: Visit, message: str, status_code: int = 400) -> Response:
    return visit.web.renderer.page(
        visit, "sign_in.html", status_code=status_code, next="/", error=message
    )


def silently_first(visit: Visit, next: str) -> Response | None:
    """The redirect that tries single sign-on without a screen, when that is worth a try:
    single sign-on is configured, nobody is signed in, and this browser has not just been
    refused or signed out."""
    if (
        not visit.web.settings.oidc_provider
        or visit.session.signed_in
        or not visit.session.id
        or visit.request.cookies.get(QUIET_COOKIE)
    ):
        return None
    return RedirectResponse(f"/sign-in/oidc?silent=1&next={quote(safe_next(next))}", 303)


def stay_quiet(response: Response) -> Response:
    """Mark this browser so that its sign-in page does not try silently again."""
    response.set_cookie(QUIET_COOKIE, "1", httponly=True, samesite="lax", path="/")
    return response


@router.get("/sign-in/oidc")
async def start(
    visit: Anyone,
    next: Annotated[str, Query(max_length=2000)] = "/",
    silent: bool = False,
) -> Response:
    web = visit.web
    if not web.settings.oidc_provider or not visit.session.id:
        raise HTTPException(404)
    try:
        location = await web.gateway.oidc_start(silent=silent)
    except ApiProblem:
        if silent:  # the provider is out of reach: the ordinary sign-in page
            return stay_quiet(RedirectResponse(f"/sign-in?next={quote(safe_next(next))}", 303))
        raise
    state = (parse_qs(urlsplit(location).query).get("state") or [""])[0]
    if not state:
        return _refused(visit, gettext("Single sign-on did not start. Please try again."), 502)
    async with web.ctx.pool.connection() as conn:
        await store.remember_oidc_state(conn, visit.session.id, state, safe_next(next))
    return RedirectResponse(location, status_code=303)


@router.get("/sign-in/oidc/complete")
async def complete(
    visit: Anyone,
    state: Annotated[str, Query(min_length=1, max_length=200)],
    code: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    error: Annotated[str | None, Query(max_length=60)] = None,
) -> Response:
    expected = visit.session.oidc_state
    if not expected or not hmac.compare_digest(expected, state):
        message = gettext("This sign-in was started in another browser, or it expired.")
        return _refused(visit, message)
    back = safe_next(visit.session.oidc_next)
    if code is None:
        # The provider would not sign this browser in without a screen (login_required):
        # the sign-in page, once, for the page first asked for.
        return stay_quiet(RedirectResponse(f"/sign-in?next={quote(back)}", status_code=303))
    web = visit.web
    try:
        tokens = await web.gateway.oidc_handoff(code, state, visit.now)
        me = await web.gateway.call("GET", "/identity/me", tokens.access_token)
    except ApiProblem:
        return _refused(visit, gettext("Single sign-on did not work. Please try again."), 401)
    # The page first asked for, as this browser kept it when the flow started (read before
    # signing in: that starts a new session).
    await visit.sign_in(tokens, me["display_name"], me.get("languages") or [])
    return RedirectResponse(back, status_code=303)
