"""The identity service: people, groups, roles, shared accounts, tokens and erasure."""

from __future__ import annotations

import asyncio
import time
from importlib.resources.abc import Traversable
from typing import Any
from uuid import UUID

import structlog
from fastapi import APIRouter
from plein_events import Event
from plein_events.eventstore import EventStoreOutbox, eventsourcing_env
from plein_events.projection import Projection
from plein_events.relay import OutboxRelay
from plein_platform.database import migrations_dir
from plein_platform.delegation import delegations_projection, may_act_as
from plein_platform.service import EventSourcedService, Worker
from plein_platform.standing import standing_projection

from . import api, export_personal, store
from .app import IdentityApplication
from .consumers import DIRECTORY_PROJECTION
from .contract import to_contract
from .oidc import OidcClient
from .personal import KeyRing, KeySharing, share_keys
from .settings import IdentitySettings
from .tokens import KeyStore, SigningKey

log = structlog.get_logger(__name__)


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
        self._oidc: OidcClient | None = None

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

    async def on_stop(self) -> None:
        await super().on_stop()
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

    def oidc(self) -> OidcClient | None:
        """The single sign-on client, if PLEIN_OIDC_ISSUER is set."""
        s = self.identity_settings
        if not s.oidc_issuer:
            return None
        if self._oidc is None or self._oidc.issuer != s.oidc_issuer.rstrip("/"):
            redirect = s.oidc_redirect_url or (
                f"{self.ctx.settings.base_url}/api/identity/oidc/callback"
            )
            self._oidc = OidcClient(s.oidc_issuer, s.oidc_client_id, s.oidc_client_secret, redirect)
        return self._oidc

    # -- signing keys -------------------------------------------------------------------------

    async def signing_key(self) -> SigningKey:
        return await self.keys.current()

    async def rotate_signing_key(self) -> tuple[str, Any]:
        """(kid, signs_from) of a new signing key (see KeyStore.rotate)."""
        return await self.keys.rotate(self.identity_settings.key_activation_delay_s)

    # -- crypto-shredding keys ----------------------------------------------------------------

    async def share_keys(self) -> None:
        """Put new person keys into the KV bucket now (the KeySharing worker retries later)."""
        try:
            await share_keys(self.ctx.pool, self.ctx.js)
        except Exception as error:  # NATS away: the worker shares them when it is back
            log.warning("sharing person keys deferred", error=repr(error))

    # -- reading one's own writes -------------------------------------------------------------

    async def settle(self, aggregate_id: UUID, version: int) -> bool:
        """Wait (briefly) until the directory shows `aggregate_id` at `version`, so that a
        person's next list or search includes what they just did. False on timeout (NATS
        down: the write is saved and will show once events flow again)."""
        deadline = time.monotonic() + self.identity_settings.directory_wait_s
        while True:
            async with self.ctx.pool.connection() as conn:
                if await store.seen_version(conn, str(aggregate_id)) >= version:
                    return True
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.01)

    async def settle_delegation(self, account_id: UUID, user_id: UUID, granted: bool) -> bool:
        """Wait until identity's own delegations read model shows a grant or revocation."""
        deadline = time.monotonic() + self.identity_settings.directory_wait_s
        while True:
            async with self.ctx.pool.connection() as conn:
                if await may_act_as(conn, account_id, user_id) == granted:
                    return True
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.01)


SERVICE = IdentityService
