"""People: profiles, search, follows, roles, availability, deactivation, erasure, export,
and shared accounts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response, status
from plein_events.identity import ErasedAuthored
from plein_platform.delegation import accounts_of
from plein_platform.errors import Forbidden, InvalidInput, NotFound
from plein_platform.text import Storable
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from . import store
from .api import Caller, PersonCaller, identity, page, run
from .domain import ROLES, NameCursor, SharedAccount, User

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
Limit = Annotated[int, Query(ge=1, le=100)]
CursorParam = Annotated[str | None, Query(max_length=400)]


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


async def own_profile(request: Request, user: User) -> dict[str, Any]:
    async with identity(request).ctx.pool.connection() as conn:
        accounts = [row["account_id"] for row in await accounts_of(conn, user.id)]
    return {
        **profile_of(user),
        "email": user.email,
        "following": sorted(user.following),
        "shared_accounts": accounts,
    }


def account_of(account: SharedAccount, viewer_id: UUID, viewer_is_admin: bool) -> dict[str, Any]:
    show = viewer_is_admin or viewer_id in account.delegates
    return {
        "id": account.id,
        "display_name": account.name,
        "department": account.department,
        "delegates": sorted(account.delegates) if show else None,
    }


def _after(cursor: str | None) -> tuple[str, UUID] | None:
    return NameCursor.decode(cursor).key() if cursor else None


def routes() -> APIRouter:
    router = APIRouter(tags=["people"])

    @router.get("/me", response_model=OwnProfile, summary="My own profile")
    async def me(request: Request, principal: Caller) -> dict[str, Any]:
        user = await run(identity(request).application.user, principal.real_user_id)
        return await own_profile(request, user)

    @router.patch("/me", response_model=OwnProfile, summary="Change my profile")
    async def change_me(
        body: ProfileChange, request: Request, principal: PersonCaller
    ) -> dict[str, Any]:
        return await _change_profile(request, principal.user_id, body, principal.user_id)

    async def _change_profile(
        request: Request, user_id: UUID, body: ProfileChange, actor_id: UUID
    ) -> dict[str, Any]:
        service = identity(request)
        changes = body.model_dump(exclude_unset=True)
        if "display_name" in changes and changes["display_name"] is None:
            raise InvalidInput("A display name cannot be removed.")
        for field in ("is_manager", "languages"):  # unset keeps them; null cannot mean a value
            if field in changes and changes[field] is None:
                raise InvalidInput(f"{field} cannot be null; leave it out to keep it.")
        user = await run(service.application.update_profile, user_id, changes, actor_id)
        await service.settle(user.id, user.version)
        return await own_profile(request, user)

    @router.get(
        "/users/{user_id}",
        response_model=Profile | SharedAccountOut,
        summary="A person's (or shared account's) profile",
    )
    async def profile(user_id: UUID, request: Request, principal: Caller) -> dict[str, Any]:
        app = identity(request).application
        try:
            return profile_of(await run(app.user, user_id))
        except NotFound:
            account = await run(app.shared_account, user_id)
            admin = await run(app.is_network_admin, principal.real_user_id)
            return account_of(account, principal.real_user_id, admin)

    @router.patch(
        "/users/{user_id}",
        response_model=OwnProfile,
        summary="Change someone's profile (themselves or a network admin)",
    )
    async def change_profile(
        user_id: UUID, body: ProfileChange, request: Request, principal: PersonCaller
    ) -> dict[str, Any]:
        return await _change_profile(request, user_id, body, principal.user_id)

    @router.get(
        "/people", response_model=PeoplePage, summary="Search people by name, department, title"
    )
    async def search(
        request: Request,
        _: Caller,
        q: Annotated[
            str | None, Query(max_length=100, description="part of a name, title or department")
        ] = None,
        department: Annotated[str | None, Query(max_length=120)] = None,
        title: Annotated[str | None, Query(max_length=120)] = None,
        limit: Limit = 20,
        cursor: CursorParam = None,
    ) -> dict[str, Any]:
        async with identity(request).ctx.pool.connection() as conn:
            rows = await store.search_people(
                conn,
                text=q,
                department=department,
                title=title,
                after=_after(cursor),
                limit=limit + 1,
            )
        people, next_cursor = page(rows, limit)
        return {"people": people, "next_cursor": next_cursor}

    async def _follow_page(
        request: Request, user_id: UUID, direction: str, limit: int, cursor: str | None
    ) -> dict[str, Any]:
        await run(identity(request).application.user, user_id)
        async with identity(request).ctx.pool.connection() as conn:
            rows = await store.follow_list(conn, user_id, direction, _after(cursor), limit + 1)
        people, next_cursor = page(rows, limit)
        return {"people": people, "next_cursor": next_cursor}

    @router.get(
        "/users/{user_id}/followers",
        response_model=PeoplePage,
        tags=["follows"],
        summary="Who follows this person",
    )
    async def followers(
        user_id: UUID, request: Request, _: Caller, limit: Limit = 20, cursor: CursorParam = None
    ) -> dict[str, Any]:
        return await _follow_page(request, user_id, "followers", limit, cursor)

    @router.get(
        "/users/{user_id}/following",
        response_model=PeoplePage,
        tags=["follows"],
        summary="Whom this person follows",
    )
    async def following(
        user_id: UUID, request: Request, _: Caller, limit: Limit = 20, cursor: CursorParam = None
    ) -> dict[str, Any]:
        return await _follow_page(request, user_id, "following", limit, cursor)

    @router.post(
        "/me/following",
        status_code=status.HTTP_204_NO_CONTENT,
        tags=["follows"],
        summary="Follow a person (following twice changes nothing)",
    )
    async def follow(body: FollowRequest, request: Request, principal: PersonCaller) -> None:
        service = identity(request)
        user = await run(
            service.application.follow, principal.user_id, body.user_id, principal.user_id
        )
        await service.settle(user.id, user.version)

    @router.delete(
        "/me/following/{user_id}",
        status_code=status.HTTP_204_NO_CONTENT,
        tags=["follows"],
        summary="Stop following a person",
    )
    async def unfollow(user_id: UUID, request: Request, principal: PersonCaller) -> None:
        service = identity(request)
        user = await run(
            service.application.unfollow, principal.user_id, user_id, principal.user_id
        )
        await service.settle(user.id, user.version)

    @router.post(
        "/users/{user_id}/roles",
        status_code=status.HTTP_204_NO_CONTENT,
        tags=["roles"],
        summary="Grant a network role (network admins)",
    )
    async def grant_role(
        user_id: UUID, body: RoleRequest, request: Request, principal: PersonCaller
    ) -> None:
        service = identity(request)
        user = await run(service.application.grant_role, user_id, body.role, principal.user_id)
        await service.settle(user.id, user.version)

    @router.delete(
        "/users/{user_id}/roles/{role}",
        status_code=status.HTTP_204_NO_CONTENT,
        tags=["roles"],
        summary="Revoke a network role (network admins)",
    )
    async def revoke_role(
        user_id: UUID, role: str, request: Request, principal: PersonCaller
    ) -> None:
        service = identity(request)
        user = await run(service.application.revoke_role, user_id, role, principal.user_id)
        await service.settle(user.id, user.version)

    @router.put(
        "/users/{user_id}/availability",
        response_model=Profile,
        tags=["roles"],
        summary="A community manager's away date and backup",
    )
    async def availability(
        user_id: UUID, body: Availability, request: Request, principal: PersonCaller
    ) -> dict[str, Any]:
        service = identity(request)
        user = await run(
            service.application.set_availability,
            user_id,
            body.away_until,
            body.backup_id,
            principal.user_id,
        )
        await service.settle(user.id, user.version)
        return profile_of(user)

    @router.post(
        "/users/{user_id}/deactivation",
        status_code=status.HTTP_204_NO_CONTENT,
        summary="Deactivate an account (themselves or a network admin); logs it out",
    )
    async def deactivate(user_id: UUID, request: Request, principal: PersonCaller) -> None:
        service = identity(request)
        user = await run(service.application.deactivate, user_id, principal.user_id)
        async with service.ctx.pool.connection() as conn:
            await store.revoke_user_tokens(conn, user_id, service.ctx.clock())
        await service.settle(user.id, user.version)

    @router.delete(
        "/users/{user_id}/deactivation",
        status_code=status.HTTP_204_NO_CONTENT,
        summary="Reactivate an account (network admins)",
    )
    async def reactivate(user_id: UUID, request: Request, principal: PersonCaller) -> None:
        service = identity(request)
        user = await run(service.application.reactivate, user_id, principal.user_id)
        await service.settle(user.id, user.version)

    @router.delete(
        "/users/{user_id}",
        status_code=status.HTTP_204_NO_CONTENT,
        summary="Erase a person (themselves or a network admin): their key is destroyed",
    )
    async def erase(
        user_id: UUID,
        request: Request,
        principal: PersonCaller,
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
        service = identity(request)
        user = await run(service.application.erase, user_id, principal.user_id, authored)
        async with service.ctx.pool.connection() as conn:
            await store.revoke_user_tokens(conn, user_id, service.ctx.clock())
        await service.share_keys()
        await service.settle(user.id, user.version)

    @router.get(
        "/users/{user_id}/export",
        summary="Everything identity holds about a person, as JSON (themselves or an admin)",
    )
    async def export(user_id: UUID, request: Request, principal: PersonCaller) -> dict[str, Any]:
        service = identity(request)
        app = service.application
        if user_id != principal.user_id and not await run(app.is_network_admin, principal.user_id):
            raise Forbidden("Only the person themselves or a network admin may export this.")
        user = await run(app.user, user_id)
        async with service.ctx.pool.connection() as conn:
            followers = await store.follower_ids(conn, user_id)
            groups = await store.memberships_of(conn, user_id)
            sessions = await store.sessions_of(conn, user_id)
            delegations = await accounts_of(conn, user_id)
        return {
            "exported_at": service.ctx.clock(),
            "person": {**profile_of(user), "email": user.email, "invited_by": user.invited_by},
            "registered_at": user.created_on,
            "following": sorted(user.following),
            "followers": followers,
            "groups": groups,
            "shared_accounts": delegations,
            "sessions": sessions,
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
        body: NewSharedAccount, request: Request, response: Response, principal: PersonCaller
    ) -> dict[str, Any]:
        service = identity(request)
        account = await run(
            service.application.create_shared_account,
            name=body.name,
            department=body.department,
            actor_id=principal.user_id,
        )
        await service.settle(account.id, account.version)
        response.headers["Location"] = f"{request.url.path}/{account.id}"
        return account_of(account, principal.user_id, True)

    async def _delegation(
        request: Request, account_id: UUID, user_id: UUID, actor_id: UUID, grant: bool
    ) -> None:
        service = identity(request)
        use_case = (
            service.application.grant_delegate if grant else service.application.revoke_delegate
        )
        account = await run(use_case, account_id, user_id, actor_id)
        if not grant:
            async with service.ctx.pool.connection() as conn:
                await store.revoke_acting_tokens(conn, account_id, user_id, service.ctx.clock())
        await service.settle(account.id, account.version)
        await service.settle_delegation(account_id, user_id, grant)

    @router.put(
        "/shared-accounts/{account_id}/delegates/{user_id}",
        status_code=status.HTTP_204_NO_CONTENT,
        tags=["shared accounts"],
        summary="Let a person act as the shared account (network admins)",
    )
    async def grant_delegate(
        account_id: UUID, user_id: UUID, request: Request, principal: PersonCaller
    ) -> None:
        await _delegation(request, account_id, user_id, principal.user_id, True)

    @router.delete(
        "/shared-accounts/{account_id}/delegates/{user_id}",
        status_code=status.HTTP_204_NO_CONTENT,
        tags=["shared accounts"],
        summary="Stop a person acting as the shared account, at once (network admins)",
    )
    async def revoke_delegate(
        account_id: UUID, user_id: UUID, request: Request, principal: PersonCaller
    ) -> None:
        await _delegation(request, account_id, user_id, principal.user_id, False)

    return router
