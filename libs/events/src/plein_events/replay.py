"""Rebuilding a projection from the start of the stream: all of it, or nothing.

The whole rebuild is one PostgreSQL transaction. The old rows are deleted (not truncated)
inside it, so readers keep seeing the old read model until the rebuilt one commits, at once;
each batch is a savepoint. A replay that cannot finish rolls back and leaves the read model as it
was (ReplayAbandoned says why). NATS going away mid-replay (a restart, a cluster's election, a
consumer lost, a delivery out of order) is waited out: delivery resumes from the position
reached inside the transaction, with the ordered-delivery checks of the live runner.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import nats.errors
import psycopg
import structlog
from psycopg import sql

from .batch_apply import BatchApplier
from .ordered_delivery import Resume
from .stream import STREAM_NAME

if TYPE_CHECKING:
    from .projection import ProjectionRunner

log = structlog.get_logger(__name__)

Progress = Callable[[int, int], None]


@dataclass
class ReplayReport:
    """What a replay did: messages applied, times delivery resumed (NATS went away, or
    delivered out of order), messages dead-lettered."""

    messages: int = 0
    resumes: int = 0
    dead_letters: int = 0


class ReplayAbandoned(Exception):
    """A replay that could not finish: its transaction rolled back, the read model is as it
    was before it started."""

    def __init__(self, reason: str, report: ReplayReport) -> None:
        super().__init__(reason)
        self.reason = reason
        self.report = report


class Replay:
    """One rebuild of `runner`'s projection. The caller must hold the projection's leadership,
    so that no live runner consumes at the same time."""

    def __init__(
        self, runner: ProjectionRunner, progress: Progress | None, patience_s: float
    ) -> None:
        self.runner = runner
        self.progress = progress
        self.patience_s = patience_s
        self.moved_at = 0.0  # loop time the replay last applied a batch

    async def run(self) -> ReplayReport:
        """Rebuild; returns what it did, or raises ReplayAbandoned (nothing changed)."""
        progress, patience_s = self.progress, self.patience_s
        await self.runner.broker.connect()  # dead letters are published through it
        report = ReplayReport()
        dead_before = self.runner.stats.dead_lettered
        try:
            async with self.runner.pool.connection() as conn, conn.transaction():
                for table in self.runner.projection.tables:
                    await conn.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(table)))
                await self.runner._forget(conn)
                applier = self.runner.applier.on(conn)
                await self._into(conn, applier, report, progress, patience_s)
        except psycopg.Error as error:
            raise ReplayAbandoned(f"PostgreSQL failed: {error!r}", report) from error
        report.dead_letters = self.runner.stats.dead_lettered - dead_before
        return report

    async def _into(
        self,
        conn: psycopg.AsyncConnection[Any],
        applier: BatchApplier,
        report: ReplayReport,
        progress: Callable[[int, int], None] | None,
        patience_s: float,
    ) -> None:
        """Deliver the stream's messages up to its end (as of the start) into `applier`."""
        loop = asyncio.get_running_loop()
        self.moved_at = loop.time()
        target: int | None = None
        total = 0
        pause = 0.05
        while True:
            try:
                position = await applier.position(conn)
                if target is None:
                    target = await self.runner.consumer.last_subject_seq()
                    total = await self.runner.consumer.pending_after(0)
                    if progress:
                        progress(0, total)
                if position >= target:
                    return
                await self._one_consumer(applier, position, target, report, progress, total)
                return
            except (Resume, nats.errors.Error, TimeoutError) as why:
                report.resumes += 1
                if loop.time() - self.moved_at > patience_s:
                    raise ReplayAbandoned(
                        f"NATS gave nothing for {patience_s:.0f} s ({why!r})", report
                    ) from why
                log.warning(
                    "replay resumes", projection=self.runner.projection.name, reason=repr(why)
                )
                await asyncio.sleep(pause)
                pause = min(pause * 2, 1.0)

    async def _one_consumer(
        self,
        applier: BatchApplier,
        position: int,
        target: int,
        report: ReplayReport,
        progress: Callable[[int, int], None] | None,
        total: int,
    ) -> None:
        """One consumer's part of a replay: from `position` to `target`, or until a reason to
        resume (a reconnect, a delivery out of order)."""
        nc = self.runner.js._nc
        reconnects = nc.stats["reconnects"]
        delivery = await self.runner.consumer.open_after(position)
        sub = await self.runner.js.pull_subscribe_bind(self.runner.consumer_name, STREAM_NAME)
        loop = asyncio.get_running_loop()
        try:
            async with contextlib.aclosing(self.runner._batches(sub)) as batches:
                async for msgs in batches:
                    if nc.stats["reconnects"] != reconnects:
                        raise Resume("reconnected to NATS")
                    if not msgs:
                        await self.runner.consumer.verify_idle(position)
                        continue
                    delivery.check(msgs)
                    await applier.apply(msgs)  # a savepoint of the replay's transaction
                    with contextlib.suppress(nats.errors.Error):
                        await msgs[-1].ack()  # lets the consumer send more; lost acks are fine
                    position = msgs[-1].metadata.sequence.stream
                    report.messages += len(msgs)
                    self.moved_at = loop.time()
                    if progress:
                        progress(report.messages, total)
                    if position >= target:
                        return
        finally:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()
