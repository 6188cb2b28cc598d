from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from plein_notify.domain import (
    Access,
    Channel,
    Cursor,
    DigestFrequency,
    Escalation,
    Kind,
    add_working_hours,
    channel_for,
    digest_due,
    escalation_reaches,
    escalation_recipients,
    may_email,
    may_listen,
    may_see,
    working_hours_between,
    worth_a_digest_line,
)
from plein_notify.sentences import actor_phrase, summary
from plein_platform.errors import InvalidInput

FRIDAY_10 = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
MONDAY_10 = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


def test_consolidated_reply_names_two_people_and_counts_the_others() -> None:
    text = summary(Kind.REPLY, ["Ann", "Bob", "Cas"], 5, post_kind="question")
    assert text == "Ann, Bob and 3 others replied to your question"


@pytest.mark.parametrize(
    ("names", "total", "expected"),
    [
        (["Ann"], 1, "Ann"),
        (["Ann", "Bob"], 2, "Ann and Bob"),
        (["Ann", "Bob", "Cas"], 3, "Ann, Bob and Cas"),
        (["Ann", "Bob", "Cas"], 4, "Ann, Bob and 2 others"),
        ([], 0, "Someone"),
    ],
)
def test_actor_phrase(names: list[str], total: int, expected: str) -> None:
    assert actor_phrase(names, total) == expected


def test_aggregated_reactions_read_as_one_line() -> None:
    assert summary(Kind.REACTION, ["Ann"], 5) == "Ann and 4 others reacted to your post"


def test_mention_in_private_group_does_not_name_the_group() -> None:
    text = summary(Kind.MENTION, ["Ann"], 1, group_name="Secret", private_hidden=True)
    assert text == "Ann mentioned you in a private group"
    assert "Secret" not in text


def test_escalation_hides_a_private_group_name() -> None:
    text = summary(
        Kind.ESCALATION,
        [],
        0,
        post_kind="question",
        group_name="Secret",
        private_hidden=True,
        waited_hours=24,
    )
    assert text == "A question has had no reply for 24 working hours"


def test_defaults_respect_people() -> None:
    assert channel_for(Kind.MENTION, {}) is Channel.EMAIL
    assert channel_for(Kind.ANNOUNCEMENT, {}) is Channel.EMAIL
    assert channel_for(Kind.REACTION, {}) is not Channel.EMAIL
    assert channel_for(Kind.REPLY, {}) is Channel.DIGEST


def test_a_persons_choice_overrides_the_default() -> None:
    assert channel_for(Kind.MENTION, {"mention": "off"}) is Channel.OFF


def test_a_single_reaction_never_reaches_an_email() -> None:
    assert not worth_a_digest_line(Kind.REACTION, 1)
    assert worth_a_digest_line(Kind.REACTION, 2)
    assert worth_a_digest_line(Kind.REPLY, 1)


def test_at_most_one_daily_digest_a_day_in_the_digest_hour() -> None:
    sent = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)
    daily = DigestFrequency.DAILY
    assert not digest_due(sent, sent + timedelta(minutes=30), daily, 7)
    assert not digest_due(None, sent + timedelta(hours=5), daily, 7)  # not the hour
    assert digest_due(sent, sent + timedelta(days=1), daily, 7)
    assert digest_due(None, sent, daily, 7)


def test_weekly_digest_waits_a_week() -> None:
    sent = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)
    assert not digest_due(sent, sent + timedelta(days=3), DigestFrequency.WEEKLY, 7)
    assert digest_due(sent, sent + timedelta(days=7), DigestFrequency.WEEKLY, 7)


def test_working_hours_skip_the_weekend() -> None:
    assert add_working_hours(FRIDAY_10, 24) == MONDAY_10
    assert working_hours_between(FRIDAY_10, MONDAY_10) == pytest.approx(24)


def test_working_hours_within_the_week_are_calendar_hours() -> None:
    wednesday = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    assert add_working_hours(wednesday, 24) == wednesday + timedelta(days=1)
    assert working_hours_between(wednesday, wednesday + timedelta(hours=5)) == pytest.approx(5)


def test_a_post_on_saturday_starts_waiting_on_monday() -> None:
    saturday = datetime(2026, 11, 28, 15, 0, tzinfo=UTC)
    assert add_working_hours(saturday, 1) == datetime(2026, 11, 30, 1, 0, tzinfo=UTC)


def test_escalation_goes_to_admins_and_managers_once_never_the_author() -> None:
    admin, manager, author = uuid4(), uuid4(), uuid4()
    assert escalation_recipients([admin, author], [manager, admin], author) == [admin, manager]


def test_a_post_is_escalated_once_and_resolved_once() -> None:
    post = uuid4()
    first = Escalation(
        post_id=post, group_id=None, group_private=False, raised_to=[], waited_hours=24
    )
    assert first.id == Escalation.create_id(post)
    assert first.resolve(uuid4())
    assert not first.resolve(uuid4())


def test_inbox_cursor_round_trips_and_rejects_forgeries() -> None:
    cursor = Cursor(FRIDAY_10, uuid4())
    assert Cursor.decode(cursor.encode()) == cursor
    with pytest.raises(InvalidInput):
        Cursor.decode("bogus")


@pytest.mark.parametrize(
    ("access", "sees"),
    [
        (Access(active=True, group_private=False, member=False), True),  # public, or no group
        (Access(active=True, group_private=True, member=True), True),
        (Access(active=True, group_private=True, member=False), False),  # left, removed
        (Access(active=False, group_private=False, member=False), False),  # deactivated
        (Access(active=False, group_private=True, member=True), False),
    ],
)
def test_only_an_active_person_sees_and_only_a_member_where_the_group_is_private(
    access: Access, sees: bool
) -> None:
    assert may_see(access) is sees
    assert may_email(Kind.MENTION, access, in_a_group=True) is sees


def test_a_group_announcement_is_not_emailed_to_someone_who_left_even_a_public_group() -> None:
    left = Access(active=True, group_private=False, member=False)
    assert not may_email(Kind.ANNOUNCEMENT, left, in_a_group=True)
    assert may_email(Kind.ANNOUNCEMENT, left, in_a_group=False)  # all-company: everyone


def test_a_private_groups_escalation_skips_outside_managers_unless_it_opened_them() -> None:
    admin, inside, outside, author = uuid4(), uuid4(), uuid4(), uuid4()
    managers = [inside, outside]
    assert escalation_recipients([admin], managers, author, only_members={inside}) == [
        admin,
        inside,
    ]
    assert escalation_recipients([admin], managers, author) == [admin, inside, outside]
    outsider = Access(active=True, group_private=True, member=False)
    assert not escalation_reaches(outsider, outside_managers_welcome=False)
    assert escalation_reaches(outsider, outside_managers_welcome=True)


def test_a_live_stream_goes_on_only_while_its_token_is_valid_and_its_person_active() -> None:
    expires = FRIDAY_10
    assert may_listen(active=True, token_expires_at=expires, now=expires - timedelta(seconds=1))
    assert not may_listen(active=True, token_expires_at=expires, now=expires)
    assert not may_listen(active=False, token_expires_at=expires, now=expires - timedelta(hours=1))
