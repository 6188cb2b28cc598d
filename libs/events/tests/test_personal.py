"""Sealing personal fields: round trips, and shredded keys read as former colleague."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from plein_events import FORMER_COLLEAGUE, Followed, UserRegistered, envelope_for
from plein_events.personal import (
    is_sealed,
    new_person_key,
    seal,
    seal_envelope,
    sealed_people,
    unseal,
    unseal_fields,
)


def registered(user_id=None) -> UserRegistered:
    return UserRegistered(
        user_id=user_id or uuid4(),
        email="bob@example.com",
        display_name="Bob",
        department="Sales",
        languages=["nl", "en"],
        bio=None,
    )


def envelope(payload):
    return envelope_for(
        payload, aggregate_id="a", aggregate_version=1, occurred_at=datetime.now(UTC), actor_id=None
    )


def test_a_sealed_value_opens_only_with_its_persons_key() -> None:
    person, key = uuid4(), new_person_key()
    token = seal(["nl", "en"], person, key)
    assert is_sealed(token) and "nl" not in token
    assert unseal(token, key) == ["nl", "en"]
    assert unseal(token, new_person_key()) == []  # a wrong key opens nothing
    assert unseal(seal("Bob", person, key), None) == FORMER_COLLEAGUE
    assert unseal(seal(3, person, key), None) is None


def test_only_personal_fields_are_sealed_on_the_stream() -> None:
    event = registered()
    key = new_person_key()
    sealed = seal_envelope(envelope(event), lambda person: key)
    payload = sealed.payload
    assert payload["department"] == "Sales"  # not personal
    assert is_sealed(payload["display_name"]) and is_sealed(payload["email"])
    assert payload["bio"] is None
    assert sealed_people(payload) == {str(event.user_id)}
    opened = unseal_fields(payload, {str(event.user_id): key})
    assert UserRegistered.model_validate(opened) == event


def test_without_a_key_the_stream_carries_placeholders() -> None:
    sealed = seal_envelope(envelope(registered()), lambda person: None)
    assert sealed.payload["display_name"] == FORMER_COLLEAGUE
    assert sealed.payload["languages"] == []


def test_an_event_without_personal_fields_is_left_alone() -> None:
    env = envelope(Followed(follower_id=uuid4(), followee_id=uuid4()))
    assert seal_envelope(env, lambda person: new_person_key()) == env


def test_the_words_a_person_wrote_are_sealed_under_the_writer_and_read_removed_once_shredded() -> (
    None
):
    from plein_events import REMOVED_TEXT, ReplyPosted, personal_texts
    from plein_events.personal import SEALED_PREFIX, unseal_fields

    writer, account = uuid4(), uuid4()
    reply = ReplyPosted(
        reply_id=uuid4(),
        post_id=uuid4(),
        parent_id=uuid4(),
        post_author_id=uuid4(),
        parent_author_id=uuid4(),
        author_id=account,  # written as a shared account: sealed under the person behind it
        real_author_id=writer,
        text="Tot dinsdag",
    )
    assert personal_texts(ReplyPosted) == ["text"]
    envelope = envelope_for(
        reply, aggregate_id="t", aggregate_version=1, occurred_at=datetime.now(UTC), actor_id=None
    )
    key = new_person_key()
    sealed = seal_envelope(envelope, lambda person: key if person == writer else None)
    token = sealed.payload["text"]
    assert token.startswith(f"{SEALED_PREFIX}{writer}:t:") and "dinsdag" not in token
    assert unseal_fields(sealed.payload, {str(writer): key})["text"] == "Tot dinsdag"
    assert unseal_fields(sealed.payload, {str(writer): None})["text"] == REMOVED_TEXT
    erased = seal_envelope(envelope, lambda _: None)  # published after the erasure
    assert erased.payload["text"] == REMOVED_TEXT


def test_a_polls_options_are_sealed_one_by_one_and_keep_their_number_once_shredded() -> None:
    from plein_events import REMOVED_TEXT, PollCreated

    writer = uuid4()
    poll = PollCreated(
        post_id=uuid4(),
        author_id=writer,
        real_author_id=writer,
        text="Waar lunchen we?",
        options=["Kantine", "Park", "Dak"],
    )
    key = new_person_key()
    sealed = seal_envelope(envelope(poll), lambda person: key)
    options = sealed.payload["options"]
    assert len(options) == 3 and all(is_sealed(option) for option in options)
    assert not any(word in str(options) for word in ("Kantine", "Park", "Dak"))
    assert sealed_people(sealed.payload) == {str(writer)}
    opened = unseal_fields(sealed.payload, {str(writer): key})
    assert opened["options"] == ["Kantine", "Park", "Dak"]
    assert unseal_fields(sealed.payload, {str(writer): None})["options"] == [REMOVED_TEXT] * 3
    erased = seal_envelope(envelope(poll), lambda _: None)  # published after the erasure
    assert erased.payload["options"] == [REMOVED_TEXT] * 3
    assert PollCreated.model_validate(opened).options == ["Kantine", "Park", "Dak"]
