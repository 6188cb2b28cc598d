"""The KPIs about people and posts: personas, engaged people and community health, response
rate, ambassadors with names, groups, baseline vs follow-up per department and group, read
receipts. Hand-computed on the history of conftest.py (see test_domain.py for its base).

Personas in 2026-01-05..18: a catalyst (p1 replied by b), b responder (r1), c engager (q2
unanswered, a reaction), d catalyst (q1 replied by e), e responder (r3), f observer (read p1;
r5 in the private group does not count), g engager (praise nobody replied to), h and z
observers.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from plein_events.feed import AnnouncementAcknowledged
from plein_metrics.compare import compare
from plein_metrics.domain import compute_report
from plein_metrics.inputs import Config, Period, Scope
from plein_metrics.readmodel import fold
from plein_metrics.receipts import may_see_receipts, receipts
from plein_testdata.metrics import uid

from .conftest import History, jan  # type: ignore[import-not-found]

PERIOD = Period.of_dates(jan(5).date(), jan(18).date())
K2 = Config(k=2, ambassadors=3)


def report(history: History, config: Config = K2, **kw: object) -> dict:
    return compute_report(
        fold(history.envelopes).dataset(),
        PERIOD,
        Scope("org"),
        config,
        **kw,  # type: ignore[arg-type]
    )


def test_each_person_gets_the_first_persona_that_fits(history: History) -> None:
    personas = report(history)["personas"]
    people = {p: v["people"] for p, v in personas["distribution"].items()}
    assert people == {"catalyst": 2, "responder": 2, "engager": 2, "observer": 3, "inactive": 0}
    assert personas["distribution"]["observer"]["share"] == pytest.approx(3 / 9)
    departments = {d["department"]: d["shares"] for d in personas["departments"]}
    third = pytest.approx(1 / 3)
    assert departments["Sales"] == {
        "catalyst": third, "responder": third, "engager": third, "observer": 0, "inactive": 0
    }  # fmt: skip
    assert departments["HR"]["observer"] == pytest.approx(2 / 3)  # h, z; g an engager


def test_personas_per_department_are_suppressed_like_the_departments(history: History) -> None:
    personas = report(history, Config(k=5))["personas"]
    assert all(d["suppressed"] and d["shares"] is None for d in personas["departments"])


def test_regulars_are_active_on_enough_of_the_last_28_days(history: History) -> None:
    # active days since Dec 22: a 7, d 3, b c e g 2 (b's p0 on Jan 2 counts), f h z 1
    # (these were "engaged" before engaged became health's numerator: same numbers)
    activity = report(history, Config(k=2, engaged_days=2))["activity"]
    assert activity["regulars"] == 6
    assert report(history, Config(k=2, engaged_days=3))["activity"]["regulars"] == 2  # a, d
    assert report(history)["activity"]["regulars"] == 0  # 10 days: nobody


def test_engaged_people_are_the_monthly_active_health_counts(history: History) -> None:
    activity = report(history)["activity"]
    assert activity["engaged"] == activity["mau"] == 9
    assert activity["engaged_share"] == pytest.approx(9 / 9)
    assert activity["health"] == pytest.approx(9 / 9)


def test_community_health_is_this_months_active_over_the_years(history: History) -> None:
    log = history.log
    old = log.person("old", datetime(2025, 1, 1, tzinfo=UTC), "HR")
    post = log.post("p-old", history.ids["b"], datetime(2025, 6, 1, tzinfo=UTC))
    log.seen(old, datetime(2025, 6, 2, tzinfo=UTC), post)  # within the last 12 months
    activity = report(history)["activity"]
    assert (activity["mau"], activity["active_last_12_months"]) == (9, 10)
    assert activity["health"] == pytest.approx(9 / 10)


def test_response_rate_counts_replies_and_reactions_by_others(history: History) -> None:
    r = report(history)["responsiveness"]
    # p1 (r1 after 1 h), q1 (r3 after 27 h), p2 (r4 after 1 h); q2 never
    assert (r["threads"], r["responded"]) == (4, 3)
    assert r["response_rate"] == pytest.approx(0.75)
    assert r["median_hours_to_first_response"] == 1.0
    assert r["median_time_to_first_response"] == "60 minutes"
    assert r["median_time_to_first_reply"] == "60 minutes"


def test_ambassadors_top_n_per_request_with_names(history: History) -> None:
    top = report(history, ambassadors=5)["ambassadors"]
    assert [(t["name"], t["department"], t["score"]) for t in top] == [
        ("A", "Sales", 22),
        ("D", "IT", 11),
        ("E", "IT", 8),
        ("C", "Sales", 4),  # q2 (3) + a reaction (1)
        ("G", "HR", 3),  # praise; b's r1 (2) is sixth
    ]
    assert len(report(history)["ambassadors"]) == 3  # the configured N


def test_groups_breakdown_gives_each_groups_funnel(history: History) -> None:
    groups = {g["group_id"]: g for g in report(history)["groups"]}
    sales = groups[str(history.ids["G1"])]
    assert (sales["population"], sales["name"]) == (3, "Sales team")  # a b c
    # a b c all responded in it, so all read (nested; b's seen report alone was 1 / 3)
    assert (sales["read"], sales["respond"], sales["create"]) == pytest.approx((1, 1, 1 / 3))
    leadership = groups[str(history.ids["P1"])]  # a (admin) and d
    assert leadership["name"] is None  # a private group's name is never kept
    # d started p2 (so responded and read), a replied: was (0, 0.5, 0.5) before nesting
    assert (leadership["read"], leadership["respond"], leadership["create"]) == (1, 1, 0.5)
    only_public = report(history, visible_groups={str(history.ids["G1"])})["groups"]
    assert [g["group_id"] for g in only_public] == [str(history.ids["G1"])]


def test_compare_per_department_and_group(history: History) -> None:
    data = fold(history.envelopes).dataset()
    week1 = compute_report(data, Period.of_dates(jan(5).date(), jan(11).date()), Scope("org"), K2)
    week2 = compute_report(data, Period.of_dates(jan(12).date(), jan(18).date()), Scope("org"), K2)
    result = compare(week1, week2)
    departments = {d["department"]: d for d in result["departments"]}
    sales = departments["Sales"]
    # nested: a b c responded in week 1, so read; in week 2 only a (announcements) did
    assert sales["read"]["baseline"] == 1 and sales["read"]["followup"] == pytest.approx(1 / 3)
    assert sales["respond"]["delta"] == pytest.approx(1 / 3 - 1)  # a's threads respond
    assert sales["create"]["delta"] == pytest.approx(1 / 3 - 2 / 3)  # a, c; then a
    hr = departments["HR"]
    assert (hr["population"]["baseline"], hr["population"]["followup"]) == (3, 2)  # z left
    assert hr["create"]["delta"] == pytest.approx(0.5)  # g's praise in week 2
    groups = {g["group_id"]: g for g in result["groups"]}
    g1 = groups[str(history.ids["G1"])]
    assert g1["respond"]["delta"] == pytest.approx(1 / 3 - 1) and g1["name"] == "Sales team"
    # k = 3: every department has 3 people in week 1; in week 2 HR (g, h) is too small,
    # and with it the next smallest: none of them show numbers
    small = compare(
        compute_report(data, Period.of_dates(jan(5).date(), jan(11).date()), Scope("org"),
                       Config(k=3)),
        compute_report(data, Period.of_dates(jan(12).date(), jan(18).date()), Scope("org"),
                       Config(k=3)),
    )  # fmt: skip
    hidden = {d["department"] for d in small["departments"] if d["suppressed"]}
    assert "HR" in hidden and len(hidden) >= 2
    assert all(d["read"]["delta"] is None for d in small["departments"] if d["suppressed"])


def test_read_receipts_count_the_audience_of_the_time(history: History) -> None:
    ids, log = history.ids, history.log
    ann = uid("ann12")  # a's announcement in Sales team, Jan 12 9:00
    log.seen(ids["b"], jan(12, 10), ann)
    log.add(AnnouncementAcknowledged(post_id=ann, user_id=ids["b"], group_id=ids["G1"]), jan(12))
    log.react(ids["c"], jan(12, 11), ann, ids["a"], group=ids["G1"])
    log.seen(ids["e"], jan(12, 10), ann)  # no member of the group: not its audience
    data = fold(history.envelopes).dataset()
    data.acknowledgements = fold(history.envelopes).micros_table("acknowledgements")
    announcement, question = receipts(data, [str(ann), str(ids["q1"])])
    assert announcement["audience"] == 2  # b, c (a is its author)
    assert (announcement["seen"], announcement["acknowledged"], announcement["interacted"]) == (
        2,
        1,
        1,
    )
    assert announcement["reach"] == 1.0 and announcement["engagement"] == 0.5
    assert announcement["summary"] == "seen by 2 of 2, acknowledged by 1"
    # q1 (d, Jan 6 9:00, no group): everyone registered and active then but d: a b c e f g z;
    # h registered a day later; e replied (seen), h's read is not of the audience
    assert (question["audience"], question["seen"], question["interacted"]) == (7, 1, 1)
    assert question["reach"] == pytest.approx(1 / 7) and question["engagement"] == 1.0


def test_read_receipts_are_for_the_author_group_admins_and_community_managers() -> None:
    public = {"author_id": "ann", "group_id": "g", "private": False}
    private = {"author_id": "ann", "group_id": "p", "private": True}
    assert may_see_receipts({"ann"}, private, set(), set(), set())
    assert may_see_receipts({"bob"}, public, set(), {"g"}, set())  # the group's admin
    assert may_see_receipts({"kim"}, public, {"community_manager"}, set(), set())
    assert not may_see_receipts({"kim"}, private, {"community_manager"}, set(), set())
    assert may_see_receipts({"kim"}, private, {"community_manager"}, set(), {"p"})
    assert not may_see_receipts({"bob"}, public, {"network_admin"}, set(), {"g"})


def test_a_period_shorter_than_a_week_has_no_weekly_rate(history: History) -> None:
    day = Period.of_dates(jan(12).date(), jan(12).date())
    load = compute_report(fold(history.envelopes).dataset(), day, Scope("org"), K2)["announcements"]
    groups = {g["name"]: g for g in load["groups"]}
    # ann12 in Sales team: 1, not "7 per week"; within 2 x max(1/7, 1) = 2
    assert groups["Sales team"]["announcements"] == 1
    assert groups["Sales team"]["per_week"] is None and not groups["Sales team"]["over_guideline"]
    assert load["weeks"] == 0.14


def test_waits_are_rounded_and_written_as_a_person_reads_them(history: History) -> None:
    ids, log = history.ids, history.log
    post = log.post("quick", ids["b"], jan(17, 9))
    log.reply("instant", ids["c"], datetime(2026, 1, 17, 9, 0, 0, 10, tzinfo=UTC), post, ids["b"])
    day = Period.of_dates(jan(17).date(), jan(17).date())
    r = compute_report(fold(history.envelopes).dataset(), day, Scope("org"), K2)
    assert r["responsiveness"]["median_hours_to_first_reply"] == 0.0  # not 2.8e-09
    assert r["responsiveness"]["median_time_to_first_reply"] == "under a minute"
