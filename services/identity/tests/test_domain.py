from uuid import uuid4

import pytest
from plein_identity.domain import EmailAddress, User, normalise_email
from plein_identity.passwords import hash_password, verify_password
from plein_platform.errors import InvalidInput


def make_user() -> User:
    return User(email="ann@example.com", display_name="Ann", password_hash="h")


def test_following_twice_records_one_event() -> None:
    ann, bob = make_user(), uuid4()
    assert ann.follow(bob, actor_id=ann.id) is True
    assert ann.follow(bob, actor_id=ann.id) is False
    assert [type(e).__name__ for e in ann.collect_events()] == ["Registered", "Followed"]


def test_nobody_follows_themselves() -> None:
    ann = make_user()
    with pytest.raises(InvalidInput):
        ann.follow(ann.id, actor_id=ann.id)


def test_unfollowing_someone_not_followed_changes_nothing() -> None:
    ann = make_user()
    assert ann.unfollow(uuid4(), actor_id=ann.id) is False


def test_an_email_address_claims_the_same_id_whatever_its_case() -> None:
    assert EmailAddress.create_id(normalise_email(" Ann@Example.COM ")) == EmailAddress.create_id(
        "ann@example.com"
    )


def test_passwords_are_hashed_with_argon2_and_verified() -> None:
    hashed = hash_password("correct horse battery")
    assert hashed.startswith("$argon2")
    assert verify_password(hashed, "correct horse battery")
    assert not verify_password(hashed, "wrong")
    assert not verify_password(None, "anything")
