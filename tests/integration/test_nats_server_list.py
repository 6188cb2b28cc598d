"""`PLEIN_NATS_URL` may list several servers (a cluster's nodes), as every NATS client accepts."""

from __future__ import annotations

import pytest
from plein_platform.cli import replay_projection
from plein_platform.embedded import free_port
from plein_platform.runtime import nats_servers
from plein_testdata.servers import Servers, fresh_database, fresh_streams, start_plein


def test_a_comma_separated_nats_url_is_a_list_of_servers() -> None:
    assert nats_servers("nats://a:4222, nats://b:4222,,nats://c:4222") == [
        "nats://a:4222",
        "nats://b:4222",
        "nats://c:4222",
    ]
    assert nats_servers("nats://a:4222") == ["nats://a:4222"]
    with pytest.raises(ValueError, match="names no server"):
        nats_servers(" , ")


async def test_plein_and_replay_start_while_the_first_listed_server_is_down(
    servers: Servers,
) -> None:
    down = f"nats://127.0.0.1:{free_port()}"  # nothing listens there
    urls = f"{down},{servers.nats_url}"
    database_url = await fresh_database(servers)
    await fresh_streams(servers.nats_url)
    plein = await start_plein(database_url, urls, services=["identity"])
    try:
        await plein.register("ann")
        await plein.register("bob")
    finally:
        await plein.http.aclose()
        await plein.stop()

    replayed = await replay_projection(plein.settings, "identity-directory", database_url, urls)
    assert replayed.messages >= 2
