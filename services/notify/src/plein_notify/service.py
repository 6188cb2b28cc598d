"""The notify service. Notifications in-app, live and by e-mail; for now it counts events."""

from __future__ import annotations

from importlib.resources.abc import Traversable

from fastapi import APIRouter
from plein_events.projection import Projection
from plein_platform.counting import event_counter, event_counts_router
from plein_platform.database import migrations_dir
from plein_platform.service import Service


class NotifyService(Service):
    name = "notify"
    description = "Notifications in-app, live and by e-mail; for now it counts events."

    def migrations(self) -> Traversable:
        return migrations_dir("plein_notify", __file__)

    def routes(self) -> APIRouter:
        return event_counts_router()

    def projections(self) -> list[Projection]:
        return [event_counter("notify")]


SERVICE = NotifyService
