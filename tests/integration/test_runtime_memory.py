"""A running Plein keeps its start-up objects out of the garbage collector's full passes."""

from __future__ import annotations

import gc

import pytest
from plein_testdata.servers import Servers, fresh_database, fresh_streams, start_plein

pytestmark = pytest.mark.integration


async def test_start_up_objects_are_frozen_while_running_and_released_at_stop(
    servers: Servers,
) -> None:
    gc.unfreeze()
    database_url = await fresh_database(servers)
    await fresh_streams(servers.nats_url)
    running = await start_plein(database_url, servers.nats_url, services=["feed"])
    try:
        # The apps, schemas and modules: far more than a handful of objects.
        assert gc.get_freeze_count() > 10_000
    finally:
        await running.http.aclose()
        await running.stop()
    assert gc.get_freeze_count() == 0
