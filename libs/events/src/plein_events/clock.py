"""The time events happen at: now, unless a caller is replaying the past.

A demo organisation with a history (plein_demo) acts through the services' own use cases, in
process, with the clock set back: `at(moment)` makes every domain event the eventsourcing
library creates in that context (and every service clock that asks `now()`) carry `moment`, so
the events leave the outbox with that `occurred_at` and every projection sees real history.
It is a context variable, so only the code called from inside `at(...)` (the requests it
makes in process, the threads they start) sees the past; every other request sees now.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from eventsourcing.domain import CanCreateTimestamp

_historic: ContextVar[datetime | None] = ContextVar("plein_historic_now", default=None)


def now() -> datetime:
    """The current time (UTC), or the moment set by `at` in this context."""
    return _historic.get() or datetime.now(UTC)


@contextmanager
def at(moment: datetime) -> Iterator[None]:
    """Within this block (and what it calls, in process), it is `moment`."""
    if moment.tzinfo is None:
        raise ValueError("a historic moment needs a time zone (UTC)")
    token = _historic.set(moment)
    try:
        yield
    finally:
        _historic.reset(token)


def set_now(moment: datetime | None) -> None:
    """Set (None: clear) the moment for the rest of this context: a task that walks through
    time moment by moment, where a `with` block per step would not fit."""
    if moment is not None and moment.tzinfo is None:
        raise ValueError("a historic moment needs a time zone (UTC)")
    _historic.set(moment)


# Domain events get their timestamp from here (eventsourcing's one hook for it): outside `at`
# it is the library's own now, in UTC.
CanCreateTimestamp.create_timestamp = staticmethod(now)  # type: ignore[method-assign]
