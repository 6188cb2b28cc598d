"""Did an intervention work? Difference in differences against the other departments.

An intervention (a campaign, a town hall, a training) has a date and target departments. The
outcome is whether a person responded (the funnel's nested "respond": replied, reacted or
started a thread) in the four weeks before the date and in the four weeks from it. People of
the population of both windows with a department at the date are the panel: the targeted
departments' people are treated, everybody else's the control. The estimate is

    (treated after - treated before) - (control after - control before)

in shares of people, with a 95% bootstrap interval (people resampled with replacement within
each side, 2,000 times, a fixed seed so that the page reads the same twice). The verdict says
plainly when the data is too thin: a side of fewer than k people, a follow-up window not over
yet, or an interval that holds zero.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np

from .domain import Report
from .inputs import Config, Dataset, Period, Scope

WINDOW_DAYS = 28
RESAMPLES = 2000
SEED = 20260105


def _responders(data: Dataset, period: Period, config: Config) -> tuple[set[str], Report]:
    report = Report(data, period, Scope("org"), config)
    return report._doing(report.rows)["respond"], report


def effect(
    data: Dataset, on: date, departments: set[str], today: date, config: Config
) -> dict[str, Any]:
    """The difference in differences of the respond share, targeted vs other departments."""
    before_period = Period.of_dates(on - timedelta(days=WINDOW_DAYS), on - timedelta(days=1))
    after_period = Period.of_dates(on, on + timedelta(days=WINDOW_DAYS - 1))
    before, report_before = _responders(data, before_period, config)
    after, report_after = _responders(data, after_period, config)
    moment = before_period.end  # the intervention's first instant
    panel = report_before.population & report_after.population
    treated: list[tuple[int, int]] = []
    control: list[tuple[int, int]] = []
    for person in sorted(panel):
        department = report_before.department_at(person, moment)
        if department is None:
            continue
        side = treated if department in departments else control
        side.append((int(person in before), int(person in after)))
    out: dict[str, Any] = {
        "before": before_period.describe(),
        "after": after_period.describe(),
        "treated_people": len(treated),
        "control_people": len(control),
        "estimate": None,
        "interval": None,
        "shares": None,
    }
    if len(treated) < config.k or len(control) < config.k:
        out["verdict"] = "too_thin"
        out["treated_people"] = len(treated) if len(treated) >= config.k else None
        out["control_people"] = len(control) if len(control) >= config.k else None
        return out
    t, c = np.array(treated, dtype=float), np.array(control, dtype=float)
    out["shares"] = {
        "treated_before": float(t[:, 0].mean()),
        "treated_after": float(t[:, 1].mean()),
        "control_before": float(c[:, 0].mean()),
        "control_after": float(c[:, 1].mean()),
    }
    t_change, c_change = t[:, 1] - t[:, 0], c[:, 1] - c[:, 0]
    out["estimate"] = float(t_change.mean() - c_change.mean())
    rng = np.random.default_rng(SEED)
    draws = rng.integers(0, len(t_change), (RESAMPLES, len(t_change)))
    t_means = t_change[draws].mean(axis=1)
    draws = rng.integers(0, len(c_change), (RESAMPLES, len(c_change)))
    c_means = c_change[draws].mean(axis=1)
    low, high = np.percentile(t_means - c_means, [2.5, 97.5])
    out["interval"] = [float(low), float(high)]
    if after_period.end > Period.of_dates(today, today).end:
        out["verdict"] = "incomplete"  # the follow-up weeks are not over yet
    elif low <= 0 <= high:
        out["verdict"] = "inconclusive"
    else:
        out["verdict"] = "improved" if low > 0 else "worsened"
    return out
