"""Metrics HTTP routes: parse the period and scope, authorise, shape the report."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from plein_platform.auth import Principal
from plein_platform.caller import current_principal
from plein_platform.service import service_of
from pydantic import BaseModel, Field

from .app import Metrics
from .definitions import described
from .inputs import Period, Scope

Viewer = Annotated[Principal, Depends(current_principal)]
From = Annotated[date, Query(alias="from", description="first day (UTC), included")]
To = Annotated[date, Query(alias="to", description="last day (UTC), included")]
ScopeParam = Annotated[
    str, Query(description="org, department:<name> or group:<group id>", max_length=200)
]
Top = Annotated[
    int | None,
    Query(ge=1, le=1000, description="how many ambassadors to list (default from settings)"),
]
VIEWS = {
    "inequality": ("inequality",),
    "responsiveness": ("responsiveness",),
    "leadership": ("leadership",),
    "cross-department": ("cross_department",),
    "ambassadors": ("ambassadors",),
    "personas": ("personas",),
    "groups": ("groups",),
    "announcements": ("announcements",),
    "activity": ("activity",),
}


Day = Annotated[date, Query(description="the last day (UTC) of the week asked about, included")]


class Decision(BaseModel):
    """A community manager's decision about one of the coach's suggestions."""

    week: date = Field(description="the last day of the week the suggestion was made for")
    suggestion_id: str = Field(min_length=1, max_length=64)
    status: Literal["done", "dismissed"]


class Intervention(BaseModel):
    """A campaign, a town hall or a training, from a date, for some departments."""

    title: str = Field(min_length=1, max_length=200)
    kind: Literal["campaign", "town_hall", "training", "other"] = "campaign"
    on: date = Field(description="the day it started (UTC)")
    departments: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        min_length=1, max_length=50
    )


def _metrics(request: Request) -> Metrics:
    service: Any = service_of(request)
    metrics: Metrics = service.metrics
    return metrics


Use = Annotated[Metrics, Depends(_metrics)]


def routes() -> APIRouter:
    router = APIRouter(tags=["metrics"])

    @router.get(
        "/kpis",
        summary="Every participation KPI of a period and scope",
        description=described(
            "population",
            "funnel",
            "inequality",
            "responsiveness",
            "leadership",
            "cross_department",
            "ambassadors",
            "personas",
            "announcements",
            "activity",
            "groups",
        ),
    )
    async def kpis(
        viewer: Viewer,
        use: Use,
        from_: From,
        to: To,
        scope: ScopeParam = "org",
        ambassadors: Top = None,
    ) -> dict[str, Any]:
        return await use.report(viewer, Period.of_dates(from_, to), Scope.parse(scope), ambassadors)

    @router.get(
        "/compare",
        summary="Baseline vs follow-up: the KPIs of two periods side by side, with deltas",
        description=described("population", "funnel", "compare"),
    )
    async def compare(
        viewer: Viewer,
        use: Use,
        baseline: Annotated[str, Query(description="FROM/TO, e.g. 2026-01-01/2026-01-31")],
        followup: Annotated[str, Query(description="FROM/TO, e.g. 2026-03-01/2026-03-31")],
        scope: ScopeParam = "org",
    ) -> dict[str, Any]:
        return await use.compare(
            viewer, Period.parse(baseline), Period.parse(followup), Scope.parse(scope)
        )

    @router.get(
        "/announcements/receipts",
        summary="Read receipts of the period's announcements",
        description=described("receipts"),
    )
    async def announcement_receipts(
        viewer: Viewer, use: Use, from_: From, to: To
    ) -> dict[str, Any]:
        return await use.announcement_receipts(viewer, Period.of_dates(from_, to))

    @router.get(
        "/posts/{post_id}/receipts",
        summary="Read receipt, reach and engagement of one post",
        description=described("receipts"),
    )
    async def post_receipt(viewer: Viewer, use: Use, post_id: UUID) -> dict[str, Any]:
        return await use.receipt(viewer, str(post_id))

    @router.get(
        "/trends",
        summary="The funnel and community health of each of the last weeks",
        description=described("funnel", "activity", "trends"),
    )
    async def trends(
        viewer: Viewer,
        use: Use,
        to: Annotated[date, Query(description="the last week's last day (UTC), included")],
        weeks: Annotated[int, Query(ge=1, le=53, description="how many weeks")] = 12,
        scope: ScopeParam = "org",
    ) -> dict[str, Any]:
        Period.of_dates(to, to)  # the day itself must be one a period may have
        return await use.trends(viewer, to, weeks, Scope.parse(scope))

    @router.get(
        "/coach",
        summary="The coach's suggestions for the community manager this week",
        description=described("coach"),
    )
    async def coach(viewer: Viewer, use: Use, week: Day) -> dict[str, Any]:
        Period.of_dates(week, week)
        return await use.coach(viewer, week)

    @router.post(
        "/coach/decisions",
        summary="Mark a suggestion of the coach done or dismissed",
        description=described("coach"),
    )
    async def decide(viewer: Viewer, use: Use, decision: Decision) -> dict[str, Any]:
        Period.of_dates(decision.week, decision.week)
        return await use.decide(viewer, decision.week, decision.suggestion_id, decision.status)

    @router.get(
        "/mirror",
        summary="The signed-in manager's weekly mirror of their own team",
        description=described("mirror"),
    )
    async def mirror(viewer: Viewer, use: Use, week: Day) -> dict[str, Any]:
        Period.of_dates(week, week)
        return await use.mirror(viewer, week)

    @router.post(
        "/interventions",
        status_code=201,
        summary="Log an intervention (date and target departments)",
        description=described("interventions"),
    )
    async def add_intervention(
        viewer: Viewer, use: Use, intervention: Intervention
    ) -> dict[str, Any]:
        Period.of_dates(intervention.on, intervention.on)
        return await use.add_intervention(
            viewer,
            intervention.title,
            intervention.kind,
            intervention.on,
            intervention.departments,
        )

    @router.get(
        "/interventions",
        summary="Every intervention with its difference in differences",
        description=described("interventions"),
    )
    async def interventions(viewer: Viewer, use: Use) -> dict[str, Any]:
        return await use.interventions(viewer)

    for path, (section,) in VIEWS.items():
        router.add_api_route(
            f"/{path}",
            _view(section),
            methods=["GET"],
            summary=f"{section.replace('_', ' ').capitalize()} of a period and scope",
            description=described(section),
        )
    return router


def _view(section: str) -> Any:
    async def view(
        viewer: Viewer,
        use: Use,
        from_: From,
        to: To,
        scope: ScopeParam = "org",
        ambassadors: Top = None,
    ) -> dict[str, Any]:
        report = await use.report(
            viewer, Period.of_dates(from_, to), Scope.parse(scope), ambassadors
        )
        return {
            "period": report["period"],
            "scope": report["scope"],
            "k": report["k"],
            "population": report["population"],
            section: report[section],
        }

    view.__name__ = section
    return view
