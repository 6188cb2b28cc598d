"""The web client's routes: assembled here from one module per area, plus sign-in, register,
sign-out, the front-end assets and the error pages."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import (
    installable,
    pages_dashboard,
    pages_embed,
    pages_export,
    pages_files,
    pages_home,
    pages_notify,
    pages_people,
    pages_sso,
    pages_topics,
)
from .gateway import ApiProblem, SignInNeeded
from .i18n import current_language, gettext
from .visits import (
    Acting,
    Anyone,
    AnyoneChanging,
    CsrfRefused,
    for_scripts,
    safe_next,
    visit,
    web_of,
)

STATIC = Path(__file__).parent / "static"
# Front-end packages (installed by `make setup` from package-lock.json): what /assets serves.
VENDOR = {"htmx.min.js": ("htmx.org", "dist", "htmx.min.js")}


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


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
            tokens = await web.gateway.sign_in(email, password, visit.now)
            me = await web.gateway.call("GET", "/identity/me", tokens.access_token)
        except ApiProblem as problem:
            message = (
                gettext("That e-mail address and password do not match.")
                if problem.status in (400, 401, 403, 422)
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
    router.include_router(pages_notify.router)
    router.include_router(pages_export.router)
    router.include_router(pages_dashboard.router)
    router.include_router(pages_embed.router)
    router.include_router(pages_files.router)
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
        the_visit = getattr(request.state, "visit", None) or await visit(request)
        if request.headers.get("hx-request"):
            return the_visit.web.renderer.page(
                the_visit, "_problem.html", status_code=exc.status, message=exc.message
            )
        return the_visit.web.renderer.page(
            the_visit,
            "error.html",
            status_code=exc.status,
            title=exc.problem.get("title") or gettext("Something went wrong"),
            detail=exc.message,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        the_visit = getattr(request.state, "visit", None) or await visit(request)
        title = (
            gettext("Page not found") if exc.status_code == 404 else gettext("Something went wrong")
        )
        return the_visit.web.renderer.page(
            the_visit, "error.html", status_code=exc.status_code, title=title, detail=""
        )
