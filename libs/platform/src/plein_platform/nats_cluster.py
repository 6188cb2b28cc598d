"""A JetStream cluster of three nats-server processes on loopback, for tests and benchmarks.

Each node is an EmbeddedNats with cluster routes to the others; a node can be SIGKILLed and
started again on its port and store, as a crashed pod would be.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from nats.js import JetStreamContext

from .embedded import EmbeddedNats, free_port

CLUSTER_NAME = "plein"


class NatsCluster:
    """Three (or `size`) JetStream nodes routed to each other on loopback."""

    def __init__(self, store_dir: Path, size: int = 3, host: str = "127.0.0.1") -> None:
        route_ports = [free_port(host) for _ in range(size)]
        routes = ",".join(f"nats://{host}:{p}" for p in route_ports)
        self.nodes = [
            EmbeddedNats(
                store_dir / f"n{i}",
                host=host,
                extra_args=(
                    *("--server_name", f"n{i}", "--cluster_name", CLUSTER_NAME),
                    *("--cluster", f"nats://{host}:{route_ports[i]}", "--routes", routes),
                ),
            )
            for i in range(size)
        ]

    @property
    def url(self) -> str:
        """Every node, comma-separated: what PLEIN_NATS_URL holds for a cluster."""
        return ",".join(node.url for node in self.nodes)

    def start(self) -> str:
        for node in self.nodes:
            node.start()
        return self.url

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()

    def kill(self, name: str) -> EmbeddedNats:
        """SIGKILL the node called `name` (n0, n1...): no shutdown, whatever was in flight is
        lost. Returns it, to start again."""
        node = self.node(name)
        assert node.process is not None, f"{name} is not running"
        node.process.kill()
        node.process.wait()
        node.process = None
        return node

    def node(self, name: str) -> EmbeddedNats:
        return self.nodes[int(name.removeprefix("n"))]

    def node_at(self, url: str) -> str:
        """The name of the node listening at `url` (host:port, with or without a scheme)."""
        port = int(url.rstrip("/").rpartition(":")[2])
        return next(f"n{i}" for i, node in enumerate(self.nodes) if node.port == port)


async def stream_leader(js: JetStreamContext, stream: str) -> str | None:
    """The node that leads `stream` now; None while there is none (an election)."""
    try:
        info = await js.stream_info(stream)
    except Exception:  # no leader to answer, or the API timed out: no leader now
        return None
    return info.cluster.leader if info.cluster else None


async def wait_for_leader(js: JetStreamContext, stream: str, timeout_s: float = 60.0) -> str:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while (leader := await stream_leader(js, stream)) is None:
        if loop.time() > deadline:
            raise TimeoutError(f"{stream} has no leader")
        await asyncio.sleep(0.05)
    return leader
