"""A group as an event-sourced aggregate: who is in it, who runs it, who may see it. No I/O."""

from __future__ import annotations

from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event
from eventsourcing.utils import register_topic
from plein_platform.errors import Conflict, Forbidden, InvalidInput, NotFound

from .domain import ALL_COMPANY_GROUP_ID


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


# Groups were defined in domain.py until it was split: events stored before then name the topic
# "plein_identity.domain:Group.Created" (and so on), and still open as these classes.
register_topic("plein_identity.domain:Group", Group)
