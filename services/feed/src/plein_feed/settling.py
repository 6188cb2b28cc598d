"""Recording the seen reports that waited for their post (see store/pending_reads.py).

The projection decides each pending report when its post arrives (visible to its reader or
not, in the batch's transaction, so a replayed stream decides alike); this worker turns the
visible ones into the reader's PostsSeen, as if reported then, and drops the others.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import structlog
from plein_platform.service import every
from psycopg_pool import AsyncConnectionPool

from . import store
from .app import FeedApplication
from .domain import MAX_SEEN_BATCH
from .settings import FeedSettings

log = structlog.get_logger(__name__)

TAKEN_AT_ONCE = 1000


class ReadSettler:
    """A background worker (one process at a time, under the leader lock)."""

    name = "settler:feed-reads"

    def __init__(
        self,
        pool: AsyncConnectionPool[Any],
        application: Callable[[], FeedApplication],
        settings: Callable[[], FeedSettings],
        clock: Callable[[], datetime],
    ) -> None:
        self.pool = pool
        self.application = application
        self.settings = settings
        self.clock = clock

    async def run(self, stop: asyncio.Event) -> None:
        await every(
            lambda: self.settings().pending_reads_interval_s, self.settle, stop, what="settling"
        )

    async def settle(self) -> int:
        """Record every settled visible report, drop the rest; returns how many were recorded."""
        recorded = 0
        while True:
            # The rows are deleted in the transaction that records them: a failure to record
            # rolls the deletion back, and the next pass tries again.
            async with self.pool.connection() as conn, conn.transaction():
                rows = await store.take_settled_reads(conn, TAKEN_AT_ONCE)
                recorded += await self._record([r for r in rows if r["visible"]])
            if len(rows) < TAKEN_AT_ONCE:
                break
        too_old = self.clock() - timedelta(days=self.settings().pending_reads_kept_days)
        async with self.pool.connection() as conn:
            await store.forget_unsettled_reads(conn, too_old)
        return recorded

    async def _record(self, rows: list[dict[str, Any]]) -> int:
        reports: dict[tuple[UUID, UUID, datetime], list[UUID]] = defaultdict(list)
        for row in rows:
            reports[(row["reader_id"], row["actor_id"], row["seen_at"])].append(row["post_id"])
        app = self.application()
        for (reader_id, actor_id, seen_at), post_ids in reports.items():
            for i in range(0, len(post_ids), MAX_SEEN_BATCH):
                chunk = post_ids[i : i + MAX_SEEN_BATCH]
                await asyncio.to_thread(app.mark_seen, reader_id, chunk, seen_at, actor_id)
        return len(rows)
