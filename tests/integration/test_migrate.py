"""`plein migrate`: what the Kubernetes pre-start Job runs before the services start."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import psycopg
import pytest
from plein_events.stream import DEAD_LETTER_STREAM_NAME, STREAM_NAME
from plein_platform.registry import load_services, service_names
from plein_platform.runtime import connect_nats
from plein_testdata.servers import Servers, fresh_database, fresh_streams

pytestmark = pytest.mark.integration


async def plein_cli(database_url: str, nats_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PLEIN_DATABASE_URL": database_url, "PLEIN_NATS_URL": nats_url}
    return await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "plein_platform.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def applied_migrations(database_url: str) -> dict[str, set[str]]:
    async with await psycopg.AsyncConnection.connect(database_url) as conn:
        result: dict[str, set[str]] = {}
        for name in service_names():
            cur = await conn.execute(
                "SELECT to_regclass(%s) IS NOT NULL", (f"{name}.schema_migrations",)
            )
            row = await cur.fetchone()
            if not (row and row[0]):
                continue
            cur = await conn.execute(f'SELECT name FROM "{name}".schema_migrations')
            result[name] = {r[0] for r in await cur.fetchall()}
        return result


async def test_migrate_creates_streams_and_every_schema_then_changes_nothing(
    servers: Servers,
) -> None:
    database_url = await fresh_database(servers)
    await fresh_streams(servers.nats_url)

    first = await plein_cli(database_url, servers.nats_url, "migrate")
    assert first.returncode == 0, first.stderr
    applied = await applied_migrations(database_url)
    assert set(applied) == set(service_names())
    for service in load_services():
        shipped = {
            f"{service.name}/{entry.name}"
            for entry in service.migrations().iterdir()
            if entry.name.endswith(".sql")
        }
        assert shipped <= applied[service.name], service.name
        assert any(f.startswith("platform/") for f in applied[service.name]), service.name

    nc = await connect_nats(servers.nats_url)
    try:
        js = nc.jetstream()
        for stream in (STREAM_NAME, DEAD_LETTER_STREAM_NAME):
            assert (await js.stream_info(stream)).config.name == stream
    finally:
        await nc.close()

    again = await plein_cli(database_url, servers.nats_url, "migrate")
    assert again.returncode == 0, again.stderr
    assert await applied_migrations(database_url) == applied
    assert "up to date" in again.stderr


async def test_migrate_with_a_service_named_touches_only_its_schema(servers: Servers) -> None:
    database_url = await fresh_database(servers)

    result = await plein_cli(database_url, servers.nats_url, "migrate", "--service", "feed")

    assert result.returncode == 0, result.stderr
    assert set(await applied_migrations(database_url)) == {"feed"}


async def test_migrate_refuses_an_unknown_service(servers: Servers) -> None:
    database_url = await fresh_database(servers)

    result = await plein_cli(database_url, servers.nats_url, "migrate", "--service", "nope")

    assert result.returncode != 0
    assert "unknown service" in result.stderr
    assert await applied_migrations(database_url) == {}
