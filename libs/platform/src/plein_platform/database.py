"""PostgreSQL: a pool per service, confined to the service's own schema, and its migrations."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import psycopg
import structlog
from eventsourcing.persistence import InterfaceError, OperationalError
from psycopg import AsyncConnection, sql
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool, PoolTimeout
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = structlog.get_logger(__name__)

PLATFORM_MIGRATIONS = "platform"


# How long a request waits for a pooled connection before it is answered 503 (Retry-After).
# psycopg_pool's default is 30 s: while PostgreSQL is down every write then hung for half a
# minute and ended in a 500. A healthy pool hands a connection out in well under a millisecond,
# so two seconds of waiting means PostgreSQL is away or overwhelmed: either way, say so now.
POOL_WAIT_S = 2.0
# What a 503 for an unavailable database tells the client to wait (Retry-After, seconds).
RETRY_AFTER_OUTAGE_S = 2


def schema_pool(
    database_url: str, schema: str, *, max_size: int = 10, wait_s: float = POOL_WAIT_S
) -> AsyncConnectionPool:
    """A pool (not yet opened) whose connections see only `schema` by default.

    Each connection is checked as it is handed out (one empty round trip): after PostgreSQL
    restarts, the dead ones are discarded there instead of failing the request that got them.
    A caller waits at most `wait_s` for a connection (PoolTimeout, answered 503).
    """
    return AsyncConnectionPool(
        database_url,
        kwargs={"options": f"-c search_path={schema}", "autocommit": True},
        min_size=1,
        max_size=max_size,
        open=False,
        name=schema,
        check=AsyncConnectionPool.check_connection,
        timeout=wait_s,
        # While PostgreSQL is away the pool retries with a doubling pause; a short give-up
        # keeps that pause short, and the next request starts a fresh attempt at once.
        reconnect_timeout=5.0,
    )


def is_connection_lost(error: BaseException) -> bool:
    """True for an error that says the connection died (server gone, restarted, or shut it),
    not for one about the statement or the pool (timeouts, locks, an exhausted pool)."""
    if not isinstance(error, psycopg.OperationalError | psycopg.InterfaceError):
        return False
    if isinstance(error, PoolTimeout):
        return False
    state = getattr(error, "sqlstate", None)
    # 08: connection exception; 57P01-57P03: the server shut down, crashed or cannot connect.
    return state is None or state.startswith(("08", "57P"))


def is_database_unavailable(error: BaseException) -> bool:
    """True for an error that says PostgreSQL cannot be reached now (a lost connection, no
    connection from the pool in time, the event store's wrapped forms of either): a request
    that met it is answered 503 with Retry-After, not 500."""
    if isinstance(error, PoolTimeout):
        return True
    if isinstance(error, OperationalError | InterfaceError):
        return True
    return is_connection_lost(error)


class RetryReadsOnLostConnection:
    """ASGI middleware: a read-only request (GET, HEAD) that failed because its database
    connection died is tried once more, if nothing of its answer was sent yet.

    A connection can die between the pool's check and the query (PostgreSQL restarting under
    load); reads are safe to repeat, writes are not (they answer 5xx and the client decides).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        received: list[Message] = []
        started = False

        async def recording_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                received.append(message)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = True
            await send(message)

        try:
            await self.app(scope, recording_receive, watched_send)
            return
        except Exception as error:
            if started or not is_connection_lost(error):
                raise
            log.warning("read retried after a lost database connection", error=repr(error))
        replay = iter(received)

        async def replaying_receive() -> Message:
            return next(replay, None) or await receive()

        await self.app(scope, replaying_receive, send)


async def dict_rows(
    conn: AsyncConnection[Any], query: str, params: Any = None
) -> list[dict[str, Any]]:
    """Every row of `query`, each as a dict of column name to value."""
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(query, params)
    return list(await cur.fetchall())


def migrations_dir(package: str, source_file: str) -> Traversable:
    """The migrations next to `package`'s source tree in a checkout, or those shipped in it.

    The checkout comes first: an editable install keeps a copy of the migrations made when
    it was installed, which misses every migration added since.
    """
    checkout = Path(source_file).resolve().parents[2] / "migrations"
    if checkout.is_dir():
        return checkout
    return files(package) / "migrations"


def platform_migrations() -> Traversable:
    return migrations_dir("plein_platform", __file__)


def _schema_lock_key(schema: str) -> str:
    return f"migrate:{schema}"


@asynccontextmanager
async def schema_lock(database_url: str, schema: str) -> AsyncIterator[None]:
    """Held while one process migrates or starts the service of `schema`.

    A service's start-up creates things too (the event store's tables, a first signing key,
    the all-company group), with statements that race when replicas or `--workers` processes
    start at once: CREATE TABLE IF NOT EXISTS can still fail on the catalog's unique index.
    Under this lock they run one process at a time; it is released when the connection closes.
    """
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        await conn.execute(
            "SELECT pg_advisory_lock(hashtextextended(%s, 0))", (_schema_lock_key(schema),)
        )
        yield


async def migrate(
    database_url: str, schema: str, sources: list[tuple[str, Traversable]]
) -> list[str]:
    """Apply numbered SQL files not yet applied in `schema`, in order; returns their names.

    Each source is (prefix, folder). An advisory lock makes concurrent starts (several pods)
    apply each file once.
    """
    applied_now: list[str] = []
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        await conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
        await conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
        async with conn.transaction():
            await conn.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (_schema_lock_key(schema),)
            )
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            cur = await conn.execute("SELECT name FROM schema_migrations")
            done = {row[0] for row in await cur.fetchall()}
            for prefix, folder in sources:
                if not folder.is_dir():
                    continue
                for entry in sorted(folder.iterdir(), key=lambda e: e.name):
                    name = f"{prefix}/{entry.name}"
                    if not entry.name.endswith(".sql") or name in done:
                        continue
                    await conn.execute(entry.read_text())
                    await conn.execute("INSERT INTO schema_migrations (name) VALUES (%s)", (name,))
                    applied_now.append(name)
    if applied_now:
        log.info("migrations applied", schema=schema, files=applied_now)
    return applied_now
