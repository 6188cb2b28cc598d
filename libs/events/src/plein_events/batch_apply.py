"""One batch of a projection, applied in one PostgreSQL transaction with its tracking row.

The fast path pipelines every statement of the batch. If anything in it fails, the
transaction is rolled back and the batch is applied again carefully: one savepoint per
message, retries, and dead letters for the messages that keep failing. Sequences at or below
the tracking row are skipped, so redelivery after a crash is harmless.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any

import psycopg
import structlog
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from opentelemetry import trace
from psycopg_pool import AsyncConnectionPool
from pydantic import ValidationError

from .aggregate_versions import AggregateVersions
from .contract import Envelope, Event, UnknownEventType, parse_payload
from .personal import PersonKeys
from .stream import DEAD_LETTER_STREAM_NAME, dead_letter_subject
from .tracing import context_from, tracer

if TYPE_CHECKING:
    from faststream.nats import NatsBroker

    from .projection import Handler, Projection, RunnerStats

log = structlog.get_logger(__name__)


class PoisonMessage(Exception):
    """A message that cannot be decoded or whose handler keeps failing."""


class BatchApplier:
    """Applies batches of `projection` and keeps its tracking row (`projection_position`)."""

    def __init__(
        self,
        projection: Projection,
        pool: AsyncConnectionPool,
        js: JetStreamContext,
        broker: NatsBroker,
        stats: RunnerStats,
        *,
        max_failures: int,
        max_deliveries: int,
        connection: Callable[[], AbstractAsyncContextManager[psycopg.AsyncConnection[Any]]]
        | None = None,
    ) -> None:
        """`connection`: where batches are applied; default a pooled connection per batch (a
        replay passes its one connection, so every batch becomes a savepoint of its
        transaction)."""
        self.projection = projection
        self.pool = pool
        self.connection = connection or pool.connection
        self.js = js
        self.broker = broker
        self.stats = stats
        self.max_failures = max_failures
        self.max_deliveries = max_deliveries
        self._handlers = {cls.type_name: h for cls, h in projection.handlers.items()}
        # Sealed personal fields are opened before handlers see an event (erased: placeholders).
        self.person_keys = PersonKeys(js)
        self.versions = AggregateVersions(projection.name)

    def on(self, conn: psycopg.AsyncConnection[Any]) -> BatchApplier:
        """This applier on one connection: each batch becomes a savepoint of the transaction
        open there (what a replay builds its whole read model in)."""
        applier = copy.copy(self)
        applier.connection = lambda: contextlib.nullcontext(conn)
        return applier

    async def position(self, conn: psycopg.AsyncConnection[Any], *, lock: bool = False) -> int:
        """The tracking row: the last stream sequence applied (created at 0 when missing)."""
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

    async def apply(self, msgs: Sequence[Msg]) -> None:
        """Apply `msgs` with the tracking row in one committed transaction (no ack)."""
        if not msgs:
            return
        try:
            await self._apply(msgs, careful=False)
        except (psycopg.OperationalError, psycopg.InterfaceError):
            raise
        except Exception as error:
            log.info("batch needs care", projection=self.projection.name, error=repr(error))
            await self._apply(msgs, careful=True)

    async def _apply(self, msgs: Sequence[Msg], *, careful: bool) -> None:
        applied = 0
        self.person_keys.forget()  # an erasure shows from the next batch on
        self._clear_deferred()  # whatever a failed attempt gathered
        envelopes = [_envelope(msg) for msg in msgs]
        async with self.connection() as conn:
            async with conn.transaction():
                last = await self.position(conn, lock=True)
                await self.versions.load(conn, [e for e in envelopes if isinstance(e, Envelope)])
                async with contextlib.AsyncExitStack() as stack:
                    if not careful:
                        await stack.enter_async_context(conn.pipeline())
                    for msg, envelope in zip(msgs, envelopes, strict=True):
                        meta = msg.metadata  # parsed from the reply subject at each access
                        seq = meta.sequence.stream
                        if seq <= last:
                            self.stats.skipped += 1
                            continue
                        if careful:
                            applied += await self._apply_carefully(conn, msg, envelope, seq, meta)
                        else:
                            applied += await self._apply_fast(conn, msg, envelope, seq, meta)
                        last = seq
                    if not careful:
                        await self._flush_deferred(conn)
                    await self.versions.save(conn)
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

    async def _decode(self, envelope: Envelope) -> tuple[Handler, Event, Envelope] | None:
        """The handler, event and (unsealed) envelope; None if this projection ignores the
        event, or already applied its aggregate at this version or a newer one."""
        handler = self._handlers.get(envelope.type)
        if handler is None:
            return None
        if self.versions.is_stale(envelope):
            self.stats.stale += 1
            log.info(
                "older event skipped",
                projection=self.projection.name,
                type=envelope.type,
                aggregate_id=envelope.aggregate_id,
                aggregate_version=envelope.aggregate_version,
            )
            return None
        envelope = await self.person_keys.unseal_envelope(envelope)
        return handler, parse_payload(envelope), envelope

    def _span(self, msg: Msg, envelope: Envelope, seq: int) -> Any:
        # One span per event, in the trace its headers carry (a batch mixes many traces).
        return tracer.start_as_current_span(
            f"{self.projection.name} {envelope.type}",
            context=context_from(msg.headers),
            kind=trace.SpanKind.CONSUMER,
            attributes={"messaging.system": "nats", "messaging.message.id": str(seq)},
        )

    def _delivered_too_often(self, meta: Msg.Metadata) -> bool:
        return bool(meta.num_delivered and meta.num_delivered > self.max_deliveries)

    async def _apply_fast(
        self,
        conn: psycopg.AsyncConnection[Any],
        msg: Msg,
        envelope: Envelope | Exception,
        seq: int,
        meta: Msg.Metadata,
    ) -> int:
        if self._delivered_too_often(meta):
            raise PoisonMessage("delivered too often")
        if isinstance(envelope, Exception):
            raise envelope
        decoded = await self._decode(envelope)
        if decoded is None:
            return 0
        handler, event, envelope = decoded
        with self._span(msg, envelope, seq):
            await handler(conn, event, envelope)
        self.versions.applied(envelope)
        return 1

    async def _apply_carefully(
        self,
        conn: psycopg.AsyncConnection[Any],
        msg: Msg,
        envelope: Envelope | Exception,
        seq: int,
        meta: Msg.Metadata,
    ) -> int:
        try:
            if isinstance(envelope, Exception):
                raise envelope
            decoded = await self._decode(envelope)
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
                self.versions.applied(envelope)
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
        # Through the projection's broker, so FastStream's middlewares count and trace it.
        await self.broker.publish(
            msg.data,
            dead_letter_subject(self.projection.name),
            headers=headers,
            stream=DEAD_LETTER_STREAM_NAME,
        )
        await conn.execute(
            "INSERT INTO dead_letters (projection, stream_seq, subject, error, data) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
            (self.projection.name, seq, msg.subject, reason, msg.data),
        )
        self.stats.dead_lettered += 1


def _envelope(msg: Msg) -> Envelope | Exception:
    """The message's envelope, or why it is none (the careful path dead-letters it)."""
    try:
        return Envelope.model_validate_json(msg.data)
    except (ValidationError, ValueError) as error:
        return error
