"""Trends by week: the funnel and community health of each of the last N weeks.

Each week's numbers are exactly those of a report of that week (a test holds the two equal),
but the rows are read and filtered once for the whole span: a week's report is the span's,
narrowed to the week's population and rows.
"""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any

from .domain import Report
from .inputs import Config, Dataset, Period, Scope, activity_window

MAX_WEEKS = 53


def week_of(report: Report, week: Period) -> Report:
    """The span's report narrowed to one of its weeks (the same numbers as a report of it)."""
    narrowed = copy.copy(report)
    narrowed.period = week
    narrowed.population = narrowed._population()
    lo, hi = activity_window(week)
    people = narrowed.population
    narrowed.window_rows = [r for r in report.window_rows if lo <= r["at"] < hi]
    narrowed.scoped_rows = [
        r for r in report.scoped_rows if lo <= r["at"] < hi and r["user_id"] in people
    ]
    narrowed.rows = [r for r in narrowed.scoped_rows if week.start <= r["at"] < week.end]
    for cached in ("_doing_all", "_replies_first"):
        narrowed.__dict__.pop(cached, None)
    return narrowed


def weeks_ending(last_day: date, weeks: int) -> list[Period]:
    """The `weeks` seven-day periods, oldest first, the last of them ending on `last_day`."""
    first = last_day - timedelta(days=7 * weeks - 1)
    return [
        Period.of_dates(first + timedelta(days=7 * n), first + timedelta(days=7 * n + 6))
        for n in range(weeks)
    ]


def weekly_trends(
    data: Dataset,
    last_day: date,
    weeks: int,
    scope: Scope,
    config: Config,
    visible_groups: set[str] | None = None,
) -> list[dict[str, Any]]:
    """For each week: its population, funnel (people and shares) and health (engaged,
    active in the last 12 months, health)."""
    periods = weeks_ending(last_day, weeks)
    span = Period(periods[0].start, periods[-1].end)
    report = Report(data, span, scope, config, visible_groups)
    out: list[dict[str, Any]] = []
    for week in periods:
        narrowed = week_of(report, week)
        if scope.kind != "org" and len(narrowed.population) < config.k:
            # a department or group of fewer than k people that week: no numbers at all
            out.append({"week": week.describe(), "population": None, "suppressed": True})
            continue
        funnel = narrowed.funnel()
        health = narrowed.health()
        out.append(
            {
                "week": week.describe(),
                "population": len(narrowed.population),
                "suppressed": False,
                **{
                    f"{kind}_{key}": funnel[kind][key]
                    for kind in ("read", "respond", "create")
                    for key in ("people", "share")
                },
                "engaged": health["engaged"],
                "active_last_12_months": health["active_last_12_months"],
                "health": health["health"],
            }
        )
    return out
