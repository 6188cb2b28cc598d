"""The push worker: sends what the projection queued (`push_queue`) to people's devices, off
the projection's transaction. Each push is encrypted for its device (RFC 8291 aes128gcm) and
signed with the instance's VAPID key (RFC 8292) by pywebpush. A device its push service says
is gone (404, 410) is removed; other failures are tried again later, a few times."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import aiohttp
import structlog
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver
from prometheus_client import Counter
from pywebpush import WebPushException, webpush_async

from . import store
from .app import access_of, entry_view
from .domain import may_see
from .mail import page_url
from .push import MAX_ATTEMPTS, endpoint_refusal, payload, retry_after
from .settings import NotifySettings
from .vapid import VapidKeys, instance_keys

if TYPE_CHECKING:
    from .service import NotifyService

log = structlog.get_logger(__name__)
PUSHES = Counter("plein_notify_pushes", "Web pushes, by outcome.", ["outcome"])
GONE = {404, 410}


class RedirectRefused(Exception):
    """A push service answered with a redirect: never followed (it could lead anywhere)."""


class PublicOnlyResolver(AbstractResolver):
    """Resolves a push service's name to its public addresses only (unless allow-listed), at
    every connection: a name that came to point inside the network since its device
    subscribed (DNS rebinding) gets no connection."""

    def __init__(self, settings: NotifySettings) -> None:
        self.settings = settings
        self.inner = ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await self.inner.resolve(host, port, family)
        if host.lower() in self.settings.push_allowed_hosts:
            return found
        public = [
            r for r in found if endpoint_refusal(f"https://{host}/", [r["host"]], set()) is None
        ]
        if not public:
            raise OSError(f"{host} resolves to no public address")
        return public

    async def close(self) -> None:
        await self.inner.close()


async def _refuse_redirect(*_: Any) -> None:
    raise RedirectRefused()


def guarded_session(settings: NotifySettings) -> aiohttp.ClientSession:
    """The HTTP client pushes go out with: public addresses only, no redirects, a time limit
    (the endpoint itself was checked when its device subscribed)."""
    trace = aiohttp.TraceConfig()
    trace.on_request_redirect.append(_refuse_redirect)
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(resolver=PublicOnlyResolver(settings)),
        timeout=aiohttp.ClientTimeout(total=settings.push_timeout_s),
        trace_configs=[trace],
    )


class Pusher:
    name = "pusher:notify"

    def __init__(self, service: NotifyService, clock: Callable[[], datetime]) -> None:
        self.service = service
        self.clock = clock
        self._keys: VapidKeys | None = None
        self._lock = asyncio.Lock()

    async def keys(self) -> VapidKeys:
        if self._keys is None:
            self._keys = await instance_keys(self.service.ctx.pool, self.service.settings)
        return self._keys

    def forget_keys(self) -> None:
        self._keys = None

    async def run(self, stop: asyncio.Event) -> None:
        """Send what is due whenever notify's inbox changes (the projection's wake-up), and
        every `push_poll_s` anyway (retries fall due without a wake-up)."""
        while not stop.is_set():
            signals = self.service.signals
            if signals is not None:
                signals.any_change.clear()  # before reading: a change meanwhile wakes us again
            try:
                await self.send_due()
            except Exception as error:
                log.exception("push worker step failed", error=repr(error))
            waits = [asyncio.ensure_future(stop.wait())]
            if signals is not None:
                waits.append(asyncio.ensure_future(signals.any_change.wait()))
            try:
                await asyncio.wait(
                    waits,
                    timeout=self.service.settings.push_poll_s,
                    return_when=asyncio.FIRST_COMPLETED,
                )
            finally:
                for waiting in waits:
                    waiting.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await waiting

    async def send_due(self, batch: int = 200) -> int:
        """Send every push due now; returns how many reached their push service."""
        async with self._lock:
            keys = await self.keys()
            sent = 0
            async with guarded_session(self.service.settings) as session:
                while True:
                    now = self.clock()
                    async with self.service.ctx.pool.connection() as conn:
                        claimed = await store.claim_due_pushes(conn, now, batch)
                    if not claimed:
                        return sent
                    done = await asyncio.gather(
                        *(self._send(row, keys, session, now) for row in claimed)
                    )
                    sent += sum(done)

    async def _send(
        self, row: dict[str, Any], keys: VapidKeys, session: aiohttp.ClientSession, now: datetime
    ) -> bool:
        pool = self.service.ctx.pool
        # Asked when it goes, not when it was queued: read elsewhere meanwhile, or no longer
        # theirs to see (left, removed, deactivated), nothing is pushed.
        if row["read_at"] is not None or not may_see(access_of(row)):
            PUSHES.labels("skipped").inc()
            return False
        view = entry_view(row)
        url = page_url(
            self.service.ctx.settings.base_url, post_id=view["post_id"], group_id=view["group_id"]
        )
        message = payload(
            view,
            url=url,
            group_private=bool(row["group_private_now"]),
            private_previews=bool(row["private_previews"]),
        )
        subscription = {
            "endpoint": row["endpoint"],
            "keys": {"p256dh": row["p256dh"], "auth": row["auth"]},
        }
        try:
            await webpush_async(
                subscription,
                json.dumps(message),
                vapid_private_key=keys.signer,
                # A fresh dict each time: pywebpush fills in the endpoint's audience.
                vapid_claims={"sub": self.service.settings.vapid_subject},
                ttl=24 * 3600,
                aiohttp_session=session,
            )
        except WebPushException as error:
            if error.status_code in GONE:
                async with pool.connection() as conn:
                    await store.drop_subscription(conn, row["subscription_id"])
                PUSHES.labels("gone").inc()
                return False
            await self._failed(row, now, f"{error.status_code}: {error.message}"[:500])
            return False
        except (aiohttp.ClientError, TimeoutError, OSError, RedirectRefused) as error:
            await self._failed(row, now, repr(error)[:500])
            return False
        async with pool.connection() as conn:
            await store.device_used(conn, row["subscription_id"], now)
        PUSHES.labels("sent").inc()
        return True

    async def _failed(self, row: dict[str, Any], now: datetime, error: str) -> None:
        PUSHES.labels("failed").inc()
        async with self.service.ctx.pool.connection() as conn:
            if row["attempts"] >= MAX_ATTEMPTS:
                await store.give_up_push(conn, row["push_id"], error)
            else:
                await store.retry_push(
                    conn, row["push_id"], now + retry_after(row["attempts"]), error
                )
