"""The community dashboard's shaping, without servers: tables, CSV and chart geometry from
metrics' answers as hand-built here."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import jwt
from plein_web import dashboard, i18n
from plein_web.dashboard import PLOT_W, PLOT_X, Periods


def _funnel(read: float | None, respond: float | None, create: float | None) -> dict[str, Any]:
    targets = {"read": 0.55, "respond": 0.4, "create": 0.05}
    shares = {"read": read, "respond": respond, "create": create}
    return {
        kind: {
            "people": None if s is None else round(s * 20),
            "share": s,
            "target": targets[kind],
            "gap": None if s is None else s - targets[kind],
        }
        for kind, s in shares.items()
    }


def _report(k: int = 5, matrix: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    personas = {"catalyst": 0.1, "responder": 0.2, "engager": 0.3, "observer": 0.25}
    personas["inactive"] = 0.15
    return {
        "period": {"from": "2026-11-25", "to": "2026-12-01"},
        "k": k,
        "population": 20,
        "funnel": _funnel(0.5, 0.25, 0.1),
        "cross_department": {"matrix": matrix or []},
        "personas": {
            "distribution": {p: {"people": 1, "share": s} for p, s in personas.items()},
            "departments": [
                {"department": "Sales", "suppressed": True, "shares": None},
                {"department": "IT", "suppressed": False, "shares": personas},
            ],
        },
        "activity": {
            "dau": 2.2857,
            "wau": 16,
            "mau": 16,
            "stickiness": 0.14,
            "engaged": 16,
            "engaged_share": 0.8,
            "active_last_12_months": 20,
            "health": 0.8,
            "regulars": 3,
        },
        "responsiveness": {
            "threads": 17,
            "replied_within_24h_share": 0.29,
            "median_hours_to_first_reply": 2.7e-06,
            "response_rate": 0.35,
            "questions": 6,
            "answered_share": 1 / 3,
            "open_unanswered": 2,
            "escalations_raised": 1,
            "escalations_resolved": 0,
        },
        "ambassadors": [
            {
                "name": "Daan Visser",
                "department": "IT",
                "score": 26,
                "threads": 4,
                "replies": 4,
                "reactions": 1,
                "accepted_answers": 1,
            }
        ],
    }


def _compared(k: int = 5, matrix: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    followup = _report(k, matrix)
    baseline = {**_report(k, matrix), "funnel": _funnel(0.3, None, 0.05)}
    hidden = {"baseline": None, "followup": None, "delta": None}
    return {
        "baseline": baseline,
        "followup": followup,
        "deltas": [
            {"kpi": "population", "baseline": 18, "followup": 20, "delta": 2},
            {"kpi": "funnel.read.share", "baseline": 0.3, "followup": 0.5, "delta": 0.2},
            {"kpi": "inequality.gini", "baseline": 0.5, "followup": 0.4, "delta": -0.1},
        ],
        "departments": [
            {
                "department": "Sales",
                "suppressed": True,
                **{kind: hidden for kind in ("population", "read", "respond", "create")},
            },
            {
                "department": "IT",
                "suppressed": False,
                "population": {"baseline": 9, "followup": 10, "delta": 1},
                "read": {"baseline": 0.4, "followup": 0.6, "delta": 0.2},
                "respond": {"baseline": 0.1, "followup": 0.3, "delta": 0.2},
                "create": {"baseline": 0.0, "followup": 0.1, "delta": 0.1},
            },
        ],
    }


RECEIPTS = {
    "announcements": [
        {
            "post_id": "7faade6b-2e76-42ad-8b54-b44d83c05324",
            "posted_at": "2026-12-01T09:50:15+00:00",
            "audience": 400,
            "seen": 312,
            "acknowledged": 200,
            "reach": 0.78,
            "engagement": None,
        }
    ]
}
ESCALATIONS = [{"post_id": "11111111-2222-3333-4444-555555555555", "raised_at": "2026-12-01T08:00"}]


def _tables(k: int = 5, matrix: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return dashboard.tables(_compared(k, matrix), RECEIPTS, ESCALATIONS, {})


def _csv(table: dashboard.Table) -> list[list[str]]:
    return list(csv.reader(io.StringIO(table.csv())))


def test_suppressed_cell_reads_fewer_than_k_and_never_its_number() -> None:
    # The value 3 is given on purpose: a cell marked suppressed never shows what it carries.
    matrix = [
        {"from": "IT", "to": "Sales", "interactions": 3, "suppressed": True},
        {"from": "IT", "to": "IT", "interactions": 40, "suppressed": False},
    ]
    tables = _tables(k=7, matrix=matrix)
    rows = _csv(tables["matrix"])
    assert rows[1] == ["IT", "Sales", "fewer than 7"]
    assert rows[2] == ["IT", "IT", "40"]
    hidden = dashboard.heatmap(_compared(7, matrix)["followup"]).cells[0]
    assert (hidden.fill, hidden.text) == ("url(#hidden)", "")
    assert "3" not in tables["matrix"].csv().replace("40", "")


def test_suppressed_department_and_persona_rows_show_no_numbers() -> None:
    tables = _tables(k=5)
    sales = _csv(tables["departments"])[1]
    assert sales == ["Sales"] + ["fewer than 5"] * 6
    assert _csv(tables["departments"])[2] == ["IT", "40%", "60%", "10%", "30%", "0%", "10%"]
    personas = _csv(tables["personas"])
    assert (
        personas[0] == ["Department"] + "Catalysts Responders Engagers Observers Inactive".split()
    )
    assert personas[2] == ["Sales"] + ["fewer than 5"] * 5


def test_funnel_table_and_bars_follow_the_shares_and_the_targets() -> None:
    report = _report()
    assert _csv(dashboard.tables(_compared(), RECEIPTS, [], {})["funnel"])[1:] == [
        ["Read", "10", "50%", "55%", "−5%"],
        ["Respond", "5", "25%", "40%", "−15%"],
        ["Create", "2", "10%", "5%", "+5%"],
    ]
    read, respond, _ = dashboard.funnel_bars(report)
    assert read.width == PLOT_W * 0.5
    assert read.target_x == PLOT_X + PLOT_W * 0.55
    assert respond.target_x == PLOT_X + PLOT_W * 0.4


def test_comparison_bars_pair_baseline_and_follow_up_and_a_missing_share_draws_nothing() -> None:
    bars = dashboard.comparison_bars(_compared())
    assert [(b.css, b.width, b.text) for b in bars[:4]] == [
        ("bar before", PLOT_W * 0.3, "30%"),
        ("bar after", PLOT_W * 0.5, "50%"),
        ("bar before", 0.0, "–"),
        ("bar after", PLOT_W * 0.25, "25%"),
    ]


def test_comparison_shows_the_chosen_headlines_with_signed_changes() -> None:
    rows = _csv(_tables()["comparison"])
    assert rows[1:] == [["People", "18", "20", "+2"], ["Read", "30%", "50%", "+20%"]]


def test_heatmap_colours_the_busiest_pair_darkest() -> None:
    matrix = [
        {"from": "IT", "to": "IT", "interactions": 40, "suppressed": False},
        {"from": "IT", "to": "Sales", "interactions": 10, "suppressed": False},
        {"from": "Sales", "to": "IT", "interactions": 0, "suppressed": False},
    ]
    found = dashboard.heatmap(_report(matrix=matrix))
    assert found.departments == ["IT", "Sales"]
    busiest, quieter, empty = found.cells
    assert (busiest.fill, busiest.dark) == ("#0b63c5", True)
    assert quieter.dark is False and quieter.fill not in (busiest.fill, empty.fill)
    assert empty.fill == "#e8f1fc"
    assert (quieter.x, quieter.y) == (found.left + found.size, 8.0)  # row IT, column Sales


def test_csv_quotes_what_would_break_a_column() -> None:
    table = dashboard.Table("t", "T", ["Name", "Department"], [['Ann "A", B', "Sales, Noord"]])
    assert table.csv() == 'Name,Department\r\n"Ann ""A"", B","Sales, Noord"\r\n'
    assert _csv(table) == [["Name", "Department"], ['Ann "A", B', "Sales, Noord"]]


def test_unanswered_and_receipts_link_to_their_threads() -> None:
    tables = dashboard.tables(
        _compared(), RECEIPTS, ESCALATIONS, {ESCALATIONS[0]["post_id"]: "Waar is de sleutel?"}
    )
    unanswered = tables["unanswered"]
    assert unanswered.rows[0][0] == "Waar is de sleutel?"
    assert unanswered.links[0] == f"/posts/{ESCALATIONS[0]['post_id']}"
    receipts = tables["receipts"]
    assert receipts.rows[0][0] == "2026-12-01"  # no title known: its date
    assert receipts.rows[0][1:] == ["400", "312", "200", "78%", "–"]
    assert receipts.links[0] == f"/posts/{RECEIPTS['announcements'][0]['post_id']}"


def test_times_and_suppression_read_in_dutch_for_a_dutch_page() -> None:
    token = i18n.current_language.set("nl")
    try:
        assert dashboard.fewer_than(5) == "minder dan 5"
        assert dashboard.hours(2.7e-06) == "minder dan een minuut"
        assert dashboard.hours(3) == "3 uur"
        assert dashboard.count(2.2857) == "2,3"
        assert _csv(_tables()["funnel"])[1][0] == "Lezen"
    finally:
        i18n.current_language.reset(token)
    assert dashboard.hours(2.7e-06) == "under a minute"
    assert dashboard.count(2.2857) == "2.3"


def test_default_periods_are_the_last_week_and_the_week_before() -> None:
    periods = Periods.default(date(2026, 12, 1))
    assert periods.query() == {
        "baseline": "2026-11-18/2026-11-24",
        "followup": "2026-11-25/2026-12-01",
    }
    assert dashboard.page_url(periods, "funnel") == (
        "/community/funnel.csv?baseline_from=2026-11-18&baseline_to=2026-11-24"
        "&followup_from=2026-11-25&followup_to=2026-12-01"
    )


class _Session:
    def __init__(self, roles: list[str] | None) -> None:
        claims: dict[str, Any] = {"sub": "someone"}
        if roles is not None:
            claims["roles"] = roles
        self.access_token = jwt.encode(claims, "a test key, long enough for HS256", "HS256")


def test_navigation_offers_the_dashboard_only_to_its_roles() -> None:
    assert dashboard.manages_community(_Session(["community_manager"]))
    assert dashboard.manages_community(_Session(["network_admin", "x"]))
    assert not dashboard.manages_community(_Session([]))
    assert not dashboard.manages_community(_Session(None))
    assert not dashboard.manages_community(None)


def test_receipts_are_labelled_by_the_announcements_title() -> None:
    post = RECEIPTS["announcements"][0]["post_id"]
    tables = dashboard.tables(_compared(), RECEIPTS, [], {post: "New canteen hours"})
    assert tables["receipts"].rows[0][0] == "New canteen hours (2026-12-01)"


def test_ambassadors_table_heads_each_row_with_the_name() -> None:
    rows = _csv(_tables()["ambassadors"])
    assert rows[0][:3] == ["Name", "Rank", "Department"]
    assert rows[1][:4] == ["Daan Visser", "1", "IT", "26"]


def test_presets_are_four_weeks_against_four_and_quarter_against_quarter() -> None:
    weeks = dashboard.preset("weeks", date(2026, 12, 7))
    assert weeks is not None and weeks.query() == {
        "baseline": "2026-10-13/2026-11-09",
        "followup": "2026-11-10/2026-12-07",
    }
    quarter = dashboard.preset("quarter", date(2026, 2, 14))
    assert quarter is not None and quarter.query() == {
        "baseline": "2025-10-01/2025-12-31",
        "followup": "2026-01-01/2026-02-14",
    }
    assert dashboard.preset("decade", date(2026, 2, 14)) is None


TRENDS = {
    "scope": "org",
    "k": 5,
    "weeks": [
        {"week": {"from": "2026-11-17", "to": "2026-11-23"}, "population": None,
         "suppressed": True},
        {"week": {"from": "2026-11-24", "to": "2026-11-30"}, "population": 20,
         "suppressed": False, "read_share": 0.5, "respond_share": 0.25, "create_share": 0.1,
         "engaged": 16, "health": 0.8},
        {"week": {"from": "2026-12-01", "to": "2026-12-07"}, "population": 20,
         "suppressed": False, "read_share": 1.0, "respond_share": 0.5, "create_share": 0.0,
         "engaged": 18, "health": 0.9},
    ],
}  # fmt: skip


def test_trends_table_and_lines_leave_a_suppressed_week_out() -> None:
    rows = _csv(dashboard.trends_table(TRENDS))
    assert rows[1] == ["2026-11-23"] + ["fewer than 5"] * 6
    assert rows[3] == ["2026-12-07", "20", "100%", "50%", "0%", "18", "90%"]
    read, respond, create = dashboard.funnel_trend(TRENDS).lines
    assert len(read.points.split()) == 2  # the hidden first week is a gap
    right, bottom, top = dashboard.TREND_RIGHT, dashboard.TREND_BOTTOM, dashboard.TREND_TOP
    assert read.points.split()[-1] == f"{right:.1f},{top:.1f}"  # 100% at the top
    assert create.points.split()[-1] == f"{right:.1f},{bottom:.1f}"  # 0% at the bottom
    assert (read.last, respond.last) == ("100%", "50%")


COACH = {
    "week": "2026-12-07",
    "suggestions": [
        {"id": "a1", "kind": "ask_manager", "subject": "Sales", "week": "2026-12-07",
         "evidence": {"department": "Sales", "questions": 3, "oldest_hours": 60,
                      "manager_id": "m", "manager": "Sara"},
         "link": "/posts/q", "metric": "open_questions", "value": 3, "status": None},
        {"id": "b2", "kind": "invite", "subject": "Finance", "week": "2026-12-07",
         "evidence": {"department": "Finance", "read": 0.8, "respond": 0.0},
         "link": "/groups", "metric": "respond_share", "value": 0.0, "status": "done"},
        {"id": "c3", "kind": "announcements", "subject": "g", "week": "2026-12-07",
         "evidence": {"group_id": "g", "group": "Engineering", "announcements": 4,
                      "guideline": 2.0},
         "link": "/groups/g", "metric": "announcements", "value": 4, "status": None},
        {"id": "d4", "kind": "praise", "subject": "u", "week": "2026-12-07",
         "evidence": {"user_id": "u", "name": "Eva", "answers": 12},
         "link": "/people/u", "metric": "answers", "value": 12, "status": "dismissed"},
    ],
    "followed": [
        {"suggestion_id": "b2", "kind": "invite", "subject": "Finance",
         "metric": "respond_share", "week": "2026-11-30", "value_then": 0.0,
         "value_now": 0.25},
    ],
}  # fmt: skip


def test_the_coach_speaks_in_sentences_with_evidence_in_both_languages() -> None:
    texts = [a.text for a in dashboard.advice(COACH)]
    assert texts == [
        "3 questions in Sales unanswered for 2 days or more: ask Sara (their manager) to answer.",
        "Finance reads (80%) but hardly responds (0%): invite them to the next live Q&A.",
        "Engineering posted 4 announcements this week (guideline 2): ask its admins to "
        "bundle them.",
        "Eva answered 12 questions of others this week: praise them.",
    ]
    assert [a.status for a in dashboard.advice(COACH)] == [None, "done", None, "dismissed"]
    token = i18n.current_language.set("nl")
    try:
        dutch = [a.text for a in dashboard.advice(COACH)]
        assert dutch[0].startswith("3 vragen in Sales")
        assert all(d != e for d, e in zip(dutch, texts, strict=True))
    finally:
        i18n.current_language.reset(token)


def test_followed_suggestions_show_the_figure_then_and_now() -> None:
    rows = _csv(dashboard.followed_table(COACH))
    assert rows[1] == ["share who responded, Finance", "2026-11-30", "0%", "25%", "+25%"]


def test_interventions_show_the_estimate_its_interval_and_a_plain_verdict() -> None:
    found = {"interventions": [
        {"title": "Town hall", "on": "2026-11-02", "departments": ["Finance", "HR"],
         "effect": {"estimate": 0.2, "interval": [0.05, 0.35], "verdict": "improved",
                    "shares": {"treated_before": 0.1, "treated_after": 0.4,
                               "control_before": 0.3, "control_after": 0.4}}},
        {"title": "Training", "on": "2026-12-01", "departments": ["IT"],
         "effect": {"estimate": None, "interval": None, "verdict": "too_thin",
                    "shares": None}},
    ]}  # fmt: skip
    rows = _csv(dashboard.interventions_table(found))
    assert rows[1] == [
        "Town hall", "2026-11-02", "Finance, HR", "10% → 40%", "30% → 40%", "+20%",
        "+5% … +35%", "The targeted departments improved more than the others.",
    ]  # fmt: skip
    assert rows[2][5:] == [
        "–", "–", "Too little data to conclude: a side has fewer than k people."
    ]  # fmt: skip


def test_announcements_held_back_by_the_budget_are_counted_per_group() -> None:
    found = [
        {"group_id": "g1", "group_name": "Town hall", "held_back": 12, "people": 9},
        {"group_id": "g2", "group_name": "HR news", "held_back": 1, "people": 1},
    ]
    rows = _csv(dashboard.held_back_table(found))
    assert rows == [
        ["Group", "Notifications held back", "People"],
        ["Town hall", "12", "9"],
        ["HR news", "1", "1"],
    ]


def test_headline_cannot_contradict_itself() -> None:
    text = dashboard.headline(_report())
    assert text == (
        "Of 20 people, 50% read, 25% responded and 10% created; 16 were active in the last "
        "30 days, 80% of those active in the last 12 months."
    )
