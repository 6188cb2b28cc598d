"""Signing up and in: registration (with or without an invitation), invitations, log in with
its throttling, single sign-on, sessions (refresh tokens), acting as a shared account, password
changes and the signing keys."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import structlog
from plein_platform.errors import Forbidden, NotAuthenticated, TooManyRequests
from plein_platform.service import ServiceContext

from . import store_auth
from .app import AddressTaken, IdentityApplication
from .app_context import UseCases
from .domain import User, normalise_email
from .domain_auth import (
    email_domain_allowed,
    invitation_refusal,
    login_delay,
    throttle_keys,
    wait_message,
)
from .oidc import OidcClient
from .settings import IdentitySettings
from .tokens import KeyStore, SigningKey, hash_token, issue_access_token, new_opaque_token

log = structlog.get_logger(__name__)


class Accounts(UseCases):
    """Who may come in, and the tokens they get."""

    def __init__(
        self,
        events: IdentityApplication,
        ctx: ServiceContext,
        settings: IdentitySettings,
        keys: KeyStore,
    ) -> None:
        super().__init__(events, ctx, settings)
        self.keys = keys
        self._oidc: OidcClient | None = None

    # -- tokens ------------------------------------------------------------------------------

    async def issue(
        self, user_id: UUID, *, acting_as: UUID | None = None, family_id: UUID | None = None
    ) -> dict[str, Any]:
        """A new access token and refresh token for `user_id` (acting as a shared account they
        are a delegate of, if `acting_as`); `family_id` continues a session being refreshed."""
        platform = self.ctx.settings
        now = self.ctx.clock()
        user = await self.user(user_id)
        name, roles = user.display_name, sorted(user.roles)
        if acting_as is not None:
            account = await self.run(self.events.acting_as, acting_as, user_id)
            name, roles = account.name, []
        access = issue_access_token(
            await self.keys.current(),
            user_id=user_id,
            name=name,
            roles=roles,
            acting_for=acting_as,
            issuer=platform.token_issuer,
            audience=platform.token_audience,
            now=now,
            ttl=timedelta(seconds=platform.access_token_ttl_s),
        )
        refresh, refresh_hash = new_opaque_token()
        async with self.ctx.pool.connection() as conn:
            await store_auth.add_refresh_token(
                conn,
                refresh_hash,
                family_id or uuid4(),
                user_id,
                acting_as,
                now + timedelta(seconds=self.settings.refresh_token_ttl_s),
            )
        return {
            "access_token": access,
            "expires_in": platform.access_token_ttl_s,
            "refresh_token": refresh,
            "user_id": acting_as or user_id,
            "acting_user_id": user_id,
        }

    async def refresh(self, refresh_token: str) -> dict[str, Any]:
        """New tokens for a refresh token, which stops working (each works once)."""
        async with self.ctx.pool.connection() as conn, conn.transaction():
            row = await store_auth.use_refresh_token(
                conn, hash_token(refresh_token), self.ctx.clock()
            )
        if row is None:
            raise NotAuthenticated("The refresh token is not valid (expired, used or revoked).")
        user = await self.user(row["user_id"])
        if not user.active:
            raise NotAuthenticated("This account is deactivated.")
        return await self.issue(
            row["user_id"], acting_as=row["acting_as"], family_id=row["family_id"]
        )

    async def logout(self, refresh_token: str) -> None:
        """The refresh token and every token refreshed from it stop working."""
        async with self.ctx.pool.connection() as conn:
            family = await store_auth.family_of(conn, hash_token(refresh_token))
            if family is not None:
                await store_auth.revoke_family(conn, family, self.ctx.clock())

    # -- signing up --------------------------------------------------------------------------

    async def register(self, *, email: str, invitation: str | None, **profile: Any) -> User:
        """A new person: with an address of the organisation's domains, or an invitation
        (which is used up, and given back if the registration fails)."""
        email = normalise_email(email)
        invited_by = None
        invitation_hash = hash_token(invitation) if invitation else None
        if invitation_hash is not None:
            now = self.ctx.clock()
            async with self.ctx.pool.connection() as conn:
                invited_by = await store_auth.take_signup_invitation(
                    conn, invitation_hash, email, now
                )
                if invited_by is None:
                    found = await store_auth.signup_invitation(conn, invitation_hash)
                    raise invitation_refusal(found, email, now)
        elif not email_domain_allowed(email, self.settings.email_domains):
            raise Forbidden(
                "Sign-up is open to addresses of the organisation's domains "
                f"({', '.join(self.settings.email_domains)}); "
                "others need an invitation from a network admin."
            )
        try:
            user = await self.run(
                self.events.register, email=email, invited_by=invited_by, **profile
            )
        except AddressTaken as taken:
            # The same answer as for a new account (see AddressTaken). No mail leaves identity
            # today; this line is where the owner would be told that someone tried.
            log.info(
                "sign-up for an address that has an account", email_domain=email.rpartition("@")[2]
            )
            if invitation_hash is not None:
                async with self.ctx.pool.connection() as conn:
                    await store_auth.give_back_signup_invitation(conn, invitation_hash)
            return taken.decoy
        except Exception:
            if invitation_hash is not None:
                async with self.ctx.pool.connection() as conn:
                    await store_auth.give_back_signup_invitation(conn, invitation_hash)
            raise
        await self.share_keys()
        await self.settle(user.id, user.version)
        return user

    async def invite(self, email: str, actor_id: UUID) -> dict[str, Any]:
        """An invitation for `email` to register (network admins): its token, link and expiry."""
        if not await self.is_network_admin(actor_id):
            raise Forbidden("Only a network admin may invite people to register.")
        token, token_hash = new_opaque_token()
        email = normalise_email(email)
        expires_at = self.ctx.clock() + timedelta(seconds=self.settings.invitation_ttl_s)
        async with self.ctx.pool.connection() as conn:
            await store_auth.add_signup_invitation(conn, token_hash, email, actor_id, expires_at)
        url = f"{self.ctx.settings.base_url}/register?invitation={token}"
        return {"email": email, "token": token, "url": url, "expires_at": expires_at}

    # -- logging in --------------------------------------------------------------------------

    async def login(
        self, email: str, password: str, address: str, device_token: str | None = None
    ) -> dict[str, Any]:
        """Tokens for the right password, and a device token that marks this device as known
        (a client sends it with its later sign-ins); wrong ones slow the next attempts down
        (see domain_auth.throttle_keys)."""
        s = self.settings
        now = self.ctx.clock()
        email = normalise_email(email)
        device_hash = hash_token(device_token) if device_token else None
        async with self.ctx.pool.connection() as conn:
            known = device_hash is not None and await store_auth.known_device(
                conn, device_hash, email
            )
            keys = throttle_keys(
                email,
                address,
                known_device=device_hash if known else None,
                free_per_pair=s.login_free_attempts,
                free_per_address=s.login_free_attempts_per_address,
                free_per_account=s.login_free_attempts_per_account,
            )
            blocked = await store_auth.blocked_until(conn, list(keys))
        if blocked is not None and blocked > now:
            wait = max(1, int((blocked - now).total_seconds() + 0.999))
            raise TooManyRequests(wait_message(wait), retry_after_s=wait)
        try:
            user = await self.run(self.events.authenticate, email, password)
        except NotAuthenticated:
            async with self.ctx.pool.connection() as conn:
                for key, free in keys.items():
                    failures = await store_auth.record_failure(conn, key, now)
                    delay = login_delay(
                        failures, free_attempts=free, max_delay_s=s.login_max_delay_s
                    )
                    if delay:
                        await store_auth.block(conn, key, now + timedelta(seconds=delay))
            raise
        if not known:
            device_token, device_hash = new_opaque_token()
        async with self.ctx.pool.connection() as conn:
            # The right password forgives the account's failures, not the address's: a sprayer
            # signing in to an account of their own must not start counting afresh.
            for key in keys:
                if not key.startswith("address:"):
                    await store_auth.clear_failures(conn, key)
            if not known:
                assert device_hash is not None
                await store_auth.add_known_device(conn, device_hash, email)
        return {**(await self.issue(user.id)), "device_token": device_token}

    def oidc(self) -> OidcClient | None:
        """The single sign-on client, if PLEIN_OIDC_ISSUER is set."""
        s = self.settings
        if not s.oidc_issuer:
            return None
        if self._oidc is None or self._oidc.issuer != s.oidc_issuer.rstrip("/"):
            redirect = s.oidc_redirect_url or (
                f"{self.ctx.settings.base_url}/api/identity/oidc/callback"
            )
            self._oidc = OidcClient(s.oidc_issuer, s.oidc_client_id, s.oidc_client_secret, redirect)
        return self._oidc

    async def change_password(self, user_id: UUID, current: str, new: str) -> None:
        """A new password; every session of the person ends (log in again)."""
        await self.run(self.events.change_password, user_id, current, new)
        async with self.ctx.pool.connection() as conn:
            await store_auth.revoke_user_tokens(conn, user_id, self.ctx.clock())

    # -- signing keys ------------------------------------------------------------------------

    async def signing_key(self) -> SigningKey:
        return await self.keys.current()

    async def jwks(self) -> dict[str, Any]:
        return await self.keys.jwks()

    async def rotate_signing_key(self, actor_id: UUID) -> tuple[str, Any]:
        """(kid, signs_from) of a new signing key (network admins; see KeyStore.rotate)."""
        if not await self.is_network_admin(actor_id):
            raise Forbidden("Only a network admin may rotate signing keys.")
        kid, signs_from = await self.keys.rotate(self.settings.key_activation_delay_s)
        return kid, signs_from
