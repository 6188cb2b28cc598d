"""The coach, the manager mirror, interventions and trends on made histories; expected values
worked out by hand.

The coach's week is 2026-01-26..2026-02-01. Sales (Sara, its manager, and s1..s5): s1 and s2
asked on Jan 27, nobody answered; s3 asked on Jan 31 at 20:00 (not 48 hours yet). Finance
(f0..f4): everybody read, nobody ever responded. Engineering (e0, its manager, e1..e4): e0
posted 4 announcements in the Engineering group this week (guideline 2). Support (eva,
u1..u4): u1..u4 and e1 asked, Eva answered all five.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from plein_metrics.coach import coach
from plein_metrics.domain_trends import weekly_trends
from plein_metrics.inputs import Config, Scope
from plein_metrics.interventions import effect
from plein_metrics.mirror import NotAManager, mirror
from plein_metrics.readmodel import fold
from plein_testdata.metrics import EventLog

from .conftest import History, jan  # type: ignore[import-not-found]

WEEK = date(2026, 2, 1)
K5 = Config(k=5)


def at(month: int, day: int, hour: int = 9) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def company() -> tuple[EventLog, dict[str, object]]:
    log = EventLog("coach")
    before = datetime(2025, 12, 1, tzinfo=UTC)
    ids: dict[str, object] = {}
    for name, dept, manager in [
        ("sara", "Sales", True), *((f"s{i}", "Sales", False) for i in range(1, 6)),
        *((f"f{i}", "Finance", i == 0) for i in range(5)),
        *((f"e{i}", "Engineering", i == 0) for i in range(5)),
        ("eva", "Support", False), *((f"u{i}", "Support", False) for i in range(1, 5)),
    ]:  # fmt: skip
        ids[name] = log.person(name, before, dept, manager)
    eng = log.group("Engineering", before)
    for i in range(5):
        log.join(eng, ids[f"e{i}"], before, admin=i == 0)  # type: ignore[arg-type]
    ids["eng"] = eng
    news = log.post("news", ids["e0"], at(1, 20), group=eng)  # type: ignore[arg-type]
    for i in range(5):
        log.seen(ids[f"f{i}"], at(1, 21), news)  # type: ignore[arg-type]
        log.seen(ids[f"e{i}"], at(1, 21), news)  # type: ignore[arg-type]
    ids["q1"] = log.post("q1", ids["s1"], at(1, 27), kind="question")  # type: ignore[arg-type]
    ids["q2"] = log.post("q2", ids["s2"], at(1, 27, 10), kind="question")  # type: ignore[arg-type]
    log.post("q3", ids["s3"], at(1, 31, 20), kind="question")  # type: ignore[arg-type]
    for day in (26, 27, 28, 29):
        log.post(f"ann{day}", ids["e0"], at(1, day), kind="announcement", group=eng)  # type: ignore[arg-type]
    for n, asker in enumerate(["u1", "u2", "u3", "u4", "e1"]):
        q = ids[f"sq{n}"] = log.post(f"sq{n}", ids[asker], at(1, 26, 9 + n), kind="question")  # type: ignore[arg-type]
        log.reply(f"sa{n}", ids["eva"], at(1, 26, 15 + n), q, ids[asker], kind="question")  # type: ignore[arg-type]
    return log, ids


def test_the_coach_suggests_what_to_do_with_evidence_and_a_link() -> None:
    log, ids = company()
    found = coach(fold(log.envelopes).dataset(), WEEK, K5)
    assert [(s["kind"], s["subject"]) for s in found] == [
        ("ask_manager", "Sales"),
        ("invite", "Finance"),
        ("announcements", str(ids["eng"])),
        ("praise", str(ids["eva"])),
    ]
    ask, invite, load, praise = found
    assert ask["evidence"]["questions"] == 2  # q1 q2; q3 waits less than 48 hours
    assert ask["evidence"]["manager"] == "Sara" and ask["evidence"]["oldest_hours"] == 135
    assert ask["link"] == f"/posts/{ids['q1']}" and ask["value"] == 2
    assert (invite["evidence"]["read"], invite["evidence"]["respond"]) == (1, 0)
    assert load["evidence"]["announcements"] == 4 and load["evidence"]["guideline"] == 2
    assert praise["evidence"] == {"user_id": str(ids["eva"]), "name": "Eva", "answers": 5}
    assert praise["link"] == f"/people/{ids['eva']}"
    assert all(s["id"] and s["week"] == "2026-02-01" for s in found)


def test_the_coach_leaves_out_departments_of_fewer_than_k_people() -> None:
    log, _ = company()
    found = coach(fold(log.envelopes).dataset(), WEEK, Config(k=7))
    assert not {s["kind"] for s in found} & {"ask_manager", "invite"}


def test_an_answered_question_leaves_the_coachs_list() -> None:
    log, ids = company()
    for q in ("q1", "q2"):
        log.reply(f"ans-{q}", ids["sara"], at(1, 30), ids[q], ids["s1"], kind="question")  # type: ignore[arg-type]
    found = coach(fold(log.envelopes).dataset(), WEEK, K5)
    assert "ask_manager" not in {s["kind"] for s in found}


def test_the_mirror_shows_a_manager_their_teams_waiting_threads_and_rate() -> None:
    log, ids = company()
    data = fold(log.envelopes).dataset()
    sara = mirror(data, WEEK, str(ids["sara"]), K5)
    assert sara["team"] == "Sales" and sara["team_people"] == 6
    assert [w["post_id"] for w in sara["waiting"]] == [str(ids["q1"]), str(ids["q2"])]
    assert sara["threads"] == 2 and sara["reply_rate"] == 0
    # one manager has a rate (Finance and Engineering had no posts or questions): no median
    assert sara["company_median"] is None
    log.reply("e0-r", ids["e0"], at(1, 28), ids["sq4"], ids["e1"], kind="question")  # type: ignore[arg-type]
    both = mirror(fold(log.envelopes).dataset(), WEEK, str(ids["sara"]), Config(k=2))
    assert both["company_median"] == pytest.approx(0.5)  # Sara 0, e0 1 (e1's question)
    assert "Engineering" not in str(both)  # no other team by name


def test_the_mirror_is_for_managers_only() -> None:
    log, ids = company()
    with pytest.raises(NotAManager):
        mirror(fold(log.envelopes).dataset(), WEEK, str(ids["s1"]), K5)


def intervention_history() -> tuple[EventLog, dict[str, object]]:
    """A (treated, 6 people) and B (control, 6): before Jan 19, a1 posted and b1 asked, b2
    and b3 reacted; from Jan 19, a1 posted and a2..a5 reacted, b1 posted, b2 and b3 reacted."""
    log = EventLog("did")
    before = datetime(2025, 12, 1, tzinfo=UTC)
    ids = {f"{d}{i}": log.person(f"{d}{i}", before, d.upper()) for d in "ab" for i in range(1, 7)}
    p0 = log.post("p0", ids["a1"], jan(5))
    q0 = log.post("q0", ids["b1"], jan(6))
    for b in ("b2", "b3"):
        log.react(ids[b], jan(7), q0, ids["b1"])
    p1 = log.post("p1", ids["a1"], jan(20))
    for a in ("a2", "a3", "a4", "a5"):
        log.react(ids[a], jan(21), p1, ids["a1"])
    q1 = log.post("q1", ids["b1"], jan(22))
    for b in ("b2", "b3"):
        log.react(ids[b], jan(23), q1, ids["b1"])
    _ = p0
    return log, dict(ids)


def test_difference_in_differences_with_a_bootstrap_interval() -> None:
    log, _ = intervention_history()
    data = fold(log.envelopes).dataset()
    found = effect(data, date(2026, 1, 19), {"A"}, date(2026, 3, 1), K5)
    assert (found["treated_people"], found["control_people"]) == (6, 6)
    assert found["shares"] == pytest.approx(
        {"treated_before": 1 / 6, "treated_after": 5 / 6, "control_before": 0.5,
         "control_after": 0.5}
    )  # fmt: skip
    assert found["estimate"] == pytest.approx(4 / 6)
    low, high = found["interval"]
    assert 0 < low <= 4 / 6 <= high <= 1
    assert found["verdict"] == "improved"


def test_interventions_say_plainly_when_the_data_is_too_thin_or_not_in() -> None:
    log, _ = intervention_history()
    data = fold(log.envelopes).dataset()
    thin = effect(data, date(2026, 1, 19), {"A"}, date(2026, 3, 1), Config(k=7))
    assert thin["verdict"] == "too_thin" and thin["estimate"] is None
    assert thin["treated_people"] is None  # a side under k is not even counted out
    early = effect(data, date(2026, 1, 19), {"A"}, date(2026, 2, 1), K5)
    assert early["verdict"] == "incomplete"
    nothing = effect(data, date(2026, 1, 19), {"B"}, date(2026, 3, 1), K5)
    assert nothing["estimate"] == pytest.approx(-4 / 6) and nothing["verdict"] == "worsened"


def test_trends_give_each_weeks_funnel_and_health(history: History) -> None:
    data = fold(history.envelopes).dataset()
    weeks = weekly_trends(data, jan(18).date(), 2, Scope("org"), Config(k=2))
    assert [w["week"]["from"] for w in weeks] == ["2026-01-05", "2026-01-12"]
    assert [w["population"] for w in weeks] == [9, 8]  # z left on Jan 10
    assert [w["create_people"] for w in weeks] == [3, 3]  # a d c, then a d g
    assert [w["respond_people"] for w in weeks] == [5, 3]  # a b c d e, then a d g
    assert all(w["read_people"] >= w["respond_people"] for w in weeks)
    assert weeks[1]["engaged"] <= weeks[1]["active_last_12_months"]
