"""Groups: create, edit, archive, join, request, approve, invite, leave, remove, admins.

A private group is invisible to everyone but its members, invitees and network admins: they
get 404 for it, exactly as for a group that does not exist."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response, status
from plein_platform.text import Storable
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from .api_deps import Caller, CursorParam, GroupsUse, Limit, PersonCaller
from .api_people import Profile
from .app_groups import Groups
from .domain_groups import Group

GroupName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), Storable
]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000), Storable]
Visibility = Literal["public", "private"]


class NewGroup(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: GroupName
    description: Description = ""
    visibility: Visibility = "public"


class GroupChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: GroupName | None = None
    description: Description | None = None
    visibility: Visibility | None = None


class JoinRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500), Storable] = ""


class PersonRef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: UUID


class Leaving(BaseModel):
    model_config = ConfigDict(extra="forbid")

    successor_id: UUID | None = Field(
        default=None, description="a member who becomes admin as I leave (required of the last)"
    )


class GroupOut(BaseModel):
    id: UUID
    name: str
    description: str
    visibility: str
    is_all_company: bool
    archived: bool
    is_member: bool
    is_admin: bool
    member_count: int | None = None


class GroupList(BaseModel):
    groups: list[GroupOut]


class Member(Profile):
    is_admin: bool


class MemberPage(BaseModel):
    members: list[Member]
    next_cursor: str | None


class MembershipRequestOut(BaseModel):
    user_id: UUID
    display_name: str
    message: str
    requested_at: Any


def group_of(group: Group, viewer_id: UUID) -> dict[str, Any]:
    return {
        "id": group.id,
        "name": group.name,
        "description": group.description,
        "visibility": group.visibility,
        "is_all_company": group.is_all_company,
        "archived": group.archived,
        "is_member": group.is_member(viewer_id),
        "is_admin": viewer_id in group.admins,
        "member_count": None if group.is_all_company else len(group.members),
    }


def routes() -> APIRouter:
    router = APIRouter(tags=["groups"])

    async def _change(
        use: Groups, group_id: UUID, actor_id: UUID, change: str, **args: Any
    ) -> dict[str, Any]:
        return group_of(await use.change(group_id, actor_id, change, **args), actor_id)

    @router.post(
        "/groups",
        status_code=status.HTTP_201_CREATED,
        response_model=GroupOut,
        summary="Create a group (I become its admin)",
    )
    async def create(
        body: NewGroup,
        request: Request,
        response: Response,
        principal: PersonCaller,
        use: GroupsUse,
    ) -> dict[str, Any]:
        group = await use.create(
            name=body.name,
            description=body.description,
            visibility=body.visibility,
            actor_id=principal.user_id,
        )
        response.headers["Location"] = f"{request.url.path}/{group.id}"
        return group_of(group, principal.user_id)

    @router.get("/groups", response_model=GroupList, summary="Groups I may see (or only mine)")
    async def groups(
        principal: Caller,
        use: GroupsUse,
        mine: Annotated[bool, Query(description="only groups I am a member of")] = False,
        discover: Annotated[
            bool,
            Query(
                description="also private groups I am not in, by name and description only "
                "(no member count), so that I can ask to join"
            ),
        ] = False,
    ) -> dict[str, Any]:
        return {
            "groups": await use.listed(
                principal.user_id, principal.real_user_id, mine=mine, discover=discover
            )
        }

    @router.get(
        "/groups/{group_id}",
        response_model=GroupOut,
        summary="A group (404 if private and not mine)",
    )
    async def group(group_id: UUID, principal: Caller, use: GroupsUse) -> dict[str, Any]:
        return group_of(await use.visible(group_id, principal.real_user_id), principal.real_user_id)

    @router.patch(
        "/groups/{group_id}",
        response_model=GroupOut,
        summary="Rename, describe, make public or private (group admins)",
    )
    async def change(
        group_id: UUID, body: GroupChange, principal: PersonCaller, use: GroupsUse
    ) -> dict[str, Any]:
        current = await use.visible(group_id, principal.user_id)
        return await _change(
            use,
            group_id,
            principal.user_id,
            "update",
            name=body.name if body.name is not None else current.name,
            description=body.description if body.description is not None else current.description,
            visibility=body.visibility or current.visibility,
        )

    @router.post(
        "/groups/{group_id}/archive",
        response_model=GroupOut,
        summary="Archive: read-only from now on (group admins)",
    )
    async def archive(group_id: UUID, principal: PersonCaller, use: GroupsUse) -> dict[str, Any]:
        return await _change(use, group_id, principal.user_id, "archive")

    @router.get(
        "/groups/{group_id}/members",
        response_model=MemberPage,
        summary="Members, alphabetically, with a cursor",
    )
    async def members(
        group_id: UUID,
        principal: Caller,
        use: GroupsUse,
        limit: Limit = 50,
        cursor: CursorParam = None,
    ) -> dict[str, Any]:
        people, next_cursor = await use.members(group_id, principal.real_user_id, limit, cursor)
        return {"members": people, "next_cursor": next_cursor}

    @router.post(
        "/groups/{group_id}/join",
        response_model=GroupOut,
        summary="Join a public group, or accept an invitation",
    )
    async def join(group_id: UUID, principal: PersonCaller, use: GroupsUse) -> dict[str, Any]:
        return await _change(use, group_id, principal.user_id, "join")

    @router.post("/groups/{group_id}/leave", response_model=GroupOut, summary="Leave a group")
    async def leave(
        group_id: UUID, principal: PersonCaller, use: GroupsUse, body: Leaving | None = None
    ) -> dict[str, Any]:
        """The group's last admin names a member as the next admin (`successor_id`), or is
        refused with 409: a group is never left without anyone to run it."""
        successor = body.successor_id if body else None
        return await _change(use, group_id, principal.user_id, "leave", successor_id=successor)

    @router.post(
        "/groups/{group_id}/requests",
        status_code=status.HTTP_202_ACCEPTED,
        response_model=GroupOut,
        summary="Ask to join a private group",
    )
    async def request_membership(
        group_id: UUID, body: JoinRequest, principal: PersonCaller, use: GroupsUse
    ) -> dict[str, Any]:
        # Asking needs the group's id (a link someone shared); what the group is stays hidden
        # from the asker until they are approved.
        out = await _change(use, group_id, principal.user_id, "request", message=body.message)
        if out["visibility"] == "private" and not out["is_member"]:
            out.update(name="", description="", member_count=None)
        return out

    @router.get(
        "/groups/{group_id}/requests",
        response_model=list[MembershipRequestOut],
        summary="Pending requests (group admins)",
    )
    async def requests(
        group_id: UUID, principal: PersonCaller, use: GroupsUse
    ) -> list[dict[str, Any]]:
        return await use.requests(group_id, principal.user_id)

    @router.post(
        "/groups/{group_id}/requests/{user_id}/approve",
        response_model=GroupOut,
        summary="Approve a request (group admins)",
    )
    async def approve(
        group_id: UUID, user_id: UUID, principal: PersonCaller, use: GroupsUse
    ) -> dict[str, Any]:
        return await _change(use, group_id, principal.user_id, "approve", user_id=user_id)

    @router.post(
        "/groups/{group_id}/requests/{user_id}/decline",
        response_model=GroupOut,
        summary="Decline a request (group admins)",
    )
    async def decline(
        group_id: UUID, user_id: UUID, principal: PersonCaller, use: GroupsUse
    ) -> dict[str, Any]:
        return await _change(use, group_id, principal.user_id, "decline", user_id=user_id)

    @router.post(
        "/groups/{group_id}/invitations",
        response_model=GroupOut,
        summary="Invite a person (group admins)",
    )
    async def invite(
        group_id: UUID, body: PersonRef, principal: PersonCaller, use: GroupsUse
    ) -> dict[str, Any]:
        return await _change(use, group_id, principal.user_id, "invite", user_id=body.user_id)

    @router.delete(
        "/groups/{group_id}/members/{user_id}",
        response_model=GroupOut,
        summary="Remove a member (group admins)",
    )
    async def remove(
        group_id: UUID, user_id: UUID, principal: PersonCaller, use: GroupsUse
    ) -> dict[str, Any]:
        return await _change(use, group_id, principal.user_id, "remove", user_id=user_id)

    @router.put(
        "/groups/{group_id}/admins/{user_id}",
        response_model=GroupOut,
        summary="Make a member group admin (group admins)",
    )
    async def grant_admin(
        group_id: UUID, user_id: UUID, principal: PersonCaller, use: GroupsUse
    ) -> dict[str, Any]:
        return await _change(use, group_id, principal.user_id, "grant_admin", user_id=user_id)

    @router.delete(
        "/groups/{group_id}/admins/{user_id}",
        response_model=GroupOut,
        summary="Take group admin away (group admins)",
    )
    async def revoke_admin(
        group_id: UUID, user_id: UUID, principal: PersonCaller, use: GroupsUse
    ) -> dict[str, Any]:
        return await _change(use, group_id, principal.user_id, "revoke_admin", user_id=user_id)

    return router
