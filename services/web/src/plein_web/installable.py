"""Plein as an installable app (a progressive web app): the web app manifest, its icons drawn
from the logo in every size, the service worker that keeps the app shell and the pages last
read, and the page it shows when there is no network.

The service worker is served from `/sw.js` so that its scope is the whole site. What it keeps
of a person's pages stays in that browser's cache only until they sign out (sign-out answers
`Clear-Site-Data`), and only pages a person reads (home and threads) are kept."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import resvg_py
from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from .i18n import gettext
from .visits import Anyone

STATIC = Path(__file__).parent / "static"
ICON_SIZES = (48, 72, 96, 128, 144, 152, 180, 192, 256, 384, 512)
MASKABLE_SIZES = (192, 512)
THEME_COLOUR = "#0b63c5"
BACKGROUND_COLOUR = "#ffffff"
# Cached for a day in browsers; the worker itself is always asked for afresh (see sw.js).
ICON_CACHE = "public, max-age=86400"

router = APIRouter()


@lru_cache(maxsize=len(ICON_SIZES) + len(MASKABLE_SIZES))
def icon_png(size: int, maskable: bool = False) -> bytes:
    """The logo as a square PNG of `size` pixels. A maskable icon fills the whole square with
    the logo's background and keeps the letter inside the central safe zone (80%), because the
    phone cuts it to its own shape (circle, squircle)."""
    name = "icon-maskable.svg" if maskable else "icon.svg"
    svg = (STATIC / name).read_text()
    return bytes(resvg_py.svg_to_bytes(svg_string=svg, width=size, height=size))


def manifest(language: str) -> dict[str, Any]:
    """The web app manifest in the person's language."""
    icons = [
        {"src": f"/assets/icons/icon-{s}.png", "sizes": f"{s}x{s}", "type": "image/png"}
        for s in ICON_SIZES
    ]
    icons += [
        {
            "src": f"/assets/icons/maskable-{s}.png",
            "sizes": f"{s}x{s}",
            "type": "image/png",
            "purpose": "maskable",
        }
        for s in MASKABLE_SIZES
    ]
    return {
        "id": "/",
        "name": "Plein",
        "short_name": "Plein",
        "description": gettext("Your colleagues, groups and news in one place."),
        "lang": language,
        "start_url": "/?source=app",
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": icons,
        "shortcuts": [
            {
                "name": gettext("New post"),
                "url": "/?compose=open#compose-text",
                "icons": [{"src": "/assets/icons/icon-96.png", "sizes": "96x96"}],
            },
            {
                "name": gettext("Inbox"),
                "url": "/notifications",
                "icons": [{"src": "/assets/icons/icon-96.png", "sizes": "96x96"}],
            },
        ],
    }


@router.get("/manifest.webmanifest", include_in_schema=False)
async def web_app_manifest(visit: Anyone) -> Response:
    return JSONResponse(
        manifest(visit.language),
        media_type="application/manifest+json",
        headers={"cache-control": "no-cache", "vary": "Cookie, Accept-Language"},
    )


@router.get("/assets/icons/{name}.png", include_in_schema=False)
async def icon(name: str) -> Response:
    kind, _, size_text = name.rpartition("-")
    if kind not in ("icon", "maskable") or not size_text.isdigit():
        raise HTTPException(404)
    size = int(size_text)
    if size not in (MASKABLE_SIZES if kind == "maskable" else ICON_SIZES):
        raise HTTPException(404)
    return Response(
        icon_png(size, maskable=kind == "maskable"),
        media_type="image/png",
        headers={"cache-control": ICON_CACHE},
    )


@router.get("/sw.js", include_in_schema=False)
async def service_worker() -> Response:
    # From the root, so that the worker's scope is every page; never cached by the HTTP cache,
    # so a new version reaches every browser on its next visit.
    return Response(
        (STATIC / "sw.js").read_bytes(),
        media_type="text/javascript",
        headers={"cache-control": "no-cache"},
    )


@router.get("/offline", include_in_schema=False)
async def offline_page(visit: Anyone) -> Response:
    """What the app shows when there is no network and the page asked for was never read
    here: kept by the service worker when it installs, in the language of that moment."""
    return visit.web.renderer.page(visit, "offline.html")
