"""Notify's recipient decisions, without servers: who is told, by which channel, folded into
which entry, and what of a private place they learn."""

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from plein_notify import recipients
from plein_notify.domain import Channel, Kind
from plein_notify.recipients import NewNotification, Place

AT = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
ANN, BOB, CAS, DAN = uuid4(), uuid4(), uuid4(), uuid4()
POST, REPLY, GROUP, EVENT = uuid4(), uuid4(), uuid4(), uuid4()


def _n(
    recipient: UUID = ANN,
    kind: Kind = Kind.REPLY,
    key: str = "reply:x",
    actor: UUID = BOB,
    hidden: bool = False,
) -> NewNotification:
    return NewNotification(
        recipient_id=recipient,
        kind=kind,
        group_key=key,
        cause_key=f"{uuid4()}",
        at=AT,
        actor_id=actor,
        private_hidden=hidden,
    )


def test_nobody_is_told_of_what_they_did_themselves() -> None:
    assert recipients.worth_telling([_n(recipient=ANN, actor=ANN)]) == []


def test_news_from_a_place_the_recipient_may_not_see_reaches_them_only_when_addressed() -> None:
    reply, mention = _n(hidden=True), _n(kind=Kind.MENTION, key="mention:x", hidden=True)
    assert recipients.worth_telling([reply, mention]) == [mention]


def test_one_cause_per_recipient_and_entry_is_recorded() -> None:
    first, second = _n(actor=BOB), _n(actor=CAS)
    assert len(recipients.worth_telling([first, second])) == 1


def test_a_person_notify_does_not_know_as_active_gets_nothing() -> None:
    assert recipients.deliveries([_n()], {}) == []


def test_the_kinds_default_channel_applies_when_the_person_chose_none() -> None:
    mention = _n(kind=Kind.MENTION, key="mention:x")
    (delivery,) = recipients.deliveries([mention], {(ANN, Kind.MENTION): None})
    assert delivery.channel is Channel.EMAIL
    assert delivery.email_due == AT


def test_a_kind_turned_off_is_not_delivered_and_digest_has_no_email_due() -> None:
    off = recipients.deliveries([_n()], {(ANN, Kind.REPLY): "off"})
    (digest,) = recipients.deliveries([_n()], {(ANN, Kind.REPLY): None})
    assert off == []
    assert digest.channel is Channel.DIGEST
    assert digest.email_due is None


def test_an_announcement_email_waits_until_its_due_time() -> None:
    later = AT + timedelta(hours=2)
    announcement = _n(kind=Kind.ANNOUNCEMENT, key="announcement:x")
    (delivery,) = recipients.deliveries(
        [announcement], {(ANN, Kind.ANNOUNCEMENT): None}, email_at=later
    )
    assert delivery.email_due == later
    assert recipients.announcement_email_at(AT, immediately=False, delay_s=7200) == later
    assert recipients.announcement_email_at(AT, immediately=True, delay_s=7200) == AT


def test_a_non_member_of_a_private_group_learns_neither_group_nor_text() -> None:
    where = recipients.places(
        [ANN, BOB],
        group_id=GROUP,
        private=True,
        members={ANN},
        text="secret plans",
        writer_id=CAS,
        excerpt_chars=6,
    )
    assert where[ANN] == Place(GROUP, False, True, "secret", CAS)
    assert where[BOB] == Place(None, True, False, None, None)


def test_everyone_learns_where_a_public_post_was() -> None:
    where = recipients.places(
        [BOB],
        group_id=GROUP,
        private=False,
        members=set(),
        text=None,
        writer_id=CAS,
        excerpt_chars=10,
    )
    assert where[BOB] == Place(GROUP, False, False, None, None)


def test_an_outsider_mentioned_gets_no_link_to_the_post() -> None:
    where = {ANN: Place(None, True, False, None, None), BOB: Place(GROUP, False, True, "t", CAS)}
    told = recipients.about_post(
        [(ANN, Kind.MENTION, "mention:p"), (BOB, Kind.MENTION, "mention:p")],
        where,
        event_id=EVENT,
        at=AT,
        actor_id=CAS,
        post_id=POST,
        post_kind="post",
        post_author_id=BOB,
    )
    assert [(n.post_id, n.own_post) for n in told] == [(None, False), (POST, True)]


def test_a_reply_tells_the_thread_once_and_a_mention_says_it_already() -> None:
    told = recipients.told_of_reply(
        post_id=POST,
        reply_id=REPLY,
        mentions=[CAS, CAS],
        post_author_id=ANN,
        parent_author_id=BOB,
        earlier=[ANN, BOB, CAS, DAN],
    )
    assert told == [
        (CAS, Kind.MENTION, f"mention:{REPLY}"),
        (ANN, Kind.REPLY, f"reply:{POST}"),
        (BOB, Kind.REPLY, f"reply:{POST}"),
        (DAN, Kind.REPLY, f"reply:{POST}"),
    ]


def test_praise_and_an_announcement_are_not_repeated_as_mentions() -> None:
    told = recipients.told_of_new_thread(
        POST, mentions=[ANN, BOB, CAS], praised=[ANN], announced_to={BOB}
    )
    assert told == [(ANN, Kind.PRAISE, f"praise:{POST}"), (CAS, Kind.MENTION, f"mention:{POST}")]


def test_join_requests_fold_into_one_entry_per_group_for_each_admin() -> None:
    told = recipients.join_request(
        [ANN, BOB], requester_id=CAS, group_id=GROUP, event_id=EVENT, at=AT
    )
    assert {n.recipient_id for n in told} == {ANN, BOB}
    assert {n.group_key for n in told} == {recipients.requests_key(GROUP)}


def test_reactions_to_one_post_fold_into_one_entry_for_its_author() -> None:
    where = Place(GROUP, False, False, None, None)
    first, second = (
        recipients.reaction(
            where,
            target_author_id=ANN,
            reactor_id=reactor,
            post_id=POST,
            reply_id=None,
            event_id=uuid4(),
            at=AT,
        )
        for reactor in (BOB, CAS)
    )
    assert first.group_key == second.group_key
    assert first.cause_key != second.cause_key
    assert first.own_post


def test_the_guideline_notice_comes_past_the_weekly_guideline_once_a_week() -> None:
    assert not recipients.over_guideline(2, 2)
    assert recipients.over_guideline(3, 2)
    assert recipients.guideline_week(AT) == "2026-W48"
    (notice,) = recipients.guideline_notice(
        [ANN], group_id=GROUP, week="2026-W48", event_id=EVENT, at=AT
    )
    assert notice.group_key == f"guideline:{GROUP}:2026-W48"


def test_an_escalation_reaches_outsiders_only_where_the_group_opened_it() -> None:
    where = {ANN: Place(GROUP, False, True, None, None), BOB: Place(None, True, False, None, None)}
    assert recipients.escalation_reached([ANN, BOB], where, outside_managers_welcome=False) == [ANN]
    assert recipients.escalation_reached([ANN, BOB], where, outside_managers_welcome=True) == [
        ANN,
        BOB,
    ]


def test_an_announcement_reaches_its_whole_audience_with_its_title() -> None:
    told = recipients.announcement(
        [ANN, BOB],
        post_id=POST,
        author_id=CAS,
        writer_id=CAS,
        group_id=None,
        group_private=False,
        post_kind="announcement",
        title="Friday",
        text="drinks at five",
        excerpt_chars=6,
        event_id=EVENT,
        at=AT,
    )
    assert [n.recipient_id for n in told] == [ANN, BOB]
    assert told[0].excerpt == "Friday\ndrinks"


def test_an_excerpt_is_the_posts_plain_words_without_markdown_marks() -> None:
    where = recipients.places(
        [BOB],
        group_id=GROUP,
        private=False,
        members=set(),
        text="**Koffie** in [de kantine](https://x.nl)",
        writer_id=CAS,
        excerpt_chars=40,
    )
    assert where[BOB].excerpt == "Koffie in de kantine"
