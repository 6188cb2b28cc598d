"""A projection that counts events per type: the first read model of notify and metrics."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from plein_events import Envelope, Event, latest_event_types
from plein_events.projection import Projection
from psycopg import AsyncConnection
from pydantic import BaseModel, Field

from .service import service_of


async def _count(conn: AsyncConnection[Any], _: Event, envelope: Envelope) -> None:
    await conn.execute(
        "INSERT INTO event_counts (event_type, count, last_at) VALUES (%s, 1, %s) "
        "ON CONFLICT (event_type) DO UPDATE SET count = event_counts.count + 1, "
        "last_at = GREATEST(event_counts.last_at, EXCLUDED.last_at)",
        (envelope.type, envelope.occurred_at),
    )


def event_counter(name: str) -> Projection:
    """Counts every event type of the contract, in table `event_counts`."""
    return Projection(
        name=name, handlers={cls: _count for cls in latest_event_types()}, tables=("event_counts",)
    )


class EventCount(BaseModel):
    event_type: str
    count: Annotated[int, Field(ge=0)]


def event_counts_router() -> APIRouter:
    router = APIRouter(tags=["events"])

    @router.get(
        "/event-counts",
        response_model=list[EventCount],
        summary="How many events of each type this service has consumed",
    )
    async def event_counts(request: Request) -> list[dict[str, Any]]:
        async with service_of(request).ctx.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT event_type, count FROM event_counts ORDER BY event_type"
            )
            return [{"event_type": t, "count": c} for t, c in await cur.fetchall()]

    return router
