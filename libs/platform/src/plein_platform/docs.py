"""Each service's API docs (Swagger UI at `/docs`, ReDoc at `/redoc`) and the event contract's
AsyncAPI page (`/asyncapi`), served by Plein itself.

FastAPI's own pages load their scripts from a CDN: without internet access they stay blank.
These pages load the same assets from the fastapi-offline package, under the service's own
prefix (`/api/<service>/docs/assets/...`), so they work wherever the API does.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.security import HTTPBearer
from plein_events.schema_files import checked_in_asyncapi
from starlette.staticfiles import StaticFiles

from .asyncapi_page import asyncapi_html

ASSETS = Path(str(files("fastapi_offline") / "static"))
# The browser itself keeps the pages to Plein: ReDoc's "API docs by Redocly" footer fetches its
# logo from a CDN whatever the options; under this policy it is never requested. (FastAPI's
# page starts Swagger UI with an inline script; ReDoc styles inline and searches in a worker.)
DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; worker-src 'self' blob:"
)

# Declared on every route that needs a caller (see current_principal): the OpenAPI document
# carries the scheme, so Swagger UI's "Authorize" takes a token and "Try it out" sends it.
BEARER = HTTPBearer(
    auto_error=False,  # a missing token is answered by Plein's own problem document
    scheme_name="bearer",
    bearerFormat="JWT",
    description="An access token from `POST /api/identity/tokens` (e-mail and password).",
)


def install_docs(app: FastAPI) -> None:
    """Add `/docs`, `/redoc` and their assets to a service's app (built with docs_url=None)."""
    app.mount("/docs/assets", StaticFiles(directory=ASSETS), name="docs-assets")

    def prefix(request: Request) -> str:
        return str(request.scope.get("root_path", "")).rstrip("/")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        base = prefix(request)
        page = get_swagger_ui_html(
            openapi_url=f"{base}{app.openapi_url}",
            title=f"{app.title} – API",
            swagger_js_url=f"{base}/docs/assets/swagger-ui-bundle.js",
            swagger_css_url=f"{base}/docs/assets/swagger-ui.css",
            swagger_favicon_url=f"{base}/docs/assets/favicon.png",
            oauth2_redirect_url=None,
            # Swagger UI would send the document to validator.swagger.io for its badge.
            swagger_ui_parameters={"validatorUrl": None, "persistAuthorization": True},
        )
        page.headers["Content-Security-Policy"] = DOCS_POLICY
        return page

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        base = prefix(request)
        page = get_redoc_html(
            openapi_url=f"{base}{app.openapi_url}",
            title=f"{app.title} – API reference",
            redoc_js_url=f"{base}/docs/assets/redoc.standalone.js",
            redoc_favicon_url=f"{base}/docs/assets/favicon.png",
            with_google_fonts=False,
        )
        page.headers["Content-Security-Policy"] = DOCS_POLICY
        return page

    # The event contract (the same on every service): its checked-in AsyncAPI document and a
    # page that renders it without any script (see asyncapi_page).
    @app.get("/asyncapi.json", include_in_schema=False)
    async def asyncapi_json() -> JSONResponse:
        return JSONResponse(checked_in_asyncapi())

    @app.get("/asyncapi", include_in_schema=False)
    async def asyncapi_page(request: Request) -> HTMLResponse:
        return HTMLResponse(
            asyncapi_html(checked_in_asyncapi(), json_url=f"{prefix(request)}/asyncapi.json")
        )
