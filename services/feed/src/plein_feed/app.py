"""The feed's use cases: reading feeds (from the projection) and recording what readers saw
and acknowledged (on the event-sourced store, published as PostsSeen and
AnnouncementAcknowledged)."""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import MutableOrImmutableAggregate
from eventsourcing.persistence import IntegrityError
from plein_events.eventstore import PleinApplication
from plein_platform.errors import Conflict, NotFound
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from . import store
from .domain import (
    ANNOUNCEMENT,
    RAISED,
    Cursor,
    RankedCursor,
    Reader,
    rank,
    reasons_for,
    score,
    why,
)
from .settings import FeedSettings

Conn = AsyncConnection[Any]
Pool = AsyncConnectionPool[Any]
_LAST_ID = UUID(int=(1 << 128) - 1)
# A reader's seen reports and acknowledgements may arrive at once (two tabs, a page reporting
# what it showed while its "Mark as read" is clicked): both append to the same aggregate, and
# the later append loses the race on its version. In one process they take turns (a lock per
# reader, striped); across processes the loser is made again on top of the winner.
SAVE_ATTEMPTS = 5
_READER_LOCKS = tuple(threading.Lock() for _ in range(64))


class FeedApplication(PleinApplication):
    name = "feed"
    # A reader's history grows with every seen batch; a snapshot keeps loading it short.
    snapshotting_intervals: ClassVar[dict[type[MutableOrImmutableAggregate[UUID]], int]] = {
        Reader: 50
    }

    def _reader(self, user_id: UUID) -> Reader:
        try:
            reader: Reader = self.repository.get(Reader.create_id(user_id))
            return reader
        except AggregateNotFoundError:
            return Reader(user_id=user_id)

    def mark_seen(
        self, user_id: UUID, post_ids: list[UUID], seen_at: datetime, actor_id: UUID
    ) -> None:
        def change() -> bool:
            reader = self._reader(user_id)
            reader.saw(post_ids, seen_at, actor_id)
            self.save(reader)
            return True

        self._retrying(user_id, change)

    def acknowledge(
        self, user_id: UUID, post_id: UUID, group_id: UUID | None, actor_id: UUID
    ) -> bool:
        def change() -> bool:
            reader = self._reader(user_id)
            if not reader.acknowledge(post_id, group_id, actor_id):
                return False
            self.save(reader)
            return True

        return self._retrying(user_id, change)

    def _retrying(self, user_id: UUID, change: Callable[[], bool]) -> bool:
        with _READER_LOCKS[user_id.int % len(_READER_LOCKS)]:
            for attempt in range(SAVE_ATTEMPTS):
                try:
                    return change()
                except IntegrityError:
                    # another process saved a report of this reader first: redo on top of it
                    time.sleep(random.uniform(0, 0.01 * (attempt + 1)))
        raise Conflict("Your reading is being recorded from elsewhere too; try again.")


# -- recording what readers did --------------------------------------------------------------


async def report_seen(
    pool: Pool,
    application: FeedApplication,
    me: UUID,
    post_ids: list[UUID],
    *,
    seen_at: datetime,
    actor_id: UUID,
) -> None:
    """Record the posts that were on my screen. Only posts I may see count. A post the feed
    has not received yet (it lags after an outage, or the post was opened from a link the
    moment it was written) waits for it, and counts if I may see it when it arrives. A post
    the feed has and I may not see is dropped. The answer is the same in every case, so
    that it tells nothing about private posts."""
    Reader.check_report(post_ids)
    async with pool.connection() as conn:
        visible = await store.visible_posts(conn, me, post_ids)
        known = await store.known_posts(conn, post_ids) if len(visible) < len(post_ids) else set()
        waiting = [p for p in dict.fromkeys(post_ids) if p not in visible and p not in known]
        if waiting:
            await store.add_pending_reads(conn, me, actor_id, waiting, seen_at)
            # A post may have arrived between the look above and the rows being written:
            # decide those now (the projection's own settling saw no row for them).
            await store.settle_pending_reads(conn, waiting)
    seen_now = [p for p in post_ids if p in visible]
    if seen_now:
        await asyncio.to_thread(application.mark_seen, me, seen_now, seen_at, actor_id)


async def acknowledge(
    pool: Pool, application: FeedApplication, me: UUID, post_id: UUID, *, actor_id: UUID
) -> None:
    """Acknowledge an announcement addressed to me: it is no longer pinned in my feed."""
    async with pool.connection() as conn:
        announcement = await store.announcement_visible_to(conn, me, post_id)
    if announcement is None:
        raise NotFound(f"There is no announcement {post_id} for you.")
    await asyncio.to_thread(
        application.acknowledge, me, post_id, announcement["group_id"], actor_id
    )


# -- reading -------------------------------------------------------------------------------


def shape_entry(
    row: dict[str, Any], *, last_seen_at: datetime | None, section: str | None = None
) -> dict[str, Any]:
    """An entry as the API shows it: the post, why it is there, whether it is new."""
    reasons = reasons_for(
        own=row["own"],
        mentioned=row["mentions_me"],
        in_group=row["in_group"],
        follows_author=row["follows_author"],
        follows_topic=row["followed_topic"] is not None,
    )
    if section is not None:
        reasons = [section, *reasons]
    return {
        **row,
        "reasons": reasons,
        "why": why(reasons, row["author_name"], row["group_name"], row["followed_topic"]),
        "new": not row["own"] and (last_seen_at is None or row["created_at"] > last_seen_at),
    }


@dataclass(frozen=True)
class HomePage:
    pinned: list[dict[str, Any]]
    raised: list[dict[str, Any]]
    entries: list[dict[str, Any]]
    next_cursor: str | None
    last_seen_at: datetime | None


async def home(
    conn: Conn,
    me: UUID,
    *,
    order: str,
    cursor: str | None,
    limit: int,
    explain: bool,
    now: datetime,
    settings: FeedSettings,
) -> HomePage:
    """My home feed: pinned announcements and raised posts on the first page, then entries
    newest first (`latest`) or best first (`relevant`)."""
    latest = order != "relevant"
    after = Cursor.decode(cursor) if cursor and latest else None
    # What the page needs, read in one round trip (store.together).
    reads = {"seen": store.last_seen_read(me)}
    if cursor is None:
        reads["pinned"] = store.pinned_read(me, settings.pinned_max)
        if settings.raise_max:
            reads["raised"] = store.raised_read(
                me,
                older_than=now - timedelta(hours=settings.raise_after_hours),
                newer_than=now - timedelta(days=settings.raise_within_days),
                limit=settings.raise_max,
            )
    if latest:
        reads["page"] = store.home_page_read(me, after, limit + 1)
    got = dict(zip(reads, await store.together(conn, *reads.values()), strict=True))
    seen = got["seen"]
    pinned = [
        shape_entry(r, last_seen_at=seen, section=ANNOUNCEMENT) for r in got.get("pinned", [])
    ]
    raised = [shape_entry(r, last_seen_at=seen, section=RAISED) for r in got.get("raised", [])]
    if latest:
        rows = got["page"]
        more = len(rows) > limit
        entries = rows[:limit]
        next_cursor = (
            Cursor(entries[-1]["created_at"], entries[-1]["post_id"]).encode() if more else None
        )
    else:
        entries, next_cursor = await _relevant(conn, me, cursor, limit, explain, now, settings)
    return HomePage(
        pinned=pinned,
        raised=raised,
        entries=[shape_entry(r, last_seen_at=seen) for r in entries],
        next_cursor=next_cursor,
        last_seen_at=seen,
    )


async def _relevant(
    conn: Conn,
    me: UUID,
    cursor: str | None,
    limit: int,
    explain: bool,
    now: datetime,
    settings: FeedSettings,
) -> tuple[list[dict[str, Any]], str | None]:
    """Rank my latest `relevant_window` entries as of the cursor's moment; page by offset.

    Ranking reads only what it needs of the window; what a reader sees is read for the page.
    """
    position = RankedCursor.decode(cursor) if cursor else RankedCursor(now, 0)
    candidates = await store.home_features(
        conn, me, Cursor(position.as_of, _LAST_ID), settings.relevant_window
    )
    ranked = rank(candidates, position.as_of, settings)
    window = ranked[position.offset : position.offset + limit]
    shown = await store.entries(conn, me, [candidate.post_id for candidate, _ in window])
    entries = []
    for row, (candidate, total) in zip(shown, window, strict=True):
        row["score"] = total
        if explain:
            row["score_parts"] = score(candidate, position.as_of, settings).parts
        entries.append(row)
    end = position.offset + limit
    next_cursor = RankedCursor(position.as_of, end).encode() if end < len(ranked) else None
    return entries, next_cursor


async def group_feed(
    conn: Conn, me: UUID, group_id: UUID, cursor: str | None, limit: int
) -> tuple[list[dict[str, Any]], str | None]:
    """A group's posts, newest first; a private group is unknown to non-members."""
    if await store.group_for(conn, me, group_id) is None:
        raise NotFound(f"There is no group {group_id} you can read.")
    after = Cursor.decode(cursor) if cursor else None
    rows = await store.group_page(conn, me, group_id, after, limit + 1)
    return await _page(conn, me, rows, limit)


async def profile_feed(
    conn: Conn, me: UUID, author_id: UUID, cursor: str | None, limit: int
) -> tuple[list[dict[str, Any]], str | None]:
    """A person's (or a shared account's) posts that I may see, newest first."""
    if not await store.author_exists(conn, author_id):
        raise NotFound(f"There is no person {author_id}.")
    after = Cursor.decode(cursor) if cursor else None
    rows = await store.profile_page(conn, me, author_id, after, limit + 1)
    return await _page(conn, me, rows, limit)


async def _page(
    conn: Conn, me: UUID, rows: list[dict[str, Any]], limit: int
) -> tuple[list[dict[str, Any]], str | None]:
    seen = await store.last_seen_at(conn, me)
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = Cursor(rows[-1]["created_at"], rows[-1]["post_id"]).encode() if more else None
    return [shape_entry(r, last_seen_at=seen) for r in rows], next_cursor
