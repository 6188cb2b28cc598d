"""Which of identity's domain events leave the service, and as which contract event."""

from __future__ import annotations

from typing import Any

from plein_events import (
    AvailabilityChanged,
    DelegateGranted,
    DelegateRevoked,
    Event,
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

from .domain import SharedAccount, User
from .domain_groups import Group


def _profile(e: Any) -> dict[str, Any]:
    return {
        "user_id": e.originator_id,
        "email": e.email,
        "display_name": e.display_name,
        "department": e.department,
        "job_title": e.job_title,
        "location": e.location,
        "photo_url": e.photo_url,
        "bio": e.bio,
        "languages": list(e.languages or []),
        "is_manager": e.is_manager,
        "manager_id": e.manager_id,
    }


def _user_event(e: Any) -> Event | None:
    match e:
        case User.Registered():
            return UserRegistered(
                **_profile(e), invited_by=e.invited_by, handle=getattr(e, "handle", None)
            )
        case User.ProfileUpdated():
            return ProfileUpdated(**_profile(e), changed=list(e.changed))
        case User.JoinedAllCompany():
            return MemberJoined(group_id=e.group_id, user_id=e.originator_id, via="all_company")
        case User.Followed():
            return Followed(follower_id=e.originator_id, followee_id=e.followee_id)
        case User.Unfollowed():
            return Unfollowed(follower_id=e.originator_id, followee_id=e.followee_id)
        case User.TopicFollowed():
            return TopicFollowed(follower_id=e.originator_id, topic=e.topic)
        case User.TopicUnfollowed():
            return TopicUnfollowed(follower_id=e.originator_id, topic=e.topic)
        case User.RoleGranted():
            return RoleGranted(user_id=e.originator_id, role=e.role, granted_by=e.actor_id)
        case User.RoleRevoked():
            return RoleRevoked(user_id=e.originator_id, role=e.role, revoked_by=e.actor_id)
        case User.AvailabilityChanged():
            return AvailabilityChanged(
                user_id=e.originator_id, away_until=e.away_until, backup_id=e.backup_id
            )
        case User.Deactivated():
            return UserDeactivated(user_id=e.originator_id)
        case User.Reactivated():
            return UserReactivated(user_id=e.originator_id)
        case User.Erased():
            # Erasures from before the choice existed kept the person's words, anonymised.
            return UserErased(
                user_id=e.originator_id, authored=getattr(e, "authored", "anonymised")
            )
    return None  # PasswordChanged stays inside identity


def _group_event(e: Any) -> Event | None:
    gid = e.originator_id
    match e:
        case Group.Created():
            return GroupCreated(
                group_id=gid,
                name=e.name,
                description=e.description,
                visibility=e.visibility,
                is_all_company=e.is_all_company,
                created_by=e.created_by,
            )
        case Group.Updated():
            return GroupUpdated(
                group_id=gid, name=e.name, description=e.description, visibility=e.visibility
            )
        case Group.Archived():
            return GroupArchived(group_id=gid)
        case Group.MemberJoined():
            return MemberJoined(
                group_id=gid, user_id=e.user_id, via=e.via, approved_by=e.approved_by
            )
        case Group.MembershipRequested():
            return MembershipRequested(group_id=gid, user_id=e.user_id, message=e.message)
        case Group.MembershipRequestDeclined():
            return MembershipRequestDeclined(
                group_id=gid, user_id=e.user_id, declined_by=e.actor_id
            )
        case Group.MemberInvited():
            return MemberInvited(group_id=gid, user_id=e.user_id, invited_by=e.actor_id)
        case Group.MemberLeft():
            return MemberLeft(group_id=gid, user_id=e.user_id)
        case Group.MemberRemoved():
            return MemberRemoved(group_id=gid, user_id=e.user_id, removed_by=e.actor_id)
        case Group.AdminGranted():
            return GroupAdminGranted(group_id=gid, user_id=e.user_id, granted_by=e.actor_id)
        case Group.AdminRevoked():
            return GroupAdminRevoked(group_id=gid, user_id=e.user_id, revoked_by=e.actor_id)
    return None


def _shared_account_event(e: Any) -> Event | None:
    match e:
        case SharedAccount.Created():
            return SharedAccountCreated(
                account_id=e.originator_id,
                name=e.name,
                department=e.department,
                created_by=e.created_by,
            )
        case SharedAccount.DelegateGranted():
            return DelegateGranted(
                account_id=e.originator_id, user_id=e.user_id, granted_by=e.actor_id
            )
        case SharedAccount.DelegateRevoked():
            return DelegateRevoked(
                account_id=e.originator_id, user_id=e.user_id, revoked_by=e.actor_id
            )
    return None


def to_contract(domain_event: Any) -> Event | None:
    """The contract event a stored domain event leaves identity as (None: it stays inside)."""
    if isinstance(domain_event, User.Event):
        return _user_event(domain_event)
    if isinstance(domain_event, Group.Event):
        return _group_event(domain_event)
    if isinstance(domain_event, SharedAccount.Event):
        return _shared_account_event(domain_event)
    return None  # EmailAddress.Claimed, Network.Founded
