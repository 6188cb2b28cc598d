"""The metrics service. Participation KPIs from the event log. For now it counts events per type."""

from __future__ import annotations

from importlib.resources.abc import Traversable

from fastapi import APIRouter
from plein_events.projection import Projection
from plein_platform.counting import event_counter, event_counts_router
from plein_platform.database import migrations_dir
from plein_platform.service import Service


class MetricsService(Service):
    name = "metrics"
    description = "Participation KPIs from the event log. For now it counts events per type."

    def migrations(self) -> Traversable:
        return migrations_dir("plein_metrics", __file__)

    def routes(self) -> APIRouter:
        return event_counts_router()

    def projections(self) -> list[Projection]:
        return [event_counter("metrics")]


SERVICE = MetricsService
