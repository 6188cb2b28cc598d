"""Articles' pure rules: life cycle, scheduling, co-editors, limits (no servers)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from plein_events.posts_articles import ArticlePublished, ArticleScheduled
from plein_platform.errors import Conflict, Forbidden, InvalidInput, NotFound
from plein_posts.contract import to_contract
from plein_posts.domain import Access, Group
from plein_posts.domain.article import (
    MAX_BODY_CHARS,
    Article,
    publish_time,
    reading_minutes,
)

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
ANN, BOB, CAROL = uuid4(), uuid4(), uuid4()
GROUP = Group(uuid4(), private=True, archived=False, all_company=False)


def person(user=ANN, **kw) -> Access:
    return Access(user, user, None, **kw)


def draft(group: Group | None = None) -> Article:
    return Article(
        author_id=ANN,
        real_author_id=ANN,
        group_id=group.id if group else None,
        group_private=bool(group and group.private),
        title="Our new office",
        teaser="Moving in May",
        cover_id=None,
        body="## Why\n\nMore light.",
        actor_id=ANN,
    )


def test_a_draft_is_its_authors_and_co_editors_only() -> None:
    article = draft()
    assert article.may_see(person(ANN), NOW)
    with pytest.raises(NotFound):
        article.require_see(person(BOB), NOW)
    with pytest.raises(NotFound):  # not even named in a 403
        article.revise(person(BOB), NOW, title="x", teaser="", cover_id=None, body="")
    article.add_co_editor(person(ANN), NOW, BOB)
    assert article.revise(
        person(BOB), NOW, title="Our new office!", teaser="", cover_id=None, body="b"
    )
    assert article.title == "Our new office!" and article.history[0][0] == "Our new office"
    assert not article.may_see(person(CAROL), NOW)


def test_only_the_author_names_co_editors() -> None:
    article = draft()
    article.add_co_editor(person(ANN), NOW, BOB)
    with pytest.raises(Forbidden):
        article.add_co_editor(person(BOB), NOW, CAROL)


def test_a_scheduled_article_is_out_once_its_time_has_come() -> None:
    article = draft()
    at = NOW + timedelta(hours=2)
    article.schedule(person(ANN), NOW, at)
    assert not article.may_see(person(BOB), NOW + timedelta(hours=1))
    later = at + timedelta(seconds=1)
    assert article.may_see(person(BOB), later) and article.is_due(later)
    thread = uuid4()
    assert article.publish_due(later, thread)
    assert article.state == "published" and article.published_at == at
    assert article.thread_id == thread and not article.is_due(later)


def test_a_time_in_the_past_asks_to_publish_now() -> None:
    with pytest.raises(InvalidInput, match="publish the article now") as refused:
        publish_time(NOW - timedelta(minutes=1), NOW)
    assert refused.value.extensions["code"] == "publish_at_past"
    with pytest.raises(InvalidInput):
        draft().schedule(person(ANN), NOW, NOW)


def test_a_time_without_zone_is_read_in_amsterdam_unless_given() -> None:
    typed = datetime(2026, 12, 1, 9, 0)
    assert publish_time(typed, NOW) == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    assert publish_time(typed, NOW, "UTC") == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    with pytest.raises(InvalidInput):
        publish_time(typed, NOW, "Mars/Olympus")


def test_limits_title_required_and_body_at_most_the_limit() -> None:
    article = draft()
    with pytest.raises(InvalidInput):
        article.revise(person(ANN), NOW, title=" ", teaser="", cover_id=None, body="")
    with pytest.raises(InvalidInput) as refused:
        article.revise(
            person(ANN), NOW, title="t", teaser="", cover_id=None, body="x" * (MAX_BODY_CHARS + 1)
        )
    assert refused.value.extensions["max_chars"] == MAX_BODY_CHARS
    with pytest.raises(InvalidInput):
        article.revise(person(ANN), NOW, title="t" * 201, teaser="", cover_id=None, body="")


def test_a_private_groups_article_is_for_members_only_once_published() -> None:
    article = draft(GROUP)
    member = Access(ANN, ANN, GROUP, member=True)
    article.publish(member, NOW, uuid4())
    assert article.may_see(Access(BOB, BOB, GROUP, member=True), NOW)
    assert not article.may_see(Access(CAROL, CAROL, GROUP), NOW)
    assert article.unpublish(member, NOW)
    assert not article.may_see(Access(BOB, BOB, GROUP, member=True), NOW)


def test_only_admins_and_community_managers_feature_published_articles() -> None:
    article = draft()
    with pytest.raises(NotFound):  # a draft is not theirs to see
        article.feature(person(BOB, network_admin=True), NOW, True)
    with pytest.raises(Conflict):  # its author is an admin, but it is not out
        article.feature(person(ANN, network_admin=True), NOW, True)
    article.publish(person(ANN), NOW, uuid4())
    with pytest.raises(Forbidden):
        article.feature(person(ANN), NOW, True)
    assert article.feature(person(BOB, community_manager=True), NOW, True)
    assert article.featured


def test_reading_time_is_words_over_200_rounded_up() -> None:
    assert [reading_minutes(n) for n in (0, 200, 201, 1000)] == [1, 1, 2, 5]


def test_article_events_leave_as_contract_events_without_words() -> None:
    article = draft(GROUP)
    member = Access(ANN, ANN, GROUP, member=True)
    article.schedule(member, NOW, NOW + timedelta(days=1))
    article.publish_due(NOW + timedelta(days=2), uuid4())
    events = [to_contract(e) for e in article.collect_events()]
    scheduled, published = events[1], events[2]
    assert isinstance(scheduled, ArticleScheduled) and scheduled.group_private
    assert isinstance(published, ArticlePublished)
    assert published.published_at == NOW + timedelta(days=1)
    assert "title" not in published.model_dump()
