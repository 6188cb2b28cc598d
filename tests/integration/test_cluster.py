"""A 3-node JetStream cluster loses a node: Plein carries on with the consumers it has.

The short form of bench/cluster.py (which measures the recovery times): three nats-server
processes on loopback with cluster routes and streams of 3 replicas, `PLEIN_NATS_URL` listing
them all; the node Plein is connected to is SIGKILLed. Projection consumers have one replica
(their state is not the truth, the tracking row is): those on the surviving nodes carry on as
they were, those on the killed node are created anew on another.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from plein_platform.nats_cluster import NatsCluster, wait_for_leader
from plein_platform.runtime import connect_nats
from plein_testdata.servers import (
    Plein,
    Servers,
    eventually,
    fresh_database,
    harness_settings,
    start_plein,
)

pytestmark = pytest.mark.integration


async def durable_consumers(js: Any) -> dict[str, tuple[Any, str]]:
    """When each durable consumer on `PLEIN` was created and the node it lives on, by name."""
    return {
        info.name: (info.created, info.cluster.leader)
        for info in await js.consumers_info("PLEIN")
        if info.config.durable_name
    }


async def caught_up(plein: Plein) -> None:
    for service in plein.runtime.services:
        for runner in service.runners.values():
            assert (await runner.status())["lag"] == 0, runner.projection.name


async def test_projections_keep_their_consumers_on_the_nodes_that_survive_a_kill(
    servers: Servers, tmp_path: Path
) -> None:
    cluster = NatsCluster(tmp_path / "nats")
    cluster.start()
    plein: Plein | None = None
    nc = await connect_nats(cluster.url, name="cluster-test")
    try:
        js = nc.jetstream(timeout=1.0)

        async def cluster_ready() -> None:
            try:
                await js.account_info()
            except Exception as error:  # the meta leader is not elected yet
                raise AssertionError(repr(error)) from error

        await eventually(cluster_ready, timeout_s=60)
        database_url = await fresh_database(servers)
        settings = harness_settings(database_url, cluster.url, stream_replicas=3)
        plein = await start_plein(
            database_url, cluster.url, settings=settings, services=["identity"]
        )
        await plein.register("ann")
        await eventually(lambda: caught_up(plein), timeout_s=60)
        await wait_for_leader(js, "PLEIN")
        before = await durable_consumers(js)
        assert before, "the directory's consumer"

        assert plein.runtime.nc is not None and plein.runtime.nc.connected_url is not None
        used = cluster.node_at(plein.runtime.nc.connected_url.netloc)
        cluster.kill(used)

        async def moved() -> dict[str, tuple[Any, str]]:
            try:
                now = await durable_consumers(js)
            except Exception as error:  # this test's own connection is moving too
                raise AssertionError(repr(error)) from error
            assert now.keys() == before.keys()
            assert all(node != used for _, node in now.values()), now
            return now

        # Nothing is written meanwhile: a consumer that had deliveries in flight when its
        # connection broke no longer stands at its tracking row and is made anew, on any node.
        after = await eventually(moved, timeout_s=60, interval_s=0.1)
        for name, (created, node) in before.items():
            if node != used:  # kept as it was, not deleted and created again
                assert after[name] == (created, node), name

        bob = await plein.register("bob")  # writes go on: they never wait for NATS

        async def bob_is_known() -> None:
            # The relay publishes bob's sign-up once it has reconnected: until then the stream
            # (and so every consumer's lag) does not have it yet.
            await caught_up(plein)
            response = await plein.http.get(f"/identity/users/{bob.id}", headers=bob.auth)
            assert response.status_code == 200, response.text

        await eventually(bob_is_known, timeout_s=60, interval_s=0.1)
    finally:
        if plein is not None:
            await plein.http.aclose()
            await plein.stop()
        await nc.close()
        cluster.stop()
