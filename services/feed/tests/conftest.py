"""Fixtures for the feed's service tests: contract events published straight onto the stream.

Groups, group posts, replies and reactions come from services built on other branches; these
tests publish those contract events onto the real `PLEIN` stream themselves, in the order a
test needs, and read the feed over HTTP.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest
from plein_events import Event
from plein_feed.settings import FeedSettings
from plein_platform.runtime import connect_nats
from plein_testdata.servers import Person, Plein, eventually, publish


class Stream:
    """Publishes contract events onto the real stream, and reads the feed as someone."""

    def __init__(self, plein: Plein, js: Any) -> None:
        self.plein = plein
        self.js = js

    async def publish(self, event: Event, *, at: datetime | None = None) -> None:
        await publish(self.js, event, at=at)

    async def caught_up(self) -> None:
        """Wait until the feed projection has applied everything on the stream."""
        runner = self.plein.runtime.service("feed").runners["feed"]

        async def check() -> None:
            # The stream acknowledged every publish, so the consumer counts it; lag 0 means
            # the projection committed it.
            assert await runner.pending() == 0

        await eventually(check)

    async def home(self, person: Person, **params: Any) -> dict[str, Any]:
        response = await self.plein.http.get("/feed/home", headers=person.auth, params=params)
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def home_ids(self, person: Person, **params: Any) -> list[str]:
        return [e["post_id"] for e in (await self.home(person, limit=100, **params))["entries"]]

    def settings(self, **overrides: Any) -> None:
        feed = self.plein.runtime.service("feed")
        feed.settings = FeedSettings(**overrides)  # type: ignore[attr-defined]


@pytest.fixture
async def stream(plein: Plein) -> AsyncIterator[Stream]:
    nc = await connect_nats(plein.nats_url, name="feed-test")
    try:
        yield Stream(plein, nc.jetstream())
    finally:
        await nc.close()
