"""The web service: the browser's Plein, served at `/`. A backend-for-frontend over the public
HTTP APIs (it imports no other service, reads no other schema, consumes no events); its own
schema holds only browser sessions."""

from __future__ import annotations

import asyncio
from importlib.resources.abc import Traversable

from fastapi import APIRouter, FastAPI
from plein_platform.database import migrations_dir
from plein_platform.service import Service, Worker, every

from . import exports, pages, store
from .gateway import Gateway
from .icons import Icons
from .rendering import Renderer, SecurityHeaders
from .sealing import TokenSeal
from .settings import WebSettings


class WebService(Service):
    name = "web"
    description = "The web client: pages for the browser, over the public APIs."
    mount_path = ""

    def __init__(self) -> None:
        self.settings = WebSettings()
        self.renderer = Renderer(self.settings.time_zone)
        self.renderer.env.globals["icon"] = Icons(self.settings.node_modules)
        self.renderer.env.globals["sso_provider"] = lambda: self.settings.oidc_provider
        self.seal = TokenSeal(
            self.settings.token_key.get_secret_value() if self.settings.token_key else None
        )
        self._gateway: Gateway | None = None
        super().__init__()

    def _create_app(self) -> FastAPI:
        app = super()._create_app()
        app.add_middleware(SecurityHeaders)
        pages.install_error_pages(app)
        # The pages are for people, not for the OpenAPI document.
        app.openapi_url = None
        app.docs_url = None
        app.redoc_url = None
        return app

    def migrations(self) -> Traversable:
        return migrations_dir("plein_web", __file__)

    def routes(self) -> APIRouter:
        return pages.routes()

    @property
    def gateway(self) -> Gateway:
        if self._gateway is None:
            api_url = self.settings.api_url or f"{self.ctx.settings.base_url}/api"
            self._gateway = Gateway(api_url)
        return self._gateway

    async def on_stop(self) -> None:
        if self._gateway is not None:
            await self._gateway.close()
            self._gateway = None

    def extra_workers(self) -> list[Worker]:
        return [_SessionSweeper(self)]


class _SessionSweeper:
    """Deletes expired sessions and day-old data archives every hour (the lookups
    ignore expired sessions already)."""

    name = "web:session-sweeper"

    def __init__(self, web: WebService) -> None:
        self.web = web

    async def run(self, stop: asyncio.Event) -> None:
        async def sweep() -> None:
            async with self.web.ctx.pool.connection() as conn:
                await store.delete_expired(conn, self.web.ctx.clock())
                await exports.sweep(conn, self.web.ctx.clock())  # archives kept a day

        await every(lambda: 3600.0, sweep, stop, what="session sweep")


SERVICE = WebService
