"""The event contract: the envelope every event travels in, and the registry of event types.

An event type is a pydantic model of its payload, registered with the service that produces it
and a version. Adding an optional field keeps the version; any other change is a new version
with an upcaster from the previous one, so events stored years ago still replay.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, ClassVar, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

SUBJECT_PREFIX = "plein"
FORMER_COLLEAGUE = "former colleague"
# What a person's own words (a post's or a reply's text) read as once that person was erased.
REMOVED_TEXT = "[removed]"

# Marks a payload field as personal data of the person the event is about: erasable, shown as
# FORMER_COLLEAGUE (or left empty) once that person was erased. Use as Annotated[str, Personal].
Personal = Field(json_schema_extra={"x-plein-personal": True})
# Marks a payload field as words the person wrote (sealed the same way): REMOVED_TEXT once erased.
PersonalText = Field(json_schema_extra={"x-plein-personal": "text"})
EVENT_ID_NAMESPACE = uuid.UUID("5b1c4a4e-8d8a-4f53-9a59-2f4c8c1d0e01")


class Event(BaseModel):
    """Base of every event payload. Subclasses are registered with `@event_type`."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    type_name: ClassVar[str]
    version: ClassVar[int]
    producer: ClassVar[str]
    # The payload field naming the person whose key seals this event's `Personal` fields.
    personal_subject: ClassVar[str] = "user_id"

    @classmethod
    def subject(cls) -> str:
        return subject_for(cls.producer, cls.type_name)


class Envelope(BaseModel):
    """What travels on NATS: metadata around one event's payload."""

    model_config = ConfigDict(frozen=True)

    event_id: uuid.UUID
    type: str
    version: int = Field(ge=1)
    occurred_at: AwareDatetime
    producer: str
    aggregate_id: str
    aggregate_version: int = Field(ge=1)
    actor_id: uuid.UUID | None = None
    payload: dict[str, Any]

    @property
    def subject(self) -> str:
        return subject_for(self.producer, self.type)

    @property
    def msg_id(self) -> str:
        """The `Nats-Msg-Id` that lets JetStream drop a re-published copy."""
        return f"{self.producer}:{self.aggregate_id}:{self.aggregate_version}"


class UnknownEventType(LookupError):
    """Raised for an envelope whose type or version this code has never heard of."""


E = TypeVar("E", bound=type[Event])
Upcaster = Callable[[dict[str, Any]], dict[str, Any]]

_types: dict[tuple[str, int], type[Event]] = {}
_latest: dict[str, type[Event]] = {}
_upcasters: dict[tuple[str, int], Upcaster] = {}


@contextmanager
def scratch_registry() -> Iterator[None]:
    """Register event types for the block only (tests that invent events use it)."""
    saved = dict(_types), dict(_latest), dict(_upcasters)
    try:
        yield
    finally:
        _types.clear()
        _types.update(saved[0])
        _latest.clear()
        _latest.update(saved[1])
        _upcasters.clear()
        _upcasters.update(saved[2])


def subject_for(producer: str, type_name: str) -> str:
    return f"{SUBJECT_PREFIX}.{producer}.{type_name}"


def event_type(producer: str, version: int = 1) -> Callable[[E], E]:
    """Register an event payload class under its class name, producer and version."""

    def register(cls: E) -> E:
        cls.type_name = cls.__name__
        cls.version = version
        cls.producer = producer
        key = (cls.type_name, version)
        if key in _types:
            raise ValueError(f"event type {key} registered twice")
        _types[key] = cls
        current = _latest.get(cls.type_name)
        if current is None or current.version < version:
            _latest[cls.type_name] = cls
        return cls

    return register


def upcaster(type_name: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
    """Register a function turning a payload of `from_version` into one of the next version."""

    def register(fn: Upcaster) -> Upcaster:
        _upcasters[(type_name, from_version)] = fn
        return fn

    return register


def all_event_types() -> list[type[Event]]:
    """Every registered event class, every version, sorted by subject then version."""
    return sorted(_types.values(), key=lambda c: (c.subject(), c.version))


def latest_event_types() -> list[type[Event]]:
    return sorted(_latest.values(), key=lambda c: c.subject())


def lookup(type_name: str) -> type[Event]:
    try:
        return _latest[type_name]
    except KeyError:
        raise UnknownEventType(type_name) from None


def envelope_for(
    payload: Event,
    *,
    aggregate_id: str,
    aggregate_version: int,
    occurred_at: datetime,
    actor_id: uuid.UUID | None,
) -> Envelope:
    """Wrap a payload; the event id is derived, so a re-published event keeps its id."""
    cls = type(payload)
    return Envelope(
        event_id=uuid.uuid5(
            EVENT_ID_NAMESPACE, f"{cls.producer}:{aggregate_id}:{aggregate_version}"
        ),
        type=cls.type_name,
        version=cls.version,
        occurred_at=occurred_at,
        producer=cls.producer,
        aggregate_id=aggregate_id,
        aggregate_version=aggregate_version,
        actor_id=actor_id,
        payload=payload.model_dump(mode="json"),
    )


def personal_texts(cls: type[Event]) -> list[str]:
    """Names of the fields of `cls` marked `PersonalText` (a subset of `personal_fields`)."""
    return [
        name
        for name, info in cls.model_fields.items()
        if isinstance(info.json_schema_extra, dict)
        and info.json_schema_extra.get("x-plein-personal") == "text"
    ]


def personal_fields(cls: type[Event]) -> list[str]:
    """Names of the fields of `cls` marked `Personal` or `PersonalText`."""
    return [
        name
        for name, info in cls.model_fields.items()
        if isinstance(info.json_schema_extra, dict)
        and info.json_schema_extra.get("x-plein-personal")
    ]


def parse_payload(envelope: Envelope) -> Event:
    """The envelope's payload as the latest version of its event class (upcasting old ones)."""
    latest = lookup(envelope.type)
    if (envelope.type, envelope.version) not in _types:
        raise UnknownEventType(f"{envelope.type} v{envelope.version}")
    data = dict(envelope.payload)
    version = envelope.version
    while version < latest.version:
        data = _upcasters[(envelope.type, version)](data)
        version += 1
    return latest.model_validate(data)
