"""What a report is asked for (a period, a scope, a configuration) and computed from (the
read model's rows): plain values, no I/O.

Times are integers: microseconds since the epoch, UTC. A period is [start, end).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from plein_platform.errors import DomainError, InvalidInput

US = 1_000_000
HOUR = 3600 * US
DAY = 24 * HOUR
WEEK = 7 * DAY
MAU_DAYS = 30
WAU_DAYS = 7
ENGAGED_WINDOW_DAYS = 28
HEALTH_DAYS = 365
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MONDAY = 4 * DAY  # 1970-01-05, a Monday: weeks are counted from it


FIRST_DAY = date(1971, 1, 1)
LAST_DAY = date(9998, 12, 31)
MAX_DAYS = 3660  # ten years


class TooFewPeople(DomainError):
    status = 422
    title = "Too few people"


def to_us(value: datetime) -> int:
    """Microseconds since the epoch of an aware datetime (exact, no float rounding)."""
    delta = value - EPOCH
    return (delta.days * 86400 + delta.seconds) * US + delta.microseconds


def from_us(value: int) -> datetime:
    return EPOCH + timedelta(microseconds=value)


def _day(value: date) -> date:
    return value.date() if isinstance(value, datetime) else value


@dataclass(frozen=True)
class Period:
    """[start, end) in microseconds; built from calendar dates, both days included."""

    start: int
    end: int

    @classmethod
    def of_dates(cls, first: date, last: date) -> Period:
        first, last = _day(first), _day(last)
        if last < first:
            raise InvalidInput(f"The period ends ({last}) before it starts ({first}).")
        if first < FIRST_DAY or last > LAST_DAY:
            # the year before (what community health looks back on) and the day after must
            # still be dates: years 1 and 9999 have none
            raise InvalidInput(
                f"A period lies between {FIRST_DAY} and {LAST_DAY}, not {first}..{last}."
            )
        if (last - first).days >= MAX_DAYS:
            # a report walks its days and weeks: a longer one would hold the service up
            raise InvalidInput(f"A period is at most {MAX_DAYS} days long, not {first}..{last}.")
        start = datetime(first.year, first.month, first.day, tzinfo=UTC)
        end = datetime(last.year, last.month, last.day, tzinfo=UTC) + timedelta(days=1)
        return cls(to_us(start), to_us(end))

    @classmethod
    def parse(cls, text: str) -> Period:
        """`2026-01-01/2026-01-31` (both days included)."""
        first, sep, last = text.partition("/")
        try:
            if not sep:
                raise ValueError(text)
            return cls.of_dates(date.fromisoformat(first), date.fromisoformat(last))
        except ValueError:
            raise InvalidInput(f"A period is FROM/TO in ISO dates, not {text!r}.") from None

    @property
    def days(self) -> int:
        return math.ceil((self.end - self.start) / DAY)

    @property
    def weeks(self) -> float:
        return (self.end - self.start) / WEEK

    def describe(self) -> dict[str, str]:
        return {
            "from": from_us(self.start).date().isoformat(),
            "to": (from_us(self.end) - timedelta(microseconds=1)).date().isoformat(),
        }


@dataclass(frozen=True)
class Scope:
    kind: Literal["org", "department", "group"]
    value: str | None = None

    @classmethod
    def parse(cls, text: str) -> Scope:
        """`org`, `department:<name>` or `group:<group id>`."""
        if text == "org":
            return cls("org")
        kind, sep, value = text.partition(":")
        if sep and value and kind == "department":
            return cls("department", value)
        if sep and value and kind == "group":
            return cls("group", value)
        raise InvalidInput(f"A scope is org, department:<name> or group:<id>, not {text!r}.")

    def __str__(self) -> str:
        return self.kind if self.value is None else f"{self.kind}:{self.value}"


@dataclass(frozen=True)
class Targets:
    read: float = 0.55
    respond: float = 0.40
    create: float = 0.05


@dataclass(frozen=True)
class Weights:
    create: int = 3
    reply: int = 2
    reaction: int = 1
    accepted_answer: int = 5


@dataclass(frozen=True)
class Config:
    k: int = 5
    targets: Targets = field(default_factory=Targets)
    weights: Weights = field(default_factory=Weights)
    ambassadors: int = 10
    announcements_per_week: float = 2.0
    engaged_days: int = 10  # active on at least this many of the last 28 days


Row = dict[str, Any]


@dataclass
class Dataset:
    """The read model's rows a report needs; `at`-like columns are microseconds."""

    people: list[Row]
    person_status: list[Row]
    person_history: list[Row]
    groups: list[Row]
    membership_history: list[Row]
    threads: list[Row]
    activity: list[Row]
    answers: list[Row]
    escalations: list[Row]
    acknowledgements: list[Row] = field(default_factory=list)  # read receipts only


def activity_window(period: Period) -> tuple[int, int]:
    """The activity a report reads: the period, widened to the 365 days community health
    looks back on (MAU and engaged people look back 30 and 28)."""
    return min(period.start, period.end - HEALTH_DAYS * DAY), period.end
