"""What every identity use case works with: the event store, the service's context (pool,
NATS, clock, settings), and reading one's own writes.

The use cases themselves are in app_auth.py (signing up and in), app_people.py (people and
shared accounts) and app_groups.py (groups); app.py holds the event-sourced aggregates' store."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

import structlog
from plein_platform.delegation import may_act_as
from plein_platform.service import ServiceContext

from . import store
from .app import IdentityApplication
from .domain import User
from .personal import share_keys
from .settings import IdentitySettings

T = TypeVar("T")
log = structlog.get_logger(__name__)
_sharing: set[asyncio.Task[None]] = set()


class UseCases:
    """The base of identity's use-case classes. The context is read on every call (tests and
    operators may change the clock or the settings of a running service)."""

    def __init__(
        self, events: IdentityApplication, ctx: ServiceContext, settings: IdentitySettings
    ) -> None:
        self.events = events
        self.ctx = ctx
        self.settings = settings

    async def run(self, use_case: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a (synchronous) use case of the event-sourced application off the event loop."""
        return await asyncio.to_thread(use_case, *args, **kwargs)

    async def user(self, user_id: UUID) -> User:
        """A person (NotFound when there is none, or they were erased)."""
        return await self.run(self.events.user, user_id)

    async def is_network_admin(self, user_id: UUID) -> bool:
        return await self.run(self.events.is_network_admin, user_id)

    async def share_keys(self) -> None:
        """Start putting new person keys into the KV bucket, without waiting for it: a write
        never waits for NATS (during a cluster's election each KV call took seconds). The
        relay publishes a new person's events once their key is there; the KeySharing worker
        retries whatever this misses."""
        task = asyncio.create_task(self._share_keys_now())
        _sharing.add(task)  # a reference, or the loop may collect the task mid-way
        task.add_done_callback(_sharing.discard)

    async def _share_keys_now(self) -> None:
        try:
            await share_keys(self.ctx.pool, self.ctx.js)
        except Exception as error:  # NATS away: the worker shares them when it is back
            log.warning("sharing person keys deferred", error=repr(error))

    async def settle(self, aggregate_id: UUID, version: int) -> bool:
        """Wait (briefly) until the directory shows `aggregate_id` at `version`, so that a
        person's next list or search includes what they just did. False on timeout (NATS
        down: the write is saved and will show once events flow again)."""
        deadline = time.monotonic() + self.settings.directory_wait_s
        while True:
            async with self.ctx.pool.connection() as conn:
                if await store.seen_version(conn, str(aggregate_id)) >= version:
                    return True
            if time.monotonic() > deadline or not self.ctx.nc.is_connected:
                return False  # NATS away: nothing will show it soon, so no use waiting
            await asyncio.sleep(0.01)

    async def settle_delegation(self, account_id: UUID, user_id: UUID, granted: bool) -> bool:
        """Wait until identity's own delegations read model shows a grant or revocation."""
        deadline = time.monotonic() + self.settings.directory_wait_s
        while True:
            async with self.ctx.pool.connection() as conn:
                if await may_act_as(conn, account_id, user_id) == granted:
                    return True
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.01)
