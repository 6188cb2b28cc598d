"""A fresh database schema and fresh streams on the session's real servers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
from plein_events.stream import ensure_streams
from plein_platform.database import migrate, platform_migrations, schema_pool
from plein_platform.runtime import connect_nats
from plein_testdata.servers import Servers, fresh_database, fresh_streams
from psycopg_pool import AsyncConnectionPool

SCHEMA = "messaging_test"


@dataclass
class Bus:
    database_url: str
    pool: AsyncConnectionPool
    nc: NATS
    js: JetStreamContext


@pytest.fixture
async def bus(servers: Servers) -> AsyncIterator[Bus]:
    database_url = await fresh_database(servers)
    await fresh_streams(servers.nats_url)
    await migrate(database_url, SCHEMA, [("platform", platform_migrations())])
    pool = schema_pool(database_url, SCHEMA)
    await pool.open()
    nc = await connect_nats(servers.nats_url)
    js = nc.jetstream()
    await ensure_streams(js)
    try:
        yield Bus(database_url, pool, nc, js)
    finally:
        await nc.close()
        await pool.close()
