"""People and shared accounts as event-sourced aggregates, and the claims that keep e-mail
addresses, @handles and the network's founding unique. No I/O.

Groups are in domain_groups.py, the sign-in rules in domain_auth.py, the directory's paging and
search words in domain_directory.py."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from anyascii import anyascii
from eventsourcing.domain import Aggregate, event
from plein_events.identity import normal_topic
from plein_platform.errors import InvalidInput, NotFound

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

    # -- topic follows ----------------------------------------------------------------------

    # A class default, so that people registered before topic follows existed have none.
    followed_topics: frozenset[str] = frozenset()

    def follow_topic(self, topic: str, actor_id: UUID) -> bool:
        """Start following #`topic` (any case, "#" or not); False if already following."""
        self._must_be_present()
        normal = normal_topic(topic)
        if normal is None:
            raise InvalidInput(f"{topic!r} is not a #topic: letters, digits, _ and - only.")
        if normal in self.followed_topics:
            return False
        self._topic_followed(topic=normal, actor_id=actor_id)
        return True

    def unfollow_topic(self, topic: str, actor_id: UUID) -> bool:
        """Stop following #`topic`; False if not following it."""
        normal = normal_topic(topic)
        if normal is None or normal not in self.followed_topics:
            return False
        self._topic_unfollowed(topic=normal, actor_id=actor_id)
        return True

    @event("TopicFollowed")
    def _topic_followed(self, topic: str, actor_id: UUID) -> None:
        self.followed_topics = self.followed_topics | {topic}

    @event("TopicUnfollowed")
    def _topic_unfollowed(self, topic: str, actor_id: UUID) -> None:
        self.followed_topics = self.followed_topics - {topic}

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
