"""Events produced by the identity service: people, follows, groups, roles, shared accounts.

Fields marked `Personal` hold personal data about the event's person (`user_id`, or the
follower/member named in the event). They are erasable: after UserErased a replay shows
`FORMER_COLLEAGUE` (or nothing) in their place.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field

from .contract import Event, Personal, event_type

Visibility = Literal["public", "private"]
Role = Literal["network_admin", "community_manager"]
# What an erased person chose for the words they wrote (see UserErased).
ErasedAuthored = Literal["removed", "anonymised"]
JoinedVia = Literal["open", "approved", "invited", "all_company", "created"]


@event_type("identity")
class UserRegistered(Event):
    """A person joined the network. Carries what other services show and e-mail about them."""

    user_id: UUID
    email: Annotated[str, Personal]
    display_name: Annotated[str, Personal]
    department: str | None = None
    job_title: Annotated[str | None, Personal] = None
    location: Annotated[str | None, Personal] = None
    photo_url: Annotated[str | None, Personal] = None
    bio: Annotated[str | None, Personal] = None
    languages: Annotated[list[str], Personal] = []
    is_manager: bool = False
    manager_id: UUID | None = None
    invited_by: UUID | None = None
    # The person's unique @handle (derived from the name at registration, never reused),
    # by which posts resolves "@ann" in a text. None in events from before handles.
    handle: Annotated[str | None, Personal] = None


@event_type("identity")
class ProfileUpdated(Event):
    """A person's profile changed. Carries the whole profile as it is now."""

    user_id: UUID
    email: Annotated[str, Personal]
    display_name: Annotated[str, Personal]
    department: str | None = None
    job_title: Annotated[str | None, Personal] = None
    location: Annotated[str | None, Personal] = None
    photo_url: Annotated[str | None, Personal] = None
    bio: Annotated[str | None, Personal] = None
    languages: Annotated[list[str], Personal] = []
    is_manager: bool = False
    manager_id: UUID | None = None
    changed: list[str] = []


@event_type("identity")
class UserDeactivated(Event):
    """The person can no longer log in; they get no notifications and count as inactive."""

    user_id: UUID


@event_type("identity")
class UserReactivated(Event):
    user_id: UUID


@event_type("identity")
class UserErased(Event):
    """The person's personal data was destroyed (their key shredded). Read models drop it.

    `authored` is what the person chose for the words they wrote (posts, replies): "removed"
    everywhere (read models drop their messages, as if each was deleted), or the conversations
    others had with them kept "anonymised" (their messages stay in place, by a former
    colleague, reading REMOVED_TEXT). Either way the text itself is shredded with their key.
    Erasures from before the choice existed kept the messages: "anonymised".
    """

    user_id: UUID
    authored: ErasedAuthored = "anonymised"


@event_type("identity")
class Followed(Event):
    """`follower_id` now follows `followee_id` (a person)."""

    follower_id: UUID
    followee_id: UUID


@event_type("identity")
class Unfollowed(Event):
    """`follower_id` no longer follows `followee_id`."""

    follower_id: UUID
    followee_id: UUID


# A #topic as posts finds it in a text ("#Fietsen" is the topic "fietsen"): a word character,
# then up to 49 word characters or hyphens, lower-cased. Follows name topics in this form.
TOPIC = re.compile(r"\w[\w-]{0,49}")


def normal_topic(raw: str) -> str | None:
    """The topic `raw` names (a leading "#" and case do not count), or None if it names none."""
    topic = raw.strip().removeprefix("#").lower()
    return topic if TOPIC.fullmatch(topic) else None


@event_type("identity")
class TopicFollowed(Event):
    """`follower_id` now follows the #topic `topic` (lower-case, without the "#"): threads
    with it that they may read come into their home feed."""

    follower_id: UUID
    topic: str = Field(min_length=1, max_length=50)


@event_type("identity")
class TopicUnfollowed(Event):
    """`follower_id` no longer follows the #topic `topic`."""

    follower_id: UUID
    topic: str = Field(min_length=1, max_length=50)


@event_type("identity")
class GroupCreated(Event):
    """A group exists. Private groups' names and members are for their members and admins only."""

    group_id: UUID
    name: str
    description: str = ""
    visibility: Visibility = "public"
    is_all_company: bool = False
    created_by: UUID | None = None


@event_type("identity")
class GroupUpdated(Event):
    """A group's name, description or visibility changed; carries all three as they are now."""

    group_id: UUID
    name: str
    description: str = ""
    visibility: Visibility = "public"


@event_type("identity")
class GroupArchived(Event):
    """The group is read-only from now on."""

    group_id: UUID


@event_type("identity")
class MembershipRequested(Event):
    """A person asked to join a private group; its admins decide."""

    group_id: UUID
    user_id: UUID
    message: str = ""


@event_type("identity")
class MembershipRequestDeclined(Event):
    group_id: UUID
    user_id: UUID
    declined_by: UUID


@event_type("identity")
class MemberInvited(Event):
    """A group admin invited a person into a group; they join when they accept."""

    group_id: UUID
    user_id: UUID
    invited_by: UUID


@event_type("identity")
class MemberJoined(Event):
    group_id: UUID
    user_id: UUID
    via: JoinedVia = "open"
    approved_by: UUID | None = None


@event_type("identity")
class MemberLeft(Event):
    group_id: UUID
    user_id: UUID


@event_type("identity")
class MemberRemoved(Event):
    group_id: UUID
    user_id: UUID
    removed_by: UUID


@event_type("identity")
class GroupAdminGranted(Event):
    group_id: UUID
    user_id: UUID
    granted_by: UUID | None = None


@event_type("identity")
class GroupAdminRevoked(Event):
    group_id: UUID
    user_id: UUID
    revoked_by: UUID | None = None


@event_type("identity")
class RoleGranted(Event):
    """A network-wide role: network admin or community manager."""

    user_id: UUID
    role: Role
    granted_by: UUID | None = None


@event_type("identity")
class RoleRevoked(Event):
    user_id: UUID
    role: Role
    revoked_by: UUID | None = None


@event_type("identity")
class AvailabilityChanged(Event):
    """A community manager is away until `away_until` (None: back); `backup_id` stands in."""

    user_id: UUID
    away_until: datetime | None = None
    backup_id: UUID | None = None


@event_type("identity")
class SharedAccountCreated(Event):
    """A department's shared account (HR, IT, Facilities) that named people may act as."""

    account_id: UUID
    name: str
    department: str | None = None
    created_by: UUID


@event_type("identity")
class DelegateGranted(Event):
    account_id: UUID
    user_id: UUID
    granted_by: UUID


@event_type("identity")
class DelegateRevoked(Event):
    account_id: UUID
    user_id: UUID
    revoked_by: UUID
