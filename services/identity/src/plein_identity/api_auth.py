"""Registration, log in, refresh, log out, acting as a shared account, keys and invitations."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal
from urllib.parse import urlencode
from uuid import UUID, uuid4

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import RedirectResponse
from plein_platform.errors import Forbidden, NotAuthenticated, TooManyRequests
from plein_platform.text import Storable
from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from . import oidc, store
from .api import PersonCaller, identity, run
from .api_people import OwnProfile, own_profile
from .domain import email_domain_allowed, invitation_refusal, login_delay, normalise_email
from .tokens import hash_token, issue_access_token, new_opaque_token

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


async def _issue(
    request: Request,
    user_id: UUID,
    *,
    acting_as: UUID | None = None,
    family_id: UUID | None = None,
) -> dict[str, Any]:
    service = identity(request)
    app = service.application
    settings = service.ctx.settings
    now = service.ctx.clock()
    user = await run(app.user, user_id)
    name, roles = user.display_name, sorted(user.roles)
    if acting_as is not None:
        account = await run(app.acting_as, acting_as, user_id)
        name, roles = account.name, []
    access = issue_access_token(
        await service.signing_key(),
        user_id=user_id,
        name=name,
        roles=roles,
        acting_for=acting_as,
        issuer=settings.token_issuer,
        audience=settings.token_audience,
        now=now,
        ttl=timedelta(seconds=settings.access_token_ttl_s),
    )
    refresh, refresh_hash = new_opaque_token()
    async with service.ctx.pool.connection() as conn:
        await store.add_refresh_token(
            conn,
            refresh_hash,
            family_id or uuid4(),
            user_id,
            acting_as,
            now + timedelta(seconds=service.identity_settings.refresh_token_ttl_s),
        )
    return {
        "access_token": access,
        "expires_in": settings.access_token_ttl_s,
        "refresh_token": refresh,
        "user_id": acting_as or user_id,
        "acting_user_id": user_id,
    }


def routes() -> APIRouter:
    router = APIRouter()

    @router.post(
        "/users",
        status_code=status.HTTP_201_CREATED,
        response_model=OwnProfile,
        summary="Register: with an address of the organisation's domains, or an invitation",
        tags=["people"],
    )
    async def register(body: Registration, request: Request, response: Response) -> dict[str, Any]:
        service = identity(request)
        email = normalise_email(body.email)
        invited_by = None
        invitation_hash = hash_token(body.invitation) if body.invitation else None
        if invitation_hash is not None:
            now = service.ctx.clock()
            async with service.ctx.pool.connection() as conn:
                invited_by = await store.take_signup_invitation(conn, invitation_hash, email, now)
                if invited_by is None:
                    found = await store.signup_invitation(conn, invitation_hash)
                    raise invitation_refusal(found, email, now)
        elif not email_domain_allowed(email, service.identity_settings.email_domains):
            raise Forbidden(
                "Sign-up is open to addresses of the organisation's domains "
                f"({', '.join(service.identity_settings.email_domains)}); "
                "others need an invitation from a network admin."
            )
        profile = body.model_dump(exclude={"invitation", "email"})
        try:
            user = await run(
                service.application.register, email=email, invited_by=invited_by, **profile
            )
        except Exception:
            if invitation_hash is not None:
                async with service.ctx.pool.connection() as conn:
                    await store.give_back_signup_invitation(conn, invitation_hash)
            raise
        await service.share_keys()
        await service.settle(user.id, user.version)
        response.headers["Location"] = f"{request.url.path}/{user.id}"
        return await own_profile(request, user)

    @router.post(
        "/invitations",
        status_code=status.HTTP_201_CREATED,
        response_model=Invitation,
        tags=["people"],
        summary="Invite someone to register (network admins; any address)",
    )
    async def invite(
        body: InvitationRequest, request: Request, principal: PersonCaller
    ) -> dict[str, Any]:
        service = identity(request)
        if not await run(service.application.is_network_admin, principal.user_id):
            raise Forbidden("Only a network admin may invite people to register.")
        token, token_hash = new_opaque_token()
        email = normalise_email(body.email)
        expires_at = service.ctx.clock() + timedelta(
            seconds=service.identity_settings.invitation_ttl_s
        )
        async with service.ctx.pool.connection() as conn:
            await store.add_signup_invitation(
                conn, token_hash, email, principal.user_id, expires_at
            )
        url = f"{service.ctx.settings.base_url}/register?invitation={token}"
        return {"email": email, "token": token, "url": url, "expires_at": expires_at}

    @router.post(
        "/tokens",
        response_model=Tokens,
        tags=["auth"],
        summary="Log in: e-mail and password for an access token and a refresh token",
        responses={429: {"description": "too many wrong passwords: wait `retry_after_s`"}},
    )
    async def login(body: Credentials, request: Request) -> dict[str, Any]:
        service = identity(request)
        s = service.identity_settings
        now = service.ctx.clock()
        email = normalise_email(body.email)
        # The client's address is the connection's, or what a trusted proxy says it is (see
        # PLEIN_TRUSTED_PROXIES). Wrong passwords slow down this account from this address,
        # so someone guessing cannot lock a colleague out, nor one busy address (a NAT, the
        # ingress) everyone behind it; and, much later, the account from anywhere, so that
        # guessing spread over many addresses stays slow too.
        address = request.client.host if request.client else "unknown"
        keys = {
            f"account:{email}|address:{address}": s.login_free_attempts,
            f"account:{email}": s.login_free_attempts_per_account,
        }
        async with service.ctx.pool.connection() as conn:
            blocked = await store.blocked_until(conn, list(keys))
        if blocked is not None and blocked > now:
            wait = max(1, int((blocked - now).total_seconds() + 0.999))
            raise TooManyRequests(
                "Too many wrong passwords: wait before trying again.", retry_after_s=wait
            )
        try:
            user = await run(service.application.authenticate, email, body.password)
        except NotAuthenticated:
            async with service.ctx.pool.connection() as conn:
                for key, free in keys.items():
                    failures = await store.record_failure(conn, key, now)
                    delay = login_delay(
                        failures, free_attempts=free, max_delay_s=s.login_max_delay_s
                    )
                    if delay:
                        await store.block(conn, key, store.until(now, delay))
            raise
        async with service.ctx.pool.connection() as conn:
            for key in keys:
                await store.clear_failures(conn, key)
        return await _issue(request, user.id)

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
    ) -> RedirectResponse:
        service = identity(request)
        client = oidc.require(service.oidc())
        async with service.ctx.pool.connection() as conn:
            url = await client.start(conn, service.ctx.clock(), return_to)
        return RedirectResponse(url, status_code=status.HTTP_302_FOUND)

    @router.get(
        "/oidc/callback",
        response_model=Tokens,
        tags=["auth"],
        summary="Single sign-on: the provider sends the browser back here; answers with tokens",
    )
    async def oidc_callback(
        request: Request,
        code: Annotated[str, Query(min_length=1, max_length=2000)],
        state: Annotated[str, Query(min_length=1, max_length=200)],
    ) -> Any:
        """Tokens as JSON; for a flow the web client started, a redirect to it with a
        one-time code instead (POST /oidc/handoff swaps it)."""
        service = identity(request)
        client = oidc.require(service.oidc())
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
    async def refresh(body: RefreshRequest, request: Request) -> dict[str, Any]:
        service = identity(request)
        async with service.ctx.pool.connection() as conn, conn.transaction():
            row = await store.use_refresh_token(
                conn, hash_token(body.refresh_token), service.ctx.clock()
            )
        if row is None:
            raise NotAuthenticated("The refresh token is not valid (expired, used or revoked).")
        user = await run(service.application.user, row["user_id"])
        if not user.active:
            raise NotAuthenticated("This account is deactivated.")
        return await _issue(
            request, row["user_id"], acting_as=row["acting_as"], family_id=row["family_id"]
        )

    @router.post(
        "/tokens/act-as",
        response_model=Tokens,
        tags=["auth"],
        summary="Tokens to act as a shared account I am a delegate of",
    )
    async def act_as(
        body: ActAsRequest, request: Request, principal: PersonCaller
    ) -> dict[str, Any]:
        return await _issue(request, principal.user_id, acting_as=body.account_id)

    @router.post(
        "/logout",
        status_code=status.HTTP_204_NO_CONTENT,
        tags=["auth"],
        summary="Log out: the refresh token and every token refreshed from it stop working",
    )
    async def logout(body: RefreshRequest, request: Request) -> None:
        service = identity(request)
        async with service.ctx.pool.connection() as conn:
            family = await store.family_of(conn, hash_token(body.refresh_token))
            if family is not None:
                await store.revoke_family(conn, family, service.ctx.clock())

    @router.put(
        "/me/password",
        status_code=status.HTTP_204_NO_CONTENT,
        tags=["auth"],
        summary="Change my password (logs out my other sessions)",
    )
    async def change_password(
        body: PasswordChange, request: Request, principal: PersonCaller
    ) -> None:
        service = identity(request)
        await run(
            service.application.change_password,
            principal.user_id,
            body.current_password,
            body.new_password,
        )
        async with service.ctx.pool.connection() as conn:
            await store.revoke_user_tokens(conn, principal.user_id, service.ctx.clock())

    @router.get(
        "/.well-known/jwks.json",
        tags=["auth"],
        summary="Public keys that verify access tokens (JWKS)",
    )
    async def jwks(request: Request) -> dict[str, Any]:
        return await identity(request).keys.jwks()

    @router.post(
        "/keys/rotate",
        tags=["auth"],
        summary="Sign with a new key from now on; older keys stay published (network admins)",
    )
    async def rotate(request: Request, principal: PersonCaller) -> dict[str, Any]:
        service = identity(request)
        if not await run(service.application.is_network_admin, principal.user_id):
            raise Forbidden("Only a network admin may rotate signing keys.")
        kid, signs_from = await service.rotate_signing_key()
        return {"kid": kid, "signs_from": signs_from}

    return router
