"""Push devices, a person's own: turning push on for a device, listing and removing them, and
whether pushes may show a private group's text."""

from __future__ import annotations

import asyncio
import base64
import binascii
import socket
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from plein_platform.errors import Conflict, InvalidInput, NotFound
from psycopg_pool import AsyncConnectionPool

from . import store
from .push import device_name, endpoint_form_refusal, endpoint_host, endpoint_refusal
from .vapid import VapidKeys


def _b64url_bytes(value: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return None


async def resolve(host: str) -> list[str]:
    """The addresses `host` resolves to (none when it does not)."""
    try:
        found = await asyncio.get_running_loop().getaddrinfo(host, 443, type=socket.SOCK_STREAM)
    except (OSError, ValueError, UnicodeError):
        return []
    return sorted({str(info[4][0]) for info in found})


class Devices:
    def __init__(
        self,
        pool: AsyncConnectionPool[Any],
        clock: Callable[[], datetime],
        keys: Callable[[], Awaitable[VapidKeys]],
        allowed_hosts: Callable[[], set[str]],
    ) -> None:
        self.pool = pool
        self.clock = clock
        self.keys = keys
        self.allowed_hosts = allowed_hosts

    async def public_key(self) -> str:
        return (await self.keys()).public_key

    async def add(
        self, me: UUID, *, endpoint: str, p256dh: str, auth: str, user_agent: str
    ) -> dict[str, Any]:
        """Turn push on for a device of `me`'s (a clear 4xx for an endpoint Plein will not
        send to, or keys that are not a browser's)."""
        allowed = self.allowed_hosts()
        refusal = endpoint_form_refusal(endpoint, allowed)  # no lookup for what is no URL
        if refusal is None:
            host = endpoint_host(endpoint)
            addresses = [] if host in allowed else await resolve(host)
            refusal = endpoint_refusal(endpoint, addresses, allowed)
        if refusal:
            raise InvalidInput(refusal, code="push_endpoint_refused")
        public = _b64url_bytes(p256dh)
        if public is None or len(public) != 65 or public[0] != 4:
            raise InvalidInput(
                "keys.p256dh is not a P-256 public key (65 bytes, base64url).",
                code="push_keys_invalid",
            )
        secret = _b64url_bytes(auth)
        if secret is None or len(secret) != 16:
            raise InvalidInput(
                "keys.auth is not a 16-byte secret (base64url).", code="push_keys_invalid"
            )
        async with self.pool.connection() as conn:
            device = await store.add_device(
                conn,
                device_id=uuid4(),
                user_id=me,
                endpoint=endpoint,
                p256dh=p256dh,
                auth=auth,
                name=device_name(user_agent),
                at=self.clock(),
            )
        if device is None:
            raise Conflict(
                "This push endpoint is another person's device.", code="push_device_taken"
            )
        return device

    async def list(self, me: UUID) -> list[dict[str, Any]]:
        async with self.pool.connection() as conn:
            return await store.devices(conn, me)

    async def remove(self, me: UUID, device_id: UUID) -> None:
        async with self.pool.connection() as conn:
            if not await store.remove_device(conn, me, device_id):
                raise NotFound(f"You have no device {device_id}.")

    async def previews(self, me: UUID) -> bool:
        async with self.pool.connection() as conn:
            return await store.private_previews(conn, me)

    async def set_previews(self, me: UUID, allowed: bool) -> bool:
        async with self.pool.connection() as conn:
            await store.set_private_previews(conn, me, allowed)
        return allowed
