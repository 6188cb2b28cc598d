"""The feed service: personal timelines built from identity's and posts' events."""

from __future__ import annotations

from importlib.resources.abc import Traversable

from fastapi import APIRouter
from plein_events.projection import Projection
from plein_platform.database import migrations_dir
from plein_platform.service import Service

from . import api
from .consumers import TIMELINES


class FeedService(Service):
    name = "feed"
    description = "Home timelines: posts of the people you follow, newest first."

    def migrations(self) -> Traversable:
        return migrations_dir("plein_feed", __file__)

    def routes(self) -> APIRouter:
        return api.routes()

    def projections(self) -> list[Projection]:
        return [TIMELINES]


SERVICE = FeedService
