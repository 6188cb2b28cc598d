"""A PostgreSQL advisory lock that lets exactly one process run a given worker."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import psycopg
import structlog
from psycopg.conninfo import make_conninfo

log = structlog.get_logger(__name__)

# The lock's connection notices a peer that vanished without closing (a cut network) within
# about 11 s: TCP keepalives, probed by the kernel, cost nothing while the peer answers.
_KEEPALIVES = {
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "keepalives_count": 3,
}


class LeadershipLost(Exception):
    """The connection holding the lock died (PostgreSQL crashed or restarted, the network
    broke). PostgreSQL freed the lock with it, so another process may lead already: the block
    was cancelled, so that two processes never run the same worker."""


@asynccontextmanager
async def leadership(
    conninfo: str, key: str, *, retry_every_s: float = 2.0, timeout_s: float | None = None
) -> AsyncIterator[None]:
    """Wait until this process holds the lock named `key`, hold it for the block, then release.

    The lock lives on its own connection: if that connection dies, PostgreSQL frees the lock,
    so a crashed leader never blocks the others; and the block is cancelled at once, raising
    LeadershipLost, so a leader that lost its lock stops leading. With `timeout_s`, gives up
    with TimeoutError.
    """
    conn = await psycopg.AsyncConnection.connect(
        make_conninfo(conninfo, **_KEEPALIVES), autocommit=True
    )
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
        leader = asyncio.current_task()
        assert leader is not None
        lost = asyncio.Event()
        watch = asyncio.create_task(_cancel_when_lost(conn, leader, lost, key))
        try:
            yield
        except asyncio.CancelledError:
            if not lost.is_set():
                raise
            leader.uncancel()
            raise LeadershipLost(f"lost the lock {key}: its PostgreSQL connection died") from None
        finally:
            watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watch
    finally:
        await conn.close()


async def _cancel_when_lost(
    conn: psycopg.AsyncConnection, leader: asyncio.Task[object], lost: asyncio.Event, key: str
) -> None:
    """Cancel `leader` once the lock's connection breaks. Waiting for notifications is waiting
    on the connection's socket: a crash or restart of PostgreSQL ends it at once."""
    try:
        async for _ in conn.notifies():
            pass
    except psycopg.Error as error:
        log.warning("leader lock lost; stopping its worker", key=key, error=repr(error))
        lost.set()
        leader.cancel()
