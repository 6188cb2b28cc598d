"""The definitions hold together on random histories, live and offline alike: create <=
respond <= read (overall, per department and per group), engaged <= active in the last 12
months <= population, persona shares add up to 100% and match the funnel, and every week of
the trends equals a report of that week.

"Live" is the read model folded in memory, the rows the projection writes to PostgreSQL
(test_export.py holds the two equal); "offline" is the analysts' Parquet export read back with
DuckDB, what `plein kpis` computes from.
"""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from plein_metrics.domain import PERSONAS, compute_report
from plein_metrics.domain_trends import weekly_trends
from plein_metrics.export import Export
from plein_metrics.inputs import Config, Dataset, Period, Scope, TooFewPeople
from plein_metrics.offline import load_dataset
from plein_metrics.readmodel import fold
from plein_testdata.metrics import DEPARTMENTS, START, organisation

CONFIG = Config(k=3)
STAGES = ("read", "respond", "create")


def _history(seed: int, people: int, events: int) -> list[Any]:
    return list(organisation(people=people, events=events, seed=seed, days=60))


def _offline(envelopes: list[Any], period: Period) -> Dataset:
    export = Export()
    for seq, envelope in enumerate(envelopes, start=1):
        export.add(seq, envelope)
    with tempfile.TemporaryDirectory() as folder:
        export.write(Path(folder))
        return load_dataset(Path(folder), period)


def _check(report: dict[str, Any]) -> None:
    funnel = report["funnel"]
    people = [funnel[s]["people"] for s in STAGES]
    assert people[0] >= people[1] >= people[2], people
    for row in report["departments"] + report["groups"]:
        if not row["suppressed"]:
            assert row["read"] >= row["respond"] >= row["create"], row
    activity = report["activity"]
    assert activity["engaged"] <= activity["active_last_12_months"] <= report["population"]
    assert activity["engaged"] == activity["mau"]
    distribution = report["personas"]["distribution"]
    if report["population"]:
        assert sum(distribution[p]["share"] for p in PERSONAS) == pytest.approx(1.0)
        # the personas are the funnel's stages, cut apart
        responding = sum(distribution[p]["people"] for p in ("catalyst", "responder", "engager"))
        assert responding == funnel["respond"]["people"]
        assert distribution["observer"]["people"] == people[0] - people[1]
        assert distribution["inactive"]["people"] == report["population"] - people[0]
    for row in report["personas"]["departments"]:
        if not row["suppressed"]:
            assert sum(row["shares"].values()) == pytest.approx(1.0)


histories = st.tuples(
    st.integers(min_value=1, max_value=10_000),  # seed
    st.integers(min_value=8, max_value=40),  # people
    st.integers(min_value=50, max_value=600),  # events
)
periods = st.tuples(st.integers(0, 55), st.integers(0, 30))  # first day after START, length
scopes = st.one_of(st.just("org"), st.sampled_from([f"department:{d}" for d in DEPARTMENTS]))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories, periods, scopes)
def test_funnel_personas_and_health_hold_together_live_and_offline(
    history: tuple[int, int, int], when: tuple[int, int], scope: str
) -> None:
    envelopes = _history(*history)
    first = START.date() + timedelta(days=when[0])
    period = Period.of_dates(first, first + timedelta(days=when[1]))
    for data in (fold(envelopes).dataset(), _offline(envelopes, period)):
        try:
            report = compute_report(data, period, Scope.parse(scope), CONFIG)
        except TooFewPeople:
            continue
        _check(report)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories, st.integers(0, 60), st.integers(1, 6), scopes)
def test_every_week_of_the_trends_is_the_report_of_that_week(
    history: tuple[int, int, int], offset: int, weeks: int, scope: str
) -> None:
    data = fold(_history(*history)).dataset()
    last: date = START.date() + timedelta(days=offset)
    trends = weekly_trends(data, last, weeks, Scope.parse(scope), CONFIG)
    assert len(trends) == weeks
    for week in trends:
        period = Period.parse(f"{week['week']['from']}/{week['week']['to']}")
        try:
            report = compute_report(data, period, Scope.parse(scope), CONFIG)
        except TooFewPeople:
            assert week["suppressed"]
            continue
        assert week["population"] == report["population"]
        for stage in STAGES:
            assert week[f"{stage}_people"] == report["funnel"][stage]["people"]
        assert week["engaged"] == report["activity"]["engaged"]
        assert week["health"] == report["activity"]["health"]
        assert week["read_people"] >= week["respond_people"] >= week["create_people"]
