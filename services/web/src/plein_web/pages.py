"""The web client's routes: assembled here from one module per area, plus sign-in, register,
sign-out, the front-end assets and the error pages."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated
from urllib.parse import quote, urlsplit

import structlog
from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import (
    installable,
    pages_articles,
    pages_calendar,
    pages_dashboard,
    pages_embed,
    pages_export,
    pages_files,
    pages_home,
    pages_link_cards,
    pages_notify,
    pages_people,
    pages_preview,
    pages_push,
    pages_sso,
    pages_topics,
)
from .gateway import ApiProblem, SignInNeeded
from .i18n import current_language, gettext, ngettext
from .problems import Advice, explain
from .rendering import SECURITY_HEADERS
from .visits import (
    DEVICE_COOKIE,
    Acting,
    Anyone,
    AnyoneChanging,
    CsrfRefused,
    for_scripts,
    safe_next,
    set_device_cookie,
    visit,
    web_of,
)

log = structlog.get_logger(__name__)
STATIC = Path(__file__).parent / "static"
# Front-end packages (installed by `make setup` from package-lock.json): what /assets serves.
VENDOR = {"htmx.min.js": ("htmx.org", "dist", "htmx.min.js")}


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def wait_to_sign_in(problem: ApiProblem) -> str:
    """How long a throttled sign-in must wait, in the person's language (identity's 429)."""
    seconds = max(1, int(problem.problem.get("retry_after_s") or 1))
    if seconds < 120:
        return ngettext(
            "Too many wrong passwords. Try again in %(num)d second.",
            "Too many wrong passwords. Try again in %(num)d seconds.",
            seconds,
        )
    minutes = (seconds + 59) // 60
    return ngettext(
        "Too many wrong passwords. Try again in %(num)d minute.",
        "Too many wrong passwords. Try again in %(num)d minutes.",
        minutes,
    )


def routes() -> APIRouter:
    router = APIRouter()

    @router.get("/assets/{name}", include_in_schema=False)
    async def asset(request: Request, name: str) -> Response:
        if name in VENDOR:
            path = web_of(request).settings.node_modules.joinpath(*VENDOR[name])
        else:
            path = STATIC / name
        if "/" in name or not path.is_file():
            return Response(status_code=404)
        media = {".js": "text/javascript", ".svg": "image/svg+xml"}.get(path.suffix)
        return FileResponse(
            path, media_type=media, headers={"cache-control": "public, max-age=3600"}
        )

    @router.get("/sign-in")
    async def sign_in_page(visit: Anyone, next: str | None = None) -> Response:
        if visit.session.signed_in:
            return see_other(safe_next(next))
        silent = pages_sso.silently_first(visit, next or "/")
        if silent is not None:
            return silent
        return visit.web.renderer.page(visit, "sign_in.html", next=safe_next(next), error=None)

    @router.post("/sign-in")
    async def sign_in(
        visit: AnyoneChanging,
        email: Annotated[str, Form(max_length=320)] = "",
        password: Annotated[str, Form(max_length=256)] = "",
        next: Annotated[str, Form(max_length=2000)] = "/",
    ) -> Response:
        web = visit.web
        try:
            tokens = await web.gateway.sign_in(
                email,
                password,
                visit.now,
                device_token=visit.request.cookies.get(DEVICE_COOKIE),
                address=visit.request.client.host if visit.request.client else None,
            )
            me = await web.gateway.call("GET", "/identity/me", tokens.access_token)
        except ApiProblem as problem:
            message = (
                gettext("That e-mail address and password do not match.")
                if problem.status in (400, 401, 403, 422)
                else wait_to_sign_in(problem)
                if problem.status == 429
                else problem.message
            )
            return web.renderer.page(
                visit,
                "sign_in.html",
                status_code=problem.status,
                next=safe_next(next),
                error=message,
                email=email,
            )
        await visit.sign_in(tokens, me["display_name"], me.get("languages") or [])
        if tokens.device_token:
            set_device_cookie(tokens.device_token)
        return see_other(safe_next(next))

    @router.post("/sign-out")
    async def sign_out(visit: Acting) -> Response:
        await visit.sign_out()
        # The installed app's kept pages (service worker caches) go with the session; and the
        # sign-in page does not sign this browser silently in again (single sign-on).
        return pages_sso.stay_quiet(
            RedirectResponse(
                "/sign-in?signed_out=plein", status_code=303, headers={"Clear-Site-Data": '"cache"'}
            )
        )

    @router.get("/register")
    async def register_page(visit: Anyone, invitation: str | None = None) -> Response:
        return visit.web.renderer.page(
            visit, "register.html", invitation=invitation or "", errors={}, error=None, form={}
        )

    @router.post("/register")
    async def register(
        visit: AnyoneChanging,
        email: Annotated[str, Form(max_length=320)] = "",
        password: Annotated[str, Form(max_length=256)] = "",
        display_name: Annotated[str, Form(max_length=200)] = "",
        department: Annotated[str, Form(max_length=200)] = "",
        job_title: Annotated[str, Form(max_length=200)] = "",
        invitation: Annotated[str, Form(max_length=300)] = "",
    ) -> Response:
        web = visit.web
        body = {
            "email": email,
            "password": password,
            "display_name": display_name,
            "department": department or None,
            "job_title": job_title or None,
            "languages": [current_language.get()],
            "invitation": invitation or None,
        }
        try:
            await web.gateway.call(
                "POST", "/identity/users", json={k: v for k, v in body.items() if v is not None}
            )
            tokens = await web.gateway.sign_in(email, password, visit.now)
        except ApiProblem as problem:
            return web.renderer.page(
                visit,
                "register.html",
                status_code=problem.status,
                invitation=invitation,
                errors=problem.field_errors(),
                error=problem.message,
                form={
                    "email": email,
                    "display_name": display_name,
                    "department": department,
                    "job_title": job_title,
                },
            )
        await visit.sign_in(tokens, display_name, [current_language.get()])
        return see_other("/")

    router.include_router(installable.router)
    router.include_router(pages_sso.router)
    router.include_router(pages_home.router)
    router.include_router(pages_people.router)
    router.include_router(pages_topics.router)
    router.include_router(pages_calendar.router)
    router.include_router(pages_notify.router)
    router.include_router(pages_push.router)
    router.include_router(pages_export.router)
    router.include_router(pages_dashboard.router)
    router.include_router(pages_embed.router)
    router.include_router(pages_files.router)
    router.include_router(pages_link_cards.router)
    router.include_router(pages_preview.router)
    router.include_router(pages_articles.router)
    return router


def install_error_pages(app: FastAPI) -> None:
    """Errors as pages a person can read: a lost session goes to sign-in and back."""

    @app.exception_handler(SignInNeeded)
    async def _sign_in(request: Request, exc: SignInNeeded) -> Response:
        back = request.url.path
        if request.url.query:
            back += "?" + request.url.query
        if request.method != "GET":
            back = safe_next(urlsplit(request.headers.get("referer", "/")).path)
        target = f"/sign-in?next={quote(back)}"
        if request.headers.get("hx-request"):
            return Response(status_code=204, headers={"HX-Redirect": target})
        if for_scripts(request):
            return Response(status_code=401)  # a script's call: nothing to redirect
        return see_other(target)

    @app.exception_handler(CsrfRefused)
    async def _csrf(request: Request, exc: CsrfRefused) -> Response:
        the_visit = getattr(request.state, "visit", None) or await visit(request)
        if request.url.path == "/sign-in":
            return the_visit.web.renderer.page(
                the_visit,
                "sign_in.html",
                status_code=403,
                next="/",
                error=gettext("The sign-in form had expired. Please sign in again."),
            )
        return the_visit.web.renderer.page(
            the_visit,
            "error.html",
            status_code=403,
            title=gettext("This form has expired"),
            detail=gettext("Please go back, reload the page and try again."),
        )

    @app.exception_handler(ApiProblem)
    async def _problem(request: Request, exc: ApiProblem) -> Response:
        advice = Advice.of(exc.status, exc.wait_s)
        return await _error_page(request, exc.status, advice.title, exc.message, exc.wait_s)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        advice = Advice.of(exc.status_code)
        return await _error_page(request, exc.status_code, advice.title, advice.detail)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        """A malformed id in the address is a page that is not there; bad form input is
        said per field, in the page's language (never the raw problem document)."""
        errors = list(exc.errors())
        if any(tuple(e.get("loc", ()))[:1] == ("path",) for e in errors):
            advice = Advice.of(404)
            return await _error_page(request, 404, advice.title, advice.detail)
        problem = {
            "type": "about:blank",
            "errors": [
                {"location": list(e.get("loc", ())), "type": e.get("type"), "context": e.get("ctx")}
                for e in errors
            ],
        }
        return await _error_page(request, 422, Advice.of(422).title, explain(422, problem), None)

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error", path=request.url.path)
        advice = Advice.of(500)
        response = await _error_page(request, 500, advice.title, advice.detail)
        # Answered outside the middleware that adds these to every other answer.
        for name, value in SECURITY_HEADERS:
            response.headers.setdefault(name.decode(), value.decode())
        return response


async def _error_page(
    request: Request, status: int, title: str, detail: str, wait_s: float | None = None
) -> Response:
    """An error as a page with the normal navigation (or, for an htmx request, the message
    to put in place), saying what to do; a 429 says how long to wait, also in Retry-After."""
    the_visit = getattr(request.state, "visit", None)
    if the_visit is None:
        try:
            the_visit = await visit(request)
        except Exception:  # the session store itself failed: still a page, without a name
            the_visit = None
    renderer = (the_visit.web if the_visit else web_of(request)).renderer
    if request.headers.get("hx-request"):
        response = renderer.page(the_visit, "_problem.html", status_code=status, message=detail)
    else:
        response = renderer.page(
            the_visit, "error.html", status_code=status, title=title, detail=detail, status=status
        )
    if wait_s is not None:
        response.headers["Retry-After"] = str(max(1, math.ceil(wait_s)))
    return response
