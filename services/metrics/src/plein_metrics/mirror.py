"""The manager mirror: a manager's private weekly summary of their own team.

Their team is the people of their department (metrics knows no reporting lines). The mirror
lists the team's posts and questions of the last four weeks still without a response (reply
or reaction) from the manager 48 hours after they were started, and the manager's reply rate
(the share of those threads they responded to) against the median of every manager's rate.
It names no other team and no other manager; the median is given only when k managers or more
have a rate, so that it describes nobody.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from .domain import Report
from .inputs import HOUR, Config, Dataset, Period, Scope, from_us

WAIT = 48 * HOUR
WEEKS = 4


class NotAManager(LookupError):
    """The person was no manager with a department at the week's end."""


def _team_threads(report: Report) -> dict[str, list[dict[str, Any]]]:
    """Per department: the posts and questions its people started in the period, at least
    48 hours before its end (younger ones have had no fair chance yet)."""
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    cutoff = report.period.end - WAIT
    for r in report.rows:
        if r["kind"] == "create" and r["action"] in ("post", "question") and r["at"] <= cutoff:
            department = report.department_at(r["user_id"], r["at"])
            if department is not None:
                out[department].append(r)
    return out


def _responded(report: Report) -> dict[str, dict[str, int]]:
    """Per thread: each person's first response (reply or reaction) to it, before the end."""
    first: dict[str, dict[str, int]] = defaultdict(dict)
    for r in report.window_rows:
        if r["kind"] == "respond" and r["at"] < report.period.end:
            seen = first[r["post_id"]].get(r["user_id"])
            if seen is None or r["at"] < seen:
                first[r["post_id"]][r["user_id"]] = r["at"]
    return first


def _rate(
    manager: str, threads: list[dict[str, Any]], responded: dict[str, dict[str, int]]
) -> tuple[float | None, list[dict[str, Any]]]:
    """The manager's reply rate over their team's threads (not their own), and the threads
    still waiting for them."""
    theirs = [t for t in threads if t["user_id"] != manager]
    unanswered = [t for t in theirs if manager not in responded.get(t["post_id"], {})]
    rate = (len(theirs) - len(unanswered)) / len(theirs) if theirs else None
    return rate, unanswered


def mirror(data: Dataset, week: date, manager: str, config: Config) -> dict[str, Any]:
    """The manager's summary for the four weeks ending on `week`."""
    period = Period.of_dates(week - timedelta(days=7 * WEEKS - 1), week)
    report = Report(data, period, Scope("org"), config)
    moment = period.end - 1

    def managing(user: str) -> str | None:
        timeline = report.managers_of.get(user)
        if timeline is None or not timeline.at(moment):
            return None
        return report.department_at(user, moment)

    team = managing(manager) if manager in report.population else None
    if team is None:
        raise NotAManager(manager)
    threads, responded = _team_threads(report), _responded(report)
    rate, unanswered = _rate(manager, threads[team], responded)
    visible = [
        t
        for t in unanswered
        if not t["private"] or report.memberships.member_at(t["group_id"], manager, moment)
    ]
    rates = []
    for user in report.population:
        department = managing(user)
        if department is not None:
            other, _ = _rate(user, threads[department], responded)
            if other is not None:
                rates.append(other)
    enough = len(rates) >= config.k
    return {
        "period": period.describe(),
        "team": team,
        "team_people": sum(1 for u in report.population if report.department_at(u, moment) == team),
        "threads": sum(1 for t in threads[team] if t["user_id"] != manager),
        "reply_rate": rate,
        "company_median": statistics.median(rates) if enough else None,
        "managers_compared": len(rates) if enough else None,
        "waiting": [
            {
                "post_id": t["post_id"],
                "kind": t["action"],
                "started_at": from_us(t["at"]).isoformat(),
                "hours": (period.end - t["at"]) // HOUR,
            }
            for t in sorted(visible, key=lambda t: t["at"])
        ],
    }
