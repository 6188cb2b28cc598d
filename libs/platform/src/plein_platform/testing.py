"""Pytest fixtures that give tests real servers (a pytest plugin, loaded by the root conftest).

- `PLEIN_DATABASE_URL` / `PLEIN_NATS_URL` set: those servers are used.
- otherwise, by `PLEIN_TEST_SERVERS`: `containers` (testcontainers, needs a Docker engine),
  `embedded` (the embedded PostgreSQL and NATS JetStream), or `auto` (the default): containers
  where a Docker engine answers, embedded elsewhere. Either is started for the test session and
  gives a URL; from there every path is the same (`choose_servers` decides, `servers` starts).
Every test that asks for `plein` gets its own fresh database and a fresh `PLEIN` stream, and
every service running behind a real HTTP port.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, TypeVar, get_args
from uuid import UUID, uuid4

import httpx
import psycopg
import pytest
import uvicorn
from nats.js import JetStreamContext
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from plein_events import Envelope, Event, envelope_for
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from .containers import docker_reachable, nats_container, postgres_container
from .embedded import SETTINGS as EMBEDDED_POSTGRES
from .embedded import EmbeddedNats, embedded_postgres, free_port
from .registry import load_services
from .runtime import Runtime, connect_nats, migrate_services
from .settings import Settings
from .telemetry import add_span_exporter

T = TypeVar("T")
_database_numbers = itertools.count(1)


@dataclass
class Servers:
    """The PostgreSQL server (admin URL) and NATS server the test session uses."""

    admin_database_url: str
    nats_url: str
    migrated_template: str | None = None  # made once, by the first `migrated_database`


Mode = Literal["auto", "containers", "embedded"]
Source = Literal["url", "containers", "embedded"]  # where one server comes from
MODE_VARIABLE = "PLEIN_TEST_SERVERS"
URL_VARIABLES = {"postgres": "PLEIN_DATABASE_URL", "nats": "PLEIN_NATS_URL"}


@dataclass(frozen=True)
class ServerChoice:
    postgres: Source
    nats: Source


def choose_servers(env: Mapping[str, str], docker_reachable: Callable[[], bool]) -> ServerChoice:
    """Where each server of the test session comes from: its URL variable when set, else
    what `PLEIN_TEST_SERVERS` says (`auto`: containers when a Docker engine is reachable).

    `docker_reachable` is asked only when the answer depends on it. A bad mode, or
    `containers` with no engine to run them, is a ValueError that says what to do."""
    mode = env.get(MODE_VARIABLE, "auto").strip().lower() or "auto"
    if mode not in get_args(Mode):
        raise ValueError(
            f"{MODE_VARIABLE}={env[MODE_VARIABLE]!r}: expected one of "
            f"{', '.join(get_args(Mode))} (default auto)"
        )
    missing = [server for server, variable in URL_VARIABLES.items() if not env.get(variable)]
    started: Source = "embedded"
    if missing and mode != "embedded":
        if docker_reachable():
            started = "containers"
        elif mode == "containers":
            raise ValueError(
                f"{MODE_VARIABLE}=containers but no Docker engine answers (DOCKER_HOST or "
                f"the socket): start one, set {' and '.join(URL_VARIABLES[s] for s in missing)}, "
                f"or use {MODE_VARIABLE}=embedded"
            )

    def source(server: str) -> Source:
        return started if server in missing else "url"

    return ServerChoice(postgres=source("postgres"), nats=source("nats"))


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Give this pytest session a temporary folder of its own (unless `--basetemp` names one).

    pytest's default is one folder per user, which every new session resets to mode 0700; the
    embedded PostgreSQL runs as its own system user with its data in there, so a second session
    on the machine took the first one's database away ("Permission denied"). Tried first, so
    pytest's own temporary-folder plugin reads the choice."""
    if config.option.basetemp is None and not hasattr(config, "workerinput"):
        config.option.basetemp = tempfile.mkdtemp(prefix="pytest-plein-")
        config.add_cleanup(lambda: shutil.rmtree(config.option.basetemp, ignore_errors=True))


SERVER_FIXTURE = "servers"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark `integration` every test that needs real servers: one that asks for `servers`,
    itself or through any fixture it uses (`plein`, ...). `make test-fast` leaves them out;
    a test that starts servers some other way carries the mark itself."""
    for item in items:
        if SERVER_FIXTURE in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    choice = choose_servers(os.environ, docker_reachable)
    base = tmp_path_factory.mktemp("plein-servers")
    with ExitStack() as stack:
        yield Servers(
            _server_url("postgres", choice.postgres, base, stack),
            _server_url("nats", choice.nats, base, stack),
        )


def _server_url(server: str, source: Source, base: Path, stack: ExitStack) -> str:
    """One server's URL: the given one, or that of one started until `stack` closes."""
    if source == "url":
        return os.environ[URL_VARIABLES[server]]
    started: AbstractContextManager[str]
    if source == "containers":
        started = postgres_container() if server == "postgres" else nats_container()
    elif server == "postgres":
        started = embedded_postgres(base / "postgres", settings=EMBEDDED_POSTGRES)
    else:
        nats = EmbeddedNats(base / "nats")
        stack.callback(nats.stop)
        return nats.start()
    return stack.enter_context(started)


@pytest.fixture(scope="session")
def spans() -> InMemorySpanExporter:
    """Every span finished in this test session."""
    exporter = InMemorySpanExporter()
    add_span_exporter(exporter)
    return exporter


async def fresh_database(servers: Servers) -> str:
    """A new empty database on the session's server; returns its URL."""
    name = f"plein_test_{os.getpid()}_{next(_database_numbers)}"
    async with await psycopg.AsyncConnection.connect(
        servers.admin_database_url, autocommit=True
    ) as conn:
        await conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return make_conninfo(servers.admin_database_url, dbname=name)


async def migrated_database(servers: Servers) -> str:
    """A new database with every service's schema migrated; returns its URL.

    Copied from a template migrated once per test session: PostgreSQL copies a database in
    tens of milliseconds where applying ~70 migrations took over a second, for every test that
    starts services. Only the schemas come from the template, no data: each start still writes
    its own first rows and events, into the test's fresh stream.
    """
    if servers.migrated_template is None:
        template = await fresh_database(servers)
        await migrate_services(template, load_services())
        servers.migrated_template = str(conninfo_to_dict(template)["dbname"])
    name = f"plein_test_{os.getpid()}_{next(_database_numbers)}"
    async with await psycopg.AsyncConnection.connect(
        servers.admin_database_url, autocommit=True
    ) as conn:
        await conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(str(servers.migrated_template))
            )
        )
    return make_conninfo(servers.admin_database_url, dbname=name)


async def fresh_streams(nats_url: str) -> None:
    """Delete Plein's streams so the next start creates them empty."""
    nc = await connect_nats(nats_url, name="plein-test-reset")
    js = nc.jetstream()
    for stream in ("PLEIN", "PLEIN_DLQ"):
        try:
            await js.delete_stream(stream)
        except Exception:  # not there yet
            pass
    await nc.close()


async def eventually(
    check: Callable[[], Awaitable[T]], *, timeout_s: float = 15.0, interval_s: float = 0.05
) -> T:
    """Call `check` until it stops raising AssertionError, then return its result."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            return await check()
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(interval_s)


@dataclass(frozen=True)
class Published:
    envelope: Envelope
    seq: int  # where it landed in the stream


async def publish(
    js: JetStreamContext,
    message: Event | Envelope,
    *,
    at: datetime | None = None,
    actor_id: UUID | None = None,
    msg_id: str | None = None,
) -> Published:
    """Put a contract event onto the real stream as its producer's relay would: in an envelope
    (a new aggregate, version 1, `at` or now), on its type's subject, under the relay's
    `Nats-Msg-Id`, waiting for the stream's ack. Tests stand in this way for the services
    whose events they need. An envelope is published as it is; `msg_id` replaces the
    de-duplication id (a relay re-publishing after the duplicate window)."""
    envelope = (
        message
        if isinstance(message, Envelope)
        else envelope_for(
            message,
            aggregate_id=str(uuid4()),
            aggregate_version=1,
            occurred_at=at or datetime.now(UTC),
            actor_id=actor_id,
        )
    )
    ack = await js.publish(
        envelope.subject,
        envelope.model_dump_json().encode(),
        headers={"Nats-Msg-Id": msg_id or envelope.msg_id},
    )
    return Published(envelope, ack.seq)


@dataclass
class Person:
    id: str
    email: str
    token: str
    name: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Plein:
    """A running Plein (all services) on a real port, with a client for its API."""

    settings: Settings
    database_url: str
    nats_url: str
    runtime: Runtime
    http: httpx.AsyncClient
    server: uvicorn.Server | None = None
    serving: asyncio.Task[None] | None = None
    people: dict[str, Person] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return self.settings.base_url

    async def register(self, handle: str, name: str | None = None, **profile: Any) -> Person:
        email = f"{handle}@example.com"
        password = f"{handle}-secret-pw"
        response = await self.http.post(
            "/identity/users",
            json={
                "email": email,
                "password": password,
                "display_name": name or handle.title(),
                **profile,
            },
        )
        assert response.status_code == 201, response.text
        user_id = response.json()["id"]
        response = await self.http.post(
            "/identity/tokens", json={"email": email, "password": password}
        )
        assert response.status_code == 200, response.text
        person = Person(user_id, email, response.json()["access_token"], name or handle.title())
        self.people[handle] = person
        return person

    @property
    def network_admin(self) -> Person:
        """The first person registered: identity makes them the network admin."""
        return next(iter(self.people.values()))

    async def grant_role(self, person: Person, role: str) -> Person:
        """Give `person` a network role (network_admin, community_manager) and a fresh token."""
        response = await self.http.post(
            f"/identity/users/{person.id}/roles",
            headers=self.network_admin.auth,
            json={"role": role},
        )
        assert response.status_code == 204, response.text
        handle = person.email.partition("@")[0]
        response = await self.http.post(
            "/identity/tokens", json={"email": person.email, "password": f"{handle}-secret-pw"}
        )
        assert response.status_code == 200, response.text
        person.token = response.json()["access_token"]
        return person

    async def shared_account(self, name: str, delegates: list[Person]) -> str:
        """A shared account (created by the network admin) that `delegates` may act as."""
        admin = self.network_admin.auth
        response = await self.http.post(
            "/identity/shared-accounts", headers=admin, json={"name": name}
        )
        assert response.status_code == 201, response.text
        account_id: str = response.json()["id"]
        for person in delegates:
            response = await self.http.put(
                f"/identity/shared-accounts/{account_id}/delegates/{person.id}", headers=admin
            )
            assert response.status_code == 204, response.text
        return account_id

    async def act_as(self, person: Person, account_id: str) -> Person:
        """`person` acting as the shared account: token `sub` = account, `act.sub` = person."""
        response = await self.http.post(
            "/identity/tokens/act-as", headers=person.auth, json={"account_id": account_id}
        )
        assert response.status_code == 200, response.text
        return Person(account_id, person.email, response.json()["access_token"], person.name)

    async def stop(self) -> None:
        if self.server is not None and self.serving is not None:
            self.server.should_exit = True
            await self.serving
            self.server = self.serving = None


def harness_settings(database_url: str, nats_url: str, **overrides: Any) -> Settings:
    port = free_port()
    values: dict[str, Any] = {
        "database_url": database_url,
        "nats_url": nats_url,
        "port": port,
        "seed_demo": False,
        "relay_poll_interval_s": 0.2,
        "consumer_ack_wait_s": 2.0,
    }
    values.update(overrides)
    return Settings(**values)


async def start_plein(
    database_url: str,
    nats_url: str,
    *,
    settings: Settings | None = None,
    services: list[str] | None = None,
) -> Plein:
    """Start the named services (default all) behind uvicorn on a free port."""
    settings = settings or harness_settings(database_url, nats_url)
    runtime = Runtime(
        settings, load_services(services), database_url=database_url, nats_url=nats_url
    )
    server = uvicorn.Server(
        uvicorn.Config(
            runtime.asgi(),
            host=settings.host,
            port=settings.port,
            log_config=None,
            proxy_headers=False,  # forwarded headers: only from PLEIN_TRUSTED_PROXIES (runtime)
            lifespan="on",
        )
    )
    serving = asyncio.create_task(server.serve())
    while not server.started:
        if serving.done():
            await serving
            raise RuntimeError("uvicorn stopped during start-up")
        await asyncio.sleep(0.02)
    http = httpx.AsyncClient(base_url=f"{settings.base_url}/api", timeout=30.0)
    return Plein(settings, database_url, nats_url, runtime, http, server, serving)


SERVICES_MARKER = "services"


@pytest.fixture
async def plein(servers: Servers, request: pytest.FixtureRequest) -> AsyncIterator[Plein]:
    """The services a test uses running on a fresh database and a fresh stream: those named
    by its `@pytest.mark.services("identity", "posts")` mark (the closest one: a test's,
    its class's or its module's `pytestmark`), every service without one. Starting only what
    a test uses keeps the suite's time from growing with each new service."""
    marker = request.node.get_closest_marker(SERVICES_MARKER)
    names = list(marker.args) if marker else None
    database_url = await migrated_database(servers)
    await fresh_streams(servers.nats_url)
    running = await start_plein(database_url, servers.nats_url, services=names)
    try:
        yield running
    finally:
        await running.http.aclose()
        await running.stop()
