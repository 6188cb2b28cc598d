"""Prometheus metrics: HTTP requests, pools, projections and relays, in the text format.

Counters that code increments as things happen (HTTP requests here, e-mail and escalations in
notify) live in prometheus_client's process registry. What the runtime already knows for
`/ready` (projection lag and dead letters, relay positions, pool usage) is read when Prometheus
scrapes, into one snapshot that a collector turns into metric families; nothing in the
projection runner or relay has to count for it. The snapshot's counters (what this process's
runners, relays and pools did) are added to process counters at each scrape, by what they
moved since the last one, so that they are counted like the others.

Several processes serving one port (`plein run --workers N`, which sets
`PROMETHEUS_MULTIPROC_DIR`): prometheus_client's multiprocess mode keeps every process's
counters in files there, and a scrape, answered by any one process, sums them all. Kubernetes
runs one process per pod (`plein run --service <name>`), where the variable is not set and the
process registry is read directly.

`/metrics` is served at the root of each runtime's port, outside `/api/`: the ingress routes
only `/api/<service>`, so Prometheus reaches it inside the cluster and the internet does not.
"""

from __future__ import annotations

import asyncio
import os
import time
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from .runtime import Runtime

HTTP_REQUESTS = Counter(
    "plein_http_requests",
    "HTTP requests answered, by service, method, route template and status.",
    ["service", "method", "route", "status"],
)
HTTP_DURATION = Histogram(
    "plein_http_request_duration_seconds",
    "Time to answer an HTTP request (to the end of its body), by service, method and route.",
    ["service", "method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
WORKER_RESTARTS = Counter(
    "plein_worker_restarts",
    "Background workers (projections, relays, schedulers) that crashed and were restarted.",
    ["worker"],
)

CONTENT_TYPE = CONTENT_TYPE_LATEST
_UNMATCHED = "unmatched"  # a 404 has no route: one label value, not one per scanned URL


def route_of(scope: Scope) -> tuple[str, str]:
    """(service, route template) of a request once it has been routed.

    A service's app is mounted under `/api/<name>`: routing leaves the mount in `root_path`
    and the matched route (with `{placeholders}`, never ids) in `route`.
    """
    route = scope.get("route")
    path = getattr(route, "path", None)
    if not isinstance(path, str):
        return "", _UNMATCHED
    root = str(scope.get("root_path", ""))
    service = root.rsplit("/api/", 1)[1].split("/", 1)[0] if "/api/" in root else ""
    return service, root + path if service else path


class HttpMetrics:
    """ASGI middleware counting requests and timing them, by route template and status."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") == "/metrics":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client sees when the app raises before answering

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            service, route = route_of(scope)
            method = str(scope.get("method", ""))
            HTTP_REQUESTS.labels(service, method, route, str(status)).inc()
            HTTP_DURATION.labels(service, method, route).observe(time.perf_counter() - started)


@dataclass
class Snapshot:
    """What the runtime knows at scrape time, as lists of (labels, value) per metric."""

    gauges: dict[str, list[tuple[dict[str, str], float]]] = field(default_factory=dict)
    counters: dict[str, list[tuple[dict[str, str], float]]] = field(default_factory=dict)

    def gauge(self, name: str, value: float | None, **labels: str) -> None:
        assert name in GAUGES, name
        if value is not None:
            self.gauges.setdefault(name, []).append((labels, float(value)))

    def counter(self, name: str, value: float | None, **labels: str) -> None:
        assert name in COUNTERS, name
        if value is not None:
            self.counters.setdefault(name, []).append((labels, float(value)))


# What the snapshot reports, with each family's help text.
GAUGES = {
    "plein_db_pool_size": "Connections the service's pool holds now.",
    "plein_db_pool_available": "Idle connections in the service's pool.",
    "plein_db_pool_max": "The most connections the service's pool may open.",
    "plein_db_pool_requests_waiting": "Requests waiting for a connection from the pool.",
    "plein_projection_lag_events": "Events on the stream the projection has not applied yet.",
    "plein_projection_position": "Stream sequence of the last event the projection applied.",
    "plein_projection_last_applied_timestamp_seconds": "When the projection last moved on.",
    "plein_projection_dead_letters": "Messages the projection gave up on (dead_letters rows).",
    "plein_relay_lag_events": "Stored events the outbox relay has not published yet.",
    "plein_relay_position": "Notification id of the last stored event the relay published.",
    "plein_relay_last_published_timestamp_seconds": "When the relay last moved on.",
    "plein_nats_connected": "1 while the runtime's NATS connection is up.",
}
COUNTERS = {
    "plein_db_pool_requests": "Connections asked of the pool.",
    "plein_db_pool_requests_errors": "Requests for a connection that failed (timeout, error).",
    "plein_projection_events_applied": "Events the projection's runner applied.",
    "plein_projection_batches": "Batches the projection's runner applied.",
    "plein_projection_dead_lettered": "Messages the projection's runner dead-lettered.",
    "plein_relay_published": "Stored events the relay published.",
    "plein_relay_publish_errors": "Relay rounds that failed (NATS down, timeouts) and retried.",
}
# Each snapshot counter's one label, by the name's prefix: what it counts for.
_COUNTER_LABELS = {
    "plein_db_pool_": "service",
    "plein_projection_": "projection",
    "plein_relay_": "relay",
}
SNAPSHOT_COUNTERS = {
    name: Counter(
        name,
        help_text,
        [next(label for prefix, label in _COUNTER_LABELS.items() if name.startswith(prefix))],
    )
    for name, help_text in COUNTERS.items()
}


class SnapshotCollector:
    """The process counters (of every process, in multiprocess mode) and a Snapshot's gauges
    as metric families."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot

    def collect(self) -> Iterator[Metric]:
        yield from process_registry().collect()
        for name, samples in self.snapshot.gauges.items():
            keys = sorted({key for labels, _ in samples for key in labels})
            family = GaugeMetricFamily(name, GAUGES[name], labels=keys)
            for labels, value in samples:
                family.add_metric([labels.get(key, "") for key in keys], value)
            yield family


def process_registry() -> CollectorRegistry:
    """Where the counters and histograms are read: this process's registry, or, with
    `PROMETHEUS_MULTIPROC_DIR` set, every process's files there, summed."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
    return registry


# What each runtime's snapshot counters stood at when last added to SNAPSHOT_COUNTERS.
_counted: weakref.WeakKeyDictionary[Runtime, dict[tuple[str, str], float]] = (
    weakref.WeakKeyDictionary()
)


def count_snapshot(runtime: Runtime, snap: Snapshot) -> None:
    """Add to the process counters what `runtime`'s snapshot counters moved since its last
    scrape. A figure that went down started again from zero (a restarted runner)."""
    counted = _counted.setdefault(runtime, {})
    for name, samples in snap.counters.items():
        for labels, value in samples:
            (label,) = labels.values()
            before = counted.get((name, label), 0.0)
            # inc(0) too: the series shows from the first scrape on, before anything happened.
            SNAPSHOT_COUNTERS[name].labels(label).inc(value - before if value >= before else value)
            counted[(name, label)] = value


async def snapshot(runtime: Runtime) -> Snapshot:
    """Read pools, projections and relays of every running service of `runtime`."""
    from plein_events.relay import OutboxRelay

    from .service import EventSourcedService

    snap = Snapshot()
    nats_up = runtime.nc is not None and runtime.nc.is_connected
    snap.gauge("plein_nats_connected", 1 if nats_up else 0)
    running = getattr(runtime, "running_workers", {})
    for service in runtime.services:
        if service._ctx is None:
            continue
        name = service.name
        stats: dict[str, Any] = service.ctx.pool.get_stats()
        snap.gauge("plein_db_pool_size", stats.get("pool_size"), service=name)
        snap.gauge("plein_db_pool_available", stats.get("pool_available"), service=name)
        snap.gauge("plein_db_pool_max", stats.get("pool_max"), service=name)
        snap.gauge("plein_db_pool_requests_waiting", stats.get("requests_waiting"), service=name)
        snap.counter("plein_db_pool_requests", stats.get("requests_num", 0), service=name)
        snap.counter("plein_db_pool_requests_errors", stats.get("requests_errors", 0), service=name)

        status = await service.status(include_lag=nats_up)
        async with service.ctx.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT projection, extract(epoch FROM updated_at) FROM projection_position"
            )
            moved = {str(p): float(t) for p, t in await cur.fetchall()}
            cur = await conn.execute(
                "SELECT relay, position, extract(epoch FROM updated_at) FROM outbox_position"
            )
            relays = {str(r): (int(p), float(t)) for r, p, t in await cur.fetchall()}
        for projection in status.get("projections", []):
            label = str(projection["projection"])
            snap.gauge("plein_projection_lag_events", projection.get("lag"), projection=label)
            snap.gauge("plein_projection_position", projection.get("position"), projection=label)
            snap.gauge(
                "plein_projection_dead_letters", projection.get("dead_letters"), projection=label
            )
            snap.gauge(
                "plein_projection_last_applied_timestamp_seconds",
                moved.get(label),
                projection=label,
            )
        for projection_name, runner in service.runners.items():
            counts = runner.stats
            snap.counter(
                "plein_projection_events_applied", counts.applied, projection=projection_name
            )
            snap.counter("plein_projection_batches", counts.batches, projection=projection_name)
            snap.counter(
                "plein_projection_dead_lettered", counts.dead_lettered, projection=projection_name
            )

        if isinstance(service, EventSourcedService) and service._application is not None:
            relay = f"outbox:{name}"
            recorder = service._application.recorder
            head = await asyncio.to_thread(recorder.max_notification_id) or 0
            position, published_at = relays.get(relay, (0, None))
            snap.gauge("plein_relay_lag_events", max(head - position, 0), relay=relay)
            snap.gauge("plein_relay_position", position, relay=relay)
            snap.gauge("plein_relay_last_published_timestamp_seconds", published_at, relay=relay)
    for worker in running.values():
        if isinstance(worker, OutboxRelay):
            snap.counter("plein_relay_published", worker.published, relay=worker.name)
            snap.counter("plein_relay_publish_errors", worker.failures, relay=worker.name)
    return snap


async def exposition(runtime: Runtime) -> bytes:
    """The body of `/metrics`: the process counters and this runtime's snapshot."""
    snap = await snapshot(runtime)
    count_snapshot(runtime, snap)
    return generate_latest(SnapshotCollector(snap))


def exported_series_names() -> set[str]:
    """Every series name `/metrics` can show (with `_total`, `_bucket`...), known or not yet
    counted: what alerts and dashboards may query."""
    series = set(GAUGES) | {f"{name}_total" for name in COUNTERS}
    for family in REGISTRY.collect():
        if family.type == "counter":
            series |= {f"{family.name}_total", f"{family.name}_created"}
        elif family.type == "histogram":
            series |= {f"{family.name}_{end}" for end in ("bucket", "count", "sum", "created")}
        else:
            series.add(family.name)
    return series
