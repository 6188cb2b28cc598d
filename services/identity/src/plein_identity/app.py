"""Identity's event-sourced application: people, groups and shared accounts, each command
checked, applied to its aggregate and saved. Every method is synchronous (the eventsourcing
library is); the use cases (app_auth.py, app_people.py, app_groups.py) run them in a thread."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError, Mapper
from plein_events.eventstore import PleinApplication
from plein_platform.errors import Conflict, Forbidden, InvalidInput, NotAuthenticated, NotFound

from .domain import (
    ALL_COMPANY_GROUP_ID,
    ALL_COMPANY_GROUP_NAME,
    NETWORK_ADMIN,
    EmailAddress,
    Handle,
    Network,
    SharedAccount,
    User,
    handle_candidates,
    normalise_email,
)
from .domain_groups import Group
from .passwords import hash_password, verify_password, weak_password
from .personal import KeyRing, PersonalDataMapper


def _require_acceptable(password: str, *, email: str) -> None:
    problem = weak_password(password, email=email)
    if problem is not None:
        raise InvalidInput(problem, field="password")


class AddressTaken(Exception):
    """A registration for an address that has an account. It is answered like a new one (the
    `decoy`, never saved), so that sign-up does not tell who has an account; a real system
    e-mails the address's owner instead."""

    def __init__(self, decoy: User) -> None:
        super().__init__("An account with this e-mail address already exists.")
        self.decoy = decoy


class IdentityApplication(PleinApplication):
    name = "identity"

    def __init__(self, env: dict[str, str], keyring: KeyRing) -> None:
        self.keyring = keyring
        super().__init__(env=env)

    def construct_mapper(self) -> Mapper[UUID]:
        mapper = self.factory.mapper(
            transcoder=self.construct_transcoder(), mapper_class=PersonalDataMapper
        )
        assert isinstance(mapper, PersonalDataMapper)
        mapper.keyring = self.keyring
        return mapper

    # -- people -----------------------------------------------------------------------------

    def register(
        self,
        *,
        email: str,
        password: str | None,
        display_name: str,
        invited_by: UUID | None = None,
        **profile: Any,
    ) -> User:
        """A new person, in the all-company group; the very first one is the network admin."""
        email = normalise_email(email)
        if password is not None:
            _require_acceptable(password, email=email)
        if profile.get("manager_id") is not None:
            self.person(profile["manager_id"])
        handle = self._free_handle(display_name)
        user = User(
            email=email,
            display_name=display_name,
            password_hash=hash_password(password) if password else None,
            invited_by=invited_by,
            actor_id=invited_by,
            handle=handle,
            **profile,
        )
        user.join_all_company()
        if self._email_taken(email):
            # Saying so would tell a stranger who has an account here: answer as for a new one.
            raise AddressTaken(user)
        founding = self._network_is_new()
        if founding:
            user.grant_role(NETWORK_ADMIN, actor_id=None)
        self.keyring.create(user.id)
        claims = [
            EmailAddress(email=email, user_id=user.id),
            Handle(handle=handle, user_id=user.id),
        ]
        try:
            self.save(user, *claims, *([Network(first_admin_id=user.id)] if founding else []))
        except IntegrityError:
            self.keyring.discard(user.id)
            if not self._email_taken(email):
                # Someone else founded the network, or took this handle, a moment ago:
                # register again (as a member, with the next free handle).
                return self.register(
                    email=email,
                    password=password,
                    display_name=display_name,
                    invited_by=invited_by,
                    **profile,
                )
            raise AddressTaken(user) from None
        return user

    def _network_is_new(self) -> bool:
        try:
            self.repository.get(Network.ID)
        except AggregateNotFoundError:
            return True
        return False

    def _free_handle(self, display_name: str) -> str:
        """The first @handle derived from `display_name` that nobody has claimed."""
        for handle in handle_candidates(display_name):
            try:
                self.repository.get(Handle.create_id(handle))
            except AggregateNotFoundError:
                return handle
        raise AssertionError("handle_candidates never ends")

    def _email_taken(self, email: str) -> bool:
        try:
            self.repository.get(EmailAddress.create_id(email))
        except AggregateNotFoundError:
            return False
        return True

    def user(self, user_id: UUID) -> User:
        """A person (erased people are gone: NotFound)."""
        try:
            user: Any = self.repository.get(user_id)
        except AggregateNotFoundError:
            raise NotFound(f"There is no user {user_id}.") from None
        if not isinstance(user, User) or user.erased:
            raise NotFound(f"There is no user {user_id}.")
        return user

    def person(self, user_id: UUID) -> User:
        """An active person (someone a rule may point at: a manager, a backup, a delegate)."""
        user = self.user(user_id)
        if not user.active:
            raise InvalidInput(f"User {user_id} is deactivated.")
        return user

    def user_by_email(self, email: str) -> User | None:
        try:
            claim: Any = self.repository.get(EmailAddress.create_id(normalise_email(email)))
            return self.user(claim.user_id)
        except (AggregateNotFoundError, NotFound):
            return None

    def authenticate(self, email: str, password: str) -> User:
        user = self.user_by_email(email)
        hashed = user.password_hash if user is not None else None
        # Unknown addresses are checked against a dummy hash: both answers take as long.
        if not verify_password(hashed, password) or user is None:
            raise NotAuthenticated("The e-mail address or password is wrong.")
        if not user.active:
            raise NotAuthenticated("This account is deactivated.")
        return user

    def is_network_admin(self, user_id: UUID) -> bool:
        try:
            return self.user(user_id).is_network_admin
        except NotFound:
            return False

    def _admin(self, actor_id: UUID) -> User:
        actor = self.user(actor_id)
        if not actor.is_network_admin:
            raise Forbidden("Only a network admin may do that.")
        return actor

    def _self_or_admin(self, user_id: UUID, actor_id: UUID) -> None:
        if user_id != actor_id:
            self._admin(actor_id)

    def update_profile(self, user_id: UUID, changes: dict[str, Any], actor_id: UUID) -> User:
        self._self_or_admin(user_id, actor_id)
        user = self.user(user_id)
        if changes.get("manager_id") is not None:
            self.person(changes["manager_id"])
        if user.update_profile(changes, actor_id):
            self.save(user)
        return user

    def change_password(self, user_id: UUID, current: str, new: str) -> User:
        user = self.user(user_id)
        if not verify_password(user.password_hash, current):
            raise Forbidden("The current password is wrong.")
        _require_acceptable(new, email=user.email)
        user.change_password(hash_password(new), actor_id=user_id)
        self.save(user)
        return user

    def follow(self, follower_id: UUID, followee_id: UUID, actor_id: UUID) -> User:
        self.user(followee_id)
        follower = self.user(follower_id)
        if follower.follow(followee_id, actor_id):
            self.save(follower)
        return follower

    def unfollow(self, follower_id: UUID, followee_id: UUID, actor_id: UUID) -> User:
        follower = self.user(follower_id)
        if follower.unfollow(followee_id, actor_id):
            self.save(follower)
        return follower

    def follow_topic(self, user_id: UUID, topic: str, actor_id: UUID) -> User:
        user = self.user(user_id)
        if user.follow_topic(topic, actor_id):
            self.save(user)
        return user

    def unfollow_topic(self, user_id: UUID, topic: str, actor_id: UUID) -> User:
        user = self.user(user_id)
        if user.unfollow_topic(topic, actor_id):
            self.save(user)
        return user

    def grant_role(self, user_id: UUID, role: str, actor_id: UUID) -> User:
        self._admin(actor_id)
        user = self.person(user_id)
        if user.grant_role(role, actor_id):
            self.save(user)
        return user

    def revoke_role(self, user_id: UUID, role: str, actor_id: UUID) -> User:
        self._admin(actor_id)
        if user_id == actor_id and role == NETWORK_ADMIN:
            raise Conflict("Network admins cannot revoke their own admin role.")
        user = self.user(user_id)
        if user.revoke_role(role, actor_id):
            self.save(user)
        return user

    def set_availability(
        self, user_id: UUID, away_until: datetime | None, backup_id: UUID | None, actor_id: UUID
    ) -> User:
        self._self_or_admin(user_id, actor_id)
        user = self.user(user_id)
        if backup_id is not None:
            self.person(backup_id)
        user.set_availability(away_until, backup_id, actor_id)
        self.save(user)
        return user

    def deactivate(self, user_id: UUID, actor_id: UUID) -> User:
        self._self_or_admin(user_id, actor_id)
        user = self.user(user_id)
        if user.deactivate(actor_id):
            self.save(user)
        return user

    def reactivate(self, user_id: UUID, actor_id: UUID) -> User:
        self._admin(actor_id)
        user = self.user(user_id)
        if user.reactivate(actor_id):
            self.save(user)
        return user

    def erase(self, user_id: UUID, actor_id: UUID, authored: str = "anonymised") -> User:
        """Forget a person: record the erasure (with what they chose for their words), then
        shred their key."""
        self._self_or_admin(user_id, actor_id)
        user = self.user(user_id)
        user.erase(actor_id, authored)
        self.save(user)
        self.keyring.destroy(user_id)
        return user

    # -- groups -----------------------------------------------------------------------------

    def ensure_all_company_group(self) -> None:
        """The group everyone is in; created once (a second creator's attempt conflicts)."""
        try:
            self.repository.get(ALL_COMPANY_GROUP_ID)
            return
        except AggregateNotFoundError:
            pass
        group = Group(
            name=ALL_COMPANY_GROUP_NAME,
            description="Everyone in the organisation.",
            visibility="public",
            created_by=None,
            is_all_company=True,
        )
        try:
            self.save(group)
        except IntegrityError:
            pass  # another replica created it meanwhile

    def group(self, group_id: UUID) -> Group:
        try:
            group: Any = self.repository.get(group_id)
        except AggregateNotFoundError:
            raise NotFound(f"There is no group {group_id}.") from None
        if not isinstance(group, Group):
            raise NotFound(f"There is no group {group_id}.")
        return group

    def visible_group(self, group_id: UUID, viewer_id: UUID) -> Group:
        """The group if `viewer_id` may know it exists; NotFound otherwise (never Forbidden,
        which would confirm that a private group is there)."""
        group = self.group(group_id)
        if not group.visible_to(viewer_id, self.is_network_admin(viewer_id)):
            raise NotFound(f"There is no group {group_id}.")
        return group

    def create_group(
        self, *, name: str, description: str, visibility: str, actor_id: UUID
    ) -> Group:
        self.person(actor_id)
        group = Group(
            name=name,
            description=description,
            visibility=visibility,
            created_by=actor_id,
            actor_id=actor_id,
        )
        group.add_creator(actor_id)
        self.save(group)
        return group

    def change_group(self, group_id: UUID, actor_id: UUID, change: str, **args: Any) -> Group:
        """Run one of the group's commands as `actor_id` (who must be able to see it, except to
        ask to join: that takes only the group's id)."""
        if change == "request":
            group = self.group(group_id)
        else:
            group = self.visible_group(group_id, actor_id)
        admin = self.is_network_admin(actor_id)
        if "user_id" in args and change in {"invite", "grant_admin"}:
            self.person(args["user_id"])
        match change:
            case "update":
                group.update(args["name"], args["description"], args["visibility"], actor_id, admin)
            case "archive":
                group.archive(actor_id, admin)
            case "join":
                group.join(actor_id, actor_id)
            case "request":
                group.request_membership(actor_id, args.get("message", ""), actor_id)
            case "leave":
                group.leave(actor_id, actor_id, args.get("successor_id"))
            case "approve":
                group.approve(args["user_id"], actor_id, admin)
            case "decline":
                group.decline(args["user_id"], actor_id, admin)
            case "invite":
                group.invite(args["user_id"], actor_id, admin)
            case "remove":
                group.remove(args["user_id"], actor_id, admin)
            case "grant_admin":
                group.grant_admin(args["user_id"], actor_id, admin)
            case "revoke_admin":
                group.revoke_admin(args["user_id"], actor_id, admin)
            case _:
                raise ValueError(change)
        self.save(group)
        return group

    # -- shared accounts --------------------------------------------------------------------

    def shared_account(self, account_id: UUID) -> SharedAccount:
        try:
            account: Any = self.repository.get(account_id)
        except AggregateNotFoundError:
            raise NotFound(f"There is no shared account {account_id}.") from None
        if not isinstance(account, SharedAccount):
            raise NotFound(f"There is no shared account {account_id}.")
        return account

    def create_shared_account(
        self, *, name: str, department: str | None, actor_id: UUID
    ) -> SharedAccount:
        self._admin(actor_id)
        account = SharedAccount(
            name=name, department=department, created_by=actor_id, actor_id=actor_id
        )
        self.save(account)
        return account

    def grant_delegate(self, account_id: UUID, user_id: UUID, actor_id: UUID) -> SharedAccount:
        self._admin(actor_id)
        self.person(user_id)
        account = self.shared_account(account_id)
        if account.grant(user_id, actor_id):
            self.save(account)
        return account

    def revoke_delegate(self, account_id: UUID, user_id: UUID, actor_id: UUID) -> SharedAccount:
        self._admin(actor_id)
        account = self.shared_account(account_id)
        if account.revoke(user_id, actor_id):
            self.save(account)
        return account

    def acting_as(self, account_id: UUID, user_id: UUID) -> SharedAccount:
        """The account `user_id` may act as right now; Forbidden if they may not."""
        account = self.shared_account(account_id)
        user = self.user(user_id)
        if user_id not in account.delegates or not user.active:
            raise Forbidden("You may not act as this shared account.")
        return account
