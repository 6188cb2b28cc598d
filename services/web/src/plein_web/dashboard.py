"""The community manager's dashboard, shaped from metrics' answers without I/O: the tables
(one source for the page, the screen reader and the CSV download) and the geometry of the
server-drawn SVG charts. A cell metrics suppressed (fewer than k people) is only ever shown
as "fewer than k", never as a number."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

import jwt
from babel.dates import format_timedelta
from babel.numbers import format_decimal, format_percent

from . import i18n
from .i18n import N_, gettext

COMMUNITY_ROLES = frozenset({"community_manager", "network_admin"})
PERIOD_DAYS = 7  # the default follow-up is the last week, its baseline the week before
CHART_WIDTH = 320  # the SVGs' viewBox width: drawn at about 1:1 on a 360 px phone
STAGES = {"read": N_("Read"), "respond": N_("Respond"), "create": N_("Create")}
PERSONAS = {
    "catalyst": N_("Catalysts"),
    "responder": N_("Responders"),
    "engager": N_("Engagers"),
    "observer": N_("Observers"),
    "inactive": N_("Inactive"),
}
# The headline deltas the dashboard shows, and how each is read: a share or a count.
HEADLINES = {
    "population": (N_("People"), "count"),
    "funnel.read.share": (N_("Read"), "share"),
    "funnel.respond.share": (N_("Respond"), "share"),
    "funnel.create.share": (N_("Create"), "share"),
    "responsiveness.replied_within_24h_share": (N_("Replied within 24 hours"), "share"),
    "responsiveness.response_rate": (N_("Response rate"), "share"),
    "responsiveness.answered_share": (N_("Questions answered"), "share"),
    "responsiveness.open_unanswered": (N_("Questions open and unanswered"), "count"),
    "leadership.visible_share": (N_("Managers visible"), "share"),
    "cross_department.share": (N_("Responses across departments"), "share"),
    "activity.engaged": (N_("Engaged people"), "count"),
    "activity.health": (N_("Community health"), "share"),
}


def manages_community(session: Any) -> bool:
    """Whether the signed-in person's token names a dashboard role: only to decide whether the
    navigation shows the link; metrics itself decides who gets the numbers."""
    token = getattr(session, "access_token", None)
    if not token:
        return False
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return False
    return bool(COMMUNITY_ROLES & set(claims.get("roles") or ()))


@dataclass(frozen=True)
class Periods:
    baseline: tuple[date, date]
    followup: tuple[date, date]

    @staticmethod
    def default(today: date) -> Periods:
        followup = (today - timedelta(days=PERIOD_DAYS - 1), today)
        baseline = (followup[0] - timedelta(days=PERIOD_DAYS), followup[0] - timedelta(days=1))
        return Periods(baseline, followup)

    def query(self) -> dict[str, str]:
        """The API's parameters (`FROM/TO`)."""
        return {
            "baseline": f"{self.baseline[0]}/{self.baseline[1]}",
            "followup": f"{self.followup[0]}/{self.followup[1]}",
        }

    def form(self) -> dict[str, str]:
        """The form's fields, which are also the page's (and the CSV links') query."""
        return {
            "baseline_from": str(self.baseline[0]),
            "baseline_to": str(self.baseline[1]),
            "followup_from": str(self.followup[0]),
            "followup_to": str(self.followup[1]),
        }


# -- how a number reads -------------------------------------------------------------------


def fewer_than(k: int) -> str:
    return gettext("fewer than %(k)d", k=k)


def share(value: float | None) -> str:
    if value is None:
        return "–"
    return format_percent(value, locale=i18n.current_language.get())


def count(value: float | None) -> str:
    if value is None:
        return "–"
    return format_decimal(round(value, 1), locale=i18n.current_language.get())


def hours(value: float | None) -> str:
    """A median time as people say it: "under a minute", "3 hours"."""
    if value is None:
        return "–"
    if value < 1 / 60:
        return gettext("under a minute")
    return format_timedelta(
        timedelta(hours=value), locale=i18n.current_language.get(), threshold=1.5
    )


def signed(value: float | None, kind: str) -> str:
    if value is None:
        return "–"
    text = share(abs(value)) if kind == "share" else count(abs(value))
    return ("+" if value > 0 else "−" if value < 0 else "±") + text


def cell(value: Any, suppressed: bool, k: int, kind: str = "share") -> str:
    """A table cell: "fewer than k" for a suppressed one, whatever the value says."""
    if suppressed:
        return fewer_than(k)
    return share(value) if kind == "share" else count(value)


# -- tables --------------------------------------------------------------------------------


@dataclass
class Table:
    name: str  # also the CSV's file name
    caption: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    links: dict[int, str] = field(default_factory=dict)  # row -> the thread its first cell is
    text_columns: int = 1  # the leading columns that are words (aligned left), not numbers

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(self.columns)
        writer.writerows(self.rows)
        return out.getvalue()


def _funnel(report: dict[str, Any]) -> Table:
    table = Table(
        "funnel",
        gettext("Participation funnel"),
        [gettext("Stage"), gettext("People"), gettext("Share"), gettext("Target"), gettext("Gap")],
    )
    for stage in STAGES:
        row = report["funnel"][stage]
        table.rows.append(
            [
                gettext(STAGES[stage]),
                count(row["people"]),
                share(row["share"]),
                share(row["target"]),
                signed(row["gap"], "share"),
            ]
        )
    return table


def _comparison(compared: dict[str, Any]) -> Table:
    table = Table(
        "comparison",
        gettext("Baseline vs follow-up"),
        [gettext("Measure"), gettext("Baseline"), gettext("Follow-up"), gettext("Change")],
    )
    for delta in compared["deltas"]:
        if delta["kpi"] not in HEADLINES:
            continue
        label, kind = HEADLINES[delta["kpi"]]
        shown = share if kind == "share" else count
        table.rows.append(
            [
                gettext(label),
                shown(delta["baseline"]),
                shown(delta["followup"]),
                signed(delta["delta"], kind),
            ]
        )
    return table


def _departments(compared: dict[str, Any], k: int) -> Table:
    columns = [gettext("Department")]
    for stage in STAGES:
        columns += [
            gettext("%(stage)s, baseline", stage=gettext(STAGES[stage])),
            gettext("%(stage)s, follow-up", stage=gettext(STAGES[stage])),
        ]
    table = Table("departments", gettext("Funnel per department"), columns)
    for row in compared["departments"]:
        cells = [row["department"] or "–"]
        for stage in STAGES:
            cells += [
                cell(row[stage]["baseline"], row["suppressed"], k),
                cell(row[stage]["followup"], row["suppressed"], k),
            ]
        table.rows.append(cells)
    return table


def _matrix(report: dict[str, Any], k: int) -> Table:
    table = Table(
        "matrix",
        gettext("Responses between departments"),
        [gettext("From (responder)"), gettext("To (recipient)"), gettext("Responses")],
        text_columns=2,
    )
    for c in report["cross_department"]["matrix"]:
        table.rows.append([c["from"], c["to"], cell(c["interactions"], c["suppressed"], k, "n")])
    return table


def _personas(report: dict[str, Any], k: int) -> Table:
    table = Table(
        "personas",
        gettext("Personas per department"),
        [gettext("Department"), *(gettext(label) for label in PERSONAS.values())],
    )
    overall = report["personas"]["distribution"]
    table.rows.append([gettext("Everyone"), *(share(overall[p]["share"]) for p in PERSONAS)])
    for row in report["personas"]["departments"]:
        shares = row["shares"] or {}
        table.rows.append(
            [row["department"], *(cell(shares.get(p), row["suppressed"], k) for p in PERSONAS)]
        )
    return table


def _measures(name: str, caption: str, pairs: list[tuple[str, str]]) -> Table:
    table = Table(name, caption, [gettext("Measure"), gettext("Value")])
    table.rows = [[label, value] for label, value in pairs]
    return table


def _health(report: dict[str, Any]) -> Table:
    a = report["activity"]
    return _measures(
        "health",
        gettext("Engagement and community health"),
        [
            (gettext("Engaged people (active in the last 30 days)"), count(a["engaged"])),
            (gettext("Engaged, share of people"), share(a["engaged_share"])),
            (gettext("Active in the last 12 months"), count(a["active_last_12_months"])),
            (gettext("Community health (engaged / active in 12 months)"), share(a["health"])),
            (gettext("Regulars (active on 10 of the last 28 days)"), count(a.get("regulars"))),
            (gettext("Active per day (average)"), count(a["dau"])),
            (gettext("Active this week"), count(a["wau"])),
            (gettext("Active this month"), count(a["mau"])),
            (gettext("Stickiness (per day / per month)"), share(a["stickiness"])),
        ],
    )


def _responsiveness(report: dict[str, Any]) -> Table:
    r = report["responsiveness"]
    return _measures(
        "responsiveness",
        gettext("Responsiveness"),
        [
            (gettext("Threads started"), count(r["threads"])),
            (gettext("Replied within 24 hours"), share(r["replied_within_24h_share"])),
            (gettext("Median time to the first reply"), hours(r["median_hours_to_first_reply"])),
            (gettext("Response rate (a reply or reaction)"), share(r["response_rate"])),
            (gettext("Questions"), count(r["questions"])),
            (gettext("Questions answered"), share(r["answered_share"])),
            (gettext("Questions open and unanswered"), count(r["open_unanswered"])),
            (gettext("Escalations raised"), count(r["escalations_raised"])),
            (gettext("Escalations resolved"), count(r["escalations_resolved"])),
        ],
    )


def _unanswered(escalations: list[dict[str, Any]], excerpts: dict[str, str]) -> Table:
    table = Table(
        "unanswered",
        gettext("Unanswered, raised to you"),
        [gettext("Thread"), gettext("Raised at"), gettext("Address")],
        text_columns=3,
    )
    for n, e in enumerate(escalations):
        post = str(e["post_id"])
        raised = str(e["raised_at"])[:16].replace("T", " ")
        table.rows.append([excerpts.get(post) or gettext("Thread"), raised, f"/posts/{post}"])
        table.links[n] = f"/posts/{post}"
    return table


def _ambassadors(report: dict[str, Any]) -> Table:
    table = Table(
        "ambassadors",
        gettext("Ambassadors"),
        [
            gettext("Name"),
            gettext("Rank"),
            gettext("Department"),
            gettext("Score"),
            gettext("Threads"),
            gettext("Replies"),
            gettext("Reactions"),
            gettext("Accepted answers"),
        ],
        text_columns=3,
    )
    for n, a in enumerate(report["ambassadors"], start=1):
        table.rows.append(
            [
                a.get("name") or "–",
                str(n),
                a.get("department") or "–",
                *(count(a[key]) for key in ("score", "threads", "replies", "reactions")),
                count(a["accepted_answers"]),
            ]
        )
    return table


def _receipts(receipts: dict[str, Any], titles: dict[str, str]) -> Table:
    table = Table(
        "receipts",
        gettext("Announcement read receipts"),
        [
            gettext("Announcement"),
            gettext("Audience"),
            gettext("Seen"),
            gettext("Acknowledged"),
            gettext("Reach"),
            gettext("Engagement"),
        ],
    )
    for n, r in enumerate(receipts["announcements"]):
        posted = str(r["posted_at"])[:10]
        title = titles.get(str(r["post_id"]))
        table.rows.append(
            [
                f"{title} ({posted})" if title else posted,
                count(r["audience"]),
                count(r["seen"]),
                count(r["acknowledged"]),
                share(r["reach"]),
                share(r["engagement"]),
            ]
        )
        table.links[n] = f"/posts/{r['post_id']}"
    return table


def tables(
    compared: dict[str, Any],
    receipts: dict[str, Any],
    escalations: list[dict[str, Any]],
    excerpts: dict[str, str],
) -> dict[str, Table]:
    """Every table of the dashboard by name, in the page's order."""
    report = compared["followup"]
    k = int(report["k"])
    found = [
        _funnel(report),
        _comparison(compared),
        _departments(compared, k),
        _matrix(report, k),
        _personas(report, k),
        _health(report),
        _responsiveness(report),
        _unanswered(escalations, excerpts),
        _ambassadors(report),
        _receipts(receipts, excerpts),
    ]
    return {t.name: t for t in found}


# -- charts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    label: str
    y: float
    width: float  # of CHART_WIDTH's plot area
    text: str
    css: str = "bar"
    target_x: float | None = None


PLOT_X, PLOT_W = 100, CHART_WIDTH - 100 - 44  # labels left, the value's text right


def _w(value: float | None) -> float:
    """A share's bar length (none for a share metrics could not give)."""
    return PLOT_W * max(0.0, min(1.0, value or 0.0))


def _x(value: float | None) -> float:
    return PLOT_X + _w(value)


def funnel_bars(report: dict[str, Any]) -> list[Bar]:
    """One bar per stage, the target as a tick across it."""
    bars = []
    for n, stage in enumerate(STAGES):
        row = report["funnel"][stage]
        bars.append(
            Bar(
                gettext(STAGES[stage]),
                12 + n * 36,
                _w(row["share"]),
                share(row["share"]),
                target_x=_x(row["target"]),
            )
        )
    return bars


def comparison_bars(compared: dict[str, Any]) -> list[Bar]:
    """Two thin bars per stage: the baseline (grey) above the follow-up (blue)."""
    bars = []
    for n, stage in enumerate(STAGES):
        before = compared["baseline"]["funnel"][stage]["share"]
        after = compared["followup"]["funnel"][stage]["share"]
        y = 12 + n * 44
        bars.append(Bar(gettext(STAGES[stage]), y, _w(before), share(before), "bar before"))
        bars.append(Bar("", y + 16, _w(after), share(after), "bar after"))
    return bars


def persona_bars(report: dict[str, Any]) -> list[Bar]:
    overall = report["personas"]["distribution"]
    return [
        Bar(gettext(PERSONAS[p]), 12 + n * 30, _w(overall[p]["share"]), share(overall[p]["share"]))
        for n, p in enumerate(PERSONAS)
    ]


@dataclass(frozen=True)
class HeatCell:
    x: float
    y: float
    size: float
    fill: str  # a blue as strong as the count, or the hatching of a suppressed cell
    text: str
    dark: bool


@dataclass(frozen=True)
class Heatmap:
    departments: list[str]
    cells: list[HeatCell]
    size: float
    left: float
    height: float


def _blue(strength: float) -> str:
    """From the accent's soft tint (0) to the accent (1)."""
    low, high = (0xE8, 0xF1, 0xFC), (0x0B, 0x63, 0xC5)
    r, g, b = (round(lo + (hi - lo) * strength) for lo, hi in zip(low, high, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"


def heatmap(report: dict[str, Any]) -> Heatmap:
    """The department x department matrix: rows respond, columns receive. A suppressed cell is
    hatched and says nothing of its count; a pair with no responses stays empty."""
    matrix = report["cross_department"]["matrix"]
    departments = sorted({c["from"] for c in matrix} | {c["to"] for c in matrix})
    left, top = 92.0, 8.0
    size = min(44.0, (CHART_WIDTH - left - 4) / max(1, len(departments)))
    index = {d: i for i, d in enumerate(departments)}
    shown = [c["interactions"] for c in matrix if not c["suppressed"]]
    most = max(shown, default=0) or 1
    cells = []
    for c in matrix:
        x, y = left + index[c["to"]] * size, top + index[c["from"]] * size
        if c["suppressed"]:
            cells.append(HeatCell(x, y, size, "url(#hidden)", "", False))
        else:
            strength = c["interactions"] / most
            cells.append(
                HeatCell(x, y, size, _blue(strength), count(c["interactions"]), strength > 0.5)
            )
    height = top + len(departments) * size + 70  # room for the column names, turned
    return Heatmap(departments, cells, size, left, height)


def page_url(periods: Periods, name: str | None = None) -> str:
    """The dashboard's address for these periods (or one table's CSV)."""
    base = f"/community/{name}.csv" if name else "/community"
    return f"{base}?{urlencode(periods.form())}"


# -- presets -------------------------------------------------------------------------------


def preset(name: str, today: date) -> Periods | None:
    """The periods of a preset: `weeks` (the last 4 weeks vs the 4 before) or `quarter`
    (this quarter so far vs the whole last quarter); None for another name."""
    if name == "weeks":
        followup = (today - timedelta(days=27), today)
        baseline = (followup[0] - timedelta(days=28), followup[0] - timedelta(days=1))
        return Periods(baseline, followup)
    if name == "quarter":
        start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        last_end = start - timedelta(days=1)
        last_start = date(last_end.year, 3 * ((last_end.month - 1) // 3) + 1, 1)
        return Periods((last_start, last_end), (start, today))
    return None


PRESETS = {"weeks": N_("Last 4 weeks vs the 4 before"), "quarter": N_("This quarter vs last")}
TREND_WEEKS = 12


# -- trends --------------------------------------------------------------------------------


def trends_table(trends: dict[str, Any]) -> Table:
    k = int(trends["k"])
    table = Table(
        "trends",
        gettext("Trends by week"),
        [
            gettext("Week to"),
            gettext("People"),
            *(gettext(label) for label in STAGES.values()),
            gettext("Engaged people"),
            gettext("Community health"),
        ],
    )
    for w in trends["weeks"]:
        hidden = bool(w["suppressed"])
        table.rows.append(
            [
                w["week"]["to"],
                cell(w.get("population"), hidden, k, "n"),
                *(cell(w.get(f"{stage}_share"), hidden, k) for stage in STAGES),
                cell(w.get("engaged"), hidden, k, "n"),
                cell(w.get("health"), hidden, k),
            ]
        )
    return table


@dataclass(frozen=True)
class Line:
    label: str
    css: str
    points: str  # the SVG polyline's points
    last: str  # the last value, written at the line's end
    last_y: float


TREND_LEFT, TREND_RIGHT, TREND_TOP, TREND_BOTTOM = 52.0, CHART_WIDTH - 52.0, 8.0, 122.0


@dataclass(frozen=True)
class LineChart:
    lines: list[Line]
    ticks: list[tuple[float, str]]  # y and label of 0%, 50%, 100%
    weeks: list[tuple[float, str]]  # x and label of the first and the last week
    height: int = 150
    left: float = TREND_LEFT


def _trend_y(value: float) -> float:
    return TREND_BOTTOM - (TREND_BOTTOM - TREND_TOP) * max(0.0, min(1.0, value))


def line_chart(trends: dict[str, Any], series: dict[str, tuple[str, str]]) -> LineChart:
    """Lines of shares by week (`series`: key -> label, css); a suppressed week is a gap."""
    weeks = trends["weeks"]
    step = (TREND_RIGHT - TREND_LEFT) / max(1, len(weeks) - 1)
    lines = []
    for key, (label, css) in series.items():
        points = [
            (TREND_LEFT + n * step, _trend_y(w[key]))
            for n, w in enumerate(weeks)
            if not w["suppressed"] and w.get(key) is not None
        ]
        last = next(
            (w[key] for w in reversed(weeks) if not w["suppressed"] and w.get(key) is not None),
            None,
        )
        lines.append(
            Line(
                gettext(label),
                css,
                " ".join(f"{x:.1f},{y:.1f}" for x, y in points),
                share(last),
                points[-1][1] if points else TREND_BOTTOM,
            )
        )
    # the values written at the lines' ends must not sit on each other (equal shares)
    placed: list[Line] = []
    for line in sorted(lines, key=lambda line: line.last_y):
        y = max(line.last_y, placed[-1].last_y + 13) if placed else line.last_y
        placed.append(replace(line, last_y=y))
    lines = sorted(placed, key=lambda line: list(series).index(_key_of(line, series)))
    ticks = [(_trend_y(v), share(v)) for v in (0.0, 0.5, 1.0)]
    ends = [(TREND_LEFT, weeks[0]["week"]["to"]), (TREND_RIGHT, weeks[-1]["week"]["to"])]
    return LineChart(lines, ticks, ends if weeks else [])


def _key_of(line: Line, series: dict[str, tuple[str, str]]) -> str:
    return next(key for key, (_, css) in series.items() if css == line.css)


def funnel_trend(trends: dict[str, Any]) -> LineChart:
    return line_chart(
        trends,
        {
            "read_share": (STAGES["read"], "line read"),
            "respond_share": (STAGES["respond"], "line respond"),
            "create_share": (STAGES["create"], "line create"),
        },
    )


def health_trend(trends: dict[str, Any]) -> LineChart:
    return line_chart(trends, {"health": (N_("Community health"), "line health")})


# -- the coach -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Advice:
    id: str
    week: str
    text: str
    link: str
    status: str | None


def advice_text(s: dict[str, Any]) -> str:
    """One suggestion of the coach as a sentence, with its evidence."""
    e = s["evidence"]
    if s["kind"] == "ask_manager":
        if e.get("manager"):
            return gettext(
                "%(n)d questions in %(department)s unanswered for 2 days or more: ask "
                "%(manager)s (their manager) to answer.",
                n=e["questions"],
                department=e["department"],
                manager=e["manager"],
            )
        return gettext(
            "%(n)d questions in %(department)s unanswered for 2 days or more: ask their "
            "manager to answer.",
            n=e["questions"],
            department=e["department"],
        )
    if s["kind"] == "invite":
        return gettext(
            "%(department)s reads (%(read)s) but hardly responds (%(respond)s): invite them "
            "to the next live Q&A.",
            department=e["department"],
            read=share(e["read"]),
            respond=share(e["respond"]),
        )
    if s["kind"] == "announcements":
        return gettext(
            "%(group)s posted %(n)d announcements this week (guideline %(guideline)s): ask "
            "its admins to bundle them.",
            group=e.get("group") or gettext("A private group"),
            n=e["announcements"],
            guideline=count(e["guideline"]),
        )
    return gettext(
        "%(name)s answered %(n)d questions of others this week: praise them.",
        name=e.get("name") or gettext("Someone"),
        n=e["answers"],
    )


def advice(coach: dict[str, Any]) -> list[Advice]:
    return [
        Advice(s["id"], s["week"], advice_text(s), s["link"], s["status"])
        for s in coach["suggestions"]
    ]


FIGURES = {
    "open_questions": (N_("questions waiting 2 days or more, %(subject)s"), "n"),
    "respond_share": (N_("share who responded, %(subject)s"), "share"),
    "announcements": (N_("announcements in the week"), "n"),
    "answers": (N_("questions answered by the person"), "n"),
}


def followed_table(coach: dict[str, Any]) -> Table:
    """Suggestions marked done, with the figure each was about then and now."""
    table = Table(
        "followed",
        gettext("Suggestions followed: did the figure move?"),
        [gettext("Figure"), gettext("Week"), gettext("Then"), gettext("Now"), gettext("Change")],
    )
    for f in coach["followed"]:
        label, kind = FIGURES.get(f["metric"], (f["metric"], "n"))
        subject = f["subject"] if f["metric"] in ("open_questions", "respond_share") else ""
        shown = share if kind == "share" else count
        then, now = f["value_then"], f["value_now"]
        table.rows.append(
            [
                gettext(label, subject=subject),
                f["week"],
                shown(then),
                shown(now),
                signed(None if then is None or now is None else now - then, kind),
            ]
        )
    return table


# -- interventions -------------------------------------------------------------------------

VERDICTS = {
    "too_thin": N_("Too little data to conclude: a side has fewer than k people."),
    "incomplete": N_("Too early to conclude: the four weeks after are not over."),
    "inconclusive": N_("No clear effect: the interval holds zero."),
    "improved": N_("The targeted departments improved more than the others."),
    "worsened": N_("The targeted departments did worse than the others."),
}
KINDS = {
    "campaign": N_("Campaign"),
    "town_hall": N_("Town hall"),
    "training": N_("Training"),
    "other": N_("Other"),
}


def interventions_table(found: dict[str, Any]) -> Table:
    table = Table(
        "interventions",
        gettext("Interventions against the other departments"),
        [
            gettext("Intervention"),
            gettext("Date"),
            gettext("Departments"),
            gettext("Respond, targeted: before → after"),
            gettext("Respond, others: before → after"),
            gettext("Difference in differences"),
            gettext("95% interval"),
            gettext("Verdict"),
        ],
        text_columns=3,
    )
    for i in found["interventions"]:
        e = i["effect"]
        s = e["shares"] or {}
        low_high = e["interval"]
        table.rows.append(
            [
                i["title"],
                i["on"],
                ", ".join(i["departments"]),
                f"{share(s.get('treated_before'))} → {share(s.get('treated_after'))}",
                f"{share(s.get('control_before'))} → {share(s.get('control_after'))}",
                signed(e["estimate"], "share"),
                "–"
                if low_high is None
                else f"{signed(low_high[0], 'share')} … {signed(low_high[1], 'share')}",
                gettext(VERDICTS[e["verdict"]]),
            ]
        )
    return table


def headline(report: dict[str, Any]) -> str:
    """One sentence of the follow-up's headline figures, which hold together by definition
    (create <= respond <= read, engaged <= active in the year)."""
    f, a = report["funnel"], report["activity"]
    return gettext(
        "Of %(people)d people, %(read)s read, %(respond)s responded and %(create)s created; "
        "%(engaged)d were active in the last 30 days, %(health)s of those active in the last "
        "12 months.",
        people=report["population"],
        read=share(f["read"]["share"]),
        respond=share(f["respond"]["share"]),
        create=share(f["create"]["share"]),
        engaged=a["engaged"],
        health=share(a["health"]),
    )


def held_back_table(found: list[dict[str, Any]]) -> Table:
    """Announcements the weekly budget sent to the digest only, per group (notify's count of
    the last 7 days): senders see how many of theirs did not interrupt anyone."""
    table = Table(
        "held_back",
        gettext("Announcements held back by the weekly budget, last 7 days"),
        [gettext("Group"), gettext("Notifications held back"), gettext("People")],
    )
    for group in found:
        table.rows.append([group["group_name"], str(group["held_back"]), str(group["people"])])
    return table
