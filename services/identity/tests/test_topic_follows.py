"""Topic follows on the person (no servers): one topic, whatever its case or "#"."""

import pytest
from plein_identity.domain import User
from plein_platform.errors import InvalidInput


def make_user() -> User:
    return User(email="ann@example.com", display_name="Ann", password_hash="h")


def test_a_topic_is_followed_once_whatever_its_case_or_hash() -> None:
    ann = make_user()
    assert ann.follow_topic("#Fietsen", actor_id=ann.id) is True
    assert ann.follow_topic("fietsen", actor_id=ann.id) is False
    assert ann.followed_topics == frozenset({"fietsen"})
    assert [type(e).__name__ for e in ann.collect_events()] == ["Registered", "TopicFollowed"]


def test_unfollowing_a_topic_not_followed_changes_nothing() -> None:
    ann = make_user()
    assert ann.unfollow_topic("fietsen", actor_id=ann.id) is False
    ann.follow_topic("fietsen", actor_id=ann.id)
    assert ann.unfollow_topic("#FIETSEN", actor_id=ann.id) is True
    assert ann.followed_topics == frozenset()


@pytest.mark.parametrize("raw", ["", "#", "two words", "a" * 51, "-dash-first", "semi;colon"])
def test_only_a_topic_as_posts_finds_it_can_be_followed(raw: str) -> None:
    ann = make_user()
    with pytest.raises(InvalidInput):
        ann.follow_topic(raw, actor_id=ann.id)
    assert ann.followed_topics == frozenset()
