"""The live metrics service on real PostgreSQL and NATS: hand-built histories published onto
the stream, KPIs read through the API."""

from __future__ import annotations

from typing import Any

import pytest
from plein_events.identity import GroupAdminGranted, MemberJoined, RoleGranted
from plein_metrics.domain import compute_report
from plein_metrics.inputs import Config, Period, Scope
from plein_metrics.readmodel import fold
from plein_testdata.servers import Plein

from .conftest import History, caught_up, jan, publish  # type: ignore[import-not-found]

pytestmark = pytest.mark.services("identity", "posts", "metrics")

K2 = Config(k=2, ambassadors=3)
PERIOD = {"from": "2026-01-05", "to": "2026-01-18"}


async def viewer_with_role(plein: Plein, history: History, role: str = "community_manager") -> Any:
    """A person registered through identity, granted a metrics role by a RoleGranted event.

    Registered now (long after January 2026), so they are not in the history's population.
    """
    viewer = await plein.register("carla", "Carla Manager")
    from uuid import UUID

    history.log.add(RoleGranted(user_id=UUID(viewer.id), role=role), jan(1))  # type: ignore[arg-type]
    return viewer


async def live(plein: Plein, history: History, config: Config = K2) -> Any:
    viewer = await viewer_with_role(plein, history)
    await caught_up(plein, await publish(plein.nats_url, history.envelopes))
    plein.runtime.service("metrics").metrics.config = config  # type: ignore[attr-defined]
    return viewer


async def test_live_kpis_equal_the_hand_computed_report(plein: Plein, history: History) -> None:
    viewer = await live(plein, history)
    response = await plein.http.get("/metrics/kpis", params=PERIOD, headers=viewer.auth)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["population"] == 9
    assert body["funnel"]["read"]["share"] == pytest.approx(9 / 9)  # nested: all read
    assert body["inequality"]["gini"] == pytest.approx(49 / 81)
    assert body["leadership"]["reply_rate"] == pytest.approx(0.25)
    assert body["activity"]["dau"] == pytest.approx(20 / 14)
    # the viewer is in no private group: only Sales team's announcements are listed
    assert [g["name"] for g in body["announcements"]["groups"]] == ["Sales team"]
    expected = compute_report(
        fold(history.envelopes).dataset(),
        Period.of_dates(jan(5).date(), jan(18).date()),
        Scope("org"),
        K2,
        {str(history.ids["G1"])},
    )
    assert body == expected


async def test_views_and_compare(plein: Plein, history: History) -> None:
    viewer = await live(plein, history)
    for view, key in [
        ("inequality", "inequality"),
        ("responsiveness", "responsiveness"),
        ("leadership", "leadership"),
        ("cross-department", "cross_department"),
        ("ambassadors", "ambassadors"),
        ("announcements", "announcements"),
        ("activity", "activity"),
    ]:
        response = await plein.http.get(f"/metrics/{view}", params=PERIOD, headers=viewer.auth)
        assert response.status_code == 200, (view, response.text)
        assert key in response.json() and response.json()["population"] == 9
    response = await plein.http.get(
        "/metrics/compare",
        params={"baseline": "2026-01-05/2026-01-11", "followup": "2026-01-12/2026-01-18"},
        headers=viewer.auth,
    )
    assert response.status_code == 200, response.text
    deltas = {d["kpi"]: d for d in response.json()["deltas"]}
    assert deltas["funnel.create.share"]["delta"] == pytest.approx(3 / 8 - 3 / 9)


async def test_people_without_a_metrics_role_are_forbidden(plein: Plein) -> None:
    await plein.register("first", "First Person")  # identity makes the first a network admin
    member = await plein.register("dirk", "Dirk Member")
    response = await plein.http.get("/metrics/kpis", params=PERIOD, headers=member.auth)
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")
    assert (await plein.http.get("/metrics/kpis", params=PERIOD)).status_code == 401


async def test_network_admin_role_from_events_opens_metrics(plein: Plein, history: History) -> None:
    await plein.register("first", "First Person")  # identity makes the first a network admin
    viewer = await plein.register("nina", "Nina Admin")
    response = await plein.http.get("/metrics/kpis", params=PERIOD, headers=viewer.auth)
    assert response.status_code == 403
    from uuid import UUID

    history.log.add(RoleGranted(user_id=UUID(viewer.id), role="network_admin"), jan(1))
    await caught_up(plein, await publish(plein.nats_url, history.envelopes))
    response = await plein.http.get("/metrics/kpis", params=PERIOD, headers=viewer.auth)
    assert response.status_code == 200, response.text


async def test_private_group_kpis_only_for_its_members(plein: Plein, history: History) -> None:
    viewer = await live(plein, history)
    private = {"scope": f"group:{history.ids['P1']}", **PERIOD}
    response = await plein.http.get("/metrics/kpis", params=private, headers=viewer.auth)
    assert response.status_code == 404
    from uuid import UUID

    history.log.envelopes.clear()
    history.log.add(MemberJoined(group_id=history.ids["P1"], user_id=UUID(viewer.id)), jan(2))
    await caught_up(plein, await publish(plein.nats_url, history.envelopes))
    response = await plein.http.get("/metrics/kpis", params=private, headers=viewer.auth)
    assert response.status_code == 200, response.text
    assert response.json()["population"] == 2  # a and d (the viewer registered later)
    names = [g["group_id"] for g in response.json()["announcements"]["groups"]]
    assert names == [str(history.ids["P1"])]


async def test_small_scopes_and_bad_input_get_problems(plein: Plein, history: History) -> None:
    viewer = await live(plein, history, Config(k=5))
    response = await plein.http.get(
        "/metrics/kpis", params={"scope": "department:IT", **PERIOD}, headers=viewer.auth
    )
    assert response.status_code == 422
    assert "fewer than 5" in response.json()["detail"]
    body = (await plein.http.get("/metrics/kpis", params=PERIOD, headers=viewer.auth)).json()
    assert all(d["suppressed"] for d in body["departments"])
    for params in (
        {"scope": "team:x", **PERIOD},
        {"from": "2026-01-18", "to": "2026-01-05"},
        {"from": "yesterday", "to": "2026-01-05"},
    ):
        response = await plein.http.get("/metrics/kpis", params=params, headers=viewer.auth)
        assert response.status_code == 422, params
    response = await plein.http.get(
        "/metrics/compare", params={"baseline": "2026-01", "followup": "x"}, headers=viewer.auth
    )
    assert response.status_code == 422


async def test_dates_far_in_the_past_or_future_are_a_problem_not_a_crash(
    plein: Plein, history: History
) -> None:
    viewer = await live(plein, history)
    for params in (
        {"from": "0001-01-01", "to": "0001-01-31"},
        {"from": "9999-12-01", "to": "9999-12-31"},
        {"from": "0001-01-01", "to": "9999-12-31"},
    ):
        response = await plein.http.get("/metrics/kpis", params=params, headers=viewer.auth)
        assert response.status_code == 422, (params, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    for baseline, followup in (
        ("0001-01-01/0001-01-31", "2026-01-05/2026-01-18"),
        ("2026-01-05/2026-01-18", "9999-12-01/9999-12-31"),
    ):
        response = await plein.http.get(
            "/metrics/compare",
            params={"baseline": baseline, "followup": followup},
            headers=viewer.auth,
        )
        assert response.status_code == 422, (baseline, response.text)
        assert "between 1971-01-01 and 9998-12-31" in response.json()["detail"]


async def test_a_revoked_community_manager_is_refused_at_once(plein: Plein) -> None:
    from plein_testdata.servers import eventually

    await plein.register("first", "First Person")  # identity makes the first a network admin
    kim = await plein.grant_role(await plein.register("kim", "Kim Manager"), "community_manager")

    async def opens() -> None:  # once metrics has read identity's RoleGranted
        response = await plein.http.get("/metrics/kpis", params=PERIOD, headers=kim.auth)
        assert response.status_code == 200, response.text

    await eventually(opens, timeout_s=60)
    response = await plein.http.delete(
        f"/identity/users/{kim.id}/roles/community_manager", headers=plein.network_admin.auth
    )
    assert response.status_code == 204, response.text

    async def refused() -> None:
        response = await plein.http.get("/metrics/kpis", params=PERIOD, headers=kim.auth)
        assert response.status_code == 403, response.text

    # the same token, valid for minutes yet and still saying community_manager
    await eventually(refused, timeout_s=60)


async def test_read_receipts_over_http(plein: Plein, history: History) -> None:
    from uuid import UUID

    from plein_events.feed import AnnouncementAcknowledged
    from plein_testdata.metrics import uid

    ids = history.ids
    ann = uid("ann12")
    history.log.seen(ids["b"], jan(12, 10), ann)
    history.log.add(
        AnnouncementAcknowledged(post_id=ann, user_id=ids["b"], group_id=ids["G1"]), jan(12)
    )
    viewer = await live(plein, history)
    response = await plein.http.get(f"/metrics/posts/{ann}/receipts", headers=viewer.auth)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["audience"], body["seen"], body["acknowledged"]) == (2, 1, 1)
    assert body["summary"] == "seen by 1 of 2, acknowledged by 1"
    listed = await plein.http.get(
        "/metrics/announcements/receipts", params=PERIOD, headers=viewer.auth
    )
    assert listed.status_code == 200, listed.text
    found = {a["post_id"]: a for a in listed.json()["announcements"]}
    # the five Sales team announcements; the private group's one is not the viewer's to see
    assert len(found) == 5 and found[str(ann)] == body
    member = await plein.register("dirk", "Dirk Member")
    response = await plein.http.get(f"/metrics/posts/{ann}/receipts", headers=member.auth)
    assert response.status_code == 403
    private = uid("annP")
    response = await plein.http.get(f"/metrics/posts/{private}/receipts", headers=viewer.auth)
    assert response.status_code == 404
    missing = UUID(int=5)
    response = await plein.http.get(f"/metrics/posts/{missing}/receipts", headers=viewer.auth)
    assert response.status_code == 404


async def test_ambassadors_per_request(plein: Plein, history: History) -> None:
    viewer = await live(plein, history)
    response = await plein.http.get(
        "/metrics/ambassadors", params={**PERIOD, "ambassadors": "5"}, headers=viewer.auth
    )
    assert response.status_code == 200, response.text
    assert [a["name"] for a in response.json()["ambassadors"]] == ["A", "D", "E", "C", "G"]
    response = await plein.http.get(
        "/metrics/ambassadors", params={**PERIOD, "ambassadors": "0"}, headers=viewer.auth
    )
    assert response.status_code == 422


async def test_openapi_carries_every_definition(plein: Plein) -> None:
    from plein_metrics.definitions import DEFINITIONS

    spec = (await plein.http.get("/metrics/openapi.json")).json()
    operations = [op for path in spec["paths"].values() for op in path.values()]
    text = " ".join(op.get("description", "") for op in operations)
    for definition in DEFINITIONS.values():
        assert definition in text


_ = GroupAdminGranted  # imported for readers: admins count as members (see readmodel)
