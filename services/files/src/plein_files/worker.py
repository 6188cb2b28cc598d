"""The files service's background work: processing queued files and deleting doomed objects
(often), sweeping uploads attached nowhere (rarely). One process runs it (a leader lock)."""

from __future__ import annotations

import asyncio
import time

import structlog

from .app import Files

log = structlog.get_logger(__name__)


class FileWorker:
    name = "files:worker"

    def __init__(self, files: Files) -> None:
        self.files = files

    async def run(self, stop: asyncio.Event) -> None:
        last_sweep = 0.0
        while not stop.is_set():
            settings = self.files.settings()
            try:
                while not stop.is_set() and await self.files.process_next():
                    pass
                if time.monotonic() - last_sweep >= settings.sweep_interval_s:
                    last_sweep = time.monotonic()
                    await self.files.sweep()
                else:
                    await self.files.delete_objects(await self._doomed())
            except Exception as error:
                log.exception("file work failed", error=repr(error))
            try:
                await asyncio.wait_for(stop.wait(), timeout=settings.process_interval_s)
            except TimeoutError:
                pass

    async def _doomed(self) -> list[str]:
        from . import store

        async with self.files.pool.connection() as conn:
            return await store.doomed(conn)
