"""The identity service: people, groups, roles, shared accounts, tokens and erasure."""

from __future__ import annotations

import asyncio
from importlib.resources.abc import Traversable
from typing import Any, TypeVar
from uuid import UUID

from fastapi import APIRouter
from plein_events import Event
from plein_events.eventstore import EventStoreOutbox, eventsourcing_env
from plein_events.projection import Projection
from plein_events.relay import OutboxRelay
from plein_platform.database import migrations_dir
from plein_platform.delegation import delegations_projection
from plein_platform.service import EventSourcedService, ServiceNotReady, Worker
from plein_platform.standing import standing_projection

from . import api, export_personal
from .app import IdentityApplication
from .app_auth import Accounts
from .app_groups import Groups
from .app_people import People
from .consumers import DIRECTORY_PROJECTION
from .contract import to_contract
from .oidc import OidcClient
from .personal import KeyRing, KeySharing
from .settings import IdentitySettings
from .tokens import KeyStore, SigningKey

U = TypeVar("U")


class IdentityService(EventSourcedService):
    name = "identity"
    description = (
        "People, follows, groups, roles, shared accounts and access tokens. "
        "Publishes its JWKS for every service."
    )
    application_class = IdentityApplication

    def __init__(self) -> None:
        super().__init__()
        self.identity_settings = IdentitySettings()
        self._keyring: KeyRing | None = None
        self._accounts: Accounts | None = None
        self._people: People | None = None
        self._groups: Groups | None = None

    def migrations(self) -> Traversable:
        return migrations_dir("plein_identity", __file__)

    def routes(self) -> APIRouter:
        router = api.routes()
        router.include_router(export_personal.routes())  # this service's part of an export
        return router

    def projections(self) -> list[Projection]:
        return [
            DIRECTORY_PROJECTION,
            delegations_projection(self.name),
            standing_projection(self.name),
        ]

    def to_contract(self, domain_event: Any) -> Event | None:
        return to_contract(domain_event)

    async def on_start(self) -> None:
        self._keyring = KeyRing(self.ctx.database_url, self.name)
        await asyncio.to_thread(self._keyring.open)
        env = eventsourcing_env(self.ctx.database_url, self.name)
        self._application = await asyncio.to_thread(IdentityApplication, env, self._keyring)
        await asyncio.to_thread(self.application.ensure_all_company_group)
        self.keys = KeyStore(self.ctx.pool)
        await self.keys.ensure_key()
        events, ctx, settings = self.application, self.ctx, self.identity_settings
        self._accounts = Accounts(events, ctx, settings, self.keys)
        self._people = People(events, ctx, settings)
        self._groups = Groups(events, ctx, settings)

    async def on_stop(self) -> None:
        await super().on_stop()
        self._accounts = self._people = self._groups = None
        if self._keyring is not None:
            await asyncio.to_thread(self._keyring.close)
            self._keyring = None

    def extra_workers(self) -> list[Worker]:
        s = self.ctx.settings
        assert self._keyring is not None
        return [
            OutboxRelay(
                f"outbox:{self.name}",
                EventStoreOutbox(self.application, self.to_contract, self._keyring.seal_envelope),
                self.ctx.pool,
                self.ctx.js,
                batch_size=s.relay_batch_size,
                poll_interval_s=s.relay_poll_interval_s,
                producer=self.name,
            ),
            KeySharing(self.ctx.pool, self.ctx.js),
        ]

    # -- the use cases the routes call ---------------------------------------------------------

    @property
    def accounts(self) -> Accounts:
        return self._use(self._accounts)

    @property
    def people(self) -> People:
        return self._use(self._people)

    @property
    def groups(self) -> Groups:
        return self._use(self._groups)

    def _use(self, use_cases: U | None) -> U:
        if use_cases is None:
            raise ServiceNotReady(f"The {self.name} service is starting.")
        return use_cases

    # -- what the single sign-on callback (api_auth.oidc_callback) and tests reach ------------

    def oidc(self) -> OidcClient | None:
        """The single sign-on client, if PLEIN_OIDC_ISSUER is set."""
        return self.accounts.oidc()

    async def signing_key(self) -> SigningKey:
        return await self.accounts.signing_key()

    async def share_keys(self) -> None:
        await self.accounts.share_keys()

    async def settle(self, aggregate_id: UUID, version: int) -> bool:
        return await self.accounts.settle(aggregate_id, version)


SERVICE = IdentityService
