"""The base of a KPI report: its population and the rows that count, by scope and visibility."""

from __future__ import annotations

from collections import defaultdict

from .domain_measures import active_during, may_see
from .history import Memberships, timelines
from .inputs import Config, Dataset, Period, Row, Scope, activity_window
from .privacy import Cell, suppress


class ReportBase:
    """One period and scope over a dataset: who is in the population, which rows count. The
    KPIs build on it (domain_funnel.py, domain_contributions.py, domain_people.py,
    domain_activity.py)."""

    def __init__(
        self,
        data: Dataset,
        period: Period,
        scope: Scope,
        config: Config,
        visible_groups: set[str] | None = None,
    ) -> None:
        self.data, self.period, self.scope, self.config = data, period, scope, config
        self.people = {p["user_id"]: p for p in data.people}
        self.groups = {g["group_id"]: g for g in data.groups}
        self.visible_groups = visible_groups
        self.departments_of = timelines(data.person_history, "user_id", "department")
        self.managers_of = timelines(data.person_history, "user_id", "is_manager")
        self.memberships = Memberships(data.membership_history)
        self.threads = {t["post_id"]: t for t in data.threads}
        self.status: dict[str, list[Row]] = defaultdict(list)
        for s in sorted(data.person_status, key=lambda s: (s["at"], s["event_id"])):
            self.status[s["user_id"]].append(s)
        self.population = self._population()
        lo, hi = activity_window(period)
        self.window_rows = [r for r in data.activity if lo <= r["at"] < hi and self._visible(r)]
        self.scoped_rows = [r for r in self.window_rows if self._in_scope(r)]
        self.rows = [r for r in self.scoped_rows if period.start <= r["at"] < period.end]

    # -- who and what counts ----------------------------------------------------------------

    def department_at(self, user: str, moment: int) -> str | None:
        timeline = self.departments_of.get(user)
        if timeline is None:
            return None
        times = timeline.times
        if len(times) == 1:  # never moved: no search
            return timeline.values[0] if times[0] <= moment else None
        return timeline.at(moment)

    def departments_during(self, user: str) -> set[str | None]:
        timeline = self.departments_of.get(user)
        if timeline is None:
            return {None}
        return timeline.during(self.period.start, self.period.end)

    def _population(self) -> set[str]:
        start, end = self.period.start, self.period.end
        people = {
            uid
            for uid, p in self.people.items()
            if p["registered_at"] is not None
            and p["registered_at"] < end
            and active_during(self.status[uid], start, end)
        }
        self.org_population = people
        if self.scope.kind == "department":
            return {u for u in people if self.scope.value in self.departments_during(u)}
        if self.scope.kind == "group":
            group = str(self.scope.value)
            return {u for u in people if self.memberships.member_during(group, u, start, end)}
        return people

    def _where(self, group: str | None, private: bool) -> tuple[str | None, bool]:
        if group is not None and group in self.groups:
            private = private or bool(self.groups[group]["private"])
        return group, private

    def _visible(self, row: Row) -> bool:
        """Whether an activity counts at all: a read only of a post that existed when it was
        on screen and that its reader could see then; anything in a private group only by
        its members and admins at the time; in a group scope only the group's own."""
        group, private = row["group_id"], row["private"]
        if row["kind"] == "read":
            thread = self.threads.get(row["post_id"])
            if thread is None or thread["at"] > row["at"]:
                return False  # no such post (yet): nothing was on screen
            group, private = thread["group_id"], thread["private"]
        if group is None and self.scope.kind != "group":
            return True  # outside groups: everyone may see it
        group, private = self._where(group, bool(private))
        if private or self.scope.kind == "group":
            member = self.memberships.member_at(group, row["user_id"], row["at"])
            if not may_see(private, member):
                return False
            if self.scope.kind == "group":
                return group == self.scope.value and member
        return True

    def _in_scope(self, row: Row) -> bool:
        """By the population, and in a department scope while its author was in it."""
        if row["user_id"] not in self.population:
            return False
        return (
            self.scope.kind != "department"
            or self.department_at(row["user_id"], row["at"]) == self.scope.value
        )

    def _counts_for(self, author: str, group: str | None, private: bool, moment: int) -> bool:
        """Whether something `author` did at `moment` in `group` counts in this scope."""
        group, private = self._where(group, private)
        member = self.memberships.member_at(group, author, moment)
        if not may_see(private, member):
            return False
        if self.scope.kind == "group" and (group != self.scope.value or not member):
            return False
        if self.scope.kind == "department" and self.department_at(author, moment) != (
            self.scope.value
        ):
            return False
        return author in self.population

    def _thread_counts(self, thread: Row) -> bool:
        return self._counts_for(
            thread["author_id"], thread["group_id"], bool(thread["private"]), thread["at"]
        )

    @staticmethod
    def _doing(rows: list[Row]) -> dict[str, set[str]]:
        """Who read, responded and created in these rows, nested like the funnel: whoever
        created also responded (started the conversation), whoever responded or created also
        read (nobody answers a post they never had on screen, whatever client they used)."""
        out: dict[str, set[str]] = {"read": set(), "respond": set(), "create": set()}
        for r in rows:
            out[r["kind"]].add(r["user_id"])
        out["respond"] |= out["create"]
        out["read"] |= out["respond"]
        return out

    # -- facts more than one KPI needs ------------------------------------------------------

    def department_people(self) -> dict[str | None, set[str]]:
        """The population per department they belonged to at some moment of the period."""
        out: dict[str | None, set[str]] = defaultdict(set)
        for uid in self.population:
            for department in self.departments_during(uid):
                out[department].add(uid)
        return out

    def department_rows(self) -> dict[str | None, list[Row]]:
        """The period's activity per department its author was in at the time."""
        out: dict[str | None, list[Row]] = defaultdict(list)
        at = self.department_at
        for r in self.rows:
            out[at(r["user_id"], r["at"])].append(r)
        return out

    def hidden_departments(self, people: dict[str | None, set[str]]) -> set[str | None]:
        names = sorted(people, key=lambda d: d or "")
        cells = [Cell(len(people[d]), (frozenset(people[d]),)) for d in names]
        hidden = suppress(cells, [list(range(len(cells)))], self.config.k)
        return {names[i] for i in hidden}

    def first_responses(self, actions: tuple[str, ...]) -> dict[str, int]:
        """The first reply (or reaction, per `actions`) by someone other than the author to
        each thread, before the period ends."""
        first: dict[str, int] = {}
        for r in self.window_rows:
            if r["action"] not in actions or r["at"] >= self.period.end:
                continue
            thread = self.threads.get(r["post_id"])
            if thread is None or r["user_id"] == thread["author_id"]:
                continue
            if r["post_id"] not in first or r["at"] < first[r["post_id"]]:
                first[r["post_id"]] = r["at"]
        return first

    def first_replies(self) -> dict[str, int]:
        if not hasattr(self, "_replies_first"):
            self._replies_first = self.first_responses(("reply",))
        return self._replies_first
