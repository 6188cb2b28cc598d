"""The directory: identity's read models (people, follows, groups, members), projected from its
own events on the stream, so `plein replay identity-directory` rebuilds them, and an erased
person comes back from a replay as "former colleague" (their key is gone)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from plein_events import (
    AvailabilityChanged,
    Envelope,
    Followed,
    GroupAdminGranted,
    GroupAdminRevoked,
    GroupArchived,
    GroupCreated,
    GroupUpdated,
    MemberInvited,
    MemberJoined,
    MemberLeft,
    MemberRemoved,
    MembershipRequestDeclined,
    MembershipRequested,
    ProfileUpdated,
    RoleGranted,
    RoleRevoked,
    SharedAccountCreated,
    TopicFollowed,
    TopicUnfollowed,
    Unfollowed,
    UserDeactivated,
    UserErased,
    UserReactivated,
    UserRegistered,
)
from plein_events.projection import Handler, Projection
from psycopg import AsyncConnection

from . import store

Conn = AsyncConnection[Any]
DIRECTORY = "identity-directory"


def _profile(event: UserRegistered | ProfileUpdated) -> dict[str, Any]:
    return event.model_dump(
        include={
            "user_id",
            "email",
            "display_name",
            "department",
            "job_title",
            "location",
            "photo_url",
            "bio",
            "languages",
            "is_manager",
            "manager_id",
        }
    )


async def on_registered(conn: Conn, event: UserRegistered, envelope: Envelope) -> None:
    await store.upsert_person(
        conn, {**_profile(event), "handle": event.handle}, envelope.occurred_at
    )


async def on_profile_updated(conn: Conn, event: ProfileUpdated, envelope: Envelope) -> None:
    await store.upsert_person(conn, _profile(event), envelope.occurred_at)


async def on_deactivated(conn: Conn, event: UserDeactivated, _: Envelope) -> None:
    await store.set_person(conn, event.user_id, active=False)


async def on_reactivated(conn: Conn, event: UserReactivated, _: Envelope) -> None:
    await store.set_person(conn, event.user_id, active=True)


async def on_erased(conn: Conn, event: UserErased, _: Envelope) -> None:
    await store.erase_person(conn, event.user_id)


async def on_role_granted(conn: Conn, event: RoleGranted, _: Envelope) -> None:
    await store.change_role(conn, event.user_id, event.role, True)


async def on_role_revoked(conn: Conn, event: RoleRevoked, _: Envelope) -> None:
    await store.change_role(conn, event.user_id, event.role, False)


async def on_availability(conn: Conn, event: AvailabilityChanged, _: Envelope) -> None:
    await store.set_person(
        conn, event.user_id, away_until=event.away_until, backup_id=event.backup_id
    )


async def on_followed(conn: Conn, event: Followed, envelope: Envelope) -> None:
    await store.add_follow(conn, event.follower_id, event.followee_id, envelope.occurred_at)


async def on_unfollowed(conn: Conn, event: Unfollowed, _: Envelope) -> None:
    await store.remove_follow(conn, event.follower_id, event.followee_id)


async def on_shared_account(conn: Conn, event: SharedAccountCreated, envelope: Envelope) -> None:
    await store.add_shared_account(
        conn, event.account_id, event.name, event.department, envelope.occurred_at
    )


async def on_group_created(conn: Conn, event: GroupCreated, envelope: Envelope) -> None:
    await store.upsert_group(
        conn,
        event.group_id,
        envelope.occurred_at,
        name=event.name,
        description=event.description,
        visibility=event.visibility,
        is_all_company=event.is_all_company,
    )


async def on_group_updated(conn: Conn, event: GroupUpdated, envelope: Envelope) -> None:
    await store.upsert_group(
        conn,
        event.group_id,
        envelope.occurred_at,
        name=event.name,
        description=event.description,
        visibility=event.visibility,
    )


async def on_group_archived(conn: Conn, event: GroupArchived, _: Envelope) -> None:
    await store.archive_group(conn, event.group_id)


async def on_member_joined(conn: Conn, event: MemberJoined, envelope: Envelope) -> None:
    await store.add_member(conn, event.group_id, event.user_id, event.via, envelope.occurred_at)


async def on_member_left(conn: Conn, event: MemberLeft, _: Envelope) -> None:
    await store.remove_member(conn, event.group_id, event.user_id)


async def on_member_removed(conn: Conn, event: MemberRemoved, _: Envelope) -> None:
    await store.remove_member(conn, event.group_id, event.user_id)


async def on_admin_granted(conn: Conn, event: GroupAdminGranted, _: Envelope) -> None:
    await store.set_group_admin(conn, event.group_id, event.user_id, True)


async def on_admin_revoked(conn: Conn, event: GroupAdminRevoked, _: Envelope) -> None:
    await store.set_group_admin(conn, event.group_id, event.user_id, False)


async def on_requested(conn: Conn, event: MembershipRequested, envelope: Envelope) -> None:
    await store.add_request(
        conn, event.group_id, event.user_id, event.message, envelope.occurred_at
    )


async def on_declined(conn: Conn, event: MembershipRequestDeclined, _: Envelope) -> None:
    await store.drop_request(conn, event.group_id, event.user_id)


async def on_invited(conn: Conn, event: MemberInvited, envelope: Envelope) -> None:
    await store.add_invitation(
        conn, event.group_id, event.user_id, event.invited_by, envelope.occurred_at
    )


def _seen(handler: Callable[[Conn, Any, Envelope], Awaitable[None]]) -> Handler:
    """The handler, also recording the aggregate version it reached (writes wait for it)."""

    async def handle(conn: Conn, event: Any, envelope: Envelope) -> None:
        await handler(conn, event, envelope)
        await store.mark_seen(conn, envelope.aggregate_id, envelope.aggregate_version)

    return handle


async def on_topic_follow(conn: Conn, event: TopicFollowed | TopicUnfollowed, _: Envelope) -> None:
    """The directory keeps no topic follows (the aggregate has them, for /me); handled so that
    its seen version moves on and a follow settles."""


HANDLERS: dict[type, Callable[[Conn, Any, Envelope], Awaitable[None]]] = {
    UserRegistered: on_registered,
    ProfileUpdated: on_profile_updated,
    UserDeactivated: on_deactivated,
    UserReactivated: on_reactivated,
    UserErased: on_erased,
    RoleGranted: on_role_granted,
    RoleRevoked: on_role_revoked,
    AvailabilityChanged: on_availability,
    Followed: on_followed,
    Unfollowed: on_unfollowed,
    TopicFollowed: on_topic_follow,
    TopicUnfollowed: on_topic_follow,
    SharedAccountCreated: on_shared_account,
    GroupCreated: on_group_created,
    GroupUpdated: on_group_updated,
    GroupArchived: on_group_archived,
    MemberJoined: on_member_joined,
    MemberLeft: on_member_left,
    MemberRemoved: on_member_removed,
    GroupAdminGranted: on_admin_granted,
    GroupAdminRevoked: on_admin_revoked,
    MembershipRequested: on_requested,
    MembershipRequestDeclined: on_declined,
    MemberInvited: on_invited,
}

DIRECTORY_PROJECTION = Projection(
    DIRECTORY,
    {cls: _seen(handler) for cls, handler in HANDLERS.items()},
    tables=store.DIRECTORY_TABLES,
)
