"""The link-card worker: fetches due cards one by one, off every request path."""

from __future__ import annotations

import asyncio

import structlog

from .cards import LinkCards

log = structlog.get_logger(__name__)


class LinkCardWorker:
    name = "files:link-cards"

    def __init__(self, cards: LinkCards) -> None:
        self.cards = cards

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                while not stop.is_set() and await self.cards.fetch_next():
                    pass
            except Exception as error:
                log.exception("link card work failed", error=repr(error))
            try:
                interval = self.cards.files.settings().process_interval_s
                await asyncio.wait_for(stop.wait(), timeout=interval)
            except TimeoutError:
                pass
