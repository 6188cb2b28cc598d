"""The outbox relay: a service's stored events, in order, onto JetStream.

Position is recorded only after JetStream acknowledged every event of the batch, so a crash
anywhere re-publishes; JetStream drops copies within its duplicate window (`Nats-Msg-Id`) and
consumers skip sequences they have seen. While NATS is down HTTP writes still succeed (they
only touch PostgreSQL) and the relay keeps retrying with a growing pause.

A relay that starts (or restarts after a crash) first looks at the producer's last message in
the stream: if its recorded position is behind that message (a crash between the publish and
the record), it resumes after it. It does the same before retrying a batch that failed (acks
lost when NATS went away): so neither a relay down longer than the duplicate window nor a
batch retried after it publishes a copy.

Publishing goes through FastStream (a publisher per contract subject of the producer; without
its per-message middlewares, see broker.py). Reading the producer's last message in the
stream stays on nats-py: FastStream has no call for JetStream's "last message on a subject".
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Protocol

import psycopg
import structlog
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from opentelemetry import trace
from psycopg_pool import AsyncConnectionPool

from .broker import PleinBroker, event_publishers
from .contract import subject_for
from .eventstore import Outgoing
from .stream import STREAM_NAME
from .tracing import context_from, tracer

log = structlog.get_logger(__name__)


class NotReadyToPublish(Exception):
    """Raised by a source (or its sealer) for an event that must wait a moment, e.g. until the
    key that seals it is shared: the relay retries shortly, without logging an error."""


class OutboxSource(Protocol):
    @property
    def notify_channel(self) -> str | None: ...

    def read_after(self, position: int, limit: int) -> Sequence[Outgoing]: ...

    def position_of(self, aggregate_id: str, version: int) -> int | None: ...


class OutboxRelay:
    def __init__(
        self,
        name: str,
        source: OutboxSource,
        pool: AsyncConnectionPool,
        js: JetStreamContext,
        *,
        batch_size: int = 500,
        poll_interval_s: float = 1.0,
        publish_timeout_s: float = 5.0,
        max_backoff_s: float = 2.0,
        producer: str | None = None,
        broker: PleinBroker | None = None,
    ) -> None:
        """`producer`: the service whose subjects (`plein.<producer>.*`) this relay alone
        publishes on; with it, a start resumes after the producer's last message in the stream.
        `broker`: the FastStream broker to publish through (default: one on `js`'s connection).
        """
        self.name = name
        self.producer = producer
        self.source = source
        self.pool = pool
        self.js = js
        self.batch_size = batch_size
        self.poll_interval_s = poll_interval_s
        self.publish_timeout_s = publish_timeout_s
        self.max_backoff_s = max_backoff_s
        self.published = 0
        self.failures = 0
        self.broker = broker or PleinBroker(js._nc, middlewares=False)
        # Publishers for the producer's subjects (what its AsyncAPI view shows); an event on
        # any other subject (a relay without a producer, as in tests) goes out by the broker.
        self._publishers = event_publishers(self.broker, producer) if producer else {}

    async def position(self) -> int:
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT position FROM outbox_position WHERE relay = %s", (self.name,)
            )
            row = await cur.fetchone()
            return int(row[0]) if row else 0

    async def _record(self, position: int) -> None:
        async with self.pool.connection() as conn:
            await conn.execute(
                "INSERT INTO outbox_position (relay, position) VALUES (%s, %s) "
                "ON CONFLICT (relay) DO UPDATE "
                "SET position = EXCLUDED.position, updated_at = now()",
                (self.name, position),
            )

    async def resume(self) -> int:
        """The position this run starts from: the recorded one, or the position of the
        producer's last message in the stream when that one is further."""
        recorded = await self.position()
        in_stream = await self._last_in_stream()
        if in_stream is None or in_stream <= recorded:
            return recorded
        log.info("outbox relay resumes after the stream", relay=self.name, position=in_stream)
        await self._record(in_stream)
        return in_stream

    async def _last_in_stream(self) -> int | None:
        """The log position of the producer's newest message in the stream, if it has one."""
        if self.producer is None:
            return None
        try:
            last = await self.js.get_last_msg(STREAM_NAME, subject_for(self.producer, "*"))
        except NotFoundError:
            return None
        # Nats-Msg-Id is "<producer>:<aggregate_id>:<aggregate_version>" (Envelope.msg_id).
        producer, _, rest = str((last.headers or {}).get("Nats-Msg-Id", "")).partition(":")
        aggregate_id, _, version = rest.rpartition(":")
        if producer != self.producer or not version.isdigit():
            return None
        return await asyncio.to_thread(self.source.position_of, aggregate_id, int(version))

    async def _publish(self, item: Outgoing) -> None:
        envelope = item.envelope
        assert envelope is not None
        headers = {"Nats-Msg-Id": envelope.msg_id, "Plein-Event-Type": envelope.type}
        body = envelope.model_dump_json().encode()
        with tracer.start_as_current_span(
            f"publish {envelope.type}",
            context=context_from(item.trace),
            kind=trace.SpanKind.PRODUCER,
            attributes={"messaging.system": "nats", "messaging.destination.name": envelope.subject},
        ):
            # Forward the request's trace context (not the relay's span) so that consumers
            # join the trace that started at the HTTP request.
            headers.update(item.trace)
            # Subject and stream given, though a publisher knows them: it skips working them
            # out again for every message.
            publisher = self._publishers.get(envelope.subject, self.broker)
            await publisher.publish(
                body,
                envelope.subject,
                headers=headers,
                correlation_id=str(envelope.event_id),
                stream=STREAM_NAME,
                timeout=self.publish_timeout_s,
            )

    async def publish_pending(self) -> int:
        """Publish one batch of unpublished events; returns how many stored events it covered."""
        await self.broker.connect()  # once; later calls return the connection at once
        position = await self.position()
        batch = await asyncio.to_thread(self.source.read_after, position, self.batch_size)
        if not batch:
            return 0
        await asyncio.gather(*(self._publish(item) for item in batch if item.envelope))
        await self._record(batch[-1].position)
        self.published += len(batch)
        return len(batch)

    async def _wait_for_new_events(
        self, listener: psycopg.AsyncConnection | None, stop: asyncio.Event
    ) -> None:
        """Return on the event store's NOTIFY, on `stop`, or after the poll interval."""
        deadline = asyncio.get_running_loop().time() + self.poll_interval_s
        while not stop.is_set():
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                return
            slice_s = min(left, 0.25)  # short slices keep shutdown prompt
            if listener is None:
                await asyncio.sleep(slice_s)
                continue
            async for _ in listener.notifies(timeout=slice_s, stop_after=1):
                return

    async def run(self, stop: asyncio.Event) -> None:
        """Publish until `stop` is set, waking on the event store's NOTIFY or a poll interval."""
        listener = await self._listen()
        backoff = 0.05
        resumed = False
        try:
            while not stop.is_set():
                try:
                    if not resumed:
                        await self.resume()
                        resumed = True
                    published = await self.publish_pending()
                    backoff = 0.05
                except NotReadyToPublish:
                    await asyncio.sleep(0.02)
                    continue
                except Exception as error:  # NATS down, timeouts, PostgreSQL restarts: retry
                    self.failures += 1
                    # Part of the batch (or all of it) may have landed without its acks
                    # reaching us; after an outage longer than the duplicate window the stream
                    # would take those again as new. So look at the stream again first.
                    resumed = False
                    log.warning("outbox relay retrying", relay=self.name, error=repr(error))
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, self.max_backoff_s)
                    continue
                if published < self.batch_size:
                    await self._wait_for_new_events(listener, stop)
        finally:
            if listener is not None:
                await listener.close()

    async def _listen(self) -> psycopg.AsyncConnection | None:
        channel = self.source.notify_channel
        if not channel:
            return None
        conn = await psycopg.AsyncConnection.connect(str(self.pool.conninfo), autocommit=True)
        await conn.execute(psycopg.sql.SQL("LISTEN {}").format(psycopg.sql.Identifier(channel)))
        return conn
