"""People, groups and shared accounts as event-sourced aggregates, and the pure rules about
them (who may see or change what, registration domains, login throttling). No I/O."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from anyascii import anyascii
from eventsourcing.domain import Aggregate, event
from plein_platform.cursors import CursorCodec, CursorText
from plein_platform.errors import Conflict, Forbidden, InvalidInput, NotFound

NETWORK_ADMIN = "network_admin"
COMMUNITY_MANAGER = "community_manager"
ROLES = (NETWORK_ADMIN, COMMUNITY_MANAGER)
ALL_COMPANY_GROUP_ID = uuid5(NAMESPACE_URL, "plein:group:all-company")
ALL_COMPANY_GROUP_NAME = "Everyone"
PROFILE_FIELDS = (
    "display_name",
    "department",
    "job_title",
    "location",
    "photo_url",
    "bio",
    "languages",
    "is_manager",
    "manager_id",
)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def email_domain_allowed(email: str, allowed_domains: list[str]) -> bool:
    """Self-sign-up is for addresses of the organisation's own domains only."""
    domain = normalise_email(email).rpartition("@")[2]
    return domain in {d.strip().lower() for d in allowed_domains if d.strip()}


def invitation_refusal(invitation: dict[str, Any] | None, email: str, now: datetime) -> Forbidden:
    """Why a sign-up invitation cannot be used by `email` now, as the person should read it.
    An invitation for another address reads as unknown: it says nothing about whom it is for."""
    if invitation is None or invitation["email"] != email:
        return Forbidden(
            "This invitation is not valid for this address.", reason="invitation_invalid"
        )
    if invitation["used_at"] is not None:
        return Forbidden("This invitation was already used.", reason="invitation_used")
    expires_at: datetime = invitation["expires_at"]
    if expires_at <= now:
        return Forbidden(
            f"This invitation expired on {expires_at:%Y-%m-%d}; ask a network admin for a new one.",
            reason="invitation_expired",
            expired_at=expires_at.isoformat(),
        )
    return Forbidden("This invitation cannot be used now.", reason="invitation_invalid")


def login_delay(failures: int, *, free_attempts: int, max_delay_s: float) -> float:
    """Seconds a key (account or address) must wait after `failures` wrong passwords in a row.

    The first `free_attempts` cost nothing (typos happen); then the wait doubles each time,
    1 s, 2 s, 4 s ..., up to `max_delay_s`: guessing gets slow long before it gets anywhere.
    """
    if failures < free_attempts:
        return 0.0
    return float(min(2 ** (failures - free_attempts), max_delay_s))


class User(Aggregate):
    """A person on the network. Personal fields are sealed in the event store (see personal.py)."""

    @event("Registered")
    def __init__(
        self,
        email: str,
        display_name: str,
        password_hash: str | None,
        department: str | None = None,
        job_title: str | None = None,
        location: str | None = None,
        photo_url: str | None = None,
        bio: str | None = None,
        languages: list[str] | None = None,
        is_manager: bool = False,
        manager_id: UUID | None = None,
        invited_by: UUID | None = None,
        actor_id: UUID | None = None,
        handle: str | None = None,
    ) -> None:
        self.email = email
        self.handle = handle
        self.display_name = display_name
        self.password_hash = password_hash
        self.department = department
        self.job_title = job_title
        self.location = location
        self.photo_url = photo_url
        self.bio = bio
        self.languages = list(languages or [])
        self.is_manager = is_manager
        self.manager_id = manager_id
        self.invited_by = invited_by
        self.following: set[UUID] = set()
        self.roles: set[str] = set()
        self.active = True
        self.erased = False
        self.away_until: datetime | None = None
        self.backup_id: UUID | None = None

    # -- profile ----------------------------------------------------------------------------

    def profile(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in PROFILE_FIELDS}

    def update_profile(self, changes: dict[str, Any], actor_id: UUID) -> list[str]:
        """Apply the given profile changes; returns the names of the fields that changed."""
        self._must_be_present()
        if changes.get("manager_id") == self.id:
            raise InvalidInput("Nobody is their own manager.")
        changed = [k for k, v in changes.items() if k in PROFILE_FIELDS and getattr(self, k) != v]
        if changed:
            profile = {**self.profile(), **{k: changes[k] for k in changed}}
            self._profile_updated(email=self.email, changed=changed, actor_id=actor_id, **profile)
        return changed

    @event("ProfileUpdated")
    def _profile_updated(
        self,
        email: str,
        display_name: str,
        department: str | None,
        job_title: str | None,
        location: str | None,
        photo_url: str | None,
        bio: str | None,
        languages: list[str],
        is_manager: bool,
        manager_id: UUID | None,
        changed: list[str],
        actor_id: UUID,
    ) -> None:
        self.display_name = display_name
        self.department = department
        self.job_title = job_title
        self.location = location
        self.photo_url = photo_url
        self.bio = bio
        self.languages = list(languages)
        self.is_manager = is_manager
        self.manager_id = manager_id

    def change_password(self, password_hash: str, actor_id: UUID) -> None:
        self._must_be_present()
        self._password_changed(password_hash=password_hash, actor_id=actor_id)

    @event("PasswordChanged")
    def _password_changed(self, password_hash: str, actor_id: UUID) -> None:
        self.password_hash = password_hash

    # -- all-company group ------------------------------------------------------------------

    def join_all_company(self) -> None:
        """Every person is in the all-company group; recorded on the person (no contention)."""
        self._joined_all_company(group_id=ALL_COMPANY_GROUP_ID, actor_id=self.id)

    @event("JoinedAllCompany")
    def _joined_all_company(self, group_id: UUID, actor_id: UUID) -> None:
        pass

    # -- follows ----------------------------------------------------------------------------

    def follow(self, followee_id: UUID, actor_id: UUID) -> bool:
        """Start following `followee_id`; False if already following (nothing changes)."""
        self._must_be_present()
        if followee_id == self.id:
            raise InvalidInput("You cannot follow yourself.")
        if followee_id in self.following:
            return False
        self._followed(followee_id=followee_id, actor_id=actor_id)
        return True

    def unfollow(self, followee_id: UUID, actor_id: UUID) -> bool:
        """Stop following `followee_id`; False if not following."""
        if followee_id not in self.following:
            return False
        self._unfollowed(followee_id=followee_id, actor_id=actor_id)
        return True

    @event("Followed")
    def _followed(self, followee_id: UUID, actor_id: UUID) -> None:
        self.following.add(followee_id)

    @event("Unfollowed")
    def _unfollowed(self, followee_id: UUID, actor_id: UUID) -> None:
        self.following.discard(followee_id)

    # -- roles and availability -------------------------------------------------------------

    @property
    def is_network_admin(self) -> bool:
        return NETWORK_ADMIN in self.roles and self.active and not self.erased

    def grant_role(self, role: str, actor_id: UUID | None) -> bool:
        self._must_be_present()
        if role not in ROLES:
            raise InvalidInput(f"There is no role {role!r}; roles: {', '.join(ROLES)}.")
        if role in self.roles:
            return False
        self._role_granted(role=role, actor_id=actor_id)
        return True

    def revoke_role(self, role: str, actor_id: UUID) -> bool:
        if role not in self.roles:
            return False
        self._role_revoked(role=role, actor_id=actor_id)
        return True

    @event("RoleGranted")
    def _role_granted(self, role: str, actor_id: UUID | None) -> None:
        self.roles.add(role)

    @event("RoleRevoked")
    def _role_revoked(self, role: str, actor_id: UUID) -> None:
        self.roles.discard(role)

    def set_availability(
        self, away_until: datetime | None, backup_id: UUID | None, actor_id: UUID
    ) -> None:
        """A community manager says until when they are away and who stands in meanwhile."""
        self._must_be_present()
        if COMMUNITY_MANAGER not in self.roles:
            raise InvalidInput("Only a community manager has an away date and a backup.")
        if backup_id == self.id:
            raise InvalidInput("A community manager cannot be their own backup.")
        self._availability_changed(away_until=away_until, backup_id=backup_id, actor_id=actor_id)

    @event("AvailabilityChanged")
    def _availability_changed(
        self, away_until: datetime | None, backup_id: UUID | None, actor_id: UUID
    ) -> None:
        self.away_until = away_until
        self.backup_id = backup_id

    # -- life cycle -------------------------------------------------------------------------

    def deactivate(self, actor_id: UUID) -> bool:
        self._must_be_present()
        if not self.active:
            return False
        self._deactivated(actor_id=actor_id)
        return True

    def reactivate(self, actor_id: UUID) -> bool:
        self._must_be_present()
        if self.active:
            return False
        self._reactivated(actor_id=actor_id)
        return True

    @event("Deactivated")
    def _deactivated(self, actor_id: UUID) -> None:
        self.active = False

    @event("Reactivated")
    def _reactivated(self, actor_id: UUID) -> None:
        self.active = True

    def erase(self, actor_id: UUID, authored: str = "anonymised") -> None:
        """Record the erasure; destroying the person's key is what actually forgets them.
        `authored` is what they chose for the words they wrote ("removed" or "anonymised")."""
        if self.erased:
            raise NotFound(f"There is no user {self.id}.")
        self._erased(actor_id=actor_id, authored=authored)

    @event("Erased")
    def _erased(self, actor_id: UUID, authored: str = "anonymised") -> None:
        self.erased = True
        self.active = False
        self.roles = set()
        self.following = set()
        self.password_hash = None

    def _must_be_present(self) -> None:
        if self.erased:
            raise NotFound(f"There is no user {self.id}.")


class Handle(Aggregate):
    """Claims an @handle for one person, as EmailAddress claims an address: a second claim of
    the same handle conflicts in the event store, atomically with the registration."""

    @staticmethod
    def create_id(handle: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"plein:handle:{handle}")

    @event("Claimed")
    def __init__(self, handle: str, user_id: UUID) -> None:
        self.handle = handle
        self.user_id = user_id


MAX_HANDLE_CHARS = 30


def handle_candidates(display_name: str) -> Iterator[str]:
    """The @handles a person may get, best first: their name in lower-case ASCII letters and
    digits ("Chloé Ørsted" -> "chloeorsted", "李" -> "li"), then with 2, 3, ... appended."""
    base = re.sub(r"[^a-z0-9]", "", anyascii(display_name).lower())[:MAX_HANDLE_CHARS]
    base = base or "colleague"
    yield base
    for n in itertools.count(2):
        yield f"{base[: MAX_HANDLE_CHARS - len(str(n))]}{n}"


class EmailAddress(Aggregate):
    """Claims an e-mail address for one user: its id is derived from the address, so a second
    claim of the same address conflicts in the event store, atomically with the registration."""

    @staticmethod
    def create_id(email: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"plein:email:{email}")

    @event("Claimed")
    def __init__(self, email: str, user_id: UUID) -> None:
        self.email = email
        self.user_id = user_id


class Network(Aggregate):
    """The network itself: created once, with the first person, who becomes its admin. Its id
    is fixed, so two simultaneous first registrations cannot both become the first."""

    ID = uuid5(NAMESPACE_URL, "plein:network")

    @staticmethod
    def create_id() -> UUID:
        return Network.ID

    @event("Founded")
    def __init__(self, first_admin_id: UUID) -> None:
        self.first_admin_id = first_admin_id


class Group(Aggregate):
    """A group of people. Public: anyone joins. Private: by approved request or invitation,
    and invisible (not even its name) to anyone but its members, invitees and network admins."""

    @staticmethod
    def create_id(is_all_company: bool = False) -> UUID:
        # The all-company group has a fixed id: created once, whoever starts first.
        return ALL_COMPANY_GROUP_ID if is_all_company else uuid4()

    @event("Created")
    def __init__(
        self,
        name: str,
        description: str,
        visibility: str,
        created_by: UUID | None,
        is_all_company: bool = False,
        actor_id: UUID | None = None,
    ) -> None:
        self.name = name
        self.description = description
        self.visibility = visibility
        self.created_by = created_by
        self.is_all_company = is_all_company
        self.archived = False
        self.members: set[UUID] = set()
        self.admins: set[UUID] = set()
        self.requests: set[UUID] = set()
        self.invited: set[UUID] = set()

    @property
    def is_private(self) -> bool:
        return self.visibility == "private"

    # -- who may see and run it (pure rules) -------------------------------------------------

    def visible_to(self, user_id: UUID, is_network_admin: bool) -> bool:
        return (
            not self.is_private
            or is_network_admin
            or user_id in self.members
            or user_id in self.invited
        )

    def is_member(self, user_id: UUID) -> bool:
        return self.is_all_company or user_id in self.members

    def _must_be_run_by(self, actor_id: UUID, is_network_admin: bool) -> None:
        if actor_id not in self.admins and not is_network_admin:
            raise Forbidden("Only an admin of this group may do that.")

    def _must_be_open(self) -> None:
        if self.archived:
            raise Conflict("The group is archived; it no longer changes.")
        if self.is_all_company:
            raise Conflict("Everyone is in the all-company group; its members do not change.")

    # -- the group itself --------------------------------------------------------------------

    def update(
        self,
        name: str,
        description: str,
        visibility: str,
        actor_id: UUID,
        is_network_admin: bool,
    ) -> bool:
        self._must_be_run_by(actor_id, is_network_admin)
        if self.archived:
            raise Conflict("The group is archived; it no longer changes.")
        if (name, description, visibility) == (self.name, self.description, self.visibility):
            return False
        if self.is_all_company and visibility != "public":
            raise InvalidInput("The all-company group is public.")
        self._updated(name=name, description=description, visibility=visibility, actor_id=actor_id)
        return True

    @event("Updated")
    def _updated(self, name: str, description: str, visibility: str, actor_id: UUID) -> None:
        self.name = name
        self.description = description
        self.visibility = visibility

    def archive(self, actor_id: UUID, is_network_admin: bool) -> bool:
        self._must_be_run_by(actor_id, is_network_admin)
        if self.is_all_company:
            raise Conflict("The all-company group cannot be archived.")
        if self.archived:
            return False
        self._archived(actor_id=actor_id)
        return True

    @event("Archived")
    def _archived(self, actor_id: UUID) -> None:
        self.archived = True

    # -- membership ---------------------------------------------------------------------------

    def join(self, user_id: UUID, actor_id: UUID) -> bool:
        """Join a public group, or accept an invitation to a private one."""
        self._must_be_open()
        if user_id in self.members:
            return False
        if user_id in self.invited:
            self._joined(user_id=user_id, via="invited", approved_by=None, actor_id=actor_id)
        elif self.is_private:
            raise Forbidden("A private group is joined by request or invitation.")
        else:
            self._joined(user_id=user_id, via="open", approved_by=None, actor_id=actor_id)
        return True

    def add_creator(self, user_id: UUID) -> None:
        self._joined(user_id=user_id, via="created", approved_by=None, actor_id=user_id)
        self._admin_granted(user_id=user_id, actor_id=user_id)

    def request_membership(self, user_id: UUID, message: str, actor_id: UUID) -> bool:
        self._must_be_open()
        if user_id in self.members:
            raise Conflict("You are already a member of this group.")
        if user_id in self.requests:
            return False
        self._requested(user_id=user_id, message=message, actor_id=actor_id)
        return True

    def approve(self, user_id: UUID, actor_id: UUID, is_network_admin: bool) -> None:
        self._must_be_run_by(actor_id, is_network_admin)
        self._must_be_open()
        if user_id not in self.requests:
            raise NotFound("There is no such request to join this group.")
        self._joined(user_id=user_id, via="approved", approved_by=actor_id, actor_id=actor_id)

    def decline(self, user_id: UUID, actor_id: UUID, is_network_admin: bool) -> None:
        self._must_be_run_by(actor_id, is_network_admin)
        if user_id not in self.requests:
            raise NotFound("There is no such request to join this group.")
        self._declined(user_id=user_id, actor_id=actor_id)

    def invite(self, user_id: UUID, actor_id: UUID, is_network_admin: bool) -> bool:
        self._must_be_run_by(actor_id, is_network_admin)
        self._must_be_open()
        if user_id in self.members or user_id in self.invited:
            return False
        self._invited(user_id=user_id, actor_id=actor_id)
        return True

    def leave(self, user_id: UUID, actor_id: UUID, successor_id: UUID | None = None) -> bool:
        """`user_id` leaves; an admin may name `successor_id`, a member who becomes admin as
        they go. The last admin must: a group is never left without anyone to run it."""
        self._must_be_open()
        if user_id not in self.members:
            return False
        if successor_id is not None:
            if user_id not in self.admins:
                raise Forbidden("Only an admin of this group names another admin.")
            if successor_id == user_id or successor_id not in self.members:
                raise InvalidInput(
                    "The admin you name must be another member of this group.",
                    successor_id=str(successor_id),
                )
        elif self.admins == {user_id}:
            if len(self.members) == 1:
                raise Conflict(
                    "You are this group's only member and admin: archive the group instead, "
                    "or invite someone and name them admin as you leave (successor_id)."
                )
            raise Conflict(
                "You are this group's last admin: name another member as admin as you leave "
                "(successor_id), or make someone admin first."
            )
        if successor_id is not None and successor_id not in self.admins:
            self._admin_granted(user_id=successor_id, actor_id=actor_id)
        self._left(user_id=user_id, actor_id=actor_id)
        return True

    def remove(self, user_id: UUID, actor_id: UUID, is_network_admin: bool) -> None:
        self._must_be_run_by(actor_id, is_network_admin)
        self._must_be_open()
        if user_id not in self.members:
            raise NotFound("That person is not a member of this group.")
        if self.admins == {user_id}:
            raise Conflict("That person is this group's last admin.")
        self._removed(user_id=user_id, actor_id=actor_id)

    def grant_admin(self, user_id: UUID, actor_id: UUID, is_network_admin: bool) -> bool:
        self._must_be_run_by(actor_id, is_network_admin)
        self._must_be_open()
        if user_id not in self.members:
            raise InvalidInput("Only a member can be made admin of a group.")
        if user_id in self.admins:
            return False
        self._admin_granted(user_id=user_id, actor_id=actor_id)
        return True

    def revoke_admin(self, user_id: UUID, actor_id: UUID, is_network_admin: bool) -> bool:
        self._must_be_run_by(actor_id, is_network_admin)
        if user_id not in self.admins:
            return False
        if self.admins == {user_id}:
            raise Conflict("A group keeps at least one admin.")
        self._admin_revoked(user_id=user_id, actor_id=actor_id)
        return True

    @event("MemberJoined")
    def _joined(
        self, user_id: UUID, via: str, approved_by: UUID | None, actor_id: UUID | None
    ) -> None:
        self.members.add(user_id)
        self.requests.discard(user_id)
        self.invited.discard(user_id)

    @event("MembershipRequested")
    def _requested(self, user_id: UUID, message: str, actor_id: UUID) -> None:
        self.requests.add(user_id)

    @event("MembershipRequestDeclined")
    def _declined(self, user_id: UUID, actor_id: UUID) -> None:
        self.requests.discard(user_id)

    @event("MemberInvited")
    def _invited(self, user_id: UUID, actor_id: UUID) -> None:
        self.invited.add(user_id)

    @event("MemberLeft")
    def _left(self, user_id: UUID, actor_id: UUID) -> None:
        self.members.discard(user_id)
        self.admins.discard(user_id)

    @event("MemberRemoved")
    def _removed(self, user_id: UUID, actor_id: UUID) -> None:
        self.members.discard(user_id)
        self.admins.discard(user_id)

    @event("AdminGranted")
    def _admin_granted(self, user_id: UUID, actor_id: UUID | None) -> None:
        self.admins.add(user_id)

    @event("AdminRevoked")
    def _admin_revoked(self, user_id: UUID, actor_id: UUID) -> None:
        self.admins.discard(user_id)


class SharedAccount(Aggregate):
    """A department's account (HR, IT, Facilities) that named people may act as."""

    @event("Created")
    def __init__(self, name: str, department: str | None, created_by: UUID, actor_id: UUID) -> None:
        self.name = name
        self.department = department
        self.created_by = created_by
        self.delegates: set[UUID] = set()

    def grant(self, user_id: UUID, actor_id: UUID) -> bool:
        if user_id in self.delegates:
            return False
        self._granted(user_id=user_id, actor_id=actor_id)
        return True

    def revoke(self, user_id: UUID, actor_id: UUID) -> bool:
        if user_id not in self.delegates:
            return False
        self._revoked(user_id=user_id, actor_id=actor_id)
        return True

    @event("DelegateGranted")
    def _granted(self, user_id: UUID, actor_id: UUID) -> None:
        self.delegates.add(user_id)

    @event("DelegateRevoked")
    def _revoked(self, user_id: UUID, actor_id: UUID) -> None:
        self.delegates.discard(user_id)


def refresh_expiry(now: datetime, ttl_s: int) -> datetime:
    return now + timedelta(seconds=ttl_s)


_NAME_CURSOR = CursorCodec[tuple[str, UUID]](tuple[CursorText, UUID])


@dataclass(frozen=True)
class NameCursor:
    """Where an alphabetical page ended: rows after (lower-cased name, id) come next (keyset
    paging on a unique key: no duplicates, no gaps while people join)."""

    name: str
    id: UUID

    def encode(self) -> str:
        return _NAME_CURSOR.encode((self.name, self.id))

    @classmethod
    def decode(cls, token: str) -> NameCursor:
        return cls(*_NAME_CURSOR.decode(token))

    def key(self) -> tuple[str, UUID]:
        return self.name, self.id


# -- people search ---------------------------------------------------------------------------

_VOWELS = set("aeiouy")


def search_words(query: str) -> list[str]:
    """The words of a people search, each cut back to what its singular starts with, so a
    Dutch or English plural ("fietsen", "katten", "teams", "auto's") finds the singular
    ("fiets", "kat", "team", "auto"). What is cut is always a tail, so every match of the word
    as typed is still a match. Accents and case are left to the database (`folded`)."""
    words = []
    for word in query.lower().split():
        if word.endswith(("'s", "\u2019s")) and len(word) > 4:
            word = word[:-2]
        elif word.endswith("en") and len(word) >= 5:
            word = word[:-2]
            if word[-1] == word[-2] and word[-1] not in _VOWELS:
                word = word[:-1]  # katten, bussen: the consonant doubled before -en
        elif word.endswith("s") and len(word) >= 5 and word[-2] != "s":
            word = word[:-1]
        words.append(word)
    return list(dict.fromkeys(words))
