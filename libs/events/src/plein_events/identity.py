"""Events produced by the identity service: who people are and whom they follow."""

from __future__ import annotations

from uuid import UUID

from .contract import Event, event_type


@event_type("identity")
class UserRegistered(Event):
    """A person joined the network. Carries what other services show and e-mail about them."""

    user_id: UUID
    email: str
    display_name: str
    department: str | None = None
    job_title: str | None = None
    is_manager: bool = False
    manager_id: UUID | None = None


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
