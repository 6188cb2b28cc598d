"""The metrics projection: every event metrics uses, folded into its read model."""

from __future__ import annotations

from typing import Any

from plein_events import Envelope, Event
from plein_events.projection import Projection
from psycopg import AsyncConnection

from .readmodel import FOLDS, TABLES, changes_for
from .store import apply_changes


async def fold_event(conn: AsyncConnection[Any], event: Event, envelope: Envelope) -> None:
    await apply_changes(conn, changes_for(event, envelope))


def metrics_projection(name: str = "metrics") -> Projection:
    """The read model's projection; another `name` builds it under another consumer."""
    return Projection(name=name, handlers=dict.fromkeys(FOLDS, fold_event), tables=tuple(TABLES))


READ_MODEL = metrics_projection()
