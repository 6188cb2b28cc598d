"""People: profiles, search, follows, roles, availability, deactivation, erasure, export,
and shared accounts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response, status
from plein_events.identity import ErasedAuthored
from plein_platform.errors import InvalidInput
from plein_platform.text import Storable
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from .api_deps import Caller, CursorParam, Limit, PeopleUse, PersonCaller
from .app_people import People
from .domain import ROLES, SharedAccount, User

ShortText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120), Storable
]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000), Storable]
Url = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=500, pattern=r"^https?://"),
    Storable,
]
Language = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=2, max_length=35), Storable
]


class Profile(BaseModel):
    id: UUID
    kind: str = "person"
    handle: str | None = Field(default=None, description="unique; `@handle` in a post mentions")
    display_name: str
    department: str | None = None
    job_title: str | None = None
    location: str | None = None
    photo_url: str | None = None
    bio: str | None = None
    languages: list[str] = []
    is_manager: bool = False
    manager_id: UUID | None = None
    active: bool = True
    roles: list[str] = []
    away_until: datetime | None = None
    backup_id: UUID | None = None


class OwnProfile(Profile):
    email: str
    following: list[UUID]
    followed_topics: list[str] = Field(default=[], description="#topics I follow")
    shared_accounts: list[UUID] = Field(description="shared accounts I may act as")


class ProfileChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    display_name: ShortText | None = None
    department: ShortText | None = None
    job_title: ShortText | None = None
    location: ShortText | None = None
    photo_url: Url | None = None
    bio: LongText | None = None
    languages: list[Language] | None = Field(default=None, max_length=20)
    is_manager: bool | None = None
    manager_id: UUID | None = None


class FollowRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: UUID


class RoleRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: str = Field(description=" or ".join(ROLES))


class Availability(BaseModel):
    model_config = ConfigDict(extra="forbid")

    away_until: datetime | None = Field(description="None: back (not away)")
    backup_id: UUID | None = Field(default=None, description="who stands in meanwhile")


class PeoplePage(BaseModel):
    people: list[Profile]
    next_cursor: str | None


class NewSharedAccount(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: ShortText
    department: ShortText | None = None


class SharedAccountOut(BaseModel):
    id: UUID
    kind: str = "shared_account"
    display_name: str
    department: str | None
    delegates: list[UUID] | None = Field(description="shown to network admins and delegates")


def profile_of(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "kind": "person",
        "handle": getattr(user, "handle", None),
        **user.profile(),
        "active": user.active,
        "roles": sorted(user.roles),
        "away_until": user.away_until,
        "backup_id": user.backup_id,
    }


async def own_profile(people: People, user: User) -> dict[str, Any]:
    """`user`'s profile as they see it themselves."""
    return {
        **profile_of(user),
        "email": user.email,
        "following": sorted(user.following),
        "followed_topics": sorted(user.followed_topics),
        "shared_accounts": await people.shared_accounts_of(user.id),
    }


def account_of(account: SharedAccount, viewer_id: UUID, viewer_is_admin: bool) -> dict[str, Any]:
    show = viewer_is_admin or viewer_id in account.delegates
    return {
        "id": account.id,
        "display_name": account.name,
        "department": account.department,
        "delegates": sorted(account.delegates) if show else None,
    }


def routes() -> APIRouter:
    router = APIRouter(tags=["people"])

    @router.get("/me", response_model=OwnProfile, summary="My own profile")
    async def me(principal: Caller, use: PeopleUse) -> dict[str, Any]:
        return await own_profile(use, await use.user(principal.real_user_id))

    @router.patch("/me", response_model=OwnProfile, summary="Change my profile")
    async def change_me(
        body: ProfileChange, principal: PersonCaller, use: PeopleUse
    ) -> dict[str, Any]:
        return await _change_profile(use, principal.user_id, body, principal.user_id)

    async def _change_profile(
        use: People, user_id: UUID, body: ProfileChange, actor_id: UUID
    ) -> dict[str, Any]:
        changes = body.model_dump(exclude_unset=True)
        if "display_name" in changes and changes["display_name"] is None:
            raise InvalidInput("A display name cannot be removed.")
        for field in ("is_manager", "languages"):  # unset keeps them; null cannot mean a value
            if field in changes and changes[field] is None:
                raise InvalidInput(f"{field} cannot be null; leave it out to keep it.")
        return await own_profile(use, await use.change_profile(user_id, changes, actor_id))

    @router.get(
        "/users/{user_id}",
        response_model=Profile | SharedAccountOut,
        summary="A person's (or shared account's) profile",
    )
    async def profile(user_id: UUID, principal: Caller, use: PeopleUse) -> dict[str, Any]:
        found = await use.person_or_account(user_id, principal.real_user_id)
        if isinstance(found, User):
            return profile_of(found)
        account, admin = found
        return account_of(account, principal.real_user_id, admin)

    @router.patch(
        "/users/{user_id}",
        response_model=OwnProfile,
        summary="Change someone's profile (themselves or a network admin)",
    )
    async def change_profile(
        user_id: UUID, body: ProfileChange, principal: PersonCaller, use: PeopleUse
    ) -> dict[str, Any]:
        return await _change_profile(use, user_id, body, principal.user_id)

    @router.get(
        "/people", response_model=PeoplePage, summary="Search people by name, department, title"
    )
    async def search(
        _: Caller,
        use: PeopleUse,
        q: Annotated[
            str | None, Query(max_length=100, description="part of a name, title or department")
        ] = None,
        department: Annotated[str | None, Query(max_length=120)] = None,
        title: Annotated[str | None, Query(max_length=120)] = None,
        limit: Limit = 20,
        cursor: CursorParam = None,
    ) -> dict[str, Any]:
        people, next_cursor = await use.search(
            text=q, department=department, title=title, limit=limit, cursor=cursor
        )
        return {"people": people, "next_cursor": next_cursor}

    @router.get(
        "/users/{user_id}/followers",
        response_model=PeoplePage,
        tags=["follows"],
        summary="Who follows this person",
    )
    async def followers(
        user_id: UUID, _: Caller, use: PeopleUse, limit: Limit = 20, cursor: CursorParam = None
    ) -> dict[str, Any]:
        people, next_cursor = await use.follow_page(user_id, "followers", limit, cursor)
        return {"people": people, "next_cursor": next_cursor}

    @router.get(
        "/users/{user_id}/following",
        response_model=PeoplePage,
        tags=["follows"],
        summary="Whom this person follows",
    )
    async def following(
        user_id: UUID, _: Caller, use: PeopleUse, limit: Limit = 20, cursor: CursorParam = None
    ) -> dict[str, Any]:
        people, next_cursor = await use.follow_page(user_id, "following", limit, cursor)
        return {"people": people, "next_cursor": next_cursor}

    @router.post(
        "/me/following",
        status_code=status.HTTP_204_NO_CONTENT,
        tags=["follows"],
        summary="Follow a person (following twice changes nothing)",
    )
    async def follow(body: FollowRequest, principal: PersonCaller, use: PeopleUse) -> None:
        await use.follow(principal.user_id, body.user_id)

    @router.delete(
        "/me/following/{user_id}",
        status_code=status.HTTP_204_NO_CONTENT,
        tags=["follows"],
        summary="Stop following a person",
    )
    async def unfollow(user_id: UUID, principal: PersonCaller, use: PeopleUse) -> None:
        await use.unfollow(principal.user_id, user_id)

    @router.post(
        "/users/{user_id}/roles",
        status_code=status.HTTP_204_NO_CONTENT,
        tags=["roles"],
        summary="Grant a network role (network admins)",
    )
    async def grant_role(
        user_id: UUID, body: RoleRequest, principal: PersonCaller, use: PeopleUse
    ) -> None:
        await use.grant_role(user_id, body.role, principal.user_id)

    @router.delete(
        "/users/{user_id}/roles/{role}",
        status_code=status.HTTP_204_NO_CONTENT,
        tags=["roles"],
        summary="Revoke a network role (network admins)",
    )
    async def revoke_role(
        user_id: UUID, role: str, principal: PersonCaller, use: PeopleUse
    ) -> None:
        await use.revoke_role(user_id, role, principal.user_id)

    @router.put(
        "/users/{user_id}/availability",
        response_model=Profile,
        tags=["roles"],
        summary="A community manager's away date and backup",
    )
    async def availability(
        user_id: UUID, body: Availability, principal: PersonCaller, use: PeopleUse
    ) -> dict[str, Any]:
        user = await use.set_availability(
            user_id, body.away_until, body.backup_id, principal.user_id
        )
        return profile_of(user)

    @router.post(
        "/users/{user_id}/deactivation",
        status_code=status.HTTP_204_NO_CONTENT,
        summary="Deactivate an account (themselves or a network admin); logs it out",
    )
    async def deactivate(user_id: UUID, principal: PersonCaller, use: PeopleUse) -> None:
        await use.deactivate(user_id, principal.user_id)

    @router.delete(
        "/users/{user_id}/deactivation",
        status_code=status.HTTP_204_NO_CONTENT,
        summary="Reactivate an account (network admins)",
    )
    async def reactivate(user_id: UUID, principal: PersonCaller, use: PeopleUse) -> None:
        await use.reactivate(user_id, principal.user_id)

    @router.delete(
        "/users/{user_id}",
        status_code=status.HTTP_204_NO_CONTENT,
        summary="Erase a person (themselves or a network admin): their key is destroyed",
    )
    async def erase(
        user_id: UUID,
        principal: PersonCaller,
        use: PeopleUse,
        authored: Annotated[
            ErasedAuthored,
            Query(
                description=(
                    "What becomes of the words the person wrote (posts, replies, edits): "
                    "`removed` everywhere (their messages are deleted), or `anonymised` (their "
                    "messages keep their place in others' conversations, by a former "
                    "colleague, reading [removed]). Either way the text itself is shredded."
                )
            ),
        ] = "anonymised",
    ) -> None:
        await use.erase(user_id, principal.user_id, authored)

    @router.get(
        "/users/{user_id}/export",
        summary="Everything identity holds about a person, as JSON (themselves or an admin)",
    )
    async def export(user_id: UUID, principal: PersonCaller, use: PeopleUse) -> dict[str, Any]:
        held = await use.export(user_id, principal.user_id)
        user: User = held["user"]
        return {
            "exported_at": held["exported_at"],
            "person": {**profile_of(user), "email": user.email, "invited_by": user.invited_by},
            "registered_at": user.created_on,
            "following": sorted(user.following),
            "followers": held["followers"],
            "groups": held["groups"],
            "shared_accounts": held["shared_accounts"],
            "sessions": held["sessions"],
        }

    # -- shared accounts ----------------------------------------------------------------------

    @router.post(
        "/shared-accounts",
        status_code=status.HTTP_201_CREATED,
        response_model=SharedAccountOut,
        tags=["shared accounts"],
        summary="Create a department's shared account (network admins)",
    )
    async def create_account(
        body: NewSharedAccount,
        request: Request,
        response: Response,
        principal: PersonCaller,
        use: PeopleUse,
    ) -> dict[str, Any]:
        account = await use.create_shared_account(
            name=body.name, department=body.department, actor_id=principal.user_id
        )
        response.headers["Location"] = f"{request.url.path}/{account.id}"
        return account_of(account, principal.user_id, True)

    @router.put(
        "/shared-accounts/{account_id}/delegates/{user_id}",
        status_code=status.HTTP_204_NO_CONTENT,
        tags=["shared accounts"],
        summary="Let a person act as the shared account (network admins)",
    )
    async def grant_delegate(
        account_id: UUID, user_id: UUID, principal: PersonCaller, use: PeopleUse
    ) -> None:
        await use.grant_delegate(account_id, user_id, principal.user_id)

    @router.delete(
        "/shared-accounts/{account_id}/delegates/{user_id}",
        status_code=status.HTTP_204_NO_CONTENT,
        tags=["shared accounts"],
        summary="Stop a person acting as the shared account, at once (network admins)",
    )
    async def revoke_delegate(
        account_id: UUID, user_id: UUID, principal: PersonCaller, use: PeopleUse
    ) -> None:
        await use.revoke_delegate(account_id, user_id, principal.user_id)

    return router
