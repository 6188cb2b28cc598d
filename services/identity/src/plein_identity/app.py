"""Identity's use cases, on the event-sourced store."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError
from plein_events.eventstore import PleinApplication
from plein_platform.errors import Conflict, NotAuthenticated, NotFound

from .domain import EmailAddress, User, normalise_email
from .passwords import hash_password, verify_password


class IdentityApplication(PleinApplication):
    name = "identity"

    def register(
        self,
        *,
        email: str,
        password: str,
        display_name: str,
        department: str | None = None,
        job_title: str | None = None,
        is_manager: bool = False,
        manager_id: UUID | None = None,
    ) -> User:
        email = normalise_email(email)
        if manager_id is not None:
            self.user(manager_id)
        user = User(
            email=email,
            display_name=display_name,
            password_hash=hash_password(password),
            department=department,
            job_title=job_title,
            is_manager=is_manager,
            manager_id=manager_id,
        )
        try:
            self.save(user, EmailAddress(email=email, user_id=user.id))
        except IntegrityError:
            raise Conflict("An account with this e-mail address already exists.") from None
        return user

    def user(self, user_id: UUID) -> User:
        try:
            user: User = self.repository.get(user_id)
        except AggregateNotFoundError:
            raise NotFound(f"There is no user {user_id}.") from None
        if not isinstance(user, User):
            raise NotFound(f"There is no user {user_id}.")
        return user

    def authenticate(self, email: str, password: str) -> User:
        email = normalise_email(email)
        try:
            claim: EmailAddress = self.repository.get(EmailAddress.create_id(email))
            user: User | None = self.user(claim.user_id)
        except (AggregateNotFoundError, NotFound):
            user = None
        # Unknown addresses are checked against a dummy hash: both answers take as long.
        if not verify_password(user.password_hash if user else None, password) or user is None:
            raise NotAuthenticated("The e-mail address or password is wrong.")
        return user

    def follow(self, follower_id: UUID, followee_id: UUID, actor_id: UUID) -> bool:
        self.user(followee_id)
        follower = self.user(follower_id)
        changed = follower.follow(followee_id, actor_id)
        if changed:
            self.save(follower)
        return changed

    def unfollow(self, follower_id: UUID, followee_id: UUID, actor_id: UUID) -> bool:
        follower = self.user(follower_id)
        changed = follower.unfollow(followee_id, actor_id)
        if changed:
            self.save(follower)
        return changed
