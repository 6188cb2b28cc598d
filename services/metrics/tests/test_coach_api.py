"""Trends, the coach (and its decisions), the mirror and interventions through the live
service on real PostgreSQL and NATS, over the made company of test_coach.py."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import pytest
from plein_events.identity import RoleGranted, UserRegistered
from plein_testdata.servers import Plein

from .conftest import caught_up, publish  # type: ignore[import-not-found]
from .test_coach import company  # type: ignore[import-not-found]

pytestmark = pytest.mark.services("identity", "metrics")


async def test_trends_coach_mirror_and_interventions_over_http(plein: Plein) -> None:
    log, ids = company()
    before = datetime(2025, 12, 1, tzinfo=UTC)
    carla = await plein.register("carla", "Carla Manager")
    log.add(RoleGranted(user_id=UUID(carla.id), role="community_manager"), before)
    mara = await plein.register("mara", "Mara")  # a manager of Sales since December 2025
    registered = UserRegistered(
        user_id=UUID(mara.id),
        email="mara@example.com",
        display_name="Mara",
        department="Sales",
        is_manager=True,
    )
    log.add(registered, before)
    await caught_up(plein, await publish(plein.nats_url, log.envelopes))
    http = plein.http

    trends = await http.get(
        "/metrics/trends", params={"to": "2026-02-01", "weeks": 4}, headers=carla.auth
    )
    assert trends.status_code == 200, trends.text
    weeks = trends.json()["weeks"]
    assert [w["week"]["to"] for w in weeks][-1] == "2026-02-01" and len(weeks) == 4
    assert all(w["read_people"] >= w["respond_people"] >= w["create_people"] for w in weeks)

    coach = await http.get("/metrics/coach", params={"week": "2026-02-01"}, headers=carla.auth)
    assert coach.status_code == 200, coach.text
    found = {s["kind"]: s for s in coach.json()["suggestions"]}
    assert set(found) == {"ask_manager", "invite", "announcements", "praise"}
    ask = found["ask_manager"]
    assert ask["status"] is None and ask["value"] == 2
    decided = await http.post(
        "/metrics/coach/decisions",
        json={"week": "2026-02-01", "suggestion_id": ask["id"], "status": "done"},
        headers=carla.auth,
    )
    assert decided.status_code == 200, decided.text
    unknown = await http.post(
        "/metrics/coach/decisions",
        json={"week": "2026-02-01", "suggestion_id": "nothing", "status": "done"},
        headers=carla.auth,
    )
    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith("application/problem+json")
    bad = await http.post(
        "/metrics/coach/decisions",
        json={"week": "2026-02-01", "suggestion_id": ask["id"], "status": "maybe"},
        headers=carla.auth,
    )
    assert bad.status_code == 422
    again = await http.get("/metrics/coach", params={"week": "2026-02-01"}, headers=carla.auth)
    assert {s["kind"]: s["status"] for s in again.json()["suggestions"]}["ask_manager"] == "done"
    later = await http.get("/metrics/coach", params={"week": "2026-02-08"}, headers=carla.auth)
    followed = later.json()["followed"]
    # q1 q2 still waited a week later, and s3's q3 had waited 48 hours by then: it grew
    assert [(f["kind"], f["value_then"], f["value_now"]) for f in followed] == [
        ("ask_manager", 2, 3)
    ]
    assert (
        await http.get("/metrics/coach", params={"week": "2026-02-01"}, headers=mara.auth)
    ).status_code == 403

    mirror = await http.get("/metrics/mirror", params={"week": "2026-02-01"}, headers=mara.auth)
    assert mirror.status_code == 200, mirror.text
    body = mirror.json()
    assert body["team"] == "Sales"
    assert [w["post_id"] for w in body["waiting"]] == [str(ids["q1"]), str(ids["q2"])]
    refused = await http.get("/metrics/mirror", params={"week": "2026-02-01"}, headers=carla.auth)
    assert refused.status_code == 403
    wrong = await http.get("/metrics/mirror", params={"week": "2026-13-01"}, headers=mara.auth)
    assert wrong.status_code == 422

    logged = await http.post(
        "/metrics/interventions",
        json={"title": "Finance town hall", "kind": "town_hall", "on": "2026-01-19",
              "departments": ["Finance"]},
        headers=carla.auth,
    )  # fmt: skip
    assert logged.status_code == 201, logged.text
    assert logged.json()["effect"]["verdict"] in {"too_thin", "inconclusive", "improved",
                                                  "worsened"}  # fmt: skip
    listed = await http.get("/metrics/interventions", headers=carla.auth)
    assert [i["title"] for i in listed.json()["interventions"]] == ["Finance town hall"]
    empty = await http.post(
        "/metrics/interventions",
        json={"title": "x", "on": "2026-01-19", "departments": []},
        headers=carla.auth,
    )
    assert empty.status_code == 422
    assert (await http.get("/metrics/interventions", headers=mara.auth)).status_code == 403
