import itertools
from uuid import uuid4

import pytest
from eventsourcing.utils import resolve_topic
from plein_identity.domain import (
    ALL_COMPANY_GROUP_ID,
    EmailAddress,
    User,
    handle_candidates,
    normalise_email,
)
from plein_identity.domain_auth import email_domain_allowed, login_delay
from plein_identity.domain_directory import NameCursor, search_words
from plein_identity.domain_groups import Group
from plein_identity.passwords import hash_password, verify_password
from plein_platform.errors import Conflict, Forbidden, InvalidInput, NotFound


def make_user() -> User:
    return User(email="ann@example.com", display_name="Ann", password_hash="h")


def make_group(visibility: str = "private") -> tuple[Group, object]:
    owner = uuid4()
    group = Group(name="Board", description="", visibility=visibility, created_by=owner)
    group.add_creator(owner)
    return group, owner


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


def test_self_sign_up_domains_are_matched_exactly() -> None:
    assert email_domain_allowed("Ann@Example.com", ["example.com"])
    assert not email_domain_allowed("ann@example.com.evil.org", ["example.com"])
    assert not email_domain_allowed("ann@sub.example.com", ["example.com"])
    assert email_domain_allowed("ann@plein.nl", ["example.com", " plein.nl "])


def test_login_slows_down_after_the_free_attempts_and_caps_the_wait() -> None:
    delays = [login_delay(n, free_attempts=5, max_delay_s=60) for n in range(1, 14)]
    assert delays[:4] == [0, 0, 0, 0]
    assert delays[4:9] == [1, 2, 4, 8, 16]
    assert max(delays) == 60


def test_a_profile_update_records_only_what_changed() -> None:
    ann = make_user()
    ann.collect_events()
    assert ann.update_profile({"job_title": "CTO", "display_name": "Ann"}, ann.id) == ["job_title"]
    assert ann.update_profile({"job_title": "CTO"}, ann.id) == []
    assert [type(e).__name__ for e in ann.collect_events()] == ["ProfileUpdated"]
    with pytest.raises(InvalidInput):
        ann.update_profile({"manager_id": ann.id}, ann.id)


def test_only_a_community_manager_has_an_away_date_and_not_as_own_backup() -> None:
    ann = make_user()
    with pytest.raises(InvalidInput):
        ann.set_availability(None, uuid4(), ann.id)
    ann.grant_role("community_manager", None)
    with pytest.raises(InvalidInput):
        ann.set_availability(None, ann.id, ann.id)
    backup = uuid4()
    ann.set_availability(None, backup, ann.id)
    assert ann.backup_id == backup


def test_an_erased_person_cannot_change_any_more() -> None:
    ann = make_user()
    ann.erase(ann.id)
    assert ann.erased and not ann.active and ann.password_hash is None
    with pytest.raises(NotFound):
        ann.follow(uuid4(), ann.id)
    with pytest.raises(NotFound):
        ann.erase(ann.id)


def test_a_private_group_is_invisible_to_non_members() -> None:
    group, owner = make_group("private")
    stranger = uuid4()
    assert not group.visible_to(stranger, is_network_admin=False)
    assert group.visible_to(stranger, is_network_admin=True)
    assert group.visible_to(owner, is_network_admin=False)
    public, _ = make_group("public")
    assert public.visible_to(stranger, is_network_admin=False)


def test_a_private_group_is_joined_only_by_request_or_invitation() -> None:
    group, owner = make_group("private")
    chloe, daan = uuid4(), uuid4()
    with pytest.raises(Forbidden):
        group.join(chloe, chloe)
    group.invite(daan, owner, is_network_admin=False)
    assert group.join(daan, daan) is True
    group.request_membership(chloe, "please", chloe)
    with pytest.raises(Forbidden):
        group.approve(chloe, daan, is_network_admin=False)  # a member, not an admin
    group.approve(chloe, owner, is_network_admin=False)
    assert chloe in group.members


def test_a_group_keeps_at_least_one_admin() -> None:
    group, owner = make_group("public")
    member = uuid4()
    group.join(member, member)
    with pytest.raises(Conflict):
        group.revoke_admin(owner, owner, is_network_admin=False)
    with pytest.raises(Conflict):
        group.leave(owner, owner)
    group.grant_admin(member, owner, is_network_admin=False)
    assert group.leave(owner, owner) is True


def test_the_last_admin_leaves_only_naming_a_member_as_the_next_admin() -> None:
    group, owner = make_group("public")
    with pytest.raises(Conflict):
        group.leave(owner, owner)  # the only member: archive it instead
    member, outsider = uuid4(), uuid4()
    group.join(member, member)
    with pytest.raises(InvalidInput):
        group.leave(owner, owner, successor_id=outsider)
    with pytest.raises(Forbidden):
        group.leave(member, member, successor_id=owner)
    assert group.leave(owner, owner, successor_id=member) is True
    assert group.admins == {member} and group.members == {member}


def test_the_all_company_group_has_a_fixed_id_and_fixed_members() -> None:
    group = Group(
        name="Everyone", description="", visibility="public", created_by=None, is_all_company=True
    )
    assert group.id == ALL_COMPANY_GROUP_ID
    assert group.is_member(uuid4())
    with pytest.raises(Conflict):
        group.leave(uuid4(), uuid4())
    with pytest.raises(Conflict):
        group.archive(uuid4(), is_network_admin=True)


def test_an_archived_group_refuses_changes() -> None:
    group, owner = make_group("public")
    group.archive(owner, is_network_admin=False)
    with pytest.raises(Conflict):
        group.join(uuid4(), uuid4())


def test_a_name_cursor_round_trips_and_rejects_garbage() -> None:
    cursor = NameCursor("zoë łukasz", uuid4())
    assert NameCursor.decode(cursor.encode()) == cursor
    with pytest.raises(InvalidInput):
        NameCursor.decode("not-a-cursor")


def test_a_search_word_is_cut_back_to_what_its_singular_starts_with() -> None:
    assert search_words("Fietsen katten TEAMS auto's Chloé Ben Hans") == [
        "fiets",
        "kat",
        "team",
        "auto",
        "chloé",
        "ben",
        "hans",
    ]


def test_a_handle_is_the_name_in_ascii_then_numbered() -> None:
    first = list(itertools.islice(handle_candidates("Chloé Ørsted-de Wit"), 3))
    assert first == ["chloeorsteddewit", "chloeorsteddewit2", "chloeorsteddewit3"]
    assert next(handle_candidates("李")) == "li"
    assert next(handle_candidates("!!!")) == "colleague"
    long = list(itertools.islice(handle_candidates("x" * 40), 10))
    assert all(len(h) <= 30 for h in long) and len(set(long)) == 10


def test_group_events_stored_before_the_domain_split_still_open() -> None:
    # Group lived in plein_identity.domain: stored events and their aggregate name that topic.
    assert resolve_topic("plein_identity.domain:Group") is Group
    assert resolve_topic("plein_identity.domain:Group.Created") is Group.Created
