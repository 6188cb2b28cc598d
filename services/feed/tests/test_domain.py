from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st
from plein_feed.domain import (
    FOLLOWING,
    GROUP,
    MENTION,
    OWN,
    RAISED,
    TOPIC,
    Candidate,
    Cursor,
    RankedCursor,
    Reader,
    fans_out_on_read,
    rank,
    reasons_for,
    relevance,
    score,
    why,
)
from plein_feed.settings import FeedSettings
from plein_platform.errors import InvalidInput

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
SETTINGS = FeedSettings()


def candidate(hours_old: float = 1.0, **kw: object) -> Candidate:
    fields: dict = {"post_id": uuid4(), "created_at": NOW - timedelta(hours=hours_old)}
    fields.setdefault("kind", "post")
    fields.update(kw)
    return Candidate(**fields)


def test_cursor_round_trips() -> None:
    cursor = Cursor(datetime(2026, 11, 25, 9, 30, tzinfo=UTC), uuid4())
    assert Cursor.decode(cursor.encode()) == cursor


def test_ranked_cursor_round_trips() -> None:
    cursor = RankedCursor(NOW, 40)
    assert RankedCursor.decode(cursor.encode()) == cursor


@pytest.mark.parametrize("token", ["", "bogus", "W10", "WyJ4IiwgInkiXQ"])
def test_a_cursor_we_did_not_hand_out_is_invalid_input(token: str) -> None:
    with pytest.raises(InvalidInput):
        Cursor.decode(token)
    with pytest.raises(InvalidInput):
        RankedCursor.decode(token)


def test_a_latest_cursor_is_not_a_relevant_cursor() -> None:
    with pytest.raises(InvalidInput):
        RankedCursor.decode(Cursor(NOW, uuid4()).encode())


def test_each_entry_says_why_it_is_there() -> None:
    assert why([FOLLOWING], "Ann de Vries") == "You follow Ann de Vries"
    assert why([OWN], "Ann de Vries") == "You posted this"
    assert why([GROUP, FOLLOWING], "Ann", "Marketing") == "in Marketing"
    assert why([MENTION, GROUP], "Ann", "Marketing") == "mentions you"
    assert why([RAISED, GROUP], "Ann", "Marketing") == "Still unanswered in Marketing"


def test_a_followed_topic_says_which_and_outranks_group_and_author() -> None:
    reasons = reasons_for(
        own=False, mentioned=False, in_group=True, follows_author=True, follows_topic=True
    )
    assert reasons == [TOPIC, GROUP, FOLLOWING]
    assert why(reasons, "Ann", "Everyone", "fietsen") == "#fietsen you follow"


def test_a_mention_is_the_most_telling_reason() -> None:
    reasons = reasons_for(own=False, mentioned=True, in_group=True, follows_author=True)
    assert reasons == [MENTION, GROUP, FOLLOWING]


def test_large_audiences_and_the_all_company_group_fan_out_on_read() -> None:
    assert not fans_out_on_read(1000, 1000)
    assert fans_out_on_read(1001, 1000)
    assert fans_out_on_read(3, 2000, is_all_company=True)


def test_newer_posts_rank_higher_all_else_equal() -> None:
    fresh, old = candidate(1), candidate(30)
    assert [c for c, _ in rank([old, fresh], NOW, SETTINGS)] == [fresh, old]


def test_recency_halves_every_half_life() -> None:
    s = score(candidate(SETTINGS.half_life_hours), NOW, SETTINGS)
    assert s.parts["recency"] == pytest.approx(0.5)
    assert s.total == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("kw", "part"),
    [
        ({"follows_author": True}, "follows_author"),
        ({"author_interactions": 4}, "author_affinity"),
        ({"in_group": True, "group_interactions": 3}, "group_affinity"),
        ({"reply_count": 5, "reaction_count": 5}, "activity"),
        ({"by_my_manager": True}, "by_my_manager"),
        ({"mentions_me": True}, "mentions_me"),
        ({"kind": "question", "in_group": True}, "unanswered_question"),
    ],
)
def test_each_signal_raises_an_entry_and_shows_in_its_score_parts(kw: dict, part: str) -> None:
    plain, boosted = candidate(2), candidate(2, **kw)
    scored = score(boosted, NOW, SETTINGS)
    assert scored.total > score(plain, NOW, SETTINGS).total
    assert scored.parts[part] > 0


def test_an_answered_question_gets_no_unanswered_boost() -> None:
    answered = candidate(2, kind="question", in_group=True, answered=True)
    replied = candidate(2, kind="question", in_group=True, reply_count=1)
    assert "unanswered_question" not in score(answered, NOW, SETTINGS).parts
    assert "unanswered_question" not in score(replied, NOW, SETTINGS).parts


def test_weights_come_from_settings() -> None:
    entry = candidate(2, by_my_manager=True)
    heavy = FeedSettings(boost_manager=10.0)
    assert score(entry, NOW, heavy).total > score(entry, NOW, SETTINGS).total
    off = FeedSettings(boost_manager=0.0)
    assert "by_my_manager" not in score(entry, NOW, off).parts


def test_a_mention_from_yesterday_beats_a_plain_post_from_an_hour_ago() -> None:
    mention, plain = candidate(20, mentions_me=True), candidate(1)
    assert [c for c, _ in rank([plain, mention], NOW, SETTINGS)][0] == mention


@given(
    hours_old=st.floats(min_value=-2, max_value=24 * 60),
    kind=st.sampled_from(["post", "question", "announcement"]),
    counts=st.tuples(*[st.integers(min_value=0, max_value=10_000)] * 4),
    flags=st.tuples(*[st.booleans()] * 6),
    weights=st.tuples(*[st.floats(min_value=0, max_value=10)] * 3),
)
def test_ranking_uses_exactly_the_total_that_score_explains(
    hours_old: float,
    kind: str,
    counts: tuple[int, int, int, int],
    flags: tuple[bool, ...],
    weights: tuple[float, float, float],
) -> None:
    entry = candidate(
        hours_old,
        kind=kind,
        reply_count=counts[0],
        reaction_count=counts[1],
        author_interactions=counts[2],
        group_interactions=counts[3],
        answered=flags[0],
        follows_author=flags[1],
        in_group=flags[2],
        by_my_manager=flags[3],
        mentions_me=flags[4],
        own=flags[5],
    )
    s = FeedSettings(weight_follow=weights[0], weight_activity=weights[1], boost_mention=weights[2])
    assert relevance(entry, NOW, s) == score(entry, NOW, s).total


def test_a_reader_reports_between_one_and_200_posts() -> None:
    reader = Reader(user_id=uuid4())
    with pytest.raises(InvalidInput):
        reader.saw([], NOW, reader.user_id)
    with pytest.raises(InvalidInput):
        reader.saw([uuid4() for _ in range(201)], NOW, reader.user_id)
    same = uuid4()
    reader.saw([same, same], NOW, reader.user_id)
    seen = reader.collect_events()[-1]
    assert seen.post_ids == [same]
    assert reader.last_seen_at == NOW


def test_an_announcement_is_acknowledged_once() -> None:
    reader = Reader(user_id=uuid4())
    post = uuid4()
    assert reader.acknowledge(post, None, reader.user_id)
    assert not reader.acknowledge(post, None, reader.user_id)
    assert len(reader.collect_events()) == 2  # started, acknowledged once
