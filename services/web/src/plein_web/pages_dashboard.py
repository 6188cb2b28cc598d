"""The community manager's dashboard (/community), a CSV of each of its tables and an SVG of
each chart: metrics' baseline vs follow-up, trends by week, the coach, interventions, the
announcements' read receipts and the open escalations, as the signed-in person (metrics and
notify decide who may see them). And a manager's own mirror (/mirror)."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query
from fastapi.responses import RedirectResponse, Response
from plein_events.text import plain_text
from pydantic import BaseModel

from . import dashboard
from .dashboard import Periods
from .gateway import ApiProblem
from .i18n import gettext
from .visits import Acting, Person, Visit

router = APIRouter()
EXCERPTS = 20  # unanswered threads shown with their first words (one posts call each)
SVG_STYLE = (
    "<style>svg{font-family:sans-serif;font-size:13px}.label,.value{fill:#1f2328}"
    ".value{font-weight:600}.axis{stroke:#9aa3ae}.grid{stroke:#d0d5dc;stroke-dasharray:3 3}"
    ".bar,.bar.after{fill:#0b63c5}.bar.before{fill:#9aa3ae}.target{stroke:#c5330b;"
    "stroke-width:2}.line{fill:none;stroke-width:2.5}.line.read{stroke:#0b63c5}"
    ".line.respond{stroke:#17703d}.line.create{stroke:#c5330b}.line.health{stroke:#6b3fb5}"
    "text.read{fill:#0b63c5}text.respond{fill:#17703d}"
    "text.create{fill:#c5330b}text.health{fill:#6b3fb5}circle.read{fill:#0b63c5}"
    "circle.respond{fill:#17703d}circle.create{fill:#c5330b}circle.health{fill:#6b3fb5}</style>"
)


class PeriodForm(BaseModel):
    """The two periods as the dashboard's form sends them; any field may be left empty."""

    baseline_from: str | None = None
    baseline_to: str | None = None
    followup_from: str | None = None
    followup_to: str | None = None
    preset: str | None = None


def _periods(visit: Visit, form: PeriodForm) -> Periods:
    """The periods of the form (or of its preset); a field left empty or not a date takes
    its default."""
    chosen = dashboard.preset(form.preset or "", visit.now.date())
    if chosen is not None:
        return chosen
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
    words = (post.get("title") or plain_text(post.get("text") or "")).split()
    text = " ".join(words[:12])
    return post_id, text + ("…" if len(words) > 12 else "")


async def _held_back(visit: Visit) -> list[dict[str, Any]]:
    """Notify's count of announcements held back by the budget; a dashboard reader whose role
    notify does not show it to (not a community manager or network admin) sees none."""
    try:
        found: list[dict[str, Any]] = await visit.get("/notify/announcements/held-back", days=7)
    except ApiProblem as problem:
        if problem.status != 403:
            raise
        return []
    return found


async def _gather(visit: Visit, periods: Periods) -> dict[str, Any]:
    followup = {"from": str(periods.followup[0]), "to": str(periods.followup[1])}
    last_day = str(periods.followup[1])
    compared, receipts, escalations, trends, coach, interventions, held = await asyncio.gather(
        visit.get("/metrics/compare", **periods.query()),
        visit.get("/metrics/announcements/receipts", **followup),
        visit.get("/notify/escalations", open_only="true"),
        visit.get("/metrics/trends", to=last_day, weeks=str(dashboard.TREND_WEEKS)),
        visit.get("/metrics/coach", week=last_day),
        visit.get("/metrics/interventions"),
        _held_back(visit),
    )
    posts = [str(e["post_id"]) for e in escalations[:EXCERPTS]]
    posts += [str(r["post_id"]) for r in receipts["announcements"][:EXCERPTS]]
    excerpts = dict(await asyncio.gather(*(_excerpt(visit, post) for post in dict.fromkeys(posts))))
    tables = dashboard.tables(compared, receipts, escalations, excerpts)
    for table in (
        dashboard.trends_table(trends),
        dashboard.followed_table(coach),
        dashboard.interventions_table(interventions),
        dashboard.held_back_table(held),
    ):
        tables[table.name] = table
    return {
        "compared": compared,
        "trends": trends,
        "coach": coach,
        "interventions": interventions,
        "tables": tables,
    }


def _charts(found: dict[str, Any]) -> dict[str, Any]:
    """Every chart of the dashboard by name (also the name of its SVG download)."""
    compared = found["compared"]
    report = compared["followup"]
    return {
        "funnel": dashboard.funnel_bars(report),
        "compare": dashboard.comparison_bars(compared),
        "personas": dashboard.persona_bars(report),
        "matrix": dashboard.heatmap(report),
        "funnel-trend": dashboard.funnel_trend(found["trends"]),
        "health-trend": dashboard.health_trend(found["trends"]),
    }


def _page(
    visit: Visit, periods: Periods, found: dict[str, Any], error: str | None = None, **more: Any
) -> Response:
    compared = found["compared"]
    report = compared["followup"]
    charts = _charts(found)
    return visit.web.renderer.page(
        visit,
        "community.html",
        status_code=422 if error else 200,
        periods=periods,
        error=None,
        form_error=error,
        compared=compared,
        report=report,
        k=report["k"],
        tables=found["tables"],
        headline=dashboard.headline(report),
        advice=dashboard.advice(found["coach"]),
        coach_week=found["coach"]["week"],
        departments=[d["department"] for d in report["departments"] if d["department"]],
        kinds=dashboard.KINDS,
        presets=dashboard.PRESETS,
        funnel=charts["funnel"],
        comparison=charts["compare"],
        personas=charts["personas"],
        heatmap=charts["matrix"],
        funnel_trend=charts["funnel-trend"],
        health_trend=charts["health-trend"],
        plot_x=dashboard.PLOT_X,
        plot_w=dashboard.PLOT_W,
        chart_width=dashboard.CHART_WIDTH,
        page_url=dashboard.page_url,
        **more,
    )


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
            presets=dashboard.PRESETS,
            page_url=dashboard.page_url,
        )
    return _page(visit, periods, found)


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


@router.get("/community/{name}.svg")
async def community_svg(
    visit: Person,
    name: str,
    form: Annotated[PeriodForm, Query()],
) -> Response:
    """One chart of the dashboard as an SVG file of its own (styled inside, no page around)."""
    periods = _periods(visit, form)
    try:
        found = await _gather(visit, periods)
    except ApiProblem as problem:
        if problem.status == 403:
            return _refused(visit, problem)
        raise
    charts = _charts(found)
    if name not in charts:
        return visit.web.renderer.page(
            visit, "error.html", status_code=404, title=gettext("Page not found"), detail=""
        )
    svg = visit.web.renderer.env.get_template("community_chart.svg").render(
        name=name,
        chart=charts[name],
        k=found["compared"]["followup"]["k"],
        plot_x=dashboard.PLOT_X,
        plot_w=dashboard.PLOT_W,
        chart_width=dashboard.CHART_WIDTH,
    )
    # a file of its own has no page stylesheet around it: its styles go inside
    head = svg.index(">", svg.index("<svg")) + 1
    svg = f'<?xml version="1.0" encoding="UTF-8"?>\n{svg[:head]}{SVG_STYLE}{svg[head:]}\n'
    filename = f"plein-{name}-{periods.followup[0]}-{periods.followup[1]}.svg"
    return Response(
        svg,
        media_type="image/svg+xml",
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )


@router.post("/community/coach")
async def coach_decision(
    visit: Acting,
    week: Annotated[str, Form()],
    suggestion_id: Annotated[str, Form()],
    status: Annotated[str, Form()],
    back: Annotated[str, Form()] = "/community",
) -> Response:
    """Mark a suggestion of the coach done or dismissed, then back to the dashboard."""
    await visit.api(
        "POST",
        "/metrics/coach/decisions",
        json={"week": week, "suggestion_id": suggestion_id, "status": status},
    )
    return RedirectResponse(_back(back) + "#h-coach", status_code=303)


@router.post("/community/interventions")
async def log_intervention(
    visit: Acting,
    title: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "campaign",
    on: Annotated[str, Form()] = "",
    departments: Annotated[list[str] | None, Form()] = None,
    back: Annotated[str, Form()] = "/community",
) -> Response:
    """Log an intervention; a missing title, date or department redraws the dashboard with
    the reason in the person's language."""
    try:
        await visit.api(
            "POST",
            "/metrics/interventions",
            json={"title": title.strip(), "kind": kind, "on": on, "departments": departments or []},
        )
    except ApiProblem as problem:
        if problem.status not in (400, 422):
            raise
        periods = _periods(visit, PeriodForm())
        found = await _gather(visit, periods)
        return _page(
            visit,
            periods,
            found,
            error=gettext("Give the intervention a title, a date and at least one department."),
        )
    return RedirectResponse(_back(back) + "#h-interventions", status_code=303)


def _back(path: str) -> str:
    """Only the dashboard's own address (no open redirect)."""
    return path if path.startswith("/community") and "//" not in path else "/community"


@router.get("/mirror")
async def manager_mirror(visit: Person) -> Response:
    """A manager's private summary of their own team this week."""
    try:
        found = await visit.get("/metrics/mirror", week=str(visit.now.date()))
    except ApiProblem as problem:
        if problem.status != 403:
            raise
        return visit.web.renderer.page(
            visit,
            "error.html",
            status_code=403,
            title=gettext("This page is for managers"),
            detail=gettext("The mirror shows managers how their own team is answered."),
        )
    excerpts = dict(
        await asyncio.gather(*(_excerpt(visit, str(w["post_id"])) for w in found["waiting"][:50]))
    )
    return visit.web.renderer.page(
        visit, "mirror.html", mirror=found, excerpts=excerpts, share=dashboard.share
    )
