"""The KPIs exact to the event: history, not "as last known"; reads only of posts that exist
and may be seen; a first reaction once, ever; no suppressed cell that totals give away.
Hand-computed on the history of conftest.py (see test_domain.py for its base values)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from uuid import UUID

import numpy as np
import pytest
from plein_events.identity import ProfileUpdated, UserRegistered
from plein_events.posts import Unreacted
from plein_metrics.domain import compute_report
from plein_metrics.inputs import Config, Period, Scope
from plein_metrics.readmodel import fold
from plein_testdata.metrics import organisation

from .conftest import History, jan  # type: ignore[import-not-found]

PERIOD = Period.of_dates(jan(5).date(), jan(18).date())
K2 = Config(k=2, ambassadors=3)


def report(history: History, scope: str = "org", period: Period = PERIOD, **kw: object) -> dict:
    config = kw.pop("config", K2)
    return compute_report(
        fold(history.envelopes).dataset(),
        period,
        Scope.parse(scope),
        config,  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )


def scores(r: dict) -> dict[str, tuple[int, int]]:
    return {a["user_id"]: (a["score"], a["accepted_answers"]) for a in r["ambassadors"]}


# -- 1. accepted answers have a history ------------------------------------------------------


def test_switching_the_best_answer_later_keeps_the_earlier_periods_answer(
    history: History,
) -> None:
    ids = history.ids
    r7 = history.log.reply("r7", ids["f"], jan(20), ids["q1"], ids["d"], kind="question")
    history.log.accept(ids["q1"], r7, ids["f"], ids["d"], jan(21))  # d switches to f's answer
    baseline = report(history)
    assert baseline["responsiveness"]["answered_share"] == 0.5  # q1 (of q1, q2)
    assert scores(baseline)[str(ids["e"])] == (8, 1)  # e keeps the 5 points of r3
    followup = report(history, period=Period.of_dates(jan(19).date(), jan(25).date()))
    # f: r7 (2) + accepted (5); a: the "late" post (3)
    assert scores(followup)[str(ids["f"])] == (7, 1)
    assert str(ids["e"]) not in scores(followup)


def test_switching_back_to_an_answer_earns_its_points_once(history: History) -> None:
    ids = history.ids
    r7 = history.log.reply("r7", ids["f"], jan(8), ids["q1"], ids["d"], kind="question")
    history.log.accept(ids["q1"], r7, ids["f"], ids["d"], jan(9))
    history.log.accept(ids["q1"], ids["r3"], ids["e"], ids["d"], jan(10))  # back to r3
    top = scores(report(history, ambassadors=10))
    assert top[str(ids["e"])] == (8, 1)  # not 13: r3 was accepted on Jan 7 already
    assert top[str(ids["f"])] == (7, 1)


# -- 2. a read is a post that existed and could be seen -------------------------------------


def test_a_seen_of_a_missing_or_invisible_post_is_no_read(history: History) -> None:
    ids = history.ids
    history.log.seen(ids["c"], jan(17, 9), UUID(int=1))  # no such post
    history.log.seen(ids["h"], jan(17, 9), ids["p2"])  # private group, h no member
    late = history.log.post("later", ids["a"], jan(18, 12))
    history.log.seen(ids["z"], jan(17, 9), late)  # a post that did not exist yet
    day = Period.of_dates(jan(17).date(), jan(17).date())  # a day nobody did anything else
    data = fold(history.envelopes).dataset()
    assert compute_report(data, day, Scope("org"), K2)["funnel"]["read"]["people"] == 0
    r = report(history)
    assert r["activity"]["dau"] == pytest.approx((20 + 1) / 14)  # only a's post on Jan 18
    assert r["activity"]["wau"] == 4  # a d f g: not c


# -- 3. a first reaction counts once, ever ---------------------------------------------------


def test_taking_back_a_reaction_and_reacting_again_is_no_new_response(history: History) -> None:
    ids = history.ids
    for day in (13, 14):
        history.log.add(
            Unreacted(
                post_id=ids["p1"],
                target_author_id=ids["a"],
                user_id=ids["e"],
                reaction="like",
                group_id=ids["G1"],
            ),
            jan(day, 8),
        )
        history.log.react(ids["e"], jan(day, 9), ids["p1"], ids["a"], group=ids["G1"])
    r = report(history)
    assert r["inequality"]["contributions"] == 18  # as without the take-backs
    assert r["cross_department"]["interactions"] == 7
    assert scores(r)[str(ids["e"])] == (8, 1)
    assert r["activity"]["wau"] == 4  # e's reactions of Jan 13 and 14 are no activity


# -- 4. departments and memberships as they were at the time -------------------------------


def move(history: History, name: str, department: str, at: datetime) -> None:
    user = history.ids[name]
    history.log.add(
        ProfileUpdated(
            user_id=user,
            email=f"{name}@example.com",
            display_name=name.title(),
            department=department,
            changed=["department"],
        ),
        at,
    )


def test_moving_department_later_changes_no_earlier_period(history: History) -> None:
    before = (report(history, "department:IT"), report(history, "department:Sales"))
    move(history, "f", "Sales", jan(25))
    after = (report(history, "department:IT"), report(history, "department:Sales"))
    assert after == before
    assert after[0]["population"] == 3 and after[1]["population"] == 3


def test_activity_counts_for_the_department_its_author_was_in_then(history: History) -> None:
    move(history, "f", "Sales", jan(12))  # f read p1 on Jan 13, in Sales by then
    it, sales = report(history, "department:IT"), report(history, "department:Sales")
    assert it["population"] == 3 and sales["population"] == 4  # f was in both
    # f's read counts for Sales; IT's readers are d and e, who responded (nested funnel)
    assert it["funnel"]["read"]["people"] == 2
    assert sales["funnel"]["read"]["people"] == 4  # b and f read, a and c responded
    departments = {d["department"]: d for d in report(history)["departments"]}
    assert departments["Sales"]["population"] == 4
    assert departments["Sales"]["read"] == 1
    assert departments["IT"]["read"] == pytest.approx(2 / 3)
    assert departments["IT"]["respond"] == pytest.approx(2 / 3)


def test_a_response_is_between_the_departments_of_that_moment(history: History) -> None:
    move(history, "d", "Sales", jan(25))  # after the period: nothing changes
    cross = report(history)["cross_department"]
    assert (cross["interactions"], cross["cross"]) == (7, 3)  # e->a, d->a, a->d
    move(history, "d", "Sales", jan(8))
    cross = report(history)["cross_department"]
    # d->a (r6, Jan 6) and e->a (Jan 6) still cross; a->d (r4, Jan 9) is within Sales now
    assert (cross["interactions"], cross["cross"]) == (7, 2)


# -- 5. no hidden cell can be worked out -----------------------------------------------------


def test_one_small_department_hides_the_next_smallest_too(history: History) -> None:
    log = history.log
    log.add(
        UserRegistered(user_id=UUID(int=7), email="w@example.com", display_name="W",
                       department="Legal"),
        datetime(2025, 12, 1, tzinfo=UTC),
    )  # fmt: skip
    r = report(history, config=Config(k=3))
    shown = {d["department"]: d["population"] for d in r["departments"] if not d["suppressed"]}
    hidden = {d["department"] for d in r["departments"] if d["suppressed"]}
    assert hidden == {"Legal", "HR"}  # Legal (1) alone would be 10 - 3 - 3
    assert shown == {"IT": 3, "Sales": 3}


def published(r: dict) -> tuple[dict, dict[tuple[str, str], int]]:
    cells = {(c["from"], c["to"]): c["interactions"] for c in r["cross_department"]["matrix"]}
    return r["cross_department"], cells


def test_no_suppressed_matrix_cell_can_be_worked_out_on_the_hand_built_history(
    history: History,
) -> None:
    """Every total the reports show (the organisation's, each department scope's) and every
    shown cell, against every assignment of at least 1 to the hidden cells: each hidden cell
    can take more than one value."""
    org = report(history)
    totals, cells = published(org)
    hidden = [key for key, value in cells.items() if value is None]
    assert len(hidden) == 4
    rows = {}
    for department in ("Sales", "IT"):
        row_totals, row_cells = published(report(history, f"department:{department}"))
        # a department scope shows its row of the organisation's matrix, suppressed alike
        assert row_cells == {k: v for k, v in cells.items() if k[0] == department}
        rows[department] = row_totals
    limit = totals["interactions"]
    solutions = []
    for values in itertools.product(range(1, limit + 1), repeat=len(hidden)):
        full = {**cells, **dict(zip(hidden, values, strict=True))}
        if (
            sum(full.values()) == totals["interactions"]
            and sum(v for (s, t), v in full.items() if s != t) == totals["cross"]
            and all(
                sum(v for (s, _), v in full.items() if s == d) == rows[d]["interactions"]
                for d in rows
            )
        ):
            solutions.append(values)
    assert solutions  # the true values are one
    for i, key in enumerate(hidden):
        assert len({s[i] for s in solutions}) > 1, key


def test_no_suppressed_cell_is_a_linear_function_of_what_is_shown() -> None:
    """On a generated organisation with k = 5: the matrix and the department breakdown of the
    organisation and of every department scope. A hidden cell is worked out exactly when its
    unit vector lies in the span of the sums a reader knows (rank test)."""
    data = fold(organisation(people=120, events=4000, days=40, seed=11)).dataset()
    period = Period.of_dates(datetime(2026, 1, 1).date(), datetime(2026, 1, 31).date())
    config = Config()
    org = compute_report(data, period, Scope("org"), config)
    matrix = org["cross_department"]["matrix"]
    hidden = [(c["from"], c["to"]) for c in matrix if c["suppressed"]]
    assert hidden and len(hidden) < len(matrix)  # something to protect, something shown
    sums: list[set[tuple[str, str]]] = [
        set(hidden),
        {h for h in hidden if h[0] != h[1]},
    ]
    for department in {c["from"] for c in matrix}:
        sums.append({h for h in hidden if h[0] == department})
    a = np.array([[1.0 if h in s else 0.0 for h in hidden] for s in sums if s])
    rank = np.linalg.matrix_rank(a)
    for i, key in enumerate(hidden):
        unit = np.zeros(len(hidden))
        unit[i] = 1.0
        assert np.linalg.matrix_rank(np.vstack([a, unit])) > rank, key
    departments = org["departments"]
    small = [d for d in departments if d["suppressed"]]
    assert len(small) != 1  # one hidden department would be the total minus the rest
