"""Adapter between the `eventsourcing` library's event store and the Plein event contract.

Services keep their aggregates in the eventsourcing library's PostgreSQL recorder. This module
1. remembers the trace context of the request that saved each event (`TracingMapper`), and
2. reads the stored event log in order and turns domain events into contract envelopes for the
   outbox relay (`EventStoreOutbox`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper, StoredEvent
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from . import clock  # noqa: F401  (domain events take their time from plein_events.clock)
from .contract import Envelope, Event, envelope_for
from .tracing import current_carrier

_TRACE_MARK = b"\x1etrace "


def split_trace(state: bytes) -> tuple[dict[str, str], bytes]:
    """Separate the trace header line (if any) from a stored event's state."""
    if not state.startswith(_TRACE_MARK):
        return {}, state
    header, _, rest = state.partition(b"\n")
    return json.loads(header[len(_TRACE_MARK) :]), rest


class TracingMapper(Mapper[UUID]):
    """Stores the current W3C trace context as a header line in front of each event's state."""

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        stored = super().to_stored_event(domain_event)
        carrier = current_carrier()
        if not carrier:
            return stored
        header = _TRACE_MARK + json.dumps(carrier, separators=(",", ":")).encode() + b"\n"
        return replace(stored, state=header + stored.state)

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        _, state = split_trace(stored_event.state)
        return super().to_domain_event(replace(stored_event, state=state))


class PleinApplication(Application[UUID]):
    """Base for a service's event-sourced application: PostgreSQL in the service's own schema."""

    def construct_mapper(self) -> Mapper[UUID]:
        return self.factory.mapper(
            transcoder=self.construct_transcoder(), mapper_class=TracingMapper
        )


def eventsourcing_env(database_url: str, schema: str) -> dict[str, str]:
    """The eventsourcing library's PostgreSQL settings for `database_url`, in `schema`."""
    params = conninfo_to_dict(database_url)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": str(params.get("dbname", "postgres")),
        "POSTGRES_HOST": str(params.get("host", "localhost")),
        "POSTGRES_PORT": str(params.get("port", "5432")),
        "POSTGRES_USER": str(params.get("user", "postgres")),
        "POSTGRES_PASSWORD": str(params.get("password", "")),
        "POSTGRES_SCHEMA": schema,
        "POSTGRES_POOL_SIZE": "5",
        "POSTGRES_MAX_OVERFLOW": "5",
        "POSTGRES_LOCK_TIMEOUT": "5",
        # Check each pooled connection as it is taken: after PostgreSQL restarts, writes get a
        # fresh connection instead of failing on a dead one.
        "POSTGRES_PRE_PING": "y",
    }


@dataclass(frozen=True)
class Outgoing:
    """One stored event at `position` in the service's log, as it will leave the service."""

    position: int
    envelope: Envelope | None  # None: an event that stays inside the service
    trace: dict[str, str]


ContractMapping = Callable[[Any], Event | None]
EnvelopeSealer = Callable[[Envelope], Envelope]


class EventStoreOutbox:
    """Reads a service's stored event log in order and maps it to contract envelopes.

    `seal`, when given, seals each envelope's personal fields before it leaves the service.
    """

    def __init__(
        self,
        app: PleinApplication,
        to_contract: ContractMapping,
        seal: EnvelopeSealer | None = None,
    ) -> None:
        self.app = app
        self.to_contract = to_contract
        self.seal = seal

    @property
    def notify_channel(self) -> str | None:
        """The PostgreSQL NOTIFY channel the recorder signals on each insert, if any."""
        return getattr(self.app.recorder, "channel_name", None)

    def read_after(self, position: int, limit: int) -> Sequence[Outgoing]:
        notifications = self.app.recorder.select_notifications(
            start=position, limit=limit, inclusive_of_start=False
        )
        out = []
        for notification in notifications:
            trace, _ = split_trace(notification.state)
            domain_event = self.app.mapper.to_domain_event(notification)
            payload = self.to_contract(domain_event)
            envelope = None
            if payload is not None:
                envelope = envelope_for(
                    payload,
                    aggregate_id=str(domain_event.originator_id),
                    aggregate_version=domain_event.originator_version,
                    occurred_at=domain_event.timestamp,  # type: ignore[attr-defined]
                    actor_id=getattr(domain_event, "actor_id", None),
                )
                if self.seal is not None:
                    envelope = self.seal(envelope)
            out.append(Outgoing(notification.id, envelope, trace))
        return out

    def position_of(self, aggregate_id: str, version: int) -> int | None:
        """The log position of the stored event (`aggregate_id`, `version`); None if absent."""
        recorder: Any = self.app.recorder
        query = sql.SQL(
            "SELECT notification_id FROM {}.{} WHERE originator_id = %s AND originator_version = %s"
        ).format(
            sql.Identifier(recorder.datastore.schema), sql.Identifier(recorder.events_table_name)
        )
        try:
            originator_id = UUID(aggregate_id)
        except ValueError:
            return None
        with recorder.datastore.get_connection() as conn, conn.cursor() as cursor:
            cursor.execute(query, (originator_id, version))
            row = cursor.fetchone()
        return int(row["notification_id"]) if row else None
