"""Scheduled articles published at their time, also when nobody reads them.

A read already counts a due article as published (and records it); this worker records the
publication of the ones nobody read, so that their thread (and with it the feed and the
notifications) goes out close to the time. Whoever comes first records it; the other finds
it done.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from plein_platform.service import every

from . import store_articles
from .app_articles import Articles


class ScheduledPublisher:
    """A background worker (one process at a time, under the leader lock)."""

    name = "publisher:articles"

    def __init__(self, articles: Callable[[], Articles], interval_s: float) -> None:
        self.articles = articles
        self.interval_s = interval_s

    async def run(self, stop: asyncio.Event) -> None:
        await every(lambda: self.interval_s, self.publish_due, stop, what="publishing articles")

    async def publish_due(self) -> int:
        """One pass: record every due article's publication; how many it recorded."""
        articles = self.articles()
        now = articles.clock()
        async with articles.pool.connection() as conn:
            due = await store_articles.due_ids(conn, now)
        return sum([await articles.publish_due(article_id, now) for article_id in due])
