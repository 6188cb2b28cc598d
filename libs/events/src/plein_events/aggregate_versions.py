"""Order per aggregate: a projection never applies an event older than one it already applied.

The stream delivers each aggregate's events in version order, once; copies are the exception
(a relay batch in flight when NATS went away, re-published after the duplicate window, lands
again with a new stream sequence). Counters survive copies (they are derived from keyed rows),
but anything that follows the latest event per key would not: a late copy of `Followed` after
its `Unfollowed` would bring the follow back, an old `ProfileUpdated` would undo a newer one.
So every projection keeps the newest version it applied per (producer, aggregate) in
`projection_versions`, in the same transaction as the batch, and skips an event at or below it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import psycopg

from .contract import Envelope

Key = tuple[str, str]  # (producer, aggregate_id): aggregate ids are unique per producer


def _key(envelope: Envelope) -> Key:
    return envelope.producer, envelope.aggregate_id


class AggregateVersions:
    """The versions one batch of `projection` checks against and moves forward."""

    def __init__(self, projection: str) -> None:
        self.projection = projection
        self._applied: dict[Key, int] = {}
        self._moved: dict[Key, int] = {}

    async def load(self, conn: psycopg.AsyncConnection[Any], envelopes: Iterable[Envelope]) -> None:
        """Read the versions applied so far of the aggregates these envelopes belong to."""
        keys = sorted({_key(e) for e in envelopes})
        self._applied, self._moved = {}, {}
        if not keys:
            return
        cur = await conn.execute(
            "SELECT v.producer, v.aggregate_id, v.version FROM projection_versions v"
            " JOIN unnest(%s::text[], %s::text[]) AS k (producer, aggregate_id)"
            " USING (producer, aggregate_id) WHERE v.projection = %s",
            ([p for p, _ in keys], [a for _, a in keys], self.projection),
        )
        self._applied = {(p, a): int(v) for p, a, v in await cur.fetchall()}

    def is_stale(self, envelope: Envelope) -> bool:
        """Whether the read model already shows this aggregate at this version or later."""
        return envelope.aggregate_version <= self._applied.get(_key(envelope), 0)

    def applied(self, envelope: Envelope) -> None:
        key = _key(envelope)
        if envelope.aggregate_version > self._applied.get(key, 0):
            self._applied[key] = self._moved[key] = envelope.aggregate_version

    async def save(self, conn: psycopg.AsyncConnection[Any]) -> None:
        """Record the versions this batch moved forward (one statement, pipelined or not)."""
        if not self._moved:
            return
        keys = list(self._moved)
        await conn.execute(
            "INSERT INTO projection_versions (projection, producer, aggregate_id, version)"
            " SELECT %s, * FROM unnest(%s::text[], %s::text[], %s::bigint[])"
            " ON CONFLICT (projection, producer, aggregate_id) DO UPDATE"
            " SET version = greatest(projection_versions.version, EXCLUDED.version)",
            (
                self.projection,
                [p for p, _ in keys],
                [a for _, a in keys],
                [self._moved[k] for k in keys],
            ),
        )
        self._moved = {}
