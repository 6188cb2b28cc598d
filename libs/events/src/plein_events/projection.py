"""Projections: read models built from the `PLEIN` stream, one PostgreSQL transaction per batch.

A projection is a name, a handler per event type and the tables it owns. The runner feeds it
from a durable pull consumer: a batch is applied in one transaction together with the
projection's tracking row (the last stream sequence applied), committed, then acknowledged
(batch_apply.py). A message whose handler fails `max_failures` times is moved to the
dead-letter subject, recorded in `dead_letters`, and the projection moves on. Any doubt about
delivery (a gap, a redelivery, a reconnect, a lost consumer) starts a new consumer from just
after the tracking row (ordered_delivery.py).

Each batch goes through the projection's FastStream subscriber (broker.py): its handler
applies and acknowledges the batch, and FastStream's tracing and Prometheus middlewares see it.
The fetching stays on nats-py, in the runner's own loop, because the ordered-delivery checks
must see each batch before anything applies it, and the consumer is recreated at a given
stream sequence (see ordered_delivery.py for why FastStream's pull loop cannot do that).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import nats.errors
import psycopg
import structlog
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig
from psycopg import sql
from psycopg_pool import AsyncConnectionPool

from .batch_apply import BatchApplier, PoisonMessage
from .broker import PleinBroker, projection_subscriber
from .contract import Envelope, Event
from .ordered_delivery import DeliveryOrder, OrderedConsumer, Resume
from .replay import Replay, ReplayAbandoned, ReplayReport
from .stream import STREAM_NAME

__all__ = [
    "Deferred",
    "Handler",
    "PoisonMessage",
    "Projection",
    "ProjectionRunner",
    "ReplayAbandoned",
    "ReplayReport",
    "Resume",
    "RunnerStats",
]

log = structlog.get_logger(__name__)

Handler = Callable[[psycopg.AsyncConnection[Any], Any, Envelope], Awaitable[None]]


class Deferred(Protocol):
    """Writes a projection's handlers gather instead of executing them one event at a time.

    For updates that commute (counters, maxima), summing a batch in memory and writing it
    with one set-based statement is far cheaper than a statement per event. The runner
    flushes before it records the batch's position (per event on the careful path, inside
    the event's savepoint) and clears whatever a failed attempt gathered.
    """

    def clear(self) -> None: ...

    async def flush(self, conn: psycopg.AsyncConnection[Any]) -> None: ...


@dataclass(frozen=True)
class Projection:
    """A read model: `handlers` per event class, and the `tables` a rebuild empties."""

    name: str
    handlers: Mapping[type[Event], Handler]
    tables: Sequence[str] = field(default_factory=tuple)
    deferred: Deferred | None = None

    @property
    def subjects(self) -> list[str]:
        return sorted({cls.subject() for cls in self.handlers})


@dataclass
class RunnerStats:
    applied: int = 0
    skipped: int = 0
    stale: int = 0  # events older than what the read model shows of their aggregate
    dead_lettered: int = 0
    batches: int = 0
    resumes: int = 0  # consumers recreated from the tracking row after an interruption


class ProjectionRunner:
    def __init__(
        self,
        projection: Projection,
        pool: AsyncConnectionPool,
        js: JetStreamContext,
        *,
        batch_size: int = 500,
        max_failures: int = 3,
        max_deliveries: int = 10,
        ack_wait_s: float = 30.0,
        fetch_timeout_s: float = 1.0,
        verify_idle_every_s: float = 2.0,
        broker: PleinBroker | None = None,
    ) -> None:
        self.projection = projection
        self.pool = pool
        self.js = js
        self.batch_size = batch_size
        self.fetch_timeout_s = fetch_timeout_s
        self.verify_idle_every_s = verify_idle_every_s
        self.stats = RunnerStats()
        self.consumer = OrderedConsumer(
            js, projection.name, projection.subjects, batch_size=batch_size, ack_wait_s=ack_wait_s
        )
        self.broker = broker or PleinBroker(js._nc)
        self.applier = BatchApplier(
            projection,
            pool,
            js,
            self.broker,
            self.stats,
            max_failures=max_failures,
            max_deliveries=max_deliveries,
        )
        self.subscriber = projection_subscriber(
            self.broker,
            projection.name,
            list(projection.handlers),
            self._on_batch,
            batch_size=batch_size,
        )
        # The subscriber is never started (that would start FastStream's own fetch loop): the
        # runner hands it each batch; this prepares its handler call once.
        self.subscriber._build_fastdepends_model()
        self._stop = asyncio.Event()

    @property
    def consumer_name(self) -> str:
        return self.projection.name

    @property
    def person_keys(self) -> Any:
        return self.applier.person_keys

    # -- tracking and consumer --------------------------------------------------------------

    async def position(self) -> int:
        async with self.pool.connection() as conn:
            return await self.applier.position(conn)

    async def open_consumer(self) -> DeliveryOrder:
        """The durable consumer, delivering from just after the tracking row (kept when it
        stands there already, else created anew), and the order its deliveries must follow."""
        return await self.consumer.open_after(await self.position())

    def _consumer_config(self, subjects: list[str]) -> ConsumerConfig:
        return self.consumer.config(subjects)

    async def delete_consumer(self) -> None:
        await self.consumer.delete()

    async def pending(self) -> int:
        """Messages on this projection's subjects in the stream after its tracking row."""
        return await self.consumer.pending_after(await self.position())

    # -- processing -------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until `stop` is set. Cancelling mid-batch is safe: nothing is acked then.

        Any interruption (NATS down or restarted, the consumer lost, a delivery gap) ends the
        current consumer; the next one starts from the tracking row.
        """
        self._stop = stop
        await self.broker.connect()
        try:
            await self._run(stop)
        finally:
            await self.applier.person_keys.close()

    async def _run(self, stop: asyncio.Event) -> None:
        pause = 0.05
        while not stop.is_set():
            try:
                await self._consume(stop)
                return
            except Resume as why:
                self.stats.resumes += 1
                log.warning(
                    "projection resumes from its tracking row",
                    projection=self.projection.name,
                    reason=str(why),
                )
                pause = 0.05
            except (nats.errors.Error, TimeoutError, psycopg.OperationalError) as error:
                # NATS or PostgreSQL unreachable for now (or the consumer refused): try again
                # shortly, from the tracking row.
                self.stats.resumes += 1
                log.warning(
                    "projection waits for its servers",
                    projection=self.projection.name,
                    error=repr(error),
                )
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=pause)
                pause = min(pause * 2, 1.0)

    async def _consume(self, stop: asyncio.Event) -> None:
        """One consumer's life: from the tracking row until `stop` or a reason to `Resume`."""
        nc = self.js._nc  # the connection's reconnect count tells that in-flight deliveries died
        reconnects = nc.stats["reconnects"]
        delivery = await self.open_consumer()
        sub = await self.js.pull_subscribe_bind(self.consumer_name, STREAM_NAME)
        loop = asyncio.get_running_loop()
        verified_at = loop.time()
        try:
            async with contextlib.aclosing(self._batches(sub)) as batches:
                async for msgs in batches:
                    if stop.is_set():
                        return
                    if nc.stats["reconnects"] != reconnects:
                        # Whatever was in flight when the connection broke is lost; the consumer
                        # on a restarted server may be older or newer than what was received.
                        raise Resume("reconnected to NATS")
                    if msgs:
                        delivery.check(msgs)
                        await self.subscriber.process_message(msgs)
                        verified_at = loop.time()
                    elif loop.time() - verified_at >= self.verify_idle_every_s:
                        await self.consumer.verify_idle(await self.position())
                        verified_at = loop.time()
        finally:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()

    async def _on_batch(self, msgs: list[Msg]) -> None:
        """The subscriber's handler: apply the batch (waiting out a database outage), ack it."""
        pause = 0.1
        while True:
            try:
                await self.apply_batch(msgs)
                return
            except (psycopg.OperationalError, psycopg.InterfaceError) as error:
                # The database went away: keep the batch and try again once it is back.
                log.warning(
                    "projection batch retrying", projection=self.projection.name, error=repr(error)
                )
                if self._stop.is_set():
                    return
                await asyncio.sleep(pause)
                pause = min(pause * 2, 5.0)

    async def _batches(
        self, sub: JetStreamContext.PullSubscription
    ) -> AsyncGenerator[list[Msg], None]:
        """Batches from `sub` (empty when nothing came in time), the next one fetched while the
        caller applies this one: decoding overlaps with PostgreSQL working through the
        pipelined statements (the consumer allows two batches unacknowledged; batches are
        still applied one after the other)."""
        fetching = asyncio.ensure_future(self._fetch(sub))
        try:
            while True:
                msgs = await fetching
                fetching = asyncio.ensure_future(self._fetch(sub))
                yield msgs
        finally:
            fetching.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await fetching

    async def _fetch(self, sub: JetStreamContext.PullSubscription) -> list[Msg]:
        try:
            return await sub.fetch(self.batch_size, timeout=self.fetch_timeout_s)
        # nats-py raises the builtin TimeoutError (not its own) when a pull request expires
        # between messages; both only mean "nothing new yet".
        except (TimeoutError, nats.errors.TimeoutError):
            return []

    async def apply_batch(self, msgs: Sequence[Msg]) -> None:
        """Apply a batch in one transaction with the tracking row, then acknowledge it."""
        if not msgs:
            return
        await self.applier.apply(msgs)
        await msgs[-1].ack()
        self.stats.batches += 1

    # -- rebuild ----------------------------------------------------------------------------

    async def reset(self) -> None:
        """Empty the projection's tables and tracking row, and drop its consumer."""
        await self.delete_consumer()
        async with self.pool.connection() as conn, conn.transaction():
            for table in self.projection.tables:
                await conn.execute(sql.SQL("TRUNCATE {}").format(sql.Identifier(table)))
            await self._forget(conn)

    async def _forget(self, conn: psycopg.AsyncConnection[Any]) -> None:
        """Drop the bookkeeping of what was applied: tracking row, versions, dead letters."""
        for table in ("projection_position", "projection_versions", "dead_letters"):
            await conn.execute(
                sql.SQL("DELETE FROM {} WHERE projection = %s").format(sql.Identifier(table)),
                (self.projection.name,),
            )

    async def replay(
        self, progress: Callable[[int, int], None] | None = None, *, patience_s: float = 60.0
    ) -> ReplayReport:
        """Rebuild from the start of the stream, all or nothing (replay.py); waits out NATS
        being away for up to `patience_s` without progress. `progress(done, total)` is called
        after each batch. The caller must hold the projection's leadership."""
        return await Replay(self, progress, patience_s).run()

    async def status(self, *, include_lag: bool = True) -> dict[str, Any]:
        """Position, lag and dead letters: what an operator looks at first."""
        async with self.pool.connection() as conn:
            position = await self.applier.position(conn)
            cur = await conn.execute(
                "SELECT count(*) FROM dead_letters WHERE projection = %s", (self.projection.name,)
            )
            row = await cur.fetchone()
        lag: int | None = None
        if include_lag:
            try:
                lag = await self.pending()
            except Exception:  # NATS unreachable: report what PostgreSQL knows
                lag = None
        return {
            "projection": self.projection.name,
            "position": position,
            "lag": lag,
            "dead_letters": int(row[0]) if row else 0,
        }
