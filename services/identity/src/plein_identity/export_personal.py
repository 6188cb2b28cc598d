"""Identity's part of a person's export: profile, follows, groups, requests, invitations,
shared accounts and sessions (refresh-token metadata, never the tokens)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from plein_platform.auth import Principal
from plein_platform.database import dict_rows
from plein_platform.delegation import accounts_of
from plein_platform.personal_export import export_routes
from plein_platform.service import service_of

from . import store, store_auth
from .api_people import profile_of
from .app_people import People

DESCRIBE = """identity.json `data`:
- person: the profile (id, handle, display_name, email, department, job_title, location,
  photo_url, bio, languages, is_manager, manager_id, active, roles, away_until, backup_id,
  invited_by) and registered_at.
- following / followers: ids of the people you follow and who follow you.
- followed_topics: the #topics you follow (their posts come to your home feed).
- groups: your memberships (group_id, name, visibility, is_admin, via, joined_at).
- join_requests: groups you asked to join (group_id, message, requested_at).
- group_invitations_received / group_invitations_sent: (group_id, user_id, invited_by,
  invited_at).
- signup_invitations_sent: addresses you invited to register (email, created_at, expires_at,
  used_at).
- shared_accounts: the shared accounts you may act as.
- sessions: your sign-in sessions (family_id, acting_as, created_at, expires_at, used_at,
  revoked_at); the tokens themselves are never exported."""


async def collect(request: Request, person_id: UUID) -> dict[str, Any]:
    """Everything identity keeps about `person_id` (NotFound for an unknown or erased one)."""
    people: People = service_of(request).people  # type: ignore[attr-defined]
    user = await people.user(person_id)

    async with people.ctx.pool.connection() as conn:
        return {
            "person": {**profile_of(user), "email": user.email, "invited_by": user.invited_by},
            "registered_at": user.created_on,
            "following": sorted(user.following),
            "followed_topics": sorted(user.followed_topics),
            "followers": await store.follower_ids(conn, person_id),
            "groups": await store.memberships_of(conn, person_id),
            "join_requests": await dict_rows(
                conn,
                "SELECT group_id, message, requested_at FROM group_requests "
                "WHERE user_id = %(p)s ORDER BY requested_at",
                {"p": person_id},
            ),
            "group_invitations_received": await dict_rows(
                conn,
                "SELECT group_id, user_id, invited_by, invited_at FROM group_invitations "
                "WHERE user_id = %(p)s ORDER BY invited_at",
                {"p": person_id},
            ),
            "group_invitations_sent": await dict_rows(
                conn,
                "SELECT group_id, user_id, invited_by, invited_at FROM group_invitations "
                "WHERE invited_by = %(p)s ORDER BY invited_at",
                {"p": person_id},
            ),
            "signup_invitations_sent": await dict_rows(
                conn,
                "SELECT email, created_at, expires_at, used_at FROM signup_invitations "
                "WHERE invited_by = %(p)s ORDER BY created_at",
                {"p": person_id},
            ),
            "shared_accounts": await accounts_of(conn, person_id),
            "sessions": await store_auth.sessions_of(conn, person_id),
        }


async def is_admin(request: Request, caller: Principal) -> bool:
    people: People = service_of(request).people  # type: ignore[attr-defined]
    return await people.is_network_admin(caller.real_user_id)


def routes() -> APIRouter:
    return export_routes(collect, is_admin, describe=DESCRIBE)
