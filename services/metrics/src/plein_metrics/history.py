"""What was true when: departments, manager flags and group memberships over time.

A period's numbers use what held at the time of each activity (identity's events carry the
history), so that a baseline measured in January reads the same when recomputed in June.
Times are microseconds; a value set at `t` holds from `t` on (ties by event id, the same order
live and offline).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

Row = dict[str, Any]


class Timeline:
    """The values one thing took over time."""

    __slots__ = ("times", "values")

    def __init__(self) -> None:
        self.times: list[int] = []
        self.values: list[Any] = []

    def add(self, at: int, value: Any) -> None:
        """Add a change (in time order)."""
        self.times.append(at)
        self.values.append(value)

    def at(self, moment: int, default: Any = None) -> Any:
        """The value at `moment`: the last one set at or before it."""
        if len(self.times) == 1:  # most people never change department: no search
            return self.values[0] if self.times[0] <= moment else default
        i = bisect_right(self.times, moment)
        return self.values[i - 1] if i else default

    def during(self, start: int, end: int) -> set[Any]:
        """Every value held at some moment of [start, end) (none before the first was set)."""
        i = bisect_right(self.times, start)
        held = {self.values[i - 1]} if i else set()
        while i < len(self.times) and self.times[i] < end:
            held.add(self.values[i])
            i += 1
        return held


def timelines(rows: Iterable[Row], key: str, column: str) -> dict[Any, Timeline]:
    """One timeline of `column` per `key` value."""
    out: dict[Any, Timeline] = defaultdict(Timeline)
    for row in sorted(rows, key=lambda r: (r["at"], r["event_id"])):
        out[row[key]].add(row["at"], row[column])
    return out


class Memberships:
    """Who was a member or an admin of which group, when."""

    def __init__(self, history: Iterable[Row]) -> None:
        self.roles: dict[tuple[str, str, str], Timeline] = defaultdict(Timeline)
        self.people: dict[str, set[str]] = defaultdict(set)  # everyone a group ever had
        for row in sorted(history, key=lambda r: (r["at"], r["event_id"])):
            self.roles[(row["group_id"], row["user_id"], row["role"])].add(row["at"], row["held"])
            self.people[row["group_id"]].add(row["user_id"])

    def _timelines(self, group: str, user: str) -> list[Timeline]:
        return [
            self.roles[key]
            for key in ((group, user, "member"), (group, user, "admin"))
            if key in self.roles
        ]

    def member_at(self, group: str | None, user: str, moment: int) -> bool:
        """Whether `user` was a member or an admin of `group` at `moment`."""
        if group is None or user not in self.people.get(group, ()):
            return False
        return any(t.at(moment, False) for t in self._timelines(group, user))

    def member_during(self, group: str, user: str, start: int, end: int) -> bool:
        """Whether `user` was a member or an admin of `group` at some moment of [start, end)."""
        if user not in self.people.get(group, ()):
            return False
        timelines = self._timelines(group, user)
        moments = {start} | {t for tl in timelines for t in tl.times if start < t < end}
        return any(tl.at(m, False) for m in moments for tl in timelines)

    def members_at(self, group: str, moment: int) -> set[str]:
        return {u for u in self.people.get(group, ()) if self.member_at(group, u, moment)}

    def members_during(self, group: str, start: int, end: int) -> set[str]:
        return {u for u in self.people.get(group, ()) if self.member_during(group, u, start, end)}
