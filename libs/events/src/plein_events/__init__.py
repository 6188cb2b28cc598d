"""plein_events: the event contract shared by every Plein service, and its messaging runtime.

Importing this package registers every event type.
"""

from . import identity, posts  # noqa: F401  (registers the event types)
from .contract import (
    Envelope,
    Event,
    UnknownEventType,
    all_event_types,
    envelope_for,
    event_type,
    latest_event_types,
    lookup,
    parse_payload,
    subject_for,
    upcaster,
)
from .identity import Followed, Unfollowed, UserRegistered
from .posts import PostCreated

__all__ = [
    "Envelope",
    "Event",
    "Followed",
    "PostCreated",
    "UnknownEventType",
    "Unfollowed",
    "UserRegistered",
    "all_event_types",
    "envelope_for",
    "event_type",
    "latest_event_types",
    "lookup",
    "parse_payload",
    "subject_for",
    "upcaster",
]
