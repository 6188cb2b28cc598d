"""People and their follows, as event-sourced aggregates. Pure rules, no I/O."""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event
from plein_platform.errors import InvalidInput


def normalise_email(email: str) -> str:
    return email.strip().lower()


class User(Aggregate):
    """A person on the network."""

    @event("Registered")
    def __init__(
        self,
        email: str,
        display_name: str,
        password_hash: str,
        department: str | None = None,
        job_title: str | None = None,
        is_manager: bool = False,
        manager_id: UUID | None = None,
    ) -> None:
        self.email = email
        self.display_name = display_name
        self.password_hash = password_hash
        self.department = department
        self.job_title = job_title
        self.is_manager = is_manager
        self.manager_id = manager_id
        self.following: set[UUID] = set()

    def follow(self, followee_id: UUID, actor_id: UUID) -> bool:
        """Start following `followee_id`; False if already following (nothing changes)."""
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
