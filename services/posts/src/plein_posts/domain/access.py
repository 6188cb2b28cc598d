"""Who may do what in one place: the pure access rules of posts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from uuid import UUID

from plein_events.visibility import may_read_group
from plein_platform.errors import Conflict, Forbidden, NotFound


@dataclass(frozen=True)
class Group:
    """A group as posts knows it. One it has not heard of (`known` False: its GroupCreated not
    consumed yet, or its read model being rebuilt) counts as private: privacy fails closed."""

    id: UUID
    private: bool
    archived: bool
    all_company: bool
    known: bool = True

    @classmethod
    def unknown(cls, group_id: UUID) -> Group:
        return cls(group_id, private=True, archived=False, all_company=False, known=False)


@dataclass(frozen=True)
class Access:
    """What one request may do in one place (a group, or profiles when `group` is None).

    Permissions are always the real person's (`real_user_id`); when they act as a shared
    account, `user_id` is only the name their words appear under.
    """

    user_id: UUID
    real_user_id: UUID
    group: Group | None
    member: bool = False
    group_admin: bool = False
    community_manager: bool = False
    network_admin: bool = False
    # Filled for reading a thread: the shared accounts the reader is a delegate of, and the
    # messages of the thread with an open report (which its moderators are handling).
    delegate_of: frozenset[UUID] = frozenset()
    reported: frozenset[UUID] = frozenset()
    # Also filled for reading a thread: its writers who were erased, each with what they chose
    # for their words ("removed" or "anonymised"; see plein_events.identity.UserErased).
    erased_writers: Mapping[UUID, str] = field(default_factory=dict)

    @property
    def may_read(self) -> bool:
        """The one rule (plein_events.visibility) for this place: a group posts does not know
        yet arrives here already marked private."""
        if self.group is None:
            return True
        return may_read_group(
            private=self.group.private, member=self.member, admin=self.group_admin
        )

    @property
    def may_contribute(self) -> bool:
        if self.group is None:
            return True
        if self.group.archived:
            return False
        return self.member or self.group_admin or self.group.all_company

    @property
    def may_moderate(self) -> bool:
        return self.may_read and (self.group_admin or self.community_manager or self.network_admin)

    @property
    def may_announce(self) -> bool:
        """Group admins in their group; community managers in any group they may read."""
        return (
            self.group is not None
            and not self.group.archived
            and self.may_read
            and (self.group_admin or self.community_manager)
        )

    def sees_real_author(self, message_id: UUID, author_id: UUID, real_author_id: UUID) -> bool:
        """Whether the person behind a shared account's message is shown to this reader.

        A shared account exists so that no individual takes the reactions to bad news
        personally: the real author is kept for accountability only. It is shown to the
        account's delegates, network admins, moderators handling a report of the message,
        and the writer themselves; everyone else sees the account alone.
        """
        return (
            author_id == real_author_id
            or real_author_id == self.real_user_id
            or self.network_admin
            or author_id in self.delegate_of
            or (message_id in self.reported and self.may_moderate)
        )

    def require_read(self) -> None:
        if not self.may_read:
            # Not 403: a non-member must not even learn that the post exists.
            raise NotFound("There is no such post.")

    def require_contribute(self) -> None:
        self.require_read()
        if self.group is not None and self.group.archived:
            raise Conflict("This group is archived: it is read-only.")
        if not self.may_contribute:
            raise Forbidden("Only members of this group may take part in it.")

    def require_announce(self) -> None:
        self.require_read()
        if self.group is not None and self.group.archived:
            raise Conflict("This group is archived: it is read-only.")
        if not self.may_announce:
            raise Forbidden("Only the group's admins and community managers may announce.")
