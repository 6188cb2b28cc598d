"""Every KPI on the hand-built history of conftest.py; expected values worked out by hand.

Population in 2026-01-05..18: a b c (Sales), d e f (IT), g h z (HR) = 9; x left before the
period, y joined after it. Contributions (threads + responses, in the period): a 8 (p1, five
announcements, r2, r4), d 4 (q1, p2, annP, r6), c 2 (q2, reaction), e 2 (reaction, r3), b 1
(r1), g 1 (praise), f h z 0; f's reply and e's read in the private group do not count.
"""

from __future__ import annotations

import pytest
from plein_events.identity import UserErased
from plein_metrics.compare import compare
from plein_metrics.domain import compute_report, gini, top_share
from plein_metrics.inputs import Config, Period, Scope, TooFewPeople
from plein_metrics.readmodel import fold
from plein_platform.errors import InvalidInput

from .conftest import History, jan  # type: ignore[import-not-found]

PERIOD = Period.of_dates(jan(5).date(), jan(18).date())
K2 = Config(k=2, ambassadors=3)


def report(history: History, scope: str = "org", config: Config = K2, **kw: object) -> dict:
    return compute_report(
        fold(history.envelopes).dataset(), PERIOD, Scope.parse(scope), config, **kw
    )


def test_population_counts_people_active_at_some_moment_of_the_period(history: History) -> None:
    assert report(history)["population"] == 9


def test_funnel_shares_and_gaps_against_default_targets(history: History) -> None:
    funnel = report(history)["funnel"]
    # nested: whoever responded or created read too (their seen reports are not needed)
    assert funnel["read"]["people"] == 9  # b g z h f seen, a c d e responded or created
    assert funnel["read"]["share"] == pytest.approx(9 / 9)
    assert funnel["read"]["gap"] == pytest.approx(1 - 0.55)
    assert funnel["respond"]["people"] == 6  # a b c d e replied or reacted, g created
    assert funnel["respond"]["share"] == pytest.approx(6 / 9)
    assert funnel["create"]["people"] == 4  # a c d g
    assert funnel["create"]["gap"] == pytest.approx(4 / 9 - 0.05)


def test_department_breakdown_gives_each_department_its_funnel(history: History) -> None:
    departments = {d["department"]: d for d in report(history)["departments"]}
    assert departments["Sales"]["read"] == 1  # b read; a and c responded, so read
    assert departments["Sales"]["respond"] == 1
    assert departments["Sales"]["create"] == pytest.approx(2 / 3)
    assert departments["IT"]["respond"] == pytest.approx(2 / 3)
    assert departments["IT"]["read"] == 1  # f read; d and e responded
    assert departments["HR"]["read"] == 1
    assert departments["HR"]["respond"] == pytest.approx(1 / 3)  # g's praise started a thread


def test_no_department_cell_of_fewer_than_k_people(history: History) -> None:
    departments = report(history, config=Config(k=5))["departments"]
    assert departments and all(d["suppressed"] and d["read"] is None for d in departments)


def test_inequality_top_shares_and_gini(history: History) -> None:
    inequality = report(history)["inequality"]
    assert inequality["contributions"] == 18
    assert inequality["contributors"] == 6
    assert inequality["top1_share"] == pytest.approx(8 / 18)  # ceil(0.09) = 1 person
    assert inequality["top10_share"] == pytest.approx(8 / 18)  # ceil(0.9) = 1 person
    # sorted 0 0 0 1 1 2 2 4 8: 2 x 139 / (9 x 18) - 10 / 9 = 49 / 81
    assert inequality["gini"] == pytest.approx(49 / 81)


def test_gini_and_top_share_extremes() -> None:
    assert gini([3, 3, 3]) == 0
    assert gini([0, 0, 0, 12]) == pytest.approx(3 / 4)
    assert gini([0, 0]) is None
    assert top_share([10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5], 0.10) == pytest.approx(1.0)


def test_responsiveness_of_threads_and_questions(history: History) -> None:
    r = report(history)["responsiveness"]
    assert r["threads"] == 4  # p1 q1 q2 p2 (announcements and praise expect no reply)
    assert r["replied_within_24h"] == 2  # p1 after 1 h, p2 after 1 h; q1 after 27 h
    assert r["replied_within_24h_share"] == pytest.approx(0.5)
    assert r["median_hours_to_first_reply"] == pytest.approx(1.0)  # of 1, 1, 27
    assert (r["questions"], r["questions_answered"], r["answered_share"]) == (2, 1, 0.5)
    assert r["open_unanswered"] == 1  # q2
    assert (r["escalations_raised"], r["escalations_resolved"]) == (2, 1)


def test_leadership_visibility_and_reply_rate(history: History) -> None:
    lead = report(history)["leadership"]
    assert (lead["managers"], lead["visible_managers"], lead["visible_share"]) == (2, 2, 1.0)
    # replies by others in managers' threads: r1 r6 (a's p1), r3 (d's q1), r4 (d's p2);
    # a answered r1 with r2.
    assert (lead["replies_to_managers"], lead["answered_by_manager"]) == (4, 1)
    assert lead["reply_rate"] == pytest.approx(0.25)


def test_cross_department_share_and_matrix_suppresses_small_cells(history: History) -> None:
    cross = report(history)["cross_department"]
    assert (cross["interactions"], cross["cross"]) == (7, 3)  # e->a, d->a, a->d
    assert cross["share"] == pytest.approx(3 / 7)
    cells = {(c["from"], c["to"]): c for c in cross["matrix"]}
    # IT -> Sales: two responders (d, e) but one recipient (a): it would single a out
    assert cells[("IT", "Sales")]["suppressed"] and cells[("IT", "Sales")]["interactions"] is None
    assert cells[("IT", "IT")]["suppressed"] and cells[("Sales", "IT")]["suppressed"]
    # Sales -> Sales (3: b, c, a to a and b) would be shown, but then IT -> IT would be the
    # diagonal's total (interactions - cross = 4) minus 3: it is hidden too
    assert cells[("Sales", "Sales")] == {
        "from": "Sales",
        "to": "Sales",
        "interactions": None,
        "suppressed": True,
    }


def test_ambassadors_are_the_top_n_by_weighted_score(history: History) -> None:
    top = report(history)["ambassadors"]
    assert [(t["user_id"], t["score"]) for t in top] == [
        (str(history.ids["a"]), 22),  # 6 threads x 3 + 2 replies x 2
        (str(history.ids["d"]), 11),  # 3 threads x 3 + 1 reply x 2
        (str(history.ids["e"]), 8),  # 1 reaction + 1 reply x 2 + 1 accepted answer x 5
    ]


def test_erased_people_are_never_ambassadors(history: History) -> None:
    history.log.add(UserErased(user_id=history.ids["e"]), jan(25))
    top = report(history)["ambassadors"]
    assert str(history.ids["e"]) not in {t["user_id"] for t in top}
    assert top[2]["user_id"] == str(history.ids["c"]) and top[2]["score"] == 4


def test_announcement_load_per_group_per_week(history: History) -> None:
    load = report(history)["announcements"]
    assert load["weeks"] == 2
    groups = {g["name"]: g for g in load["groups"]}
    assert groups["Sales team"]["announcements"] == 5
    assert groups["Sales team"]["per_week"] == 2.5 and groups["Sales team"]["over_guideline"]
    # a private group is listed by id only: metrics never keeps a private group's name
    private = groups[None]
    assert private["group_id"] == str(history.ids["P1"])
    assert private["per_week"] == 0.5 and not private["over_guideline"]


def test_private_group_announcements_only_for_viewers_who_see_the_group(history: History) -> None:
    load = report(history, visible_groups={str(history.ids["G1"])})["announcements"]
    assert [g["name"] for g in load["groups"]] == ["Sales team"]


def test_daily_weekly_monthly_active_people(history: History) -> None:
    activity = report(history)["activity"]
    # active per day Jan 5..18: 3 4 1 2 2 0 0 2 2 2 1 1 0 0 = 20
    assert activity["dau"] == pytest.approx(20 / 14)
    assert activity["wau"] == 4  # a d f g in Jan 12..18
    assert activity["mau"] == 9  # since Dec 20, including b's p0 on Jan 2
    assert activity["stickiness"] == pytest.approx(20 / 14 / 9)


def test_weekly_retention_cohorts(history: History) -> None:
    cohorts = report(history)["activity"]["cohorts"]
    assert cohorts == [
        {"week": "2026-01-05", "size": 2, "suppressed": False, "retention": [1.0, 0.5]}
    ]
    assert report(history, config=Config(k=3))["activity"]["cohorts"][0]["size"] is None


def test_group_scope_counts_the_groups_members_and_its_own_activity(history: History) -> None:
    r = report(history, f"group:{history.ids['G1']}")
    assert r["population"] == 3  # a b c
    funnel = r["funnel"]
    # a b c all responded in the group, so all three read (b's seen report alone was 1)
    assert (funnel["read"]["people"], funnel["respond"]["people"], funnel["create"]["people"]) == (
        3,
        3,
        1,
    )


def test_department_scope(history: History) -> None:
    r = report(history, "department:IT")
    assert r["population"] == 3
    # f read; d and e responded, so read too (was 1, 2, 1 before the funnel was nested)
    assert [r["funnel"][k]["people"] for k in ("read", "respond", "create")] == [3, 2, 1]


def test_scope_of_fewer_than_k_people_is_refused(history: History) -> None:
    with pytest.raises(TooFewPeople):
        report(history, "department:IT", config=Config(k=5))


def test_compare_gives_deltas_of_the_headlines(history: History) -> None:
    data = fold(history.envelopes).dataset()
    baseline = compute_report(
        data, Period.of_dates(jan(5).date(), jan(11).date()), Scope("org"), K2
    )
    followup = compute_report(
        data, Period.of_dates(jan(12).date(), jan(18).date()), Scope("org"), K2
    )
    deltas = {d["kpi"]: d for d in compare(baseline, followup)["deltas"]}
    # week 1: creators a d c of 9; week 2: a d g of 8 (z left on Jan 10)
    assert deltas["funnel.create.share"]["delta"] == pytest.approx(3 / 8 - 3 / 9)
    assert deltas["population"]["baseline"] == 9 and deltas["population"]["followup"] == 8  # z left
    # respond: a b c d e of 9, then the creators a d g of 8 (nested: creating is responding)
    assert deltas["funnel.respond.share"]["delta"] == pytest.approx(3 / 8 - 5 / 9)


def test_bad_periods_and_scopes_are_invalid_input() -> None:
    with pytest.raises(InvalidInput):
        Period.parse("2026-01-05")
    with pytest.raises(InvalidInput):
        Period.of_dates(jan(5).date(), jan(4).date())
    with pytest.raises(InvalidInput):
        Scope.parse("team:x")
    with pytest.raises(InvalidInput):  # longer than ten years: a report walks its days
        Period.parse("2000-01-01/2026-01-01")
    assert Period.parse("2016-01-03/2026-01-01").days == 3652


def test_docs_carry_every_definition_word_for_word() -> None:
    from pathlib import Path

    from plein_metrics.definitions import COMMON, DEFINITIONS

    docs = Path(__file__).resolve().parents[3] / "docs" / "metrics.md"
    text = " ".join(docs.read_text().split())
    for definition in (COMMON, *DEFINITIONS.values()):
        assert " ".join(definition.split()) in text


def test_reactivated_person_counts_again_and_leaving_a_group_later_changes_nothing(
    history: History,
) -> None:
    from plein_events.identity import MemberLeft, UserReactivated

    x, c = history.ids["x"], history.ids["c"]
    history.log.add(UserReactivated(user_id=x), jan(15))
    history.log.add(MemberLeft(group_id=history.ids["G1"], user_id=c), jan(25))
    assert report(history)["population"] == 10  # x is back from Jan 15
    group = report(history, f"group:{history.ids['G1']}")
    assert group["population"] == 3  # a, b, c: c was a member during the period
    assert group["funnel"]["respond"]["people"] == 3


def test_leaving_a_group_mid_period_ends_what_counts_for_it(history: History) -> None:
    from plein_events.identity import MemberLeft

    c, g1, p1 = history.ids["c"], history.ids["G1"], history.ids["p1"]
    history.log.add(MemberLeft(group_id=g1, user_id=c), jan(10))
    history.log.reply("r8", c, jan(12), p1, history.ids["a"], group=g1)  # after leaving
    group = report(history, f"group:{g1}")
    assert group["population"] == 3  # c was a member from Jan 5 to 10
    assert group["inequality"]["contributions"] == 9  # a 7 + b 1 + c's reaction; not r8
    # in the organisation, r8 is c's reply all the same
    assert report(history)["inequality"]["contributions"] == 19


def test_private_group_activity_counts_by_who_was_a_member_then(history: History) -> None:
    from plein_events.identity import GroupAdminRevoked, MemberJoined

    p1 = history.ids["P1"]
    history.log.add(GroupAdminRevoked(group_id=p1, user_id=history.ids["a"]), jan(25))
    assert report(history)["inequality"]["contributions"] == 18  # a's r4: an admin then
    history.log.add(MemberJoined(group_id=p1, user_id=history.ids["f"]), jan(25))
    assert report(history)["inequality"]["contributions"] == 18  # f's r5: no member then


def test_a_naive_seen_at_is_read_as_utc(history: History) -> None:
    from plein_events.feed import PostsSeen

    naive = jan(17, 10).replace(tzinfo=None)
    history.log.add(
        PostsSeen(reader_id=history.ids["c"], post_ids=[history.ids["p1"]], seen_at=naive),
        jan(17, 10),
    )
    # on Jan 17 nobody else did anything: c's naive seen_at alone makes the day's reader
    day = Period.of_dates(jan(17).date(), jan(17).date())
    data = fold(history.envelopes).dataset()
    assert compute_report(data, day, Scope("org"), K2)["funnel"]["read"]["people"] == 1
