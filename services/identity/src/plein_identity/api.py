"""Identity's HTTP routes: parse, authorise, call the application, shape the response."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request, Response, status
from plein_platform.auth import Principal
from plein_platform.service import current_principal, service_of
from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from .domain import User
from .tokens import issue_access_token

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Password = Annotated[str, StringConstraints(min_length=8, max_length=256)]


class Registration(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    password: Password
    display_name: Name
    department: ShortText | None = None
    job_title: ShortText | None = None
    is_manager: bool = False
    manager_id: UUID | None = None


class Credentials(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    password: Annotated[str, StringConstraints(min_length=1, max_length=256)]


class FollowRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: UUID


class Profile(BaseModel):
    id: UUID
    display_name: str
    department: str | None
    job_title: str | None
    is_manager: bool
    manager_id: UUID | None


class OwnProfile(Profile):
    email: str
    following: list[UUID]


class AccessToken(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="seconds until the token expires")
    user_id: UUID


def _profile(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "display_name": user.display_name,
        "department": user.department,
        "job_title": user.job_title,
        "is_manager": user.is_manager,
        "manager_id": user.manager_id,
    }


def routes() -> APIRouter:
    router = APIRouter()

    def identity(request: Request) -> Any:
        return service_of(request)

    @router.post(
        "/users",
        status_code=status.HTTP_201_CREATED,
        response_model=OwnProfile,
        summary="Register a person",
        tags=["people"],
    )
    async def register(body: Registration, request: Request, response: Response) -> dict[str, Any]:
        app = identity(request).application
        user = await asyncio.to_thread(app.register, **body.model_dump())
        response.headers["Location"] = f"{request.url.path}/{user.id}"
        return {**_profile(user), "email": user.email, "following": []}

    @router.post(
        "/tokens",
        response_model=AccessToken,
        tags=["auth"],
        summary="Log in: exchange e-mail and password for an access token",
    )
    async def login(body: Credentials, request: Request) -> dict[str, Any]:
        service = identity(request)
        user = await asyncio.to_thread(service.application.authenticate, body.email, body.password)
        settings = service.ctx.settings
        token = issue_access_token(
            await service.signing_key(),
            user_id=user.id,
            name=user.display_name,
            issuer=settings.token_issuer,
            audience=settings.token_audience,
            now=service.ctx.clock(),
            ttl=timedelta(seconds=settings.access_token_ttl_s),
        )
        return {
            "access_token": token,
            "expires_in": settings.access_token_ttl_s,
            "user_id": user.id,
        }

    @router.get(
        "/.well-known/jwks.json",
        tags=["auth"],
        summary="Public keys that verify access tokens (JWKS)",
    )
    async def jwks(request: Request) -> dict[str, Any]:
        return await identity(request).keys.jwks()

    @router.get("/me", response_model=OwnProfile, tags=["people"], summary="My own profile")
    async def me(
        request: Request, principal: Annotated[Principal, Depends(current_principal)]
    ) -> dict[str, Any]:
        user = await asyncio.to_thread(identity(request).application.user, principal.user_id)
        return {**_profile(user), "email": user.email, "following": sorted(user.following)}

    @router.get(
        "/users/{user_id}", response_model=Profile, tags=["people"], summary="A person's profile"
    )
    async def profile(
        user_id: UUID, request: Request, _: Annotated[Principal, Depends(current_principal)]
    ) -> dict[str, Any]:
        user = await asyncio.to_thread(identity(request).application.user, user_id)
        return _profile(user)

    @router.post(
        "/me/following",
        status_code=status.HTTP_204_NO_CONTENT,
        tags=["follows"],
        summary="Follow a person (following twice changes nothing)",
    )
    async def follow(
        body: FollowRequest,
        request: Request,
        principal: Annotated[Principal, Depends(current_principal)],
    ) -> None:
        await asyncio.to_thread(
            identity(request).application.follow,
            principal.user_id,
            body.user_id,
            principal.real_user_id,
        )

    @router.delete(
        "/me/following/{user_id}",
        status_code=status.HTTP_204_NO_CONTENT,
        tags=["follows"],
        summary="Stop following a person",
    )
    async def unfollow(
        user_id: UUID, request: Request, principal: Annotated[Principal, Depends(current_principal)]
    ) -> None:
        await asyncio.to_thread(
            identity(request).application.unfollow,
            principal.user_id,
            user_id,
            principal.real_user_id,
        )

    return router
