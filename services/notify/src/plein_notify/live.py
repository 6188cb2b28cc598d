"""Wakes live inbox streams: one PostgreSQL LISTEN per process, fanned out to the streams open
in it. Notifications are signalled with pg_notify in the transaction that wrote them, so a
stream wakes only after the change is committed and visible."""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import Iterator
from uuid import UUID

import psycopg
import structlog
from psycopg import sql

from .store import INBOX_CHANNEL

log = structlog.get_logger(__name__)


class InboxSignals:
    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self._waiters: dict[str, set[asyncio.Event]] = defaultdict(set)
        self._task: asyncio.Task[None] | None = None
        # Set on every inbox change of anyone's (the push worker waits on it).
        self.any_change = asyncio.Event()

    def start(self) -> None:
        self._task = asyncio.create_task(self._listen(), name="notify:inbox-signals")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    @contextlib.contextmanager
    def subscribe(self, user_id: UUID) -> Iterator[asyncio.Event]:
        """An event set whenever `user_id`'s inbox changed (the stream clears it)."""
        wake = asyncio.Event()
        self._waiters[str(user_id)].add(wake)
        try:
            yield wake
        finally:
            self._waiters[str(user_id)].discard(wake)
            if not self._waiters[str(user_id)]:
                self._waiters.pop(str(user_id), None)

    def _wake_all(self) -> None:
        self.any_change.set()
        for waiters in self._waiters.values():
            for wake in waiters:
                wake.set()

    async def _listen(self) -> None:
        pause = 0.2
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    self.database_url, autocommit=True
                ) as conn:
                    await conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(INBOX_CHANNEL)))
                    # Anything signalled while we were not listening: let streams look again.
                    self._wake_all()
                    pause = 0.2
                    async for note in conn.notifies():
                        self.any_change.set()
                        for wake in self._waiters.get(note.payload, ()):
                            wake.set()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("inbox signals lost their connection", error=repr(error))
                await asyncio.sleep(pause)
                pause = min(pause * 2, 5.0)
