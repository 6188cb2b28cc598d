"""The notify service: inbox, live stream, e-mail and escalations, from contract events."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from importlib.resources.abc import Traversable
from typing import Any

from fastapi import APIRouter
from plein_events import Event
from plein_events.projection import Projection
from plein_platform.database import migrations_dir
from plein_platform.service import EventSourcedService, Worker
from plein_platform.standing import standing_projection

from . import api, api_push, export_personal
from .app import Notifier, NotifyApplication
from .consumers import Notifications
from .contract import to_contract
from .devices import Devices
from .live import InboxSignals
from .pusher import Pusher
from .scheduler import Scheduler
from .settings import NotifySettings


class NotifyService(EventSourcedService):
    name = "notify"
    description = (
        "Notifications: an inbox with a live stream, e-mail people keep on, Web Push to their "
        "devices, and escalation of what stays unanswered."
    )
    application_class = NotifyApplication

    def __init__(self) -> None:
        super().__init__()
        self.settings = NotifySettings()
        # Tests replace the clock (a fake one they move by hand); by default the context's.
        self.clock: Callable[[], datetime] | None = None
        self.scheduler = Scheduler(self, self.now)
        self.pusher = Pusher(self, self.now)
        self.signals: InboxSignals | None = None
        self._notifier: Notifier | None = None
        self._devices: Devices | None = None

    def now(self) -> datetime:
        return (self.clock or self.ctx.clock)()

    @property
    def notifier(self) -> Notifier:
        """The API's use cases, on this service's pool and clock (built at first use: the
        pool exists once the service started)."""
        if self._notifier is None:
            self._notifier = Notifier(
                self.ctx.pool, self.ctx.settings.base_url, self.now, self.scheduler.raise_for
            )
        return self._notifier

    @property
    def devices(self) -> Devices:
        """The push devices' use cases (built at first use, like `notifier`)."""
        if self._devices is None:
            self._devices = Devices(
                self.ctx.pool, self.now, self.pusher.keys, lambda: self.settings.push_allowed_hosts
            )
        return self._devices

    def migrations(self) -> Traversable:
        return migrations_dir("plein_notify", __file__)

    def routes(self) -> APIRouter:
        router = api.routes()
        router.include_router(export_personal.routes())  # this service's part of an export
        router.include_router(api_push.routes())
        return router

    def projections(self) -> list[Projection]:
        return [Notifications(self.settings).projection(), standing_projection(self.name)]

    def to_contract(self, domain_event: Any) -> Event | None:
        return to_contract(domain_event)

    def extra_workers(self) -> list[Worker]:
        return [*super().extra_workers(), self.scheduler, self.pusher]

    async def on_start(self) -> None:
        await super().on_start()
        self.signals = InboxSignals(self.ctx.database_url)
        self.signals.start()

    async def on_stop(self) -> None:
        if self.signals is not None:
            await self.signals.stop()
            self.signals = None
        self._notifier = None
        self._devices = None
        self.pusher.forget_keys()
        await super().on_stop()


SERVICE = NotifyService
