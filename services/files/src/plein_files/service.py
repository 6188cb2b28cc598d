"""The files service: files and media shared in posts and replies, their previews, their
words for search, and access that follows where they are attached."""

from __future__ import annotations

import secrets
from importlib.resources.abc import Traversable
from typing import Any

from fastapi import APIRouter
from plein_events import Event
from plein_events.projection import Projection
from plein_platform.database import migrations_dir
from plein_platform.service import EventSourcedService, ServiceNotReady, Worker
from plein_platform.standing import standing_projection
from starlette.types import Scope

from . import api, export_personal, store
from .app import Files, FilesApplication, LinkSigner
from .consumers import ERASURE, PLACES, PROCESSING
from .contract import to_contract
from .link_cards import api as link_card_api
from .link_cards import consumers as link_card_consumers
from .link_cards.cards import LinkCards
from .link_cards.worker import LinkCardWorker
from .settings import FilesSettings
from .storage import S3Storage, open_storage
from .worker import FileWorker


class FilesService(EventSourcedService):
    name = "files"
    description = (
        "Files and media: uploads streamed to storage, previews, words inside for search, "
        "short-lived signed links; readable by whoever may read where a file is attached."
    )
    application_class = FilesApplication

    def __init__(self) -> None:
        # Read at call time by the routes and the worker, so a test may swap them.
        self.settings = FilesSettings()
        self._files: Files | None = None
        self._link_cards: LinkCards | None = None
        super().__init__()

    def migrations(self) -> Traversable:
        return migrations_dir("plein_files", __file__)

    def routes(self) -> APIRouter:
        router = api.routes()
        router.include_router(export_personal.routes())  # this service's part of an export
        router.include_router(link_card_api.routes())
        return router

    def projections(self) -> list[Projection]:
        return [
            PLACES,
            PROCESSING,
            ERASURE,
            link_card_consumers.projection(lambda: self.settings),
            standing_projection(self.name),
        ]

    def to_contract(self, domain_event: Any) -> Event | None:
        return to_contract(domain_event)

    def streams_body(self, scope: Scope) -> bool:
        # The upload route reads its body as it streams and enforces PLEIN_FILES_MAX_FILE_BYTES.
        return scope.get("method") == "POST" and scope.get("path", "").endswith("/files")

    @property
    def files(self) -> Files:
        if self._files is None:
            raise ServiceNotReady("The files service is starting.")
        return self._files

    async def on_start(self) -> None:
        await super().on_start()
        s = self.settings
        data_dir = self.ctx.settings.data_dir
        storage = open_storage(
            s.storage_url,
            data_dir,
            endpoint_url=s.s3_endpoint_url,
            region=s.s3_region,
            access_key_id=s.s3_access_key_id,
            secret_access_key=s.s3_secret_access_key,
        )
        if isinstance(storage, S3Storage):
            await storage.ensure_bucket()
        async with self.ctx.pool.connection() as conn:
            secret = await store.signing_secret(conn, secrets.token_bytes(32))
        self._files = Files(
            self.application,
            self.ctx.pool,
            storage,
            lambda: self.settings,
            self.ctx.clock,
            # Uploads are staged on local disk first, beside the local store (a rename then).
            data_dir / "files-staging",
            LinkSigner(secret),
        )
        self._link_cards = LinkCards(self._files)

    @property
    def link_cards(self) -> LinkCards:
        if self._link_cards is None:
            raise ServiceNotReady("The files service is starting.")
        return self._link_cards

    async def on_stop(self) -> None:
        self._files = None
        self._link_cards = None
        await super().on_stop()

    def extra_workers(self) -> list[Worker]:
        return [
            *super().extra_workers(),
            FileWorker(self.files),
            LinkCardWorker(self.link_cards),
        ]


SERVICE = FilesService
