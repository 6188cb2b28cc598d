"""A PostgreSQL advisory lock that lets exactly one process run a given worker."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import psycopg
import structlog

log = structlog.get_logger(__name__)


@asynccontextmanager
async def leadership(
    conninfo: str, key: str, *, retry_every_s: float = 2.0, timeout_s: float | None = None
) -> AsyncIterator[None]:
    """Wait until this process holds the lock named `key`, hold it for the block, then release.

    The lock lives on its own connection: if that connection dies, PostgreSQL frees the lock,
    so a crashed leader never blocks the others. With `timeout_s`, gives up with TimeoutError.
    """
    conn = await psycopg.AsyncConnection.connect(conninfo, autocommit=True)
    try:
        waited = False
        deadline = None if timeout_s is None else asyncio.get_running_loop().time() + timeout_s
        while True:
            cur = await conn.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", (key,))
            row = await cur.fetchone()
            if row and row[0]:
                break
            if deadline is not None and asyncio.get_running_loop().time() >= deadline:
                raise TimeoutError(f"{key} is held by another process")
            if not waited:
                log.info("waiting for leadership", key=key)
                waited = True
            await asyncio.sleep(retry_every_s)
        yield
    finally:
        await conn.close()
