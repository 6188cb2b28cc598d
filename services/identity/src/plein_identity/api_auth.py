"""Registration, log in, refresh, log out, acting as a shared account, keys and invitations."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import RedirectResponse
from plein_platform.errors import NotAuthenticated, NotFound
from plein_platform.service import service_of
from plein_platform.text import Storable
from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from . import oidc
from .api_deps import AccountsUse, PeopleUse, PersonCaller, accounts
from .api_people import OwnProfile, own_profile

T = TypeVar("T")

Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120), Storable
]
ShortText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120), Storable
]
Password = Annotated[str, StringConstraints(min_length=8, max_length=256), Storable]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000), Storable]
Url = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=500, pattern=r"^https?://"),
    Storable,
]
Language = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=2, max_length=35), Storable
]


class Registration(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    password: Password
    display_name: Name
    department: ShortText | None = None
    job_title: ShortText | None = None
    location: ShortText | None = None
    photo_url: Url | None = None
    bio: LongText | None = None
    languages: list[Language] = Field(default_factory=list, max_length=20)
    is_manager: bool = False
    manager_id: UUID | None = None
    invitation: str | None = Field(
        default=None,
        max_length=200,
        description="invitation token, for addresses outside the organisation's domains",
    )


class Credentials(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    password: Annotated[str, StringConstraints(min_length=1, max_length=256), Storable]


class OidcHandoff(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Annotated[str, Field(min_length=1, max_length=200)]
    state: Annotated[str, Field(min_length=1, max_length=200)]


class RefreshRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: Annotated[str, StringConstraints(min_length=1, max_length=200), Storable]


class ActAsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    account_id: UUID


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: Annotated[str, StringConstraints(min_length=1, max_length=256), Storable]
    new_password: Password


class InvitationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr


class Invitation(BaseModel):
    email: str
    token: str
    url: str
    expires_at: Any


class Tokens(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="seconds until the access token expires")
    refresh_token: str = Field(description="opaque; use once at /tokens/refresh")
    user_id: UUID = Field(description="who the token acts for (a shared account when acting)")
    acting_user_id: UUID = Field(description="the real person")


# The single sign-on callback reaches the service itself, as it did before the use cases were
# split out (the web client's sign-in is changing it); every other route calls the use cases.
def identity(request: Request) -> Any:
    return service_of(request)


async def run(use_case: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a (synchronous) use case of the event-sourced application off the event loop."""
    return await asyncio.to_thread(use_case, *args, **kwargs)


async def _issue(request: Request, user_id: UUID) -> dict[str, Any]:
    return await accounts(request).issue(user_id)


def routes() -> APIRouter:
    router = APIRouter()

    @router.post(
        "/users",
        status_code=status.HTTP_201_CREATED,
        response_model=OwnProfile,
        summary="Register: with an address of the organisation's domains, or an invitation",
        tags=["people"],
    )
    async def register(
        body: Registration,
        request: Request,
        response: Response,
        use: AccountsUse,
        people: PeopleUse,
    ) -> dict[str, Any]:
        profile = body.model_dump(exclude={"invitation", "email"})
        user = await use.register(email=body.email, invitation=body.invitation, **profile)
        response.headers["Location"] = f"{request.url.path}/{user.id}"
        return await own_profile(people, user)

    @router.post(
        "/invitations",
        status_code=status.HTTP_201_CREATED,
        response_model=Invitation,
        tags=["people"],
        summary="Invite someone to register (network admins; any address)",
    )
    async def invite(
        body: InvitationRequest, principal: PersonCaller, use: AccountsUse
    ) -> dict[str, Any]:
        return await use.invite(body.email, principal.user_id)

    @router.post(
        "/tokens",
        response_model=Tokens,
        tags=["auth"],
        summary="Log in: e-mail and password for an access token and a refresh token",
        responses={429: {"description": "too many wrong passwords: wait `retry_after_s`"}},
    )
    async def login(body: Credentials, request: Request, use: AccountsUse) -> dict[str, Any]:
        # The client's address is the connection's, or what a trusted proxy says it is (see
        # PLEIN_TRUSTED_PROXIES): wrong passwords slow down guesses from it (Accounts.login).
        address = request.client.host if request.client else "unknown"
        return await use.login(body.email, body.password, address)

    @router.get(
        "/oidc/login",
        status_code=status.HTTP_302_FOUND,
        tags=["auth"],
        summary="Single sign-on: go to the organisation's identity provider (if configured)",
    )
    async def oidc_login(
        request: Request,
        return_to: Annotated[
            Literal["web"] | None,
            Query(description="`web`: the flow ends in the web client's browser session"),
        ] = None,
        prompt: Annotated[
            Literal["none"] | None,
            Query(
                description="`none`: silent sign-on; the provider shows nothing and answers "
                "`login_required` when the browser is not signed in there"
            ),
        ] = None,
    ) -> RedirectResponse:
        service = identity(request)
        client = oidc.require(service.oidc())
        async with service.ctx.pool.connection() as conn:
            url = await client.start(conn, service.ctx.clock(), return_to, prompt)
        return RedirectResponse(url, status_code=status.HTTP_302_FOUND)

    @router.get(
        "/oidc/logout",
        status_code=status.HTTP_302_FOUND,
        tags=["auth"],
        summary="Sign out of the organisation's identity provider too (RP-initiated logout)",
    )
    async def oidc_logout(request: Request) -> RedirectResponse:
        """To the provider's end-session endpoint, which sends the browser back to the web
        client's sign-in page; 404 when the provider has none."""
        service = identity(request)
        client = oidc.require(service.oidc())
        back = f"{service.ctx.settings.base_url}/sign-in?signed_out=provider"
        url = await client.logout_url(back)
        if url is None:
            raise NotFound("The identity provider offers no sign-out.")
        return RedirectResponse(url, status_code=status.HTTP_302_FOUND)

    @router.get(
        "/oidc/callback",
        response_model=Tokens,
        tags=["auth"],
        summary="Single sign-on: the provider sends the browser back here; answers with tokens",
    )
    async def oidc_callback(
        request: Request,
        state: Annotated[str, Query(min_length=1, max_length=200)],
        code: Annotated[str | None, Query(min_length=1, max_length=2000)] = None,
        error: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    ) -> Any:
        """Tokens as JSON; for a flow the web client started, a redirect to it with a
        one-time code instead (POST /oidc/handoff swaps it). A provider's error (a silent
        sign-on's `login_required`) ends the flow: the web client hears it, anyone else gets
        a 401 problem."""
        service = identity(request)
        client = oidc.require(service.oidc())
        if code is None:
            async with service.ctx.pool.connection() as conn:
                ended_for = await client.abandon(conn, state, service.ctx.clock())
            reason = error or "no_code"
            if ended_for == "web":
                query = urlencode({"error": reason[:60], "state": state})
                web = f"{service.ctx.settings.base_url}/sign-in/oidc/complete?{query}"
                return RedirectResponse(web, status_code=status.HTTP_303_SEE_OTHER)
            raise NotAuthenticated(f"The identity provider did not sign you in ({reason[:60]}).")
        async with service.ctx.pool.connection() as conn:
            who, return_to = await client.finish(
                conn, code=code, state=state, now=service.ctx.clock()
            )
        app = service.application
        user = await run(app.user_by_email, who.email)
        if user is None:
            # The organisation's provider vouches for the person: they get an account (no
            # password; they sign in through the provider).
            user = await run(app.register, email=who.email, password=None, display_name=who.name)
            await service.share_keys()
            await service.settle(user.id, user.version)
        if not user.active:
            raise NotAuthenticated("This account is deactivated.")
        if return_to == "web":
            async with service.ctx.pool.connection() as conn:
                handoff = await oidc.hand_off(conn, user.id, state, service.ctx.clock())
            query = urlencode({"code": handoff, "state": state})
            web = f"{service.ctx.settings.base_url}/sign-in/oidc/complete?{query}"
            return RedirectResponse(web, status_code=status.HTTP_303_SEE_OTHER)
        return await _issue(request, user.id)

    @router.post(
        "/oidc/handoff",
        response_model=Tokens,
        tags=["auth"],
        summary="Single sign-on for the web client: swap the callback's one-time code for tokens",
    )
    async def oidc_handoff(body: OidcHandoff, request: Request) -> dict[str, Any]:
        """The code works once, within a minute, with the state of the flow it ended."""
        service = identity(request)
        async with service.ctx.pool.connection() as conn:
            user_id = await oidc.take_handoff(conn, body.code, body.state, service.ctx.clock())
        if user_id is None:
            raise NotAuthenticated("This sign-in code is not valid (expired, used or foreign).")
        user = await run(service.application.user, user_id)
        if not user.active:
            raise NotAuthenticated("This account is deactivated.")
        return await _issue(request, user.id)

    @router.post(
        "/tokens/refresh",
        response_model=Tokens,
        tags=["auth"],
        summary="Swap a refresh token for new tokens (each refresh token works once)",
    )
    async def refresh(body: RefreshRequest, use: AccountsUse) -> dict[str, Any]:
        return await use.refresh(body.refresh_token)

    @router.post(
        "/tokens/act-as",
        response_model=Tokens,
        tags=["auth"],
        summary="Tokens to act as a shared account I am a delegate of",
    )
    async def act_as(
        body: ActAsRequest, principal: PersonCaller, use: AccountsUse
    ) -> dict[str, Any]:
        return await use.issue(principal.user_id, acting_as=body.account_id)

    @router.post(
        "/logout",
        status_code=status.HTTP_204_NO_CONTENT,
        tags=["auth"],
        summary="Log out: the refresh token and every token refreshed from it stop working",
    )
    async def logout(body: RefreshRequest, use: AccountsUse) -> None:
        await use.logout(body.refresh_token)

    @router.put(
        "/me/password",
        status_code=status.HTTP_204_NO_CONTENT,
        tags=["auth"],
        summary="Change my password (logs out my other sessions)",
    )
    async def change_password(
        body: PasswordChange, principal: PersonCaller, use: AccountsUse
    ) -> None:
        await use.change_password(principal.user_id, body.current_password, body.new_password)

    @router.get(
        "/.well-known/jwks.json",
        tags=["auth"],
        summary="Public keys that verify access tokens (JWKS)",
    )
    async def jwks(use: AccountsUse) -> dict[str, Any]:
        return await use.jwks()

    @router.post(
        "/keys/rotate",
        tags=["auth"],
        summary="Sign with a new key from now on; older keys stay published (network admins)",
    )
    async def rotate(principal: PersonCaller, use: AccountsUse) -> dict[str, Any]:
        kid, signs_from = await use.rotate_signing_key(principal.user_id)
        return {"kid": kid, "signs_from": signs_from}

    return router
