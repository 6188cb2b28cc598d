"""The participation KPIs, defined once: pure functions over the read model's rows.

The live service loads the rows from PostgreSQL, `plein kpis` loads them from the Parquet
export with DuckDB; both call `compute_report`, so their numbers agree to the event. Every
definition below is also written in docs/metrics.md and in the OpenAPI descriptions.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from plein_events.visibility import may_read_group

from .history import Memberships, timelines
from .inputs import (
    DAY,
    ENGAGED_WINDOW_DAYS,
    HEALTH_DAYS,
    HOUR,
    MAU_DAYS,
    MONDAY,
    US,
    WAU_DAYS,
    WEEK,
    Config,
    Dataset,
    Period,
    Row,
    Scope,
    TooFewPeople,
    activity_window,
    from_us,
    to_us,
)
from .privacy import Cell, suppress

__all__ = ["Report", "compute_report", "gini", "may_see", "readable_wait", "top_share"]


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _hours(wait: float | None) -> float | None:
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


def may_see(private: bool, member_then: bool) -> bool:
    """Whether a person may see a post: anyone a public one, only the group's members and
    admins (at the time) a private group's, by the one visibility rule of plein_events."""
    return may_read_group(private=private, member=member_then)


PERSONAS = ("catalyst", "responder", "engager", "observer", "inactive")


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
            and _active_during(self.status[uid], start, end)
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
        """Who did what (read, respond, create) in these rows."""
        out: dict[str, set[str]] = {"read": set(), "respond": set(), "create": set()}
        for r in rows:
            out[r["kind"]].add(r["user_id"])
        return out

    # -- the funnel and its breakdowns ------------------------------------------------------

    def funnel(
        self, population: set[str] | None = None, rows: list[Row] | None = None
    ) -> dict[str, Any]:
        """Share of the population who read, responded (reply or reaction), created a thread."""
        people = self.population if population is None else population
        if rows is None:
            if not hasattr(self, "_doing_all"):
                self._doing_all = self._doing(self.rows)
            doing_by_kind = self._doing_all
        else:
            doing_by_kind = self._doing(rows)
        targets = self.config.targets
        out: dict[str, Any] = {}
        for kind, target in (
            ("read", targets.read),
            ("respond", targets.respond),
            ("create", targets.create),
        ):
            doing = len(doing_by_kind[kind] & people)
            share = _share(doing, len(people))
            out[kind] = {
                "people": doing,
                "share": share,
                "target": target,
                "gap": None if share is None else share - target,
            }
        return out

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

    def _hidden_departments(self, people: dict[str | None, set[str]]) -> set[str | None]:
        names = sorted(people, key=lambda d: d or "")
        cells = [Cell(len(people[d]), (frozenset(people[d]),)) for d in names]
        hidden = suppress(cells, [list(range(len(cells)))], self.config.k)
        return {names[i] for i in hidden}

    def departments(self) -> list[dict[str, Any]]:
        """The funnel per department; a department of fewer than k people is suppressed, and
        so is the next smallest when one alone would be (complementary suppression)."""
        people, rows = self.department_people(), self.department_rows()
        hidden = self._hidden_departments(people)
        out = []
        for department in sorted(people, key=lambda d: d or ""):
            row: dict[str, Any] = {"department": department}
            if department in hidden:
                row.update(population=None, suppressed=True, read=None, respond=None, create=None)
            else:
                f = self.funnel(people[department], rows.get(department, []))
                row.update(
                    population=len(people[department]),
                    suppressed=False,
                    **{kind: f[kind]["share"] for kind in ("read", "respond", "create")},
                )
            out.append(row)
        return out

    def group_breakdown(self) -> list[dict[str, Any]]:
        """The funnel of each group the viewer may see: its members and admins of the period,
        over the group's own activity while they were in it (fewer than k: suppressed)."""
        start, end = self.period.start, self.period.end
        rows: dict[str, list[Row]] = defaultdict(list)
        member_at = self.memberships.member_at
        for r in self.rows:
            group = r["group_id"]
            if group is None and r["kind"] == "read":
                group = self.threads[r["post_id"]]["group_id"]
            if group is not None and member_at(group, r["user_id"], r["at"]):
                rows[group].append(r)
        out = []
        for group in sorted(self.groups):
            if self.visible_groups is not None and group not in self.visible_groups:
                continue
            members = self.memberships.members_during(group, start, end) & self.population
            if not members:
                continue
            row: dict[str, Any] = {"group_id": group, "name": self.groups[group]["name"]}
            if len(members) < self.config.k:
                row.update(population=None, suppressed=True, read=None, respond=None, create=None)
            else:
                f = self.funnel(members, rows.get(group, []))
                row.update(
                    population=len(members),
                    suppressed=False,
                    **{kind: f[kind]["share"] for kind in ("read", "respond", "create")},
                )
            out.append(row)
        return out

    # -- contributions ----------------------------------------------------------------------

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

    def _first_responses(self, actions: tuple[str, ...]) -> dict[str, int]:
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

    def _first_replies(self) -> dict[str, int]:
        if not hasattr(self, "_replies_first"):
            self._replies_first = self._first_responses(("reply",))
        return self._replies_first

    def _accepted_before_end(self) -> set[str]:
        return {a["post_id"] for a in self.data.answers if a["at"] < self.period.end}

    def responsiveness(self) -> dict[str, Any]:
        """Over posts and questions started in the period by the population."""
        started = [
            r for r in self.rows if r["kind"] == "create" and r["action"] in ("post", "question")
        ]
        first = self._first_replies()
        responded = self._first_responses(("reply", "reaction"))
        answers = self._accepted_before_end()
        waits = [first[r["post_id"]] - r["at"] for r in started if r["post_id"] in first]
        response_waits = [
            responded[r["post_id"]] - r["at"] for r in started if r["post_id"] in responded
        ]
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
        median = statistics.median(waits) if waits else None
        median_response = statistics.median(response_waits) if response_waits else None
        return {
            "threads": len(started),
            "replied_within_24h": sum(1 for w in waits if w <= DAY),
            "replied_within_24h_share": _share(sum(1 for w in waits if w <= DAY), len(started)),
            "median_hours_to_first_reply": _hours(median),
            "median_time_to_first_reply": readable_wait(median),
            "responded": len(response_waits),
            "response_rate": _share(len(response_waits), len(started)),
            "median_hours_to_first_response": _hours(median_response),
            "median_time_to_first_response": readable_wait(median_response),
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
        start, end = self.period.start, self.period.end
        managers = {
            u
            for u in self.population
            if u in self.managers_of and True in self.managers_of[u].during(start, end)
        }
        visible = {
            r["user_id"]
            for r in self.rows
            if r["user_id"] in managers and (r["kind"] == "create" or r["action"] == "reply")
        }
        replies = [
            r
            for r in self.window_rows
            if r["action"] == "reply"
            and start <= r["at"] < end
            and r["post_id"] in self.threads
            and self.threads[r["post_id"]]["author_id"] in managers
            and r["user_id"] != self.threads[r["post_id"]]["author_id"]
        ]
        answered_by: set[tuple[str, str]] = {
            (r["parent_id"], r["user_id"])
            for r in self.window_rows
            if r["action"] == "reply" and r["at"] < end
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
        """Replies and reactions of the population between two people with known departments
        (each as at the time of the response): the share across departments, and the
        department x department matrix with primary and complementary suppression. A
        department scope shows its row of the organisation's matrix, suppressed as there (its
        own suppression would show a cell the organisation's hides)."""
        rows = self.rows
        if self.scope.kind == "department":  # the organisation's matrix, then its row
            start, end = self.period.start, self.period.end
            rows = [
                r
                for r in self.window_rows
                if start <= r["at"] < end and r["user_id"] in self.org_population
            ]
        cells: dict[tuple[str, str], list[Row]] = defaultdict(list)
        for r in rows:
            if r["kind"] != "respond" or r["target_user_id"] not in self.people:
                continue
            source = self.department_at(r["user_id"], r["at"])
            target = self.department_at(r["target_user_id"], r["at"])
            if source and target:
                cells[(source, target)].append(r)
        keys = sorted(cells)
        hidden = suppress(
            [
                Cell(
                    len(cells[key]),
                    (
                        frozenset(r["user_id"] for r in cells[key]),
                        frozenset(r["target_user_id"] for r in cells[key]),
                    ),
                )
                for key in keys
            ],
            matrix_sums(keys),
            self.config.k,
        )
        shown = [
            (i, key)
            for i, key in enumerate(keys)
            if self.scope.kind != "department" or key[0] == self.scope.value
        ]
        total = sum(len(cells[key]) for _, key in shown)
        cross = sum(len(cells[key]) for _, key in shown if key[0] != key[1])
        matrix = [
            {
                "from": source,
                "to": target,
                "interactions": None if i in hidden else len(cells[(source, target)]),
                "suppressed": i in hidden,
            }
            for i, (source, target) in shown
        ]
        return {
            "interactions": total,
            "cross": cross,
            "share": _share(cross, total),
            "matrix": matrix,
        }

    # -- people -----------------------------------------------------------------------------

    def _accepted_in_period(self) -> list[Row]:
        """Each reply's first acceptance as a best answer, when it fell in the period (an
        answer switched away from later keeps the point it earned then)."""
        first: dict[str, Row] = {}
        for a in sorted(self.data.answers, key=lambda a: (a["at"], a["event_id"])):
            first.setdefault(a["reply_id"], a)
        return [a for a in first.values() if self.period.start <= a["at"] < self.period.end]

    def ambassadors(self, top: int | None = None) -> list[dict[str, Any]]:
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
        for a in self._accepted_in_period():
            thread = self.threads.get(a["post_id"])
            if thread is not None and self._counts_for(
                a["reply_author_id"], thread["group_id"], bool(thread["private"]), a["at"]
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
                    "name": self.people[uid]["display_name"],
                    "department": self.department_at(uid, self.period.end - 1),
                    "score": score,
                    "threads": t["threads"],
                    "replies": t["replies"],
                    "reactions": t["reactions"],
                    "accepted_answers": t["accepted_answers"],
                }
            )
        ranked.sort(key=lambda a: (-a["score"], a["user_id"]))
        return ranked[: self.config.ambassadors if top is None else top]

    def personas(self) -> dict[str, Any]:
        """Each person's persona of the period, and their distribution (overall and per
        department, with the departments' suppression)."""
        replied = self._first_replies()
        by_person: dict[str, set[str]] = defaultdict(set)
        for r in self.rows:
            user = r["user_id"]
            thread = self.threads.get(r["post_id"])
            if r["kind"] == "create":
                by_person[user].add("catalyst" if r["post_id"] in replied else "engager")
            elif r["action"] == "reply" and r["target_user_id"] != user:
                by_person[user].add("responder")
            elif r["action"] == "reaction":
                by_person[user].add("engager")
            elif r["kind"] == "read" and thread is not None:
                by_person[user].add("observer")

        def persona(user: str) -> str:
            return next((p for p in PERSONAS if p in by_person.get(user, ())), "inactive")

        def distribution(people: set[str]) -> dict[str, Any]:
            counts = {p: 0 for p in PERSONAS}
            for user in people:
                counts[persona(user)] += 1
            return {p: {"people": n, "share": _share(n, len(people))} for p, n in counts.items()}

        people = self.department_people()
        hidden = self._hidden_departments(people)
        departments = []
        for department in sorted(people, key=lambda d: d or ""):
            row: dict[str, Any] = {"department": department, "suppressed": department in hidden}
            shares = distribution(people[department]) if department not in hidden else None
            row["shares"] = None if shares is None else {p: shares[p]["share"] for p in PERSONAS}
            departments.append(row)
        return {"distribution": distribution(self.population), "departments": departments}

    # -- announcements ----------------------------------------------------------------------

    def announcements(self) -> dict[str, Any]:
        """Announcements per group in the period, against the guideline per week."""
        counts: dict[str, int] = defaultdict(int)
        for r in self.rows:
            if r["action"] == "announcement" and r["group_id"] is not None:
                counts[r["group_id"]] += 1
        weeks = self.period.weeks
        allowed = self.config.announcements_per_week * max(weeks, 1.0)
        groups = []
        for group_id, count in sorted(counts.items()):
            if self.visible_groups is not None and group_id not in self.visible_groups:
                continue
            groups.append(
                {
                    "group_id": group_id,
                    "name": self.groups.get(group_id, {}).get("name"),
                    "announcements": count,
                    # a weekly rate of a shorter period would extrapolate: none is given
                    "per_week": round(count / weeks, 2) if weeks >= 1 else None,
                    "over_guideline": count > allowed,
                }
            )
        return {
            "guideline_per_week": self.config.announcements_per_week,
            "weeks": round(weeks, 2),
            "groups": groups,
        }

    # -- activity ---------------------------------------------------------------------------

    def activity(self) -> dict[str, Any]:
        """DAU: mean over the period's days of people active that day; WAU and MAU: people
        active in the last 7 and 30 days of the period; engaged people and community health;
        weekly retention cohorts."""
        start, end = self.period.start, self.period.end
        by_day: dict[int, set[str]] = defaultdict(set)
        for r in self.rows:
            by_day[(r["at"] - start) // DAY].add(r["user_id"])
        daily = [len(by_day[day]) for day in range(self.period.days)]
        dau = sum(daily) / len(daily) if daily else None
        last: dict[str, int] = {}  # each person's last activity before the period ends
        days: dict[str, set[int]] = defaultdict(set)  # and their days of the last 28
        engaged_since = end - ENGAGED_WINDOW_DAYS * DAY
        for r in self.scoped_rows:
            at, user = r["at"], r["user_id"]
            if at > last.get(user, -1 << 62):
                last[user] = at
            if at >= engaged_since:
                days[user].add((at - end) // DAY)

        def active_since(start: int) -> int:
            return sum(1 for at in last.values() if at >= start)

        wau, mau = active_since(end - WAU_DAYS * DAY), active_since(end - MAU_DAYS * DAY)
        engaged = sum(1 for d in days.values() if len(d) >= self.config.engaged_days)
        year = active_since(end - HEALTH_DAYS * DAY)
        return {
            "dau": dau,
            "wau": wau,
            "mau": mau,
            "stickiness": None if dau is None or not mau else dau / mau,
            "engaged": engaged,
            "engaged_share": _share(engaged, len(self.population)),
            "active_last_12_months": year,
            "health": _share(mau, year),
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
        for r in self.rows:
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


def compute_report(
    data: Dataset,
    period: Period,
    scope: Scope,
    config: Config,
    visible_groups: set[str] | None = None,
    ambassadors: int | None = None,
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
        "groups": report.group_breakdown(),
        "inequality": report.inequality(),
        "responsiveness": report.responsiveness(),
        "leadership": report.leadership(),
        "cross_department": report.cross_department(),
        "ambassadors": report.ambassadors(ambassadors),
        "personas": report.personas(),
        "announcements": report.announcements(),
        "activity": report.activity(),
    }
