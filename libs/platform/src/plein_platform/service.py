"""What a Plein service is: an HTTP app, background workers (outbox relay, projections) and
a schema of its own. `plein run` runs any set of them from the same registry."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.resources.abc import Traversable
from typing import Any, ClassVar, Protocol

import structlog
from fastapi import APIRouter, FastAPI, Request
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
from plein_events import Event
from plein_events.eventstore import EventStoreOutbox, PleinApplication, eventsourcing_env
from plein_events.projection import Projection, ProjectionRunner
from plein_events.relay import OutboxRelay
from psycopg_pool import AsyncConnectionPool
from starlette.types import Scope

from .auth import TokenVerifier
from .database import RetryReadsOnLostConnection
from .docs import install_docs
from .errors import DomainError
from .limits import BodySizeLimit
from .problems import install_problem_handlers
from .settings import Settings
from .telemetry import HTTP_TELEMETRY

log = structlog.get_logger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class ServiceContext:
    """Everything a running service is given: its settings, its schema's pool, NATS, auth."""

    name: str
    settings: Settings
    database_url: str
    pool: AsyncConnectionPool
    nc: NATS
    js: JetStreamContext
    verifier: TokenVerifier
    clock: Callable[[], datetime] = field(default=utc_now)


class Worker(Protocol):
    """A background loop that exactly one process runs at a time (under a leader lock)."""

    name: str

    async def run(self, stop: asyncio.Event) -> None: ...


async def every(
    interval_s: Callable[[], float],
    step: Callable[[], Awaitable[object]],
    stop: asyncio.Event,
    *,
    what: str,
) -> None:
    """A periodic worker's loop: `step` now, then every `interval_s()` seconds (read each
    time, so settings may change) until `stop`. A failed step is logged; the next still runs."""
    while not stop.is_set():
        try:
            await step()
        except Exception as error:
            log.exception(f"{what} failed", error=repr(error))
        try:
            await asyncio.wait_for(stop.wait(), timeout=interval_s())
        except TimeoutError:
            pass


class ServiceNotReady(DomainError):
    status = 503
    title = "Service unavailable"


class Service:
    """Base of each service. Subclasses set `name`, add routes in `routes()` and may override
    `start`, `projections` and `workers`."""

    name: ClassVar[str]
    description: ClassVar[str] = ""
    # Where `plein run` mounts the service's app: its API under /api/<name>; the web client,
    # which is what a browser opens, at the root ("").
    mount_path: ClassVar[str | None] = None

    @property
    def path(self) -> str:
        return f"/api/{self.name}" if self.mount_path is None else self.mount_path

    def __init__(self) -> None:
        self._ctx: ServiceContext | None = None
        self.runners: dict[str, ProjectionRunner] = {}
        self.app = self._create_app()

    # -- to override ------------------------------------------------------------------------

    def migrations(self) -> Traversable:
        raise NotImplementedError  # every service ships its migrations folder

    def routes(self) -> APIRouter:
        return APIRouter()

    def projections(self) -> list[Projection]:
        return []

    def extra_workers(self) -> list[Worker]:
        return []

    async def on_start(self) -> None:
        """Open what the service needs once its schema is migrated (event store, keys...)."""

    async def on_stop(self) -> None:
        pass

    def streams_body(self, scope: Scope) -> bool:
        """Whether the request streams a body larger than PLEIN_MAX_BODY_BYTES that its route
        reads and limits itself (the files service's uploads)."""
        return False

    # -- lifecycle --------------------------------------------------------------------------

    @property
    def ctx(self) -> ServiceContext:
        if self._ctx is None:
            raise ServiceNotReady(f"The {self.name} service is starting.")
        return self._ctx

    async def start(self, ctx: ServiceContext) -> None:
        self._ctx = ctx
        s = ctx.settings
        self.runners = {
            p.name: ProjectionRunner(
                p,
                ctx.pool,
                ctx.js,
                batch_size=s.consumer_batch_size,
                max_failures=s.consumer_max_failures,
                ack_wait_s=s.consumer_ack_wait_s,
            )
            for p in self.projections()
        }
        await self.on_start()

    async def stop(self) -> None:
        await self.on_stop()
        self._ctx = None

    def workers(self) -> list[Worker]:
        return [*self.extra_workers(), *(_RunnerWorker(r) for r in self.runners.values())]

    async def status(self, *, include_lag: bool = True) -> dict[str, Any]:
        runners = self.runners.values()
        return {
            "service": self.name,
            "projections": [await r.status(include_lag=include_lag) for r in runners],
        }

    # -- HTTP -------------------------------------------------------------------------------

    def _create_app(self) -> FastAPI:
        app = FastAPI(
            title=f"Plein {self.name}",
            description=self.description,
            version="0.1.0",
            # The document names its prefix (/api/<name>) as its server: "Try it out" in the
            # docs pages then calls the API where it is, through `make run` or the ingress.
            root_path_in_servers=True,
            telemetry=HTTP_TELEMETRY,
            docs_url=None,  # install_docs serves the pages with assets of our own
            redoc_url=None,
        )
        app.state.service = self
        install_problem_handlers(app)
        install_docs(app)

        @app.get("/health", tags=["operations"], summary="Liveness: the process answers")
        async def health() -> dict[str, str]:
            return {"status": "ok", "service": self.name}

        @app.get(
            "/ready",
            tags=["operations"],
            summary="Readiness: the database answers; NATS state, projection lag, dead letters",
        )
        async def ready() -> dict[str, Any]:
            # Ready means "can serve HTTP": that needs PostgreSQL, not NATS. While NATS is down
            # writes still succeed (the outbox holds the events), so the pod stays in service.
            ctx = self.ctx
            async with ctx.pool.connection() as conn:
                await conn.execute("SELECT 1")
            nats_up = ctx.nc.is_connected
            return {
                "status": "ready",
                "nats": "connected" if nats_up else "disconnected",
                **(await self.status(include_lag=nats_up)),
            }

        app.include_router(self.routes())
        app.add_middleware(RetryReadsOnLostConnection)
        # FastAPI's own max_body_size answers a declared oversize body in plain text, not as
        # a problem document; this one answers both ways of sending it with a problem.
        app.add_middleware(
            BodySizeLimit, max_bytes=Settings().max_body_bytes, exempt=self.streams_body
        )
        return app


class _RunnerWorker:
    def __init__(self, runner: ProjectionRunner) -> None:
        self.runner = runner
        self.name = f"projection:{runner.projection.name}"

    async def run(self, stop: asyncio.Event) -> None:
        await self.runner.run(stop)


def service_of(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


class EventSourcedService(Service):
    """A service whose write side is an eventsourcing application, published by an outbox relay."""

    application_class: ClassVar[type[PleinApplication]]

    def __init__(self) -> None:
        super().__init__()
        self._application: PleinApplication | None = None

    def to_contract(self, domain_event: Any) -> Event | None:
        """The contract event a stored domain event leaves the service as (None: it stays in)."""
        return None

    @property
    def application(self) -> Any:
        if self._application is None:
            raise ServiceNotReady(f"The {self.name} service is starting.")
        return self._application

    async def on_start(self) -> None:
        env = eventsourcing_env(self.ctx.database_url, self.name)
        self._application = await asyncio.to_thread(self.application_class, env=env)

    async def on_stop(self) -> None:
        if self._application is not None:
            self._application.close()
            self._application = None

    def extra_workers(self) -> list[Worker]:
        s = self.ctx.settings
        return [
            OutboxRelay(
                f"outbox:{self.name}",
                EventStoreOutbox(self.application, self.to_contract),
                self.ctx.pool,
                self.ctx.js,
                batch_size=s.relay_batch_size,
                poll_interval_s=s.relay_poll_interval_s,
                producer=self.name,
            )
        ]
