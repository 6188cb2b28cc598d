"""Posts' pure rules: no servers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from plein_events.posts import AnnouncementPosted, AnswerAccepted, PollVoted, ReplyPosted
from plein_platform.errors import Conflict, Forbidden, InvalidInput, NotFound, TooManyRequests
from plein_posts.contract import to_contract
from plein_posts.domain import (
    RANK_CURSOR,
    TIME_CURSOR,
    Access,
    AnnouncementLedger,
    Group,
    Post,
    announcement_warning,
    clean_text,
    highlight_segments,
    poll_closing,
    poll_options,
    topics_in,
)
from plein_posts.views import thread_view

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
ANN, BOB, CAROL = uuid4(), uuid4(), uuid4()
GROUP = Group(uuid4(), private=True, archived=False, all_company=False)


def member(user=BOB, **kw) -> Access:
    return Access(user, user, GROUP, member=True, **kw)


def outsider(user=CAROL) -> Access:
    return Access(user, user, GROUP)


def thread(kind: str = "post", author=ANN, **extra) -> Post:
    return Post(
        author_id=author,
        real_author_id=author,
        text="Vraag: wie weet waar de sleutel is?",
        group_id=GROUP.id,
        group_private=True,
        kind=kind,
        mentions=[],
        topics=[],
        **extra,
    )


def test_topics_are_found_once_in_order_and_lower_cased() -> None:
    text = "Nieuw: #Welkom bij #HR! #welkom again, not a#topic, and #café-2026."
    assert topics_in(text) == ["welkom", "hr", "café-2026"]


def test_text_without_topics_has_none() -> None:
    assert topics_in("Hallo allemaal, # niets hier") == []


def test_text_is_kept_verbatim_html_included_but_not_empty_or_too_long() -> None:
    assert clean_text("  <script>alert(1)</script> ") == "<script>alert(1)</script>"
    with pytest.raises(InvalidInput):
        clean_text("   ")
    with pytest.raises(InvalidInput):
        clean_text("x" * 100_000)


def test_non_member_may_read_public_but_not_private_groups() -> None:
    public = Group(uuid4(), private=False, archived=False, all_company=False)
    assert Access(CAROL, CAROL, public).may_read
    assert not Access(CAROL, CAROL, public).may_contribute
    assert not outsider().may_read
    assert member().may_read and member().may_contribute
    with pytest.raises(NotFound):
        outsider().require_read()


def test_everyone_contributes_to_the_all_company_group_and_nobody_to_an_archived_one() -> None:
    everyone = Group(uuid4(), private=False, archived=False, all_company=True)
    assert Access(CAROL, CAROL, everyone).may_contribute
    archived = Group(uuid4(), private=False, archived=True, all_company=False)
    with pytest.raises(Conflict):
        Access(BOB, BOB, archived, member=True).require_contribute()


def test_only_group_admins_and_community_managers_may_announce() -> None:
    assert not member().may_announce
    assert member(group_admin=True).may_announce
    assert member(community_manager=True).may_announce
    assert not Access(BOB, BOB, None, community_manager=True).may_announce  # needs a group


def test_announcements_warn_from_the_third_a_week_and_stop_at_the_hard_limit() -> None:
    assert announcement_warning([], NOW, 5) == (1, None)
    assert announcement_warning([NOW - timedelta(days=1)], NOW, 5) == (2, None)
    count, warning = announcement_warning([NOW - timedelta(days=1)] * 2, NOW, 5)
    assert count == 3 and warning and "3" in warning
    with pytest.raises(TooManyRequests) as refused:
        announcement_warning([NOW - timedelta(days=2)] * 5, NOW, 5)
    assert refused.value.extensions["limit"] == 5
    # Older than a week no longer counts.
    assert announcement_warning([NOW - timedelta(days=8)] * 9, NOW, 5) == (1, None)


def test_the_ledger_counts_a_rolling_week() -> None:
    ledger = AnnouncementLedger(group_id=GROUP.id)
    assert ledger.record(uuid4(), NOW, 3) is None
    assert ledger.record(uuid4(), NOW + timedelta(hours=1), 3) is None
    assert ledger.record(uuid4(), NOW + timedelta(hours=2), 3) is not None
    with pytest.raises(TooManyRequests):
        ledger.record(uuid4(), NOW + timedelta(hours=3), 3)
    assert ledger.record(uuid4(), NOW + timedelta(days=7, hours=2, minutes=1), 3) is None


def test_only_the_author_edits_and_the_history_is_kept() -> None:
    post = thread()
    author = Access(ANN, ANN, GROUP, member=True)
    with pytest.raises(Forbidden):
        post.edit(member(), None, "mine now", [], NOW)
    assert post.edit(author, None, "Vraag: wie heeft de sleutel?", [], NOW)
    assert post.root.history[0][0] == "Vraag: wie weet waar de sleutel is?"
    assert not post.edit(author, None, "Vraag: wie heeft de sleutel?", [], NOW)
    view = thread_view(post, member(), NOW)
    assert view["edited"] and view["history"][0]["text"].startswith("Vraag: wie weet")


def test_a_deleted_post_is_a_tombstone_and_its_replies_stay_readable() -> None:
    post = thread()
    reply = post.reply(member(), uuid4(), None, "Bij de receptie", [], NOW)
    with pytest.raises(Forbidden):
        post.delete(member(), None, NOW)
    assert post.delete(Access(ANN, ANN, GROUP, member=True), None, NOW)
    view = thread_view(post, member(), NOW)
    assert view["text"] is None and view["placeholder"] == "deleted message"
    assert view["replies"][0]["text"] == "Bij de receptie"
    with pytest.raises(Conflict):
        post.reply(member(), uuid4(), reply.id, "nog een", [], NOW)


def test_hidden_messages_show_to_moderators_only() -> None:
    post = thread()
    with pytest.raises(Forbidden):
        post.hide(member(), None, "spam", NOW)
    moderator = member(user=CAROL, group_admin=True)
    assert post.hide(moderator, None, "spam", NOW)
    assert thread_view(post, member(), NOW)["text"] is None
    assert thread_view(post, member(), NOW)["placeholder"] == "hidden by a moderator"
    assert thread_view(post, moderator, NOW)["text"].startswith("Vraag")
    assert post.unhide(moderator, None, NOW)
    assert thread_view(post, member(), NOW)["text"].startswith("Vraag")


def test_one_reaction_per_person_changeable_and_removable() -> None:
    post = thread()
    assert post.react(member(), None, "like")
    assert not post.react(member(), None, "like")
    assert post.react(member(), None, "celebrate")
    assert post.react(member(user=ANN), None, "celebrate")
    assert thread_view(post, member(), NOW)["reactions"] == {"celebrate": 2}
    assert post.unreact(member(), None)
    assert not post.unreact(member(), None)
    assert thread_view(post, member(), NOW)["reactions"] == {"celebrate": 1}
    with pytest.raises(InvalidInput):
        post.react(member(), None, "angry")
    with pytest.raises(NotFound):
        post.react(outsider(), None, "like")


def test_the_asker_or_a_group_admin_chooses_the_best_answer_and_may_change_it() -> None:
    question = thread(kind="question")
    first = question.reply(member(), uuid4(), None, "Bij de receptie", [], NOW)
    second = question.reply(member(), uuid4(), None, "In de kluis", [], NOW)
    with pytest.raises(Forbidden):
        question.accept_answer(member(), first.id)
    assert question.accept_answer(Access(ANN, ANN, GROUP, member=True), first.id)
    assert question.accept_answer(member(user=CAROL, group_admin=True), second.id)
    assert question.accepted_reply_id == second.id
    with pytest.raises(Conflict):
        thread().accept_answer(Access(ANN, ANN, GROUP, member=True), first.id)


def test_one_vote_per_person_which_may_change_but_not_be_cast_twice() -> None:
    poll = thread(kind="poll", options=["Dinsdag", "Donderdag"])
    assert poll.vote(member(), 0, NOW) is None
    with pytest.raises(Conflict):
        poll.vote(member(), 0, NOW)
    assert poll.vote(member(), 1, NOW) == 0
    assert poll.votes == {BOB: [1]}
    with pytest.raises(InvalidInput):
        poll.vote(member(), 2, NOW)


def test_a_multiple_choice_poll_keeps_each_chosen_option_until_withdrawn() -> None:
    poll = thread(kind="poll", options=["a", "b", "c"], multiple=True)
    assert poll.vote(member(), 2, NOW) is None
    assert poll.vote(member(), 0, NOW) is None
    assert poll.votes == {BOB: [0, 2]}
    with pytest.raises(Conflict):
        poll.vote(member(), 0, NOW)
    poll.withdraw_vote(member(), 2, NOW)
    assert poll.votes == {BOB: [0]}
    with pytest.raises(NotFound):
        poll.withdraw_vote(member(), 2, NOW)


def test_a_poll_takes_no_votes_after_its_closing_time_or_once_its_author_closed_it() -> None:
    poll = thread(kind="poll", options=["a", "b"], closes_at=NOW + timedelta(hours=1))
    poll.vote(member(), 0, NOW)
    with pytest.raises(Conflict):
        poll.vote(member(user=CAROL), 0, NOW + timedelta(hours=1))
    early = thread(kind="poll", options=["a", "b"])
    with pytest.raises(Forbidden):
        early.close_poll(member(), NOW)
    assert early.close_poll(Access(ANN, ANN, GROUP, member=True), NOW)
    assert not early.close_poll(Access(ANN, ANN, GROUP, member=True), NOW)
    with pytest.raises(Conflict):
        early.vote(member(), 0, NOW)


def test_a_closing_time_is_in_the_future_and_has_a_time_zone() -> None:
    assert poll_closing(None, NOW) is None
    assert poll_closing(NOW + timedelta(minutes=1), NOW) == NOW + timedelta(minutes=1)
    for bad in (NOW, NOW - timedelta(days=1), datetime(2026, 12, 1, 17, 0)):
        with pytest.raises(InvalidInput):
            poll_closing(bad, NOW)


def test_a_poll_has_two_to_ten_distinct_options() -> None:
    assert poll_options([" a ", "b"]) == ["a", "b"]
    for bad in (["a"], [str(i) for i in range(11)], ["Ja", "ja"], ["a", " "]):
        with pytest.raises(InvalidInput):
            poll_options(bad)


def test_events_leave_with_what_consumers_need() -> None:
    question = thread(kind="question")
    access = member()
    reply = question.reply(access, uuid4(), None, "Bij de #receptie", [ANN], NOW)
    question.accept_answer(Access(ANN, ANN, GROUP, member=True), reply.id)
    events = [to_contract(e) for e in question.collect_events()]
    assert isinstance(events[1], ReplyPosted)
    assert events[1].post_author_id == ANN and events[1].parent_author_id == ANN
    assert events[1].group_private and events[1].post_kind == "question"
    assert events[1].topics == ["receptie"] and events[1].mentions == [ANN]
    assert isinstance(events[2], AnswerAccepted) and events[2].reply_author_id == BOB
    announcement = thread(kind="announcement", title="Verhuizing", email_immediately=True)
    [started] = [to_contract(e) for e in announcement.collect_events()]
    assert isinstance(started, AnnouncementPosted) and started.title == "Verhuizing"
    poll = thread(kind="poll", options=["a", "b"])
    poll.vote(member(), 1, NOW)
    assert isinstance(to_contract(poll.collect_events()[-1]), PollVoted)


def test_cursors_round_trip_and_reject_forgeries() -> None:
    ident = uuid4()
    assert TIME_CURSOR.decode(TIME_CURSOR.encode((NOW, ident))) == (NOW, ident)
    assert RANK_CURSOR.decode(RANK_CURSOR.encode((0.0607927, ident))) == (0.0607927, ident)
    with pytest.raises(InvalidInput):
        TIME_CURSOR.decode("bm90IGEgY3Vyc29y")


def test_highlights_are_segments_not_markup() -> None:
    segments = highlight_segments("de <b>\ue000vergadering\ue001</b> is", "\ue000", "\ue001")
    assert segments == [
        {"text": "de <b>", "match": False},
        {"text": "vergadering", "match": True},
        {"text": "</b> is", "match": False},
    ]


def test_highlights_show_the_words_without_markdown_marks() -> None:
    segments = highlight_segments("de **\ue000vergadering\ue001** _is_ `nu`", "\ue000", "\ue001")
    assert segments == [
        {"text": "de ", "match": False},
        {"text": "vergadering", "match": True},
        {"text": " is nu", "match": False},
    ]


def test_a_group_posts_has_not_heard_of_counts_as_private() -> None:
    unknown = Access(CAROL, CAROL, Group.unknown(uuid4()))
    assert not unknown.may_read and not unknown.may_contribute
    with pytest.raises(NotFound):
        unknown.require_read()


def test_threads_stored_before_the_domain_split_still_load() -> None:
    """Events stored under the old module name resolve to today's classes."""
    from eventsourcing.utils import resolve_topic

    assert resolve_topic("plein_posts.domain:Post.Created") is Post.Created
    assert resolve_topic("plein_posts.domain:Post.Replied") is Post.Replied
    assert resolve_topic("plein_posts.domain:AnnouncementLedger.Recorded") is (
        AnnouncementLedger.Recorded
    )


def test_an_erased_writers_messages_read_removed_or_are_deleted_as_they_chose() -> None:
    from plein_events import REMOVED_TEXT

    post = thread()
    author = Access(ANN, ANN, GROUP, member=True)
    post.edit(author, None, "Vraag: wie heeft de sleutel?", [], NOW)
    post.reply(member(), uuid4(), None, "Bij de receptie", [], NOW)
    anonymised = thread_view(post, member(erased_writers={ANN: "anonymised"}), NOW)
    assert anonymised["text"] == REMOVED_TEXT and anonymised["history"] == []
    assert not anonymised["deleted"]
    removed = thread_view(post, member(erased_writers={ANN: "removed"}), NOW)
    assert removed["text"] is None and removed["deleted"]
    assert removed["placeholder"] == "deleted message"
    for view in (anonymised, removed):
        assert view["replies"][0]["text"] == "Bij de receptie"  # Bob's words stay his
