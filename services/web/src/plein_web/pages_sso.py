"""Single sign-on ending in a browser session: "Sign in with <provider>" sends the browser to
identity's OIDC login (started server-to-server, so the flow is for this web client); identity's
callback sends it back here with a one-time code, swapped server-to-server for tokens. The
browser never holds a token; the flow's state is checked against the one this session began."""

from __future__ import annotations

import hmac
from typing import Annotated
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Query
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException

from . import store
from .gateway import ApiProblem
from .i18n import gettext
from .visits import Anyone, Visit, safe_next

router = APIRouter()


def _refused(visit: Visit, message: str, status_code: int = 400) -> Response:
    return visit.web.renderer.page(
        visit, "sign_in.html", status_code=status_code, next="/", error=message
    )


@router.get("/sign-in/oidc")
async def start(visit: Anyone, next: Annotated[str, Query(max_length=2000)] = "/") -> Response:
    web = visit.web
    if not web.settings.oidc_provider or not visit.session.id:
        raise HTTPException(404)
    location = await web.gateway.oidc_start()
    state = (parse_qs(urlsplit(location).query).get("state") or [""])[0]
    if not state:
        return _refused(visit, gettext("Single sign-on did not start. Please try again."), 502)
    async with web.ctx.pool.connection() as conn:
        await store.remember_oidc_state(conn, visit.session.id, state, safe_next(next))
    return RedirectResponse(location, status_code=303)


@router.get("/sign-in/oidc/complete")
async def complete(
    visit: Anyone,
    code: Annotated[str, Query(min_length=1, max_length=200)],
    state: Annotated[str, Query(min_length=1, max_length=200)],
) -> Response:
    expected = visit.session.oidc_state
    if not expected or not hmac.compare_digest(expected, state):
        message = gettext("This sign-in was started in another browser, or it expired.")
        return _refused(visit, message)
    web = visit.web
    try:
        tokens = await web.gateway.oidc_handoff(code, state, visit.now)
        me = await web.gateway.call("GET", "/identity/me", tokens.access_token)
    except ApiProblem:
        return _refused(visit, gettext("Single sign-on did not work. Please try again."), 401)
    # The page first asked for, as this browser kept it when the flow started (read before
    # signing in: that starts a new session).
    back = safe_next(visit.session.oidc_next)
    await visit.sign_in(tokens, me["display_name"], me.get("languages") or [])
    return RedirectResponse(back, status_code=303)
