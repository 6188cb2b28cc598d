"""Runs a set of services in one process: connections, migrations, workers and the HTTP app.

`plein run` runs them all behind one port (each under `/api/<name>`); `plein run --service X`
runs one, as each Kubernetes Deployment does. Both are this class with another service list.
`plein run --workers N` runs N such processes on one port (`RuntimeFactory` builds each one's
app); background workers still run once, in whichever process holds their leader lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import nats
import structlog
from fastapi import FastAPI, Request, Response
from nats.aio.client import Client as NATS
from plein_events.leader import LeadershipLost, leadership
from plein_events.stream import ensure_streams
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from .auth import TokenVerifier
from .database import migrate, platform_migrations, schema_lock, schema_pool
from .errors import NotFound
from .headers import SecurityHeaders
from .limits import StorableUrl
from .problems import install_problem_handlers
from .prometheus import CONTENT_TYPE, WORKER_RESTARTS, HttpMetrics, exposition
from .service import Service, ServiceContext, Worker
from .settings import Settings
from .telemetry import HTTP_TELEMETRY

log = structlog.get_logger(__name__)


def nats_servers(url: str) -> list[str]:
    """The servers of `PLEIN_NATS_URL`: one URL or a comma-separated list of them (the nodes
    of a cluster), as every NATS client accepts; nats-py wants the list itself."""
    servers = [part.strip() for part in url.split(",") if part.strip()]
    if not servers:
        raise ValueError("PLEIN_NATS_URL names no server")
    return servers


async def connect_nats(url: str, name: str = "plein") -> NATS:
    """A connection that reconnects forever: a NATS outage pauses events, it never ends them.

    `url` may list several servers (comma-separated): the first one that answers is used, a
    server that is down is skipped, and the client learns the cluster's other nodes from it.
    """

    async def on_error(error: Exception) -> None:
        log.warning("nats error", error=repr(error))

    async def on_disconnected() -> None:
        log.warning("nats disconnected")

    async def on_reconnected() -> None:
        log.info("nats reconnected")

    return await nats.connect(
        servers=nats_servers(url),
        name=name,
        allow_reconnect=True,
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.5,
        error_cb=on_error,
        disconnected_cb=on_disconnected,
        reconnected_cb=on_reconnected,
        # Stopping drains what subscriptions hold (workers have stopped by then); one that
        # cannot finish should not hold a shutdown for nats-py's default 30 s.
        drain_timeout=5,
    )


async def migrate_services(database_url: str, services: Iterable[Service]) -> dict[str, list[str]]:
    """Apply each service's pending migrations (platform bookkeeping first) in its own schema.

    Returns the files applied now, per schema. Idempotent and safe to run from several
    processes at once (each schema is migrated under an advisory lock).
    """
    applied: dict[str, list[str]] = {}
    for service in services:
        applied[service.name] = await migrate(
            database_url,
            service.name,
            [("platform", platform_migrations()), (service.name, service.migrations())],
        )
    return applied


async def prepare(
    settings: Settings, services: Iterable[Service], *, database_url: str, nats_url: str
) -> dict[str, list[str]]:
    """What must exist before services run: the JetStream streams and every schema, migrated.

    `plein migrate` (the Kubernetes pre-start Job) runs exactly this; every start runs it again,
    which costs a few round trips and changes nothing.
    """
    nc = await connect_nats(nats_url, name="plein-migrate")
    try:
        await ensure_streams(
            nc.jetstream(), settings.stream_duplicate_window_s, settings.stream_replicas
        )
    finally:
        await nc.close()
    return await migrate_services(database_url, services)


# Headers a proxy adds to what it forwards (ingress-nginx sets both on every request).
_FORWARDED = ("x-forwarded-for", "forwarded", "x-real-ip")


@dataclass
class RestartBackoff:
    """The pause before restarting a crashed worker: doubling while it keeps crashing, and back
    to the first once it had run fine for `healthy_s` (an outage long ago is no reason to wait
    the longest pause after the next one)."""

    first_s: float = 0.2
    max_s: float = 10.0
    healthy_s: float = 30.0
    _next_s: float = field(init=False, default=0.0)

    def after_crash(self, ran_s: float) -> float:
        """The pause to take now, after a run that lasted `ran_s` seconds."""
        if self._next_s == 0.0 or ran_s >= self.healthy_s:
            self._next_s = self.first_s
        pause = self._next_s
        self._next_s = min(self._next_s * 2, self.max_s)
        return pause


class Runtime:
    def __init__(
        self,
        settings: Settings,
        services: Iterable[Service],
        *,
        database_url: str,
        nats_url: str,
        run_workers: bool = True,
        prepared: bool = False,
    ) -> None:
        """`prepared`: streams and migrations are already in place (the parent of several
        worker processes did it once), so start-up skips `prepare`."""
        self.settings = settings
        self.services = list(services)
        self.database_url = database_url
        self.nats_url = nats_url
        self.run_workers = run_workers
        self.prepared = prepared
        self.nc: NATS | None = None
        self._stop = asyncio.Event()
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self.running_workers: dict[str, Worker] = {}  # what /metrics reads relay counts from

    def service(self, name: str) -> Service:
        for service in self.services:
            if service.name == name:
                return service
        raise KeyError(name)

    async def start(self) -> None:
        settings = self.settings
        self.nc = await connect_nats(self.nats_url)
        js = self.nc.jetstream()
        if not self.prepared:
            await ensure_streams(js, settings.stream_duplicate_window_s, settings.stream_replicas)
            await migrate_services(self.database_url, self.services)
        verifier = TokenVerifier(
            settings.resolved_jwks_url,
            issuer=settings.token_issuer,
            audience=settings.token_audience,
        )
        for service in self.services:
            pool = schema_pool(self.database_url, service.name)
            await pool.open()
            async with schema_lock(self.database_url, service.name):
                await service.start(
                    ServiceContext(
                        name=service.name,
                        settings=settings,
                        database_url=self.database_url,
                        pool=pool,
                        nc=self.nc,
                        js=js,
                        verifier=verifier,
                    )
                )
        if self.run_workers:
            self.start_workers()
        log.info("services started", services=[s.name for s in self.services])

    def workers(self) -> list[Worker]:
        return [w for service in self.services for w in service.workers()]

    def start_workers(self, names: Iterable[str] | None = None) -> None:
        self._stop = asyncio.Event()
        wanted = set(names) if names is not None else None
        for worker in self.workers():
            if (wanted is None or worker.name in wanted) and worker.name not in self._tasks:
                self.running_workers[worker.name] = worker
                self._tasks[worker.name] = asyncio.create_task(
                    self._supervise(worker), name=worker.name
                )

    async def stop_workers(self, *, grace_s: float = 5.0) -> None:
        """Ask every worker to stop after its current batch; cancel what is still busy."""
        self._stop.set()
        tasks = list(self._tasks.values())
        self._tasks.clear()
        if not tasks:
            return
        _, pending = await asyncio.wait(tasks, timeout=grace_s)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    async def kill_workers(self) -> None:
        """Cancel workers at once, mid-batch (what a crash does to them)."""
        tasks = list(self._tasks.values())
        self._tasks.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _supervise(self, worker: Worker) -> None:
        """Run a worker under its leader lock; restart it after a crash, with a pause."""
        stop = self._stop
        backoff = RestartBackoff()
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            started = loop.time()
            try:
                async with leadership(self.database_url, worker.name):
                    await worker.run(stop)
                return
            except asyncio.CancelledError:
                raise
            except LeadershipLost as lost:
                # PostgreSQL went away with the lock; whoever takes it first once it is back
                # runs the worker (this process, or another).
                log.warning(
                    "worker stopped; it runs again once it leads",
                    worker=worker.name,
                    reason=str(lost),
                )
                WORKER_RESTARTS.labels(worker.name).inc()
                pause = backoff.after_crash(loop.time() - started)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=pause)
            except Exception as error:
                log.exception("worker crashed; restarting", worker=worker.name, error=repr(error))
                WORKER_RESTARTS.labels(worker.name).inc()
                try:
                    pause = backoff.after_crash(loop.time() - started)
                    await asyncio.wait_for(stop.wait(), timeout=pause)
                except TimeoutError:
                    pass

    async def stop(self) -> None:
        await self.stop_workers()
        for service in self.services:
            if service._ctx is not None:
                pool = service.ctx.pool
                await service.stop()
                await pool.close()
        if self.nc is not None:
            await self.nc.drain() if self.nc.is_connected else await self.nc.close()
            self.nc = None

    @asynccontextmanager
    async def lifespan(self, _: FastAPI) -> AsyncIterator[None]:
        await self.start()
        # Everything built so far (modules, apps, schemas) lives as long as the process. Frozen,
        # the collector no longer walks it on each full collection: those ran every few seconds
        # under load and each stopped the event loop for ~70 ms, every request in flight with it.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            gc.unfreeze()  # what this runtime built may go once it has stopped
            await self.stop()

    def _service_index(self, service: Service) -> Callable[[], Awaitable[dict[str, str]]]:
        async def index() -> dict[str, str]:
            base = f"{self.settings.base_url}/api/{service.name}"
            return {
                "service": service.name,
                "docs": f"{base}/docs",
                "redoc": f"{base}/redoc",
                "openapi": f"{base}/openapi.json",
            }

        return index

    def asgi(self) -> FastAPI:
        """One app with every service mounted under `/api/<name>`, as the ingress routes them."""
        app = FastAPI(
            title="Plein",
            lifespan=self.lifespan,
            docs_url=None,
            redoc_url=None,
            telemetry=HTTP_TELEMETRY,
        )
        install_problem_handlers(app)

        apis = [s for s in self.services if s.path]
        at_root = [s for s in self.services if not s.path]
        if not at_root:  # the web client answers `/` when it runs here

            @app.get("/", summary="What runs here")
            async def index() -> dict[str, Any]:
                base = self.settings.base_url
                return {
                    "name": "Plein",
                    "services": {
                        s.name: {"api": f"{base}{s.path}", "docs": f"{base}{s.path}/docs"}
                        for s in apis
                    },
                }

        @app.get("/health", summary="Liveness of the whole process (and which one answered)")
        async def health() -> dict[str, Any]:
            return {"status": "ok", "pid": os.getpid()}

        @app.get("/metrics", summary="Prometheus metrics (direct requests only)")
        async def metrics(request: Request) -> Response:
            # The web client answers every path the ingress routes to `/`, this one too; the
            # ingress (like any proxy) marks what it forwards, Prometheus scrapes the pod
            # directly. So a forwarded request is told there is nothing here.
            if any(h in request.headers for h in _FORWARDED):
                raise NotFound("no such page")
            return Response(await exposition(self), media_type=CONTENT_TYPE)

        for service in apis:
            # `/api/<name>` itself answers (what `plein run` prints), instead of a redirect to
            # `/api/<name>/` and a 404 there; matched before the mount below.
            for path in (service.path, f"{service.path}/"):
                app.add_api_route(
                    path, self._service_index(service), methods=["GET"], include_in_schema=False
                )
        # A root mount matches every path, so it goes last, after the APIs; an `/api/...` path
        # that no API has is still an API's 404 (a problem document), not the web client's page.
        for service in apis:
            app.mount(service.path, service.app)

        @app.api_route(
            "/api/{path:path}",
            methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            include_in_schema=False,
        )
        async def no_such_api(path: str) -> None:
            raise NotFound(f"no API answers /api/{path}")

        for service in at_root:
            app.mount(service.path, service.app)
        app.add_middleware(HttpMetrics)
        # Around every service: what no service could answer well itself. The last added is
        # the outermost: forwarded headers are believed (from trusted proxies only) first.
        app.add_middleware(StorableUrl)
        app.add_middleware(SecurityHeaders, frame_ancestors=self.settings.frame_ancestor_list)
        if self.settings.trusted_proxy_list:
            app.add_middleware(
                ProxyHeadersMiddleware, trusted_hosts=self.settings.trusted_proxy_list
            )
        return app


@dataclass(frozen=True)
class RuntimeFactory:
    """Builds the HTTP app of one `plein run` process: a Runtime of the named services.

    Picklable, so that uvicorn can hand it to each of several worker processes (its app
    factory); `plein run` with one process calls it directly. One code path either way.
    """

    settings: Settings
    service_names: tuple[str, ...]
    database_url: str
    nats_url: str
    prepared: bool = False

    def runtime(self) -> Runtime:
        from .registry import load_services

        return Runtime(
            self.settings,
            load_services(self.service_names),
            database_url=self.database_url,
            nats_url=self.nats_url,
            prepared=self.prepared,
        )

    def __call__(self) -> FastAPI:
        from .telemetry import configure_logging, configure_tracing

        # A worker process starts with nothing configured; the parent's set-up is not inherited.
        configure_logging(self.settings)
        configure_tracing(self.settings)
        return self.runtime().asgi()
