"""The identity service: registration, login, JWKS, follows."""

from __future__ import annotations

from importlib.resources.abc import Traversable
from typing import Any

from fastapi import APIRouter
from plein_events import Event
from plein_platform.database import migrations_dir
from plein_platform.service import EventSourcedService

from . import api
from .app import IdentityApplication
from .contract import to_contract
from .tokens import KeyStore, SigningKey


class IdentityService(EventSourcedService):
    name = "identity"
    description = "People, follows and access tokens. Publishes its JWKS for every service."
    application_class = IdentityApplication

    def migrations(self) -> Traversable:
        return migrations_dir("plein_identity", __file__)

    def routes(self) -> APIRouter:
        return api.routes()

    def to_contract(self, domain_event: Any) -> Event | None:
        return to_contract(domain_event)

    async def on_start(self) -> None:
        await super().on_start()
        self.keys = KeyStore(self.ctx.pool)
        self._signing_key = await self.keys.ensure_key()

    async def signing_key(self) -> SigningKey:
        return self._signing_key


SERVICE = IdentityService
