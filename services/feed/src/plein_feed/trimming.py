"""Cutting timelines back to their length, apart from the projection.

Cutting as posts arrive made every fanned-out row pay for a look at its owner's whole
timeline (whether it was long or not): at a million events that took a quarter of the
projection's time. Here one pass every few minutes finds the timelines over the length (by
more than a slack, so a timeline is not cut for one entry) and cuts only those. Between
passes a timeline may hold a few minutes' more entries than its length; what the feed shows
first never changes, since a cut removes only what lies beyond the newest `keep`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import structlog
from plein_platform.service import every
from psycopg_pool import AsyncConnectionPool

from . import store
from .settings import FeedSettings

log = structlog.get_logger(__name__)

OWNERS_PER_STATEMENT = 200  # short transactions beside the projection's


@dataclass(frozen=True)
class TrimReport:
    timelines: int
    entries_deleted: int
    seconds: float


class TimelineTrimmer:
    """A background worker (one process at a time, under the leader lock)."""

    name = "trimmer:feed"

    def __init__(self, pool: AsyncConnectionPool[Any], settings: Callable[[], FeedSettings]):
        self.pool = pool
        self.settings = settings

    async def run(self, stop: asyncio.Event) -> None:
        await every(lambda: self.settings().trim_interval_s, self.trim, stop, what="trimming")

    async def trim(self) -> TrimReport:
        """One pass: cut every timeline longer than its length plus the slack."""
        started = time.perf_counter()
        s = self.settings()
        async with self.pool.connection() as conn:
            owners = await store.long_timelines(
                conn, longer_than=s.timeline_max_entries + s.trim_slack_entries
            )
        deleted = 0
        for i in range(0, len(owners), OWNERS_PER_STATEMENT):
            async with self.pool.connection() as conn:
                deleted += await store.trim_timelines(
                    conn, owners[i : i + OWNERS_PER_STATEMENT], keep=s.timeline_max_entries
                )
        report = TrimReport(len(owners), deleted, time.perf_counter() - started)
        if owners:
            log.info(
                "timelines trimmed",
                timelines=report.timelines,
                entries_deleted=report.entries_deleted,
                seconds=round(report.seconds, 2),
            )
        return report
