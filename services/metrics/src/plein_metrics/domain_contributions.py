"""Contributions: inequality, responsiveness, leadership, working across departments."""

from __future__ import annotations

import statistics
from collections import defaultdict
from typing import Any

from .domain_measures import gini, hours, matrix_sums, readable_wait, share_of, top_share
from .domain_scope import ReportBase
from .inputs import DAY, Row
from .privacy import Cell, suppress


class ContributionKpis(ReportBase):
    """The contribution KPIs."""

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

    def _accepted_before_end(self) -> set[str]:
        return {a["post_id"] for a in self.data.answers if a["at"] < self.period.end}

    def responsiveness(self) -> dict[str, Any]:
        """Over posts and questions started in the period by the population."""
        started = [
            r for r in self.rows if r["kind"] == "create" and r["action"] in ("post", "question")
        ]
        first = self.first_replies()
        responded = self.first_responses(("reply", "reaction"))
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
            "replied_within_24h_share": share_of(sum(1 for w in waits if w <= DAY), len(started)),
            "median_hours_to_first_reply": hours(median),
            "median_time_to_first_reply": readable_wait(median),
            "responded": len(response_waits),
            "response_rate": share_of(len(response_waits), len(started)),
            "median_hours_to_first_response": hours(median_response),
            "median_time_to_first_response": readable_wait(median_response),
            "questions": len(questions),
            "questions_answered": len(answered),
            "answered_share": share_of(len(answered), len(questions)),
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
            "visible_share": share_of(len(visible), len(managers)),
            "replies_to_managers": len(replies),
            "answered_by_manager": len(answered),
            "reply_rate": share_of(len(answered), len(replies)),
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
            "share": share_of(cross, total),
            "matrix": matrix,
        }
