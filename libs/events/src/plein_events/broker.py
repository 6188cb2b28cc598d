"""FastStream's NATS broker, on the NATS connection the process already holds.

The relay publishes through FastStream publishers (one per contract subject of its producer)
and each projection batch goes through a FastStream subscriber (one per projection, filtering
on the projection's subjects): FastStream's OpenTelemetry and Prometheus middlewares see every
batch, and its AsyncAPI view of these publishers and subscribers is checked against the
contract's document (libs/events/asyncapi.json).

The broker is not run by FastStream's app runner: Plein's runtime owns the connection (one per
process, reconnecting forever) and the workers' lives (leader locks, stop events), so the
broker is handed that connection and never drains or closes it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from functools import cache
from types import TracebackType
from typing import Any

from faststream import AckPolicy
from faststream.message import StreamMessage
from faststream.nats import JStream, NatsBroker, PullSub
from faststream.nats.opentelemetry import NatsTelemetryMiddleware
from faststream.nats.prometheus import NatsPrometheusMiddleware
from faststream.nats.publisher.usecase import LogicPublisher
from faststream.nats.subscriber.usecases.basic import LogicSubscriber
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js.api import ConsumerConfig
from prometheus_client import REGISTRY

from .contract import Event, latest_event_types
from .stream import STREAM_NAME

# Declared, never created or updated by FastStream: `ensure_streams` owns the stream's config.
PLEIN_STREAM = JStream(STREAM_NAME, declare=False)


@cache
def _consume_middlewares() -> tuple[Any, ...]:
    # One of each per process: the Prometheus middleware registers its series once.
    return (NatsTelemetryMiddleware(), NatsPrometheusMiddleware(registry=REGISTRY))


class PleinBroker(NatsBroker):
    """A NatsBroker on a connection it does not own.

    With `middlewares=False` (the relay's broker) FastStream's tracing and Prometheus
    middlewares are left out: they run once per message published, and together cut the
    pipeline's throughput in half (bench/pipeline.py, README "Event backbone"). The relay makes
    its own publish span and counts what ops alert on (plein_relay_*). On the consuming side
    they run once per batch, so projections keep them.
    """

    def __init__(self, nc: NATS, *, middlewares: bool = True, **options: Any) -> None:
        super().__init__(
            middlewares=_consume_middlewares() if middlewares else (),
            # Plein logs through structlog; FastStream's per-message log lines would double it.
            logger=None,
            # Handlers take the raw batch: no FastDepends validation per message.
            apply_types=False,
            **options,
        )
        self._shared = nc

    async def _connect(self) -> NATS:
        self.config.connect(self._shared)
        return self._shared

    async def stop(
        self,
        exc_type: type[BaseException] | None = None,
        exc_val: BaseException | None = None,
        exc_tb: TracebackType | None = None,
    ) -> None:
        self._connection = None  # the runtime closes the connection, not the broker
        await super().stop(exc_type, exc_val, exc_tb)


def contract_events(producer: str) -> list[type[Event]]:
    """The latest version of every event type `producer` publishes."""
    return [cls for cls in latest_event_types() if cls.producer == producer]


def event_publishers(broker: NatsBroker, producer: str) -> dict[str, LogicPublisher]:
    """A JetStream publisher per contract subject of `producer`, by subject."""
    return {
        cls.subject(): broker.publisher(
            cls.subject(),
            stream=PLEIN_STREAM,
            title=cls.type_name,
            description=(cls.__doc__ or cls.type_name).strip().splitlines()[0],
            schema=cls,
        )
        for cls in contract_events(producer)
    }


async def _raw_batch(message: StreamMessage[Any]) -> Any:
    """The batch as nats-py delivered it: the projection decodes each envelope itself."""
    return message.raw_message


def projection_subscriber(
    broker: NatsBroker,
    name: str,
    event_types: Sequence[type[Event]],
    handler: Callable[[list[Msg]], Awaitable[None]],
    *,
    batch_size: int,
) -> LogicSubscriber[Any]:
    """The subscriber a projection's batches go through: its durable pull consumer on the
    projection's subjects, acknowledged by the projection itself once a batch is committed."""
    subscriber = broker.subscriber(
        stream=PLEIN_STREAM,
        durable=name,
        config=ConsumerConfig(filter_subjects=sorted({cls.subject() for cls in event_types})),
        pull_sub=PullSub(batch_size=batch_size, batch=True),
        ack_policy=AckPolicy.MANUAL,
        decoder=_raw_batch,
        title=name,
    )

    # Typed `Any`: FastStream builds the AsyncAPI payload from the handler's signature, and
    # nats-py's Msg is no model. The channels (the subjects) are what the document checks.
    async def apply(batch: Any) -> None:
        await handler(batch)

    subscriber(apply)
    return subscriber
