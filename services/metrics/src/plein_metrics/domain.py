"""The participation KPIs, defined once: pure functions over the read model's rows.

The live service loads the rows from PostgreSQL, `plein kpis` loads them from the Parquet
export with DuckDB; both call `compute_report`, so their numbers agree to the event. Every
definition is also written in docs/metrics.md and in the OpenAPI descriptions.

A report is one class assembled from its sections: who counts (domain_scope.py), the funnel
(domain_funnel.py), contributions (domain_contributions.py), people (domain_people.py),
announcements and activity (domain_activity.py), over the measures of domain_measures.py.
"""

from __future__ import annotations

from typing import Any

from .domain_activity import ActivityKpis
from .domain_contributions import ContributionKpis
from .domain_funnel import FunnelKpis
from .domain_measures import gini, may_see, readable_wait, top_share
from .domain_people import PERSONAS, PeopleKpis
from .inputs import Config, Dataset, Period, Scope, TooFewPeople

__all__ = [
    "PERSONAS",
    "Config",
    "Period",
    "Report",
    "Scope",
    "compute_report",
    "gini",
    "may_see",
    "readable_wait",
    "top_share",
]


class Report(FunnelKpis, ContributionKpis, PeopleKpis, ActivityKpis):
    """Computes the KPIs of one period and scope over a dataset."""


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
