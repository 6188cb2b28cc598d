"""The participation KPIs, defined once: pure functions over the read model's rows.

The live service loads the rows from PostgreSQL, `plein kpis` loads them from the Parquet
export with DuckDB; both call `compute_report`, so their numbers agree to the event. Every
definition below is also written in docs/metrics.md and in the OpenAPI descriptions.

Times are integers: microseconds since the epoch, UTC. A period is [start, end).
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable
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
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MONDAY = 4 * DAY  # 1970-01-05, a Monday: weeks are counted from it


class TooFewPeople(DomainError):
    status = 422
    title = "Too few people"


def to_us(value: datetime) -> int:
    """Microseconds since the epoch of an aware datetime (exact, no float rounding)."""
    delta = value - EPOCH
    return (delta.days * 86400 + delta.seconds) * US + delta.microseconds


def from_us(value: int) -> datetime:
    return EPOCH + timedelta(microseconds=value)


@dataclass(frozen=True)
class Period:
    """[start, end) in microseconds; built from calendar dates, both days included."""

    start: int
    end: int

    @classmethod
    def of_dates(cls, first: date, last: date) -> Period:
        if last < first:
            raise InvalidInput(f"The period ends ({last}) before it starts ({first}).")
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


Row = dict[str, Any]


@dataclass
class Dataset:
    """The read model's rows a report needs; `at`-like columns are microseconds."""

    people: list[Row]
    person_status: list[Row]
    groups: list[Row]
    memberships: list[Row]
    threads: list[Row]
    activity: list[Row]
    answers: list[Row]
    escalations: list[Row]


def activity_window(period: Period) -> tuple[int, int]:
    """The activity a report reads: the period, widened to the 30 days MAU looks back on."""
    return min(period.start, period.end - MAU_DAYS * DAY), period.end


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


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


def _active_during(events: list[Row], start: int, end: int) -> bool:
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


class Report:
    """Computes the KPIs of one period and scope over a dataset."""

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
        self.members: dict[str, set[str]] = defaultdict(set)
        for m in data.memberships:
            if m["member"] or m["admin"]:
                self.members[m["group_id"]].add(m["user_id"])
        self.threads = {t["post_id"]: t for t in data.threads}
        self.population = self._population()
        lo, hi = activity_window(period)
        self.window_rows = [r for r in data.activity if lo <= r["at"] < hi and self._visible(r)]
        self.rows = [
            r
            for r in self.window_rows
            if r["user_id"] in self.population and period.start <= r["at"] < period.end
        ]

    # -- who and what counts ----------------------------------------------------------------

    def _population(self) -> set[str]:
        status: dict[str, list[Row]] = defaultdict(list)
        for s in sorted(self.data.person_status, key=lambda s: (s["at"], s["event_id"])):
            status[s["user_id"]].append(s)
        start, end = self.period.start, self.period.end
        people = {
            uid
            for uid, p in self.people.items()
            if p["registered_at"] is not None
            and p["registered_at"] < end
            and _active_during(status[uid], start, end)
        }
        if self.scope.kind == "department":
            return {u for u in people if self.people[u]["department"] == self.scope.value}
        if self.scope.kind == "group":
            return people & self.members.get(str(self.scope.value), set())
        return people

    def _group_of(self, row: Row) -> tuple[str | None, bool]:
        group, private = row["group_id"], bool(row["private"])
        if group is None and row["kind"] == "read":
            thread = self.threads.get(row["post_id"])
            if thread is not None:
                group, private = thread["group_id"], bool(thread["private"])
        if group is not None and group in self.groups:
            private = private or bool(self.groups[group]["private"])
        return group, private

    def _visible(self, row: Row) -> bool:
        """Private groups count only for their members and admins; a group scope only its own."""
        group, private = self._group_of(row)
        if private and row["user_id"] not in self.members.get(str(group), set()):
            return False
        return self.scope.kind != "group" or group == self.scope.value

    def _thread_counts(self, thread: Row) -> bool:
        group, private = thread["group_id"], bool(thread["private"])
        if group is not None and group in self.groups:
            private = private or bool(self.groups[group]["private"])
        if private and thread["author_id"] not in self.members.get(str(group), set()):
            return False
        if self.scope.kind == "group" and group != self.scope.value:
            return False
        return thread["author_id"] in self.population

    def _people_doing(self, kind: str) -> set[str]:
        if not hasattr(self, "_doing"):
            self._doing: dict[str, set[str]] = defaultdict(set)
            for r in self.rows:
                self._doing[r["kind"]].add(r["user_id"])
        return self._doing[kind]

    # -- the KPIs ---------------------------------------------------------------------------

    def funnel(self, population: set[str] | None = None) -> dict[str, Any]:
        """Share of the population who read, responded (reply or reaction), created a thread."""
        people = self.population if population is None else population
        targets = self.config.targets
        out: dict[str, Any] = {}
        for kind, target in (
            ("read", targets.read),
            ("respond", targets.respond),
            ("create", targets.create),
        ):
            doing = len(self._people_doing(kind) & people)
            share = _share(doing, len(people))
            out[kind] = {
                "people": doing,
                "share": share,
                "target": target,
                "gap": None if share is None else share - target,
            }
        return out

    def departments(self) -> list[dict[str, Any]]:
        """The funnel per department of the population; fewer than k people: suppressed."""
        by_department: dict[str, set[str]] = defaultdict(set)
        for uid in self.population:
            by_department[self.people[uid]["department"] or ""].add(uid)
        out = []
        for department, people in sorted(by_department.items()):
            row: dict[str, Any] = {"department": department or None}
            if len(people) < self.config.k:
                row.update(population=None, suppressed=True, read=None, respond=None, create=None)
            else:
                f = self.funnel(people)
                row.update(
                    population=len(people),
                    suppressed=False,
                    **{kind: f[kind]["share"] for kind in ("read", "respond", "create")},
                )
            out.append(row)
        return out

    def contributions(self) -> dict[str, int]:
        counts = dict.fromkeys(self.population, 0)
        for r in self.rows:
            if r["kind"] in ("create", "respond"):
                counts[r["user_id"]] += 1
        return counts

    def inequality(self) -> dict[str, Any]:
        """Top 1% / top 10% share of contributions (threads + responses), Gini; everyone
        in the population counts, with zero when they contributed nothing."""
        values = list(self.contributions().values())
        return {
            "contributions": sum(values),
            "contributors": sum(1 for v in values if v),
            "top1_share": top_share(values, 0.01),
            "top10_share": top_share(values, 0.10),
            "gini": gini(values),
        }

    def _first_replies(self) -> dict[str, int]:
        """The first reply (by someone other than the author) to each thread, before `end`."""
        first: dict[str, int] = {}
        for r in self.window_rows:
            if r["action"] != "reply" or r["at"] >= self.period.end:
                continue
            thread = self.threads.get(r["post_id"])
            if thread is None or r["user_id"] == thread["author_id"]:
                continue
            if r["post_id"] not in first or r["at"] < first[r["post_id"]]:
                first[r["post_id"]] = r["at"]
        return first

    def responsiveness(self) -> dict[str, Any]:
        """Over posts and questions started in the period by the population."""
        started = [
            r for r in self.rows if r["kind"] == "create" and r["action"] in ("post", "question")
        ]
        first = self._first_replies()
        answers = {a["post_id"] for a in self.data.answers if a["at"] < self.period.end}
        waits = [first[r["post_id"]] - r["at"] for r in started if r["post_id"] in first]
        questions = [r for r in started if r["action"] == "question"]
        answered = [q for q in questions if q["post_id"] in answers]
        open_ = [q for q in questions if q["post_id"] not in first and q["post_id"] not in answers]
        escalations = [
            e
            for e in self.data.escalations
            if e["raised_at"] is not None
            and self.period.start <= e["raised_at"] < self.period.end
            and e["post_id"] in self.threads
            and self._thread_counts(self.threads[e["post_id"]])
        ]
        return {
            "threads": len(started),
            "replied_within_24h": sum(1 for w in waits if w <= DAY),
            "replied_within_24h_share": _share(sum(1 for w in waits if w <= DAY), len(started)),
            "median_hours_to_first_reply": statistics.median(waits) / HOUR if waits else None,
            "questions": len(questions),
            "questions_answered": len(answered),
            "answered_share": _share(len(answered), len(questions)),
            "open_unanswered": len(open_),
            "escalations_raised": len(escalations),
            "escalations_resolved": sum(
                1
                for e in escalations
                if e["resolved_at"] is not None and e["resolved_at"] < self.period.end
            ),
        }

    def leadership(self) -> dict[str, Any]:
        """Managers of the population who started a thread or replied; and how often managers
        replied to the replies their own threads got in the period."""
        managers = {u for u in self.population if self.people[u]["is_manager"]}
        visible = {
            r["user_id"]
            for r in self.rows
            if r["user_id"] in managers and (r["kind"] == "create" or r["action"] == "reply")
        }
        replies = [
            r
            for r in self.window_rows
            if r["action"] == "reply"
            and self.period.start <= r["at"] < self.period.end
            and r["post_id"] in self.threads
            and self.threads[r["post_id"]]["author_id"] in managers
            and r["user_id"] != self.threads[r["post_id"]]["author_id"]
        ]
        answered_by: set[tuple[str, str]] = {
            (r["parent_id"], r["user_id"])
            for r in self.window_rows
            if r["action"] == "reply" and r["at"] < self.period.end
        }
        answered = [
            r
            for r in replies
            if (r["item_id"], self.threads[r["post_id"]]["author_id"]) in answered_by
        ]
        return {
            "managers": len(managers),
            "visible_managers": len(visible),
            "visible_share": _share(len(visible), len(managers)),
            "replies_to_managers": len(replies),
            "answered_by_manager": len(answered),
            "reply_rate": _share(len(answered), len(replies)),
        }

    def cross_department(self) -> dict[str, Any]:
        """Replies and reactions of the population between two people with known departments:
        the share across departments, and the department x department matrix (a cell with
        fewer than k distinct responders or fewer than k distinct recipients is suppressed)."""
        cells: dict[tuple[str, str], list[Row]] = defaultdict(list)
        for r in self.rows:
            if r["kind"] != "respond" or r["target_user_id"] not in self.people:
                continue
            source = self.people[r["user_id"]]["department"]
            target = self.people[r["target_user_id"]]["department"]
            if source and target:
                cells[(source, target)].append(r)
        total = sum(len(rows) for rows in cells.values())
        cross = sum(len(rows) for (s, t), rows in cells.items() if s != t)
        matrix = []
        for (source, target), rows in sorted(cells.items()):
            responders = {r["user_id"] for r in rows}
            recipients = {r["target_user_id"] for r in rows}
            hidden = min(len(responders), len(recipients)) < self.config.k
            matrix.append(
                {
                    "from": source,
                    "to": target,
                    "interactions": None if hidden else len(rows),
                    "suppressed": hidden,
                }
            )
        return {
            "interactions": total,
            "cross": cross,
            "share": _share(cross, total),
            "matrix": matrix,
        }

    def ambassadors(self) -> list[dict[str, Any]]:
        """The top N of the population by weighted score (erased people are never listed)."""
        w = self.config.weights
        tally: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for r in self.rows:
            if r["kind"] == "create":
                tally[r["user_id"]]["threads"] += 1
            elif r["action"] == "reply":
                tally[r["user_id"]]["replies"] += 1
            elif r["action"] == "reaction":
                tally[r["user_id"]]["reactions"] += 1
        for a in self.data.answers:
            thread = self.threads.get(a["post_id"])
            if (
                self.period.start <= a["at"] < self.period.end
                and a["reply_author_id"] in self.population
                and thread is not None
                and self._answer_counts(thread, a["reply_author_id"])
            ):
                tally[a["reply_author_id"]]["accepted_answers"] += 1
        ranked = []
        for uid, t in tally.items():
            if self.people[uid]["erased"]:
                continue
            score = (
                w.create * t["threads"]
                + w.reply * t["replies"]
                + w.reaction * t["reactions"]
                + w.accepted_answer * t["accepted_answers"]
            )
            ranked.append(
                {
                    "user_id": uid,
                    "department": self.people[uid]["department"],
                    "score": score,
                    "threads": t["threads"],
                    "replies": t["replies"],
                    "reactions": t["reactions"],
                    "accepted_answers": t["accepted_answers"],
                }
            )
        ranked.sort(key=lambda a: (-a["score"], a["user_id"]))
        return ranked[: self.config.ambassadors]

    def _answer_counts(self, thread: Row, author: str) -> bool:
        group, private = thread["group_id"], bool(thread["private"])
        if group is not None and group in self.groups:
            private = private or bool(self.groups[group]["private"])
        if private and author not in self.members.get(str(group), set()):
            return False
        return self.scope.kind != "group" or group == self.scope.value

    def announcements(self) -> dict[str, Any]:
        """Announcements per group per week of the period, against the guideline."""
        counts: dict[str, int] = defaultdict(int)
        for r in self.rows:
            if r["action"] == "announcement" and r["group_id"] is not None:
                counts[r["group_id"]] += 1
        weeks = self.period.weeks
        groups = []
        for group_id, count in sorted(counts.items()):
            if self.visible_groups is not None and group_id not in self.visible_groups:
                continue
            per_week = count / weeks
            groups.append(
                {
                    "group_id": group_id,
                    "name": self.groups.get(group_id, {}).get("name"),
                    "announcements": count,
                    "per_week": per_week,
                    "over_guideline": per_week > self.config.announcements_per_week,
                }
            )
        return {
            "guideline_per_week": self.config.announcements_per_week,
            "weeks": weeks,
            "groups": groups,
        }

    def _active_between(self, start: int, end: int) -> set[str]:
        return {
            r["user_id"]
            for r in self.window_rows
            if start <= r["at"] < end and r["user_id"] in self.population
        }

    def activity(self) -> dict[str, Any]:
        """DAU: mean over the period's days of people active that day; WAU and MAU: people
        active in the last 7 and 30 days of the period; weekly retention cohorts."""
        start, end = self.period.start, self.period.end
        by_day: dict[int, set[str]] = defaultdict(set)
        for r in self.window_rows:
            if start <= r["at"] < end and r["user_id"] in self.population:
                by_day[(r["at"] - start) // DAY].add(r["user_id"])
        daily = [len(by_day[day]) for day in range(self.period.days)]
        dau = sum(daily) / len(daily) if daily else None
        wau = len(self._active_between(end - WAU_DAYS * DAY, end))
        mau = len(self._active_between(end - MAU_DAYS * DAY, end))
        return {
            "dau": dau,
            "wau": wau,
            "mau": mau,
            "stickiness": None if dau is None or not mau else dau / mau,
            "cohorts": self.cohorts(),
        }

    def cohorts(self) -> list[dict[str, Any]]:
        """People of the population registered in the period, by the week (Monday, UTC) of
        their registration; for each week since, the share of them active in that week."""
        start, end = self.period.start, self.period.end
        cohorts: dict[int, set[str]] = defaultdict(set)
        for uid in self.population:
            registered = self.people[uid]["registered_at"]
            if start <= registered < end:
                day = from_us(registered).date()
                monday = day - timedelta(days=day.weekday())
                cohorts[to_us(datetime(monday.year, monday.month, monday.day, tzinfo=UTC))].add(uid)
        active_weeks: dict[str, set[int]] = defaultdict(set)  # weeks since the epoch Monday
        for r in self.window_rows:
            if start <= r["at"] < end:
                active_weeks[r["user_id"]].add((r["at"] - MONDAY) // WEEK)
        out = []
        for week, people in sorted(cohorts.items()):
            row: dict[str, Any] = {"week": from_us(week).date().isoformat()}
            if len(people) < self.config.k:
                row.update(size=None, suppressed=True, retention=None)
            else:
                retention = []
                for w in range(week, end, WEEK):
                    index = (w - MONDAY) // WEEK
                    active = sum(1 for u in people if index in active_weeks[u])
                    retention.append(active / len(people))
                row.update(size=len(people), suppressed=False, retention=retention)
            out.append(row)
        return out


def compute_report(
    data: Dataset,
    period: Period,
    scope: Scope,
    config: Config,
    visible_groups: set[str] | None = None,
) -> dict[str, Any]:
    """Every KPI of one period and scope. A department or group of fewer than k people is
    refused (TooFewPeople): its numbers would describe individuals."""
    report = Report(data, period, scope, config, visible_groups)
    if scope.kind != "org" and len(report.population) < config.k:
        raise TooFewPeople(
            f"{scope} has fewer than {config.k} people in this period; its KPIs are not shown."
        )
    return {
        "period": period.describe(),
        "scope": str(scope),
        "k": config.k,
        "population": len(report.population),
        "funnel": report.funnel(),
        "departments": report.departments(),
        "inequality": report.inequality(),
        "responsiveness": report.responsiveness(),
        "leadership": report.leadership(),
        "cross_department": report.cross_department(),
        "ambassadors": report.ambassadors(),
        "announcements": report.announcements(),
        "activity": report.activity(),
    }


HEADLINES: tuple[tuple[str, ...], ...] = (
    ("population",),
    ("funnel", "read", "share"),
    ("funnel", "respond", "share"),
    ("funnel", "create", "share"),
    ("inequality", "top1_share"),
    ("inequality", "top10_share"),
    ("inequality", "gini"),
    ("responsiveness", "answered_share"),
    ("responsiveness", "replied_within_24h_share"),
    ("responsiveness", "median_hours_to_first_reply"),
    ("responsiveness", "open_unanswered"),
    ("leadership", "visible_share"),
    ("leadership", "reply_rate"),
    ("cross_department", "share"),
    ("activity", "dau"),
    ("activity", "wau"),
    ("activity", "mau"),
)


def headline(report: dict[str, Any], path: Iterable[str]) -> Any:
    value: Any = report
    for part in path:
        value = value[part]
    return value


def compare(baseline: dict[str, Any], followup: dict[str, Any]) -> dict[str, Any]:
    """Both reports side by side, with the follow-up minus the baseline for each headline."""
    deltas = []
    for path in HEADLINES:
        before, after = headline(baseline, path), headline(followup, path)
        deltas.append(
            {
                "kpi": ".".join(path),
                "baseline": before,
                "followup": after,
                "delta": None if before is None or after is None else after - before,
            }
        )
    return {"baseline": baseline, "followup": followup, "deltas": deltas}
