"""Projections: read models built from the `PLEIN` stream, one PostgreSQL transaction per batch.

A projection is a name, a handler per event type and the tables it owns. The runner feeds it
from a durable pull consumer: a batch is applied in one transaction together with the
projection's tracking row (the last stream sequence applied), committed, then acknowledged.
Sequences at or below the tracking row are skipped, so redelivery after a crash is harmless.
A message whose handler fails `max_failures` times is moved to the dead-letter subject, recorded
in `dead_letters`, and the projection moves on.

The tracking row is the only truth about what was applied; the consumer's state on the server is
not (a restarted server may bring it back older or newer than what this client received, and
with the "all" ack policy one ack covers every earlier message, received or not). So the runner
works like JetStream's ordered consumers: it expects every delivery to carry the next consumer
sequence and a higher stream sequence, and on anything else (a gap, a redelivery, a reconnect,
the consumer gone from the server, nothing pending while the stream holds more on its
subjects) it throws its consumer away and creates a new one from just after the tracking row.
Nothing past a gap is ever applied or acknowledged.
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
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError
from opentelemetry import trace
from psycopg import sql
from psycopg_pool import AsyncConnectionPool
from pydantic import ValidationError

from .contract import Envelope, Event, UnknownEventType, parse_payload
from .personal import PersonKeys
from .stream import STREAM_NAME, dead_letter_subject
from .tracing import context_from, tracer

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


class PoisonMessage(Exception):
    """A message that cannot be decoded or whose handler keeps failing."""


@dataclass
class RunnerStats:
    applied: int = 0
    skipped: int = 0
    dead_lettered: int = 0
    batches: int = 0
    resumes: int = 0  # consumers recreated from the tracking row after an interruption


class Resume(Exception):
    """Delivery can no longer be trusted to follow the tracking row: start again from it."""


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
    ) -> None:
        self.projection = projection
        self.pool = pool
        self.js = js
        self.batch_size = batch_size
        self.max_failures = max_failures
        self.max_deliveries = max_deliveries
        self.ack_wait_s = ack_wait_s
        self.fetch_timeout_s = fetch_timeout_s
        self.verify_idle_every_s = verify_idle_every_s
        self.stats = RunnerStats()
        self._handlers = {cls.type_name: h for cls, h in projection.handlers.items()}
        # Sealed personal fields are opened before handlers see an event (erased: placeholders).
        self.person_keys = PersonKeys(js)

    @property
    def consumer_name(self) -> str:
        return self.projection.name

    # -- tracking ---------------------------------------------------------------------------

    async def position(self) -> int:
        async with self.pool.connection() as conn:
            return await self._position(conn)

    async def _position(self, conn: psycopg.AsyncConnection[Any], *, lock: bool = False) -> int:
        await conn.execute(
            "INSERT INTO projection_position (projection, last_seq) VALUES (%s, 0) "
            "ON CONFLICT (projection) DO NOTHING",
            (self.projection.name,),
        )
        query = "SELECT last_seq FROM projection_position WHERE projection = %s"
        cur = await conn.execute(query + (" FOR UPDATE" if lock else ""), (self.projection.name,))
        row = await cur.fetchone()
        assert row is not None
        return int(row[0])

    # -- consumer ---------------------------------------------------------------------------

    async def open_consumer(self) -> None:
        """(Re)create the durable consumer to deliver from just after the tracking row.

        The tracking row, committed with the read model, is the truth about what was applied;
        the consumer's own state is not (a killed runner leaves a batch pending, and JetStream
        would deliver newer messages before redelivering it). Starting every run from the
        tracking row keeps delivery in stream order.
        """
        await self.delete_consumer()
        start = await self.position()
        config = self._consumer_config(self.projection.subjects)
        if start > 0:
            config.deliver_policy = DeliverPolicy.BY_START_SEQUENCE
            config.opt_start_seq = start + 1
        await self.js.add_consumer(STREAM_NAME, config)

    def _consumer_config(self, subjects: list[str]) -> ConsumerConfig:
        return ConsumerConfig(
            durable_name=self.consumer_name,
            filter_subjects=subjects,
            deliver_policy=DeliverPolicy.ALL,
            # "all" lets one ack cover the whole batch (acking only the last message of a batch
            # with explicit acks stalls at max_ack_pending).
            ack_policy=AckPolicy.ALL,
            ack_wait=self.ack_wait_s,
            max_ack_pending=max(1000, self.batch_size * 2),
        )

    async def delete_consumer(self) -> None:
        try:
            await self.js.delete_consumer(STREAM_NAME, self.consumer_name)
        except NotFoundError:
            pass

    async def last_subject_seq(self) -> int:
        """The stream sequence of the newest message on this projection's subjects (0: none)."""

        async def last_on(subject: str) -> int:
            try:
                msg = await self.js.get_last_msg(STREAM_NAME, subject, direct=True)
            except NotFoundError:
                return 0
            return int(msg.seq or 0)

        return max([0, *await asyncio.gather(*(last_on(s) for s in self.projection.subjects))])

    async def pending(self) -> int:
        """Messages on this projection's subjects in the stream after its tracking row.

        Measured against the stream, not against what the consumer believes it delivered:
        the server counts them for a throw-away consumer that starts after the tracking row.
        """
        position = await self.position()
        if await self.last_subject_seq() <= position:
            return 0
        config = ConsumerConfig(
            filter_subjects=self.projection.subjects,
            deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
            opt_start_seq=position + 1,
            ack_policy=AckPolicy.NONE,
            inactive_threshold=30.0,  # gone by itself should the delete below not happen
        )
        info = await self.js.add_consumer(STREAM_NAME, config)
        try:
            return int(info.num_pending or 0)
        finally:
            with contextlib.suppress(Exception):
                await self.js.delete_consumer(STREAM_NAME, info.name)

    # -- processing -------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until `stop` is set. Cancelling mid-batch is safe: nothing is acked then.

        Any interruption (NATS down or restarted, the consumer lost, a delivery gap) ends the
        current consumer; the next one starts from the tracking row.
        """
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
        await self.open_consumer()
        sub = await self.js.pull_subscribe_bind(self.consumer_name, STREAM_NAME)
        delivery = _DeliveryOrder()
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
                        await self._apply_batch_with_retries(msgs, stop)
                        verified_at = loop.time()
                    elif loop.time() - verified_at >= self.verify_idle_every_s:
                        await self._verify_idle()
                        verified_at = loop.time()
        finally:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()

    async def _verify_idle(self) -> None:
        """Idle: the consumer still exists, and the stream holds nothing on this projection's
        subjects past the tracking row that the consumer no longer means to deliver."""
        try:
            info = await self.js.consumer_info(STREAM_NAME, self.consumer_name)
        except NotFoundError as error:
            raise Resume("consumer gone from the server") from error
        if info.num_pending or info.num_ack_pending:
            return  # more is coming (or waits for its ack)
        position = await self.position()
        if await self.last_subject_seq() > position:
            raise Resume("the stream holds messages the consumer will not deliver")

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

    async def _apply_batch_with_retries(self, msgs: list[Msg], stop: asyncio.Event) -> None:
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
                if stop.is_set():
                    return
                await asyncio.sleep(pause)
                pause = min(pause * 2, 5.0)

    async def apply_batch(self, msgs: Sequence[Msg]) -> None:
        """Apply a batch in one transaction with the tracking row, then acknowledge it.

        The fast path pipelines every statement of the batch. If anything in it fails, the
        transaction is rolled back and the batch is applied again carefully: one savepoint
        per message, retries, and dead letters for the messages that keep failing.
        """
        if not msgs:
            return
        try:
            await self._apply(msgs, careful=False)
        except (psycopg.OperationalError, psycopg.InterfaceError):
            raise
        except Exception as error:
            log.info("batch needs care", projection=self.projection.name, error=repr(error))
            await self._apply(msgs, careful=True)
        await msgs[-1].ack()
        self.stats.batches += 1

    async def _apply(self, msgs: Sequence[Msg], *, careful: bool) -> None:
        applied = 0
        self.person_keys.forget()  # an erasure shows from the next batch on
        self._clear_deferred()  # whatever a failed attempt gathered
        async with self.pool.connection() as conn:
            async with conn.transaction():
                last = await self._position(conn, lock=True)
                async with contextlib.AsyncExitStack() as stack:
                    if not careful:
                        await stack.enter_async_context(conn.pipeline())
                    for msg in msgs:
                        meta = msg.metadata  # parsed from the reply subject at each access
                        seq = meta.sequence.stream
                        if seq <= last:
                            self.stats.skipped += 1
                            continue
                        if careful:
                            applied += await self._apply_carefully(conn, msg, seq, meta)
                        else:
                            applied += await self._apply_fast(conn, msg, seq, meta)
                        last = seq
                    if not careful:
                        await self._flush_deferred(conn)
                await conn.execute(
                    "UPDATE projection_position SET last_seq = %s, updated_at = now() "
                    "WHERE projection = %s",
                    (last, self.projection.name),
                )
        self.stats.applied += applied

    def _clear_deferred(self) -> None:
        if self.projection.deferred is not None:
            self.projection.deferred.clear()

    async def _flush_deferred(self, conn: psycopg.AsyncConnection[Any]) -> None:
        if self.projection.deferred is not None:
            await self.projection.deferred.flush(conn)

    async def _decode(self, msg: Msg) -> tuple[Handler, Event, Envelope] | None:
        """The handler, event and envelope of a message; None if this projection ignores it."""
        envelope = Envelope.model_validate_json(msg.data)
        handler = self._handlers.get(envelope.type)
        if handler is None:
            return None
        envelope = await self.person_keys.unseal_envelope(envelope)
        return handler, parse_payload(envelope), envelope

    def _span(self, msg: Msg, envelope: Envelope, seq: int) -> Any:
        return tracer.start_as_current_span(
            f"{self.projection.name} {envelope.type}",
            context=context_from(msg.headers),
            kind=trace.SpanKind.CONSUMER,
            attributes={"messaging.system": "nats", "messaging.message.id": str(seq)},
        )

    def _delivered_too_often(self, meta: Msg.Metadata) -> bool:
        return bool(meta.num_delivered and meta.num_delivered > self.max_deliveries)

    async def _apply_fast(
        self, conn: psycopg.AsyncConnection[Any], msg: Msg, seq: int, meta: Msg.Metadata
    ) -> int:
        if self._delivered_too_often(meta):
            raise PoisonMessage("delivered too often")
        decoded = await self._decode(msg)
        if decoded is None:
            return 0
        handler, event, envelope = decoded
        with self._span(msg, envelope, seq):
            await handler(conn, event, envelope)
        return 1

    async def _apply_carefully(
        self, conn: psycopg.AsyncConnection[Any], msg: Msg, seq: int, meta: Msg.Metadata
    ) -> int:
        try:
            decoded = await self._decode(msg)
        except (ValidationError, UnknownEventType, ValueError) as error:
            await self._dead_letter(conn, msg, seq, error)
            return 0
        if decoded is None:
            return 0
        handler, event, envelope = decoded
        if self._delivered_too_often(meta):
            await self._dead_letter(conn, msg, seq, PoisonMessage("delivered too often"))
            return 0
        last_error: Exception | None = None
        for _attempt in range(self.max_failures):
            try:
                with self._span(msg, envelope, seq):
                    async with conn.transaction():  # a savepoint: a failure undoes only this event
                        await handler(conn, event, envelope)
                        await self._flush_deferred(conn)
                return 1
            except (psycopg.OperationalError, psycopg.InterfaceError):
                raise
            except Exception as error:  # a handler bug or bad data: retry, then dead-letter
                self._clear_deferred()
                last_error = error
                log.warning(
                    "projection handler failed",
                    projection=self.projection.name,
                    seq=seq,
                    type=envelope.type,
                    error=repr(error),
                )
        assert last_error is not None
        await self._dead_letter(conn, msg, seq, last_error)
        return 0

    async def _dead_letter(
        self, conn: psycopg.AsyncConnection[Any], msg: Msg, seq: int, error: Exception
    ) -> None:
        reason = f"{type(error).__name__}: {error}"[:2000]
        log.error(
            "message dead-lettered",
            projection=self.projection.name,
            seq=seq,
            subject=msg.subject,
            error=reason,
        )
        headers = {
            "Nats-Msg-Id": f"dlq:{self.projection.name}:{seq}",
            "Plein-Original-Subject": msg.subject,
            "Plein-Stream-Seq": str(seq),
            "Plein-Error": reason[:500],
        }
        await self.js.publish(dead_letter_subject(self.projection.name), msg.data, headers=headers)
        await conn.execute(
            "INSERT INTO dead_letters (projection, stream_seq, subject, error, data) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
            (self.projection.name, seq, msg.subject, reason, msg.data),
        )
        self.stats.dead_lettered += 1

    # -- rebuild ----------------------------------------------------------------------------

    async def reset(self) -> None:
        """Empty the projection's tables and tracking row, and drop its consumer."""
        await self.delete_consumer()
        async with self.pool.connection() as conn, conn.transaction():
            for table in self.projection.tables:
                await conn.execute(sql.SQL("TRUNCATE {}").format(sql.Identifier(table)))
            await conn.execute(
                "DELETE FROM projection_position WHERE projection = %s", (self.projection.name,)
            )
            await conn.execute(
                "DELETE FROM dead_letters WHERE projection = %s", (self.projection.name,)
            )

    async def replay(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Rebuild from the start of the stream; returns how many messages were read.

        `progress(done, total)` is called after each batch. The caller must hold the
        projection's leadership so that no live runner consumes at the same time.
        """
        await self.reset()
        await self.open_consumer()
        total = await self.pending()
        done = 0
        if progress:
            progress(0, total)
        sub = await self.js.pull_subscribe_bind(self.consumer_name, STREAM_NAME)
        try:
            async with contextlib.aclosing(self._batches(sub)) as batches:
                async for msgs in batches:
                    if done >= total:
                        break
                    if not msgs:
                        if await self.pending() == 0:
                            break
                        continue
                    await self.apply_batch(msgs)
                    done += len(msgs)
                    if progress:
                        progress(done, total)
        finally:
            await sub.unsubscribe()
        return done

    async def status(self, *, include_lag: bool = True) -> dict[str, Any]:
        """Position, lag and dead letters: what an operator looks at first."""
        async with self.pool.connection() as conn:
            position = await self._position(conn)
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


class _DeliveryOrder:
    """Deliveries of one consumer: consumer sequences 1, 2, 3... and rising stream sequences.

    A jump in the consumer sequence means deliveries were lost on the way (a pull request cut
    off by a reconnect); a repeated or lower one, or a stream sequence that does not rise, means
    redelivery or a consumer reset on the server. Either way the batch is not to be trusted.
    """

    def __init__(self) -> None:
        self.consumer_seq = 0
        self.stream_seq = 0

    def check(self, msgs: Sequence[Msg]) -> None:
        for msg in msgs:
            seq = msg.metadata.sequence
            if seq.consumer != self.consumer_seq + 1 or seq.stream <= self.stream_seq:
                raise Resume(
                    f"delivery out of order: consumer seq {seq.consumer} after"
                    f" {self.consumer_seq}, stream seq {seq.stream} after {self.stream_seq}"
                )
            self.consumer_seq, self.stream_seq = seq.consumer, seq.stream
