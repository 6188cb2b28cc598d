"""People: ambassadors and personas."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from .domain_measures import share_of
from .domain_scope import ReportBase
from .inputs import Row

PERSONAS = ("catalyst", "responder", "engager", "observer", "inactive")


class PeopleKpis(ReportBase):
    """The KPIs about people."""

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
        # AnswerAccepted names the reply's shown author (a shared account, when written as
        # one); the point is the person's who wrote it, as their reply row says
        writers: dict[str, str] = {
            r["item_id"]: r["user_id"] for r in self.data.activity if r["action"] == "reply"
        }
        for a in self._accepted_in_period():
            thread = self.threads.get(a["post_id"])
            author = writers.get(a["reply_id"]) or str(a["reply_author_id"])
            if thread is not None and self._counts_for(
                author, thread["group_id"], bool(thread["private"]), a["at"]
            ):
                tally[author]["accepted_answers"] += 1
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
        replied = self.first_replies()
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

        # the funnel's nested stages decide the rest, so that the personas add up to it:
        # catalysts + responders + engagers = respond, observers = read - respond
        doing = self._doing(self.rows)
        for user in doing["respond"]:
            by_person[user].add("engager")
        for user in doing["read"]:
            by_person[user].add("observer")

        def persona(user: str) -> str:
            return next((p for p in PERSONAS if p in by_person.get(user, ())), "inactive")

        def distribution(people: set[str]) -> dict[str, Any]:
            counts = {p: 0 for p in PERSONAS}
            for user in people:
                counts[persona(user)] += 1
            return {p: {"people": n, "share": share_of(n, len(people))} for p, n in counts.items()}

        people = self.department_people()
        hidden = self.hidden_departments(people)
        departments = []
        for department in sorted(people, key=lambda d: d or ""):
            row: dict[str, Any] = {"department": department, "suppressed": department in hidden}
            shares = distribution(people[department]) if department not in hidden else None
            row["shares"] = None if shares is None else {p: shares[p]["share"] for p in PERSONAS}
            departments.append(row)
        return {"distribution": distribution(self.population), "departments": departments}
