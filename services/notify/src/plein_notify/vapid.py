"""The instance's VAPID key pair (RFC 8292): from settings (a Kubernetes Secret in production),
else made once per instance and kept in notify's schema, so restarts keep it and devices that
subscribed with its public key keep working."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from psycopg_pool import AsyncConnectionPool
from py_vapid import Vapid
from py_vapid.utils import b64urlencode

from . import store
from .settings import NotifySettings


@dataclass(frozen=True)
class VapidKeys:
    signer: Vapid
    public_key: str  # the browser's applicationServerKey: base64url of the uncompressed point


def application_server_key(signer: Vapid) -> str:
    raw = signer.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return str(b64urlencode(raw))


def _signer(private_key: str) -> Vapid:
    """A signer from a PEM, or from the base64url DER or raw key `vapid --gen` tools print."""
    if "-----BEGIN" in private_key:
        return Vapid.from_pem(private_key.encode())
    return Vapid.from_string(private_key)


def new_private_pem() -> str:
    signer = Vapid()
    signer.generate_keys()
    return str(signer.private_pem().decode())


async def instance_keys(pool: AsyncConnectionPool[Any], settings: NotifySettings) -> VapidKeys:
    private_key = settings.vapid_private_key
    if not private_key:
        async with pool.connection() as conn:
            private_key = await store.vapid_private_pem(conn, new_private_pem())
    signer = _signer(private_key)
    derived = application_server_key(signer)
    if settings.vapid_public_key and settings.vapid_public_key != derived:
        raise ValueError("PLEIN_NOTIFY_VAPID_PUBLIC_KEY is not the private key's public key")
    return VapidKeys(signer, derived)
