"""Counts, affinities and visits summed over a projection batch and written together."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from .schema import Conn


class Tally:
    """Reply and reaction counts, affinities and last visits, summed over a batch in memory.

    These updates commute with each other and with everything else the projection does (no
    handler reads them), so the runner writes a whole batch of them with three set-based
    statements (see plein_events.projection.Deferred) instead of two statements per event.
    Counts never go below zero.
    """

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        # post -> [reply delta, reaction delta, latest activity]
        self.posts: dict[UUID, list[Any]] = {}
        self.affinity: dict[tuple[UUID, UUID], int] = {}
        self.seen: dict[UUID, datetime] = {}

    def _post(self, post_id: UUID) -> list[Any]:
        return self.posts.setdefault(post_id, [0, 0, None])

    def reply(self, post_id: UUID, delta: int, at: datetime | None = None) -> None:
        counts = self._post(post_id)
        counts[0] += delta
        if at is not None and (counts[2] is None or at > counts[2]):
            counts[2] = at

    def reaction(self, post_id: UUID, delta: int) -> None:
        self._post(post_id)[1] += delta

    def interaction(self, person_id: UUID, targets: list[UUID | None], delta: int) -> None:
        """An interaction of a person with authors and groups (never with themselves)."""
        for target in dict.fromkeys(targets):
            if target is not None and target != person_id:
                key = (person_id, target)
                self.affinity[key] = self.affinity.get(key, 0) + delta

    def visit(self, reader_id: UUID, seen_at: datetime) -> None:
        if reader_id not in self.seen or seen_at > self.seen[reader_id]:
            self.seen[reader_id] = seen_at

    async def flush(self, conn: Conn) -> None:
        try:
            if self.posts:
                await _add_post_counts(conn, self.posts)
            if self.affinity:
                await _add_affinity(conn, self.affinity)
            if self.seen:
                await _record_seen(conn, self.seen)
        finally:
            self.clear()


async def _add_post_counts(conn: Conn, posts: dict[UUID, list[Any]]) -> None:
    await conn.execute(
        "UPDATE posts p SET reply_count = greatest(0, p.reply_count + d.replies), "
        "reaction_count = greatest(0, p.reaction_count + d.reactions), "
        "last_activity_at = greatest(p.last_activity_at, d.at) "
        "FROM unnest(%s::uuid[], %s::int[], %s::int[], %s::timestamptz[]) "
        "AS d(post_id, replies, reactions, at) WHERE p.post_id = d.post_id",
        (list(posts), *(list(column) for column in zip(*posts.values(), strict=True))),
    )


async def _add_affinity(conn: Conn, affinity: dict[tuple[UUID, UUID], int]) -> None:
    # Existing rows take the delta (floored at 0); new rows start at the delta (floored at 0).
    await conn.execute(
        "WITH d AS (SELECT * FROM unnest(%s::uuid[], %s::uuid[], %s::int[]) "
        "  AS d(person_id, target_id, delta)), "
        "updated AS (UPDATE affinity a SET interactions = greatest(0, a.interactions + d.delta) "
        "  FROM d WHERE a.person_id = d.person_id AND a.target_id = d.target_id "
        "  RETURNING a.person_id, a.target_id) "
        "INSERT INTO affinity (person_id, target_id, interactions) "
        "SELECT d.person_id, d.target_id, greatest(0, d.delta) FROM d WHERE NOT EXISTS "
        "(SELECT 1 FROM updated u WHERE u.person_id = d.person_id AND u.target_id = d.target_id)",
        ([p for p, _ in affinity], [t for _, t in affinity], list(affinity.values())),
    )


async def _record_seen(conn: Conn, seen: dict[UUID, datetime]) -> None:
    await conn.execute(
        "INSERT INTO readers (user_id, last_seen_at) "
        "SELECT * FROM unnest(%s::uuid[], %s::timestamptz[]) ON CONFLICT (user_id) "
        "DO UPDATE SET last_seen_at = greatest(readers.last_seen_at, EXCLUDED.last_seen_at)",
        (list(seen), list(seen.values())),
    )
