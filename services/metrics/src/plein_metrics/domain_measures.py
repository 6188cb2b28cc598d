"""The small pure measures the KPIs are made of: shares, waits as people read them, inequality,
who was active when, who may see a post, which matrix sums a reader can work out."""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from plein_events.visibility import may_read_group

from .inputs import HOUR, US, Row


def share_of(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def hours(wait: float | None) -> float | None:
    """Hours as a person reads them: two decimals (0.0 is under a minute)."""
    return None if wait is None else round(wait / HOUR, 2)


def readable_wait(wait: float | None) -> str | None:
    """A wait in the unit a person reads it in: minutes, hours or days."""
    if wait is None:
        return None
    minutes = wait / (60 * US)
    if minutes < 1:
        return "under a minute"
    if minutes < 90:
        return f"{round(minutes)} minutes"
    if minutes < 48 * 60:
        return f"{minutes / 60:.1f} hours"
    return f"{minutes / 60 / 24:.1f} days"


def gini(values: list[int]) -> float | None:
    """Gini coefficient of non-negative values (0: all equal, (n-1)/n: one holds all)."""
    n, total = len(values), sum(values)
    if not n or not total:
        return None
    ranked = sorted(values)
    return 2 * sum(i * x for i, x in enumerate(ranked, start=1)) / (n * total) - (n + 1) / n


def top_share(values: list[int], fraction: float) -> float | None:
    """Share of the total held by the top ceil(fraction x n) values."""
    n, total = len(values), sum(values)
    if not n or not total:
        return None
    top = math.ceil(fraction * n)
    return sum(sorted(values, reverse=True)[:top]) / total


def active_during(events: list[Row], start: int, end: int) -> bool:
    """Whether a person's status history has them active at some instant of [start, end)."""
    active = False
    for e in events:  # sorted by time
        if e["at"] <= start:
            active = e["active"]
        elif e["at"] < end:
            if e["active"]:
                return True
            if active:
                return True  # active from `start` until this deactivation
        else:
            break
    return active


def may_see(private: bool, member_then: bool) -> bool:
    """Whether a person may see a post: anyone a public one, only the group's members and
    admins (at the time) a private group's, by the one visibility rule of plein_events."""
    return may_read_group(private=private, member=member_then)


def matrix_sums(keys: list[tuple[str, str]]) -> list[list[int]]:
    """The sets of matrix cells whose total a reader can work out: each row (a department
    scope's total), each column, the diagonal and the rest (the share across departments),
    and the whole table."""
    groups: dict[tuple[str, Any], list[int]] = defaultdict(list)
    for i, (source, target) in enumerate(keys):
        groups[("from", source)].append(i)
        groups[("to", target)].append(i)
        groups[("same", source == target)].append(i)
        groups[("all", None)].append(i)
    return list(groups.values())
