"""What one thread gives a person's export: their own words with their history, their traces
on others' messages by id only, and praise about them only while they may read it."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from plein_posts.domain import Access, Group, Post
from plein_posts.export_personal import person_part

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
ANN, BOB, ACCOUNT = uuid4(), uuid4(), uuid4()
GROUP = Group(uuid4(), private=True, archived=False, all_company=False)


def member(user=ANN, real=None) -> Access:
    return Access(user, real or user, GROUP, member=True)


def bobs_thread(**extra) -> Post:
    return Post(
        author_id=BOB,
        real_author_id=BOB,
        text="Bob's private words",
        group_id=GROUP.id,
        group_private=True,
        mentions=[],
        topics=[],
        **{"kind": "post", **extra},
    )


def test_a_reaction_to_another_persons_post_names_it_by_id_without_its_text() -> None:
    post = bobs_thread()
    post.react(member(), None, "thanks")
    part = person_part(post, ANN, may_read=True)
    assert part["reactions"] == [{"post_id": post.id, "reply_id": None, "reaction": "thanks"}]
    assert part["messages"] == []
    assert "Bob's private words" not in repr(part)


def test_my_reply_keeps_its_earlier_texts_and_shows_reactions_only_as_counts() -> None:
    post = bobs_thread()
    reply = post.reply(member(), uuid4(), None, "First try", [], NOW)
    post.edit(member(), reply.id, "Second try", [], NOW)
    post.react(member(BOB), reply.id, "love")
    [message] = person_part(post, ANN, may_read=True)["messages"]
    assert message["text"] == "Second try" and message["kind"] == "reply"
    assert [e["text"] for e in message["edited"]] == ["First try"]
    assert message["reactions_received"] == {"love": 1}
    assert str(BOB) not in repr(message["reactions_received"])


def test_what_i_wrote_as_a_shared_accounts_delegate_is_mine_and_names_the_account() -> None:
    post = bobs_thread()
    post.reply(member(ACCOUNT, real=ANN), uuid4(), None, "On behalf of HR", [], NOW)
    [message] = person_part(post, ANN, may_read=True)["messages"]
    assert message["text"] == "On behalf of HR" and message["as_account"] == ACCOUNT


def test_praise_about_me_is_withheld_once_i_may_no_longer_read_it() -> None:
    praise = bobs_thread(kind="praise", praised_ids=[ANN], badge="thank_you")
    assert [p["text"] for p in person_part(praise, ANN, may_read=True)["praise_received"]] == [
        "Bob's private words"
    ]
    assert person_part(praise, ANN, may_read=False)["praise_received"] == []
