"""The metrics service: participation KPIs from the event log."""

from __future__ import annotations

from importlib.resources.abc import Traversable

from fastapi import APIRouter
from plein_events.projection import Projection
from plein_platform.database import migrations_dir
from plein_platform.service import Service, ServiceNotReady
from plein_platform.standing import standing_projection

from . import api, export_personal
from .app import Metrics
from .consumers import READ_MODEL
from .settings import MetricsSettings


class MetricsService(Service):
    name = "metrics"
    description = (
        "Participation KPIs from the event log: the funnel against targets, baseline vs "
        "follow-up, inequality, responsiveness, leadership visibility, cross-department "
        "interaction, ambassadors, announcement load, active people and retention. For network "
        "admins and community managers; no breakdown shows fewer than k people."
    )

    def __init__(self) -> None:
        super().__init__()
        self._metrics: Metrics | None = None

    @property
    def metrics(self) -> Metrics:
        if self._metrics is None:
            raise ServiceNotReady("The metrics service is starting.")
        return self._metrics

    def migrations(self) -> Traversable:
        return migrations_dir("plein_metrics", __file__)

    def routes(self) -> APIRouter:
        router = api.routes()
        router.include_router(export_personal.routes())  # this service's part of an export
        return router

    def projections(self) -> list[Projection]:
        return [READ_MODEL, standing_projection(self.name)]

    async def on_start(self) -> None:
        self._metrics = Metrics(self.ctx.pool, MetricsSettings(), self.ctx.clock)

    async def on_stop(self) -> None:
        self._metrics = None


SERVICE = MetricsService
