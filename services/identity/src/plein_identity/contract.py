"""Which of identity's domain events leave the service, and as which contract event."""

from __future__ import annotations

from typing import Any

from plein_events import Event, Followed, Unfollowed, UserRegistered

from .domain import User


def to_contract(domain_event: Any) -> Event | None:
    match domain_event:
        case User.Registered():
            return UserRegistered(
                user_id=domain_event.originator_id,
                email=domain_event.email,
                display_name=domain_event.display_name,
                department=domain_event.department,
                job_title=domain_event.job_title,
                is_manager=domain_event.is_manager,
                manager_id=domain_event.manager_id,
            )
        case User.Followed():
            return Followed(
                follower_id=domain_event.originator_id, followee_id=domain_event.followee_id
            )
        case User.Unfollowed():
            return Unfollowed(
                follower_id=domain_event.originator_id, followee_id=domain_event.followee_id
            )
    return None  # e.g. EmailAddress.Claimed stays inside identity
