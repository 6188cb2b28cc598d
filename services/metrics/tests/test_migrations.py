"""Upgrading a read model built before the history tables: migration 0002 empties it and its
projection starts again from the stream's start (real PostgreSQL)."""

from __future__ import annotations

import shutil
from pathlib import Path

from plein_metrics.service import MetricsService
from plein_platform.database import migrate, platform_migrations, schema_pool
from plein_testdata.servers import Servers, fresh_database


async def test_the_history_migration_replays_the_read_model_from_the_start(
    servers: Servers, tmp_path: Path
) -> None:
    url = await fresh_database(servers)
    folder = Path(str(MetricsService().migrations()))
    old = tmp_path / "old"
    old.mkdir()
    shutil.copy(folder / "0001_read_model.sql", old)
    await migrate(url, "metrics", [("platform", platform_migrations()), ("metrics", old)])
    pool = schema_pool(url, "metrics")
    await pool.open()
    try:
        async with pool.connection() as conn:
            await conn.execute("INSERT INTO answers VALUES ('q', 'r', 'u', now())")
            await conn.execute("INSERT INTO projection_position VALUES ('metrics', 41, now())")
            await conn.execute("INSERT INTO projection_position VALUES ('other', 7, now())")
        applied = await migrate(
            url, "metrics", [("platform", platform_migrations()), ("metrics", folder)]
        )
        assert applied[0] == "metrics/0002_history.sql"  # (0003 adds tables of its own)
        async with pool.connection() as conn:
            cur = await conn.execute("SELECT projection, last_seq FROM projection_position")
            assert await cur.fetchall() == [("other", 7)]  # metrics replays from the start
            cur = await conn.execute("SELECT count(*) FROM answers")
            assert await cur.fetchone() == (0,)
            cur = await conn.execute("SELECT count(*) FROM membership_history")
            assert await cur.fetchone() == (0,)
    finally:
        await pool.close()
