"""The coach: a short list of things the community manager could do this week, each with its
evidence, a link and the figure it is about (so that the dashboard can show later whether
following it moved that figure). Pure: a function of the read model's rows.

The rules, in the order they are listed:
- ask_manager: a department's questions unanswered for 2 days or more -> ask its manager;
- invite: a department that reads but (almost) never responds -> invite it to respond;
- announcements: a group over the announcement guideline this week;
- praise: a person who answered many questions of others this week -> praise them.
Only departments of k people or more appear (the department breakdown's suppression), and a
person is named only to the community manager, as the ambassadors report already does.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from .domain import Report
from .domain_trends import week_of
from .inputs import HOUR, Config, Dataset, Period, Scope

UNANSWERED_AFTER = 48 * HOUR
LOOKBACK_WEEKS = 4  # questions and departments are judged over the last four weeks
QUIET_READ = 0.5  # "reads": at least half of the department read something
QUIET_RESPOND = 0.1  # "never responds": at most one in ten responded
PRAISE_ANSWERS = 5  # answers to other people's questions in one week
MAX_SUGGESTIONS = 8


@dataclass(frozen=True)
class Suggestion:
    id: str  # stable for the same advice about the same thing in the same week
    kind: str  # ask_manager | invite | announcements | praise
    subject: str  # a department's name, a group's id or a person's id
    week: str  # the week's last day
    evidence: dict[str, Any]
    link: str  # where the community manager acts (a path of the web client)
    metric: str  # the figure it is about
    value: float | None  # that figure this week

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _id(kind: str, subject: str, week: date) -> str:
    return hashlib.sha256(f"{kind}:{subject}:{week}".encode()).hexdigest()[:16]


class Coach:
    """The coach's view of one week (its last day `week`): the week's report and the four
    weeks' report, both of the organisation."""

    def __init__(
        self,
        data: Dataset,
        week: date,
        config: Config,
        visible_groups: set[str] | None = None,
    ) -> None:
        self.week_day = week
        span = Period.of_dates(week - timedelta(days=7 * LOOKBACK_WEEKS - 1), week)
        self.recent = Report(data, span, Scope("org"), config, visible_groups)
        self.week = week_of(self.recent, Period.of_dates(week - timedelta(days=6), week))
        self.config = config
        self._departments = {d["department"]: d for d in self.recent.departments()}

    # -- the figures the advice is about -----------------------------------------------------

    def open_questions(self, department: str) -> list[dict[str, Any]]:
        """The department's questions of the last four weeks with no reply by another person
        and no accepted answer, waiting 48 hours or more at the week's end."""
        r = self.recent
        end = r.period.end
        first = r.first_replies()
        accepted = {a["post_id"] for a in r.data.answers if a["at"] < end}
        out = []
        for row in r.rows:
            if row["action"] != "question" or row["post_id"] in first or row["private"]:
                continue  # (a private group's questions are its members' business)
            if row["post_id"] in accepted or end - row["at"] < UNANSWERED_AFTER:
                continue
            if r.department_at(row["user_id"], row["at"]) == department:
                out.append({"post_id": row["post_id"], "hours": (end - row["at"]) // HOUR})
        return sorted(out, key=lambda q: -q["hours"])

    def respond_share(self, department: str) -> float | None:
        row = self._departments.get(department)
        return None if row is None or row["suppressed"] else row["respond"]

    def announcements(self, group: str) -> int:
        return sum(
            1 for r in self.week.rows if r["action"] == "announcement" and r["group_id"] == group
        )

    def answers_by(self) -> dict[str, int]:
        """Replies this week to questions of other people, per person (one per question)."""
        threads = self.week.threads
        answered: dict[str, set[str]] = {}
        for r in self.week.rows:
            thread = threads.get(r["post_id"])
            if r["action"] != "reply" or thread is None or thread["kind"] != "question":
                continue
            if thread["author_id"] != r["user_id"]:
                answered.setdefault(r["user_id"], set()).add(r["post_id"])
        return {user: len(posts) for user, posts in answered.items()}

    def figure(self, metric: str, subject: str) -> float | None:
        """The value of a suggestion's figure this week (to see whether it moved)."""
        if metric == "open_questions":
            return len(self.open_questions(subject)) if self._shown(subject) else None
        if metric == "respond_share":
            return self.respond_share(subject)
        if metric == "announcements":
            return self.announcements(subject)
        if metric == "answers":
            return self.answers_by().get(subject, 0)
        return None

    def _shown(self, department: str | None) -> bool:
        row = self._departments.get(department)
        return department is not None and row is not None and not row["suppressed"]

    # -- the advice --------------------------------------------------------------------------

    def _manager_of(self, department: str) -> tuple[str | None, str | None]:
        """A manager of the department at the week's end: (id, name), or none."""
        r = self.recent
        moment = r.period.end - 1
        for user in sorted(r.population):
            if r.department_at(user, moment) != department or r.people[user]["erased"]:
                continue
            if r.managers_of.get(user) is not None and r.managers_of[user].at(moment):
                return user, r.people[user]["display_name"]
        return None, None

    def suggestions(self) -> list[Suggestion]:
        week = self.week_day
        out: list[Suggestion] = []
        for department in sorted(d for d in self._departments if self._shown(d)):
            assert department is not None
            questions = self.open_questions(department)
            if questions:
                manager, name = self._manager_of(department)
                out.append(
                    Suggestion(
                        _id("ask_manager", department, week),
                        "ask_manager",
                        department,
                        str(week),
                        {
                            "department": department,
                            "questions": len(questions),
                            "oldest_hours": questions[0]["hours"],
                            "manager_id": manager,
                            "manager": name,
                        },
                        f"/posts/{questions[0]['post_id']}",
                        "open_questions",
                        len(questions),
                    )
                )
        for department in sorted(d for d in self._departments if self._shown(d)):
            assert department is not None
            row = self._departments[department]
            if row["read"] >= QUIET_READ and row["respond"] <= QUIET_RESPOND:
                out.append(
                    Suggestion(
                        _id("invite", department, week),
                        "invite",
                        department,
                        str(week),
                        {"department": department, "read": row["read"], "respond": row["respond"]},
                        "/groups",
                        "respond_share",
                        row["respond"],
                    )
                )
        load = self.week.announcements()
        for group in load["groups"]:
            if group["over_guideline"]:
                out.append(
                    Suggestion(
                        _id("announcements", group["group_id"], week),
                        "announcements",
                        group["group_id"],
                        str(week),
                        {
                            "group_id": group["group_id"],
                            "group": group["name"],
                            "announcements": group["announcements"],
                            "guideline": load["guideline_per_week"],
                        },
                        f"/groups/{group['group_id']}",
                        "announcements",
                        group["announcements"],
                    )
                )
        people = self.week.people
        for user, answers in sorted(self.answers_by().items(), key=lambda a: (-a[1], a[0])):
            if answers < PRAISE_ANSWERS or people[user]["erased"]:
                continue
            out.append(
                Suggestion(
                    _id("praise", user, week),
                    "praise",
                    user,
                    str(week),
                    {"user_id": user, "name": people[user]["display_name"], "answers": answers},
                    f"/people/{user}",
                    "answers",
                    answers,
                )
            )
        return out[:MAX_SUGGESTIONS]


def coach(
    data: Dataset, week: date, config: Config, visible_groups: set[str] | None = None
) -> list[dict[str, Any]]:
    """The week's suggestions (the week ends on `week`)."""
    return [s.as_dict() for s in Coach(data, week, config, visible_groups).suggestions()]
