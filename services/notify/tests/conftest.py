"""Notify's service tests: every service on real PostgreSQL and NATS, a real SMTP server
(aiosmtpd) in-process, a fake clock, and a way to put other services' contract events onto
the real stream (identity's groups and posts' replies are built on other branches)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from plein_events import Envelope, Event
from plein_notify.service import NotifyService
from plein_platform.embedded import free_port
from plein_testdata.servers import (
    SERVICES_MARKER,
    Plein,
    Servers,
    eventually,
    fresh_streams,
    harness_settings,
    migrated_database,
    publish,
    start_plein,
)

# A Wednesday morning: working hours and digests are easy to reason about from here.
START = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


class Inbox:
    """Collects every message the SMTP server accepted."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


@dataclass
class NotifyWorld:
    plein: Plein
    clock: FakeClock
    mail: Inbox

    @property
    def service(self) -> NotifyService:
        service = self.plein.runtime.service("notify")
        assert isinstance(service, NotifyService)
        return service

    async def publish(
        self, event: Event, *, at: datetime | None = None, copies: int = 1
    ) -> Envelope:
        """Put a contract event onto the real stream, as its producer's relay would.
        `copies` > 1 re-publishes it under new message ids (a relay crash outside the
        duplicate window): the same event id arrives several times."""
        assert self.plein.runtime.nc is not None
        js = self.plein.runtime.nc.jetstream()
        envelope = (await publish(js, event, at=at or self.clock.now)).envelope
        for _ in range(copies - 1):
            await self.republish(envelope)
        return envelope

    async def republish(self, envelope: Envelope) -> None:
        """Publish `envelope` again under a new message id, past JetStream's de-duplication."""
        assert self.plein.runtime.nc is not None
        js = self.plein.runtime.nc.jetstream()
        await publish(js, envelope, msg_id=f"{envelope.msg_id}:{uuid.uuid4()}")

    async def caught_up(self) -> None:
        """Wait until notify's projection applied everything on the stream."""
        runner = self.service.runners["notify"]

        async def done() -> None:
            try:
                pending = await runner.pending()
            except Exception as error:  # the consumer is not there yet
                raise AssertionError(repr(error)) from error
            assert pending == 0

        await eventually(done)

    async def register(self, handle: str, name: str, **profile: Any) -> Any:
        """A person registered through identity's API (with `profile`, e.g. languages), once
        notify knows them."""
        person = await self.plein.register(handle, name, **profile)

        async def known() -> None:
            async with self.service.ctx.pool.connection() as conn:
                cur = await conn.execute("SELECT 1 FROM people WHERE user_id = %s", (person.id,))
                assert await cur.fetchone() is not None

        await eventually(known)
        return person

    async def inbox(self, person: Any, **params: Any) -> dict[str, Any]:
        response = await self.plein.http.get("/notify/inbox", headers=person.auth, params=params)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


# Notify's tests publish the events they need themselves: identity (who people are) and notify
# are all they run, unless a module names more with `pytestmark = pytest.mark.services(...)`.
NOTIFY_ALONE = ("identity", "notify")


@pytest.fixture
async def world(
    servers: Servers, smtp: tuple[Inbox, int], request: pytest.FixtureRequest
) -> AsyncIterator[NotifyWorld]:
    mail, port = smtp
    marker = request.node.get_closest_marker(SERVICES_MARKER)
    names = list(marker.args) if marker else list(NOTIFY_ALONE)
    database_url = await migrated_database(servers)
    await fresh_streams(servers.nats_url)
    settings = harness_settings(
        database_url, servers.nats_url, smtp_host="127.0.0.1", smtp_port=port
    )
    plein = await start_plein(database_url, servers.nats_url, settings=settings, services=names)
    clock = FakeClock(START)
    service = plein.runtime.service("notify")
    assert isinstance(service, NotifyService)
    service.clock = clock
    try:
        yield NotifyWorld(plein, clock, mail)
    finally:
        await plein.http.aclose()
        await plein.stop()
