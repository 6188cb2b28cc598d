"""The feed service: personal timelines built from identity's and posts' events; records what
readers saw and acknowledged."""

from __future__ import annotations

from importlib.resources.abc import Traversable
from typing import Any

from fastapi import APIRouter
from plein_events import Event
from plein_events.projection import Projection
from plein_platform.database import migrations_dir
from plein_platform.service import EventSourcedService, Worker
from plein_platform.standing import standing_projection

from . import api, export_personal
from .app import FeedApplication
from .consumers import timelines
from .contract import to_contract
from .settings import FeedSettings
from .settling import ReadSettler
from .trimming import TimelineTrimmer


class FeedService(EventSourcedService):
    name = "feed"
    description = (
        "Home, group and profile feeds: latest or relevant, pinned announcements, raised "
        "unanswered posts, seen tracking."
    )
    application_class = FeedApplication

    def __init__(self) -> None:
        # Read at call time by the projection and the routes, so a test may swap them.
        self.settings = FeedSettings()
        super().__init__()

    def migrations(self) -> Traversable:
        return migrations_dir("plein_feed", __file__)

    def routes(self) -> APIRouter:
        router = api.routes()
        router.include_router(export_personal.routes())  # this service's part of an export
        return router

    def projections(self) -> list[Projection]:
        return [timelines(lambda: self.settings), standing_projection(self.name)]

    def to_contract(self, domain_event: Any) -> Event | None:
        return to_contract(domain_event)

    def extra_workers(self) -> list[Worker]:
        return [*super().extra_workers(), self.trimmer(), self.read_settler()]

    def read_settler(self) -> ReadSettler:
        return ReadSettler(
            self.ctx.pool, lambda: self.application, lambda: self.settings, self.ctx.clock
        )

    def trimmer(self) -> TimelineTrimmer:
        return TimelineTrimmer(self.ctx.pool, lambda: self.settings)


SERVICE = FeedService
