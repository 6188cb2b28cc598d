"""The demo's planned history (no servers): its shape is what metrics should find."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from plein_demo.history import (
    ALL_COMPANY,
    DAYS,
    INTERVENTION_DAY,
    WEEKS,
    History,
    plan,
)
from plein_demo.organisation import (
    DEPARTMENTS,
    EVERYONE,
    INTERVENTION_DEPARTMENT,
    SILENT_MANAGER,
    Persona,
    personas,
)
from plein_demo.people import PEOPLE

FIRST_DAY = date(2026, 9, 14)
HISTORY = plan(FIRST_DAY)


def _week(history: History, at_date: date) -> int:
    return (at_date - history.first_day).days // 7


def test_the_plan_is_the_same_on_every_run() -> None:
    again = plan(FIRST_DAY)
    assert (again.starts, again.replies, again.acts, again.reads) == (
        HISTORY.starts,
        HISTORY.replies,
        HISTORY.acts,
        HISTORY.reads,
    )


def test_the_history_spans_twelve_weeks_and_ends_before_the_day_it_is_seeded() -> None:
    moments = [s.at for s in HISTORY.starts] + [r.at for r in HISTORY.replies]
    moments += [a.at for a in HISTORY.acts] + [r.at for r in HISTORY.reads]
    assert min(moments).date() == FIRST_DAY
    assert max(moments).date() == FIRST_DAY + timedelta(days=DAYS - 1) == HISTORY.last_day
    assert {_week(HISTORY, m.date()) for m in moments} == set(range(WEEKS))


def test_150_people_in_eight_departments_each_with_a_head_and_the_core_people_kept() -> None:
    assert len(EVERYONE) == 150 and len({p.handle for p in EVERYONE}) == 150
    assert [p.handle for p in EVERYONE[: len(PEOPLE)]] == [p.handle for p in PEOPLE]
    sizes = Counter(p.department for p in EVERYONE)
    assert set(sizes) == set(DEPARTMENTS) and len(sizes) == 8 and min(sizes.values()) >= 10
    for department in DEPARTMENTS:
        heads = [p for p in EVERYONE if p.department == department and p.manager is None]
        assert len(heads) == 1, department


def test_every_persona_occurs_and_every_department_has_five_active_readers_each_week() -> None:
    assert set(personas().values()) == set(Persona)
    people = {p.handle: p for p in EVERYONE}
    for week in range(WEEKS):
        readers = Counter(
            people[r.who].department for r in HISTORY.reads if _week(HISTORY, r.at.date()) == week
        )
        assert all(readers[d] >= 5 for d in DEPARTMENTS), (week, readers)


def test_everyone_who_writes_in_a_week_also_reads_that_week() -> None:
    read = {(r.who, _week(HISTORY, r.at.date())) for r in HISTORY.reads}
    wrote = {(s.author, _week(HISTORY, s.at.date())) for s in HISTORY.starts}
    assert wrote <= read


def test_questions_with_and_without_best_answers_unanswered_ones_and_escalations() -> None:
    questions = {s.key for s in HISTORY.starts if s.kind == "question"}
    answered = {r.thread for r in HISTORY.replies if r.thread in questions}
    accepted = {a.thread for a in HISTORY.acts_of("accept")}
    escalated = {a.thread for a in HISTORY.acts_of("escalate")}
    assert accepted and answered - accepted and questions - answered
    assert escalated and escalated <= questions - answered
    silent = {r.author for r in HISTORY.replies}
    assert SILENT_MANAGER not in silent and "noah" in silent


def test_the_intervention_department_only_reads_before_its_town_hall_and_writes_after() -> None:
    staff = {p.handle for p in EVERYONE if p.department == INTERVENTION_DEPARTMENT}
    writes = [s.at for s in HISTORY.starts if s.author in staff and s.group != ALL_COMPANY]
    writes += [r.at for r in HISTORY.replies if r.author in staff]
    day = [(m.date() - FIRST_DAY).days for m in writes]
    assert day and min(day) >= INTERVENTION_DAY
    assert sum(1 for d in day if d >= DAYS - 28) >= 20  # the follow-up is visibly busier


def test_announcements_polls_praise_and_reactions_all_occur() -> None:
    kinds = Counter(s.kind for s in HISTORY.starts)
    assert kinds["announcement"] >= 6 and kinds["poll"] >= 3 and kinds["praise"] == WEEKS
    acts = Counter(a.kind for a in HISTORY.acts)
    assert acts["acknowledge"] and acts["vote"] and acts["reaction"]
