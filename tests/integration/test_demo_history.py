"""The demo with its history, as `plein run` seeds it (in process, at historic moments): twelve
weeks that metrics reads as history, with a baseline and a follow-up that differ."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from plein_demo import seed_demo
from plein_demo.history import DAYS, History
from plein_demo.organisation import DEPARTMENTS, INTERVENTION_DEPARTMENT, Persona
from plein_demo.people import DEMO_DOMAIN
from plein_demo.seed import DEMO_PASSWORD
from plein_testdata.servers import Plein, eventually

pytestmark = pytest.mark.services("identity", "posts", "feed", "notify", "metrics")


def _periods(history: History) -> tuple[str, str]:
    first, last = history.first_day, history.last_day
    baseline = f"{first}/{first + timedelta(days=27)}"
    followup = f"{last - timedelta(days=27)}/{last}"
    return baseline, followup


async def test_the_seeded_history_gives_metrics_a_baseline_and_a_different_follow_up(
    plein: Plein,
) -> None:
    assert plein.server is not None
    seeded = await seed_demo(plein.base_url, say=lambda _: None, app=plein.server.config.loaded_app)
    assert seeded is not None
    history: History = seeded["history"]
    assert (history.last_day - history.first_day).days == DAYS - 1 == 83
    assert len(seeded["people"]) == 150

    token = await plein.http.post(
        "/identity/tokens", json={"email": f"kim@{DEMO_DOMAIN}", "password": DEMO_PASSWORD}
    )
    kim = {"Authorization": f"Bearer {token.json()['access_token']}"}
    baseline, followup = _periods(history)

    async def compared(scope: str = "org") -> dict[str, Any]:
        response = await plein.http.get(
            "/metrics/compare",
            headers=kim,
            params={"baseline": baseline, "followup": followup, "scope": scope},
        )
        assert response.status_code == 200, response.text
        report: dict[str, Any] = response.json()
        return report

    async def filled() -> dict[str, Any]:
        """Both periods, once metrics has read the history."""
        report = await compared()
        for period in ("baseline", "followup"):
            funnel = report[period]["funnel"]
            assert funnel["read"]["people"] >= 100, (period, funnel)
            assert funnel["create"]["people"] >= 10, (period, funnel)
        return report

    report = await eventually(filled, timeout_s=300)
    for period in ("baseline", "followup"):
        assert report[period]["population"] == 150
        personas = report[period]["personas"]
        assert all(personas["distribution"][p]["people"] > 0 for p in Persona), period
        rows = {row["department"]: row for row in personas["departments"]}
        assert set(rows) == set(DEPARTMENTS)
        assert not any(row["suppressed"] for row in rows.values())

    # The department with the town hall in week 7 takes part after it; before, it read.
    changed = await compared(f"department:{INTERVENTION_DEPARTMENT}")
    before, after = changed["baseline"]["funnel"], changed["followup"]["funnel"]
    assert before["respond"]["people"] == 0 < after["respond"]["people"]
    assert before["read"]["people"] > 0
