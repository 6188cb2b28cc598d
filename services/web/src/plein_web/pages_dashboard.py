"""The community manager's dashboard (/community) and a CSV of each of its tables: metrics'
baseline vs follow-up, the announcements' read receipts and the open escalations, as the
signed-in person (metrics and notify decide who may see them)."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel

from . import dashboard
from .dashboard import Periods
from .gateway import ApiProblem
from .i18n import gettext
from .visits import Person, Visit

router = APIRouter()
EXCERPTS = 20  # unanswered threads shown with their first words (one posts call each)


class PeriodForm(BaseModel):
    """The two periods as the dashboard's form sends them; any field may be left empty."""

    baseline_from: str | None = None
    baseline_to: str | None = None
    followup_from: str | None = None
    followup_to: str | None = None


def _periods(visit: Visit, form: PeriodForm) -> Periods:
    """The periods of the form; a field left empty or not a date takes its default."""
    default = Periods.default(visit.now.date()).form()

    def day(name: str) -> date:
        try:
            return date.fromisoformat(getattr(form, name) or default[name])
        except ValueError:
            return date.fromisoformat(default[name])

    return Periods(
        (day("baseline_from"), day("baseline_to")), (day("followup_from"), day("followup_to"))
    )


def _refused(visit: Visit, problem: ApiProblem) -> Response:
    return visit.web.renderer.page(
        visit,
        "error.html",
        status_code=403,
        title=gettext("This page is for community managers"),
        detail=gettext(
            "The community dashboard is for community managers and network admins. "
            "Ask a network admin if you need it."
        ),
    )


async def _excerpt(visit: Visit, post_id: str) -> tuple[str, str]:
    try:
        post = await visit.get(f"/posts/posts/{post_id}")
    except ApiProblem:
        return post_id, ""
    words = (post.get("title") or post.get("text") or "").split()
    text = " ".join(words[:12])
    return post_id, text + ("…" if len(words) > 12 else "")


async def _gather(visit: Visit, periods: Periods) -> dict[str, Any]:
    followup = {"from": str(periods.followup[0]), "to": str(periods.followup[1])}
    compared, receipts, escalations = await asyncio.gather(
        visit.get("/metrics/compare", **periods.query()),
        visit.get("/metrics/announcements/receipts", **followup),
        visit.get("/notify/escalations", open_only="true"),
    )
    excerpts = dict(
        await asyncio.gather(*(_excerpt(visit, str(e["post_id"])) for e in escalations[:EXCERPTS]))
    )
    return {
        "compared": compared,
        "tables": dashboard.tables(compared, receipts, escalations, excerpts),
    }


@router.get("/community")
async def community(
    visit: Person,
    form: Annotated[PeriodForm, Query()],
) -> Response:
    periods = _periods(visit, form)
    try:
        found = await _gather(visit, periods)
    except ApiProblem as problem:
        if problem.status == 403:
            return _refused(visit, problem)
        if problem.status not in (400, 422):
            raise
        return visit.web.renderer.page(
            visit,
            "community.html",
            status_code=422,
            periods=periods,
            error=problem.message,
            compared=None,
            tables={},
            page_url=dashboard.page_url,
        )
    compared = found["compared"]
    report = compared["followup"]
    return visit.web.renderer.page(
        visit,
        "community.html",
        periods=periods,
        error=None,
        compared=compared,
        report=report,
        k=report["k"],
        tables=found["tables"],
        funnel=dashboard.funnel_bars(report),
        comparison=dashboard.comparison_bars(compared),
        personas=dashboard.persona_bars(report),
        heatmap=dashboard.heatmap(report),
        plot_x=dashboard.PLOT_X,
        plot_w=dashboard.PLOT_W,
        chart_width=dashboard.CHART_WIDTH,
        page_url=dashboard.page_url,
    )


@router.get("/community/{name}.csv")
async def community_csv(
    visit: Person,
    name: str,
    form: Annotated[PeriodForm, Query()],
) -> Response:
    periods = _periods(visit, form)
    try:
        found = await _gather(visit, periods)
    except ApiProblem as problem:
        if problem.status == 403:
            return _refused(visit, problem)
        raise
    table = found["tables"].get(name)
    if table is None:
        return visit.web.renderer.page(
            visit, "error.html", status_code=404, title=gettext("Page not found"), detail=""
        )
    filename = f"plein-{name}-{periods.followup[0]}-{periods.followup[1]}.csv"
    return Response(
        table.csv(),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )
