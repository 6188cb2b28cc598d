"""People and shared accounts: profiles and photos, the directory (search, follows), roles,
availability, deactivation, erasure, the personal export, and delegates of shared accounts."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from plein_platform.delegation import accounts_of
from plein_platform.errors import Forbidden, NotFound

from . import store, store_auth
from .app_context import UseCases
from .domain import SharedAccount, User
from .domain_directory import NameCursor


def after(cursor: str | None) -> tuple[str, UUID] | None:
    """Where an alphabetical page starts: after the (name, id) a cursor names."""
    return NameCursor.decode(cursor).key() if cursor else None


def page(rows: list[dict[str, Any]], limit: int) -> tuple[list[dict[str, Any]], str | None]:
    """The first `limit` rows (of `limit + 1` read) and the cursor after them (None on the
    last page)."""
    more = len(rows) > limit
    rows = rows[:limit]
    cursor = NameCursor(rows[-1]["sort_key"], rows[-1]["id"]).encode() if more else None
    return rows, cursor


class People(UseCases):
    """What people do to their own and each other's accounts (and admins to everyone's)."""

    # -- profiles ----------------------------------------------------------------------------

    async def shared_accounts_of(self, user_id: UUID) -> list[UUID]:
        """The shared accounts `user_id` may act as."""
        async with self.ctx.pool.connection() as conn:
            return [row["account_id"] for row in await accounts_of(conn, user_id)]

    async def person_or_account(
        self, user_id: UUID, viewer_id: UUID
    ) -> User | tuple[SharedAccount, bool]:
        """The person `user_id`, or else the shared account with that id and whether the
        viewer is a network admin (who sees its delegates)."""
        try:
            return await self.user(user_id)
        except NotFound:
            account = await self.run(self.events.shared_account, user_id)
            return account, await self.is_network_admin(viewer_id)

    async def change_profile(self, user_id: UUID, changes: dict[str, Any], actor_id: UUID) -> User:
        user = await self.run(self.events.update_profile, user_id, changes, actor_id)
        await self.settle(user.id, user.version)
        return user

    async def set_photo(self, user_id: UUID, image: bytes, media_type: str, etag: str) -> User:
        """Store a person's photo and point their profile at it (the address changes with the
        photo, so caches never show an old one)."""
        async with self.ctx.pool.connection() as conn:
            await store.put_photo(conn, user_id, image, media_type, etag)
        url = f"{self.ctx.settings.base_url}/api/identity/users/{user_id}/photo?v={etag}"
        return await self.change_profile(user_id, {"photo_url": url}, user_id)

    async def photo(self, user_id: UUID) -> tuple[bytes, str, str]:
        """(image, media type, etag) of a person's photo; NotFound if they have none."""
        async with self.ctx.pool.connection() as conn:
            found = await store.photo(conn, user_id)
        if found is None:
            raise NotFound("This person has no photo.")
        return found

    # -- the directory -----------------------------------------------------------------------

    async def search(
        self,
        *,
        text: str | None,
        department: str | None,
        title: str | None,
        limit: int,
        cursor: str | None,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """A page of people matching a search, alphabetically, and the cursor after it."""
        async with self.ctx.pool.connection() as conn:
            rows = await store.search_people(
                conn,
                text=text,
                department=department,
                title=title,
                after=after(cursor),
                limit=limit + 1,
            )
        return page(rows, limit)

    async def follow_page(
        self, user_id: UUID, direction: str, limit: int, cursor: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """A page of a person's followers (or of whom they follow), and the cursor after it."""
        await self.user(user_id)
        async with self.ctx.pool.connection() as conn:
            rows = await store.follow_list(conn, user_id, direction, after(cursor), limit + 1)
        return page(rows, limit)

    async def follow(self, follower_id: UUID, followee_id: UUID) -> None:
        user = await self.run(self.events.follow, follower_id, followee_id, follower_id)
        await self.settle(user.id, user.version)

    async def unfollow(self, follower_id: UUID, followee_id: UUID) -> None:
        user = await self.run(self.events.unfollow, follower_id, followee_id, follower_id)
        await self.settle(user.id, user.version)

    async def follow_topic(self, user_id: UUID, topic: str) -> None:
        user = await self.run(self.events.follow_topic, user_id, topic, user_id)
        await self.settle(user.id, user.version)

    async def unfollow_topic(self, user_id: UUID, topic: str) -> None:
        user = await self.run(self.events.unfollow_topic, user_id, topic, user_id)
        await self.settle(user.id, user.version)

    # -- roles and availability --------------------------------------------------------------

    async def grant_role(self, user_id: UUID, role: str, actor_id: UUID) -> None:
        user = await self.run(self.events.grant_role, user_id, role, actor_id)
        await self.settle(user.id, user.version)

    async def revoke_role(self, user_id: UUID, role: str, actor_id: UUID) -> None:
        user = await self.run(self.events.revoke_role, user_id, role, actor_id)
        await self.settle(user.id, user.version)

    async def set_availability(
        self, user_id: UUID, away_until: datetime | None, backup_id: UUID | None, actor_id: UUID
    ) -> User:
        user = await self.run(
            self.events.set_availability, user_id, away_until, backup_id, actor_id
        )
        await self.settle(user.id, user.version)
        return user

    # -- leaving -----------------------------------------------------------------------------

    async def deactivate(self, user_id: UUID, actor_id: UUID) -> None:
        """Deactivate an account and end its sessions."""
        user = await self.run(self.events.deactivate, user_id, actor_id)
        async with self.ctx.pool.connection() as conn:
            await store_auth.revoke_user_tokens(conn, user_id, self.ctx.clock())
        await self.settle(user.id, user.version)

    async def reactivate(self, user_id: UUID, actor_id: UUID) -> None:
        user = await self.run(self.events.reactivate, user_id, actor_id)
        await self.settle(user.id, user.version)

    async def erase(self, user_id: UUID, actor_id: UUID, authored: str = "anonymised") -> None:
        """Erase a person: their key is destroyed (and the bucket's copy purged), their
        sessions end; `authored` says what becomes of the words they wrote."""
        user = await self.run(self.events.erase, user_id, actor_id, authored)
        async with self.ctx.pool.connection() as conn:
            await store_auth.revoke_user_tokens(conn, user_id, self.ctx.clock())
        await self.share_keys()
        await self.settle(user.id, user.version)

    async def export(self, user_id: UUID, actor_id: UUID) -> dict[str, Any]:
        """The person and what identity holds about them (themselves or a network admin): their
        followers, groups, shared accounts and sessions."""
        if user_id != actor_id and not await self.is_network_admin(actor_id):
            raise Forbidden("Only the person themselves or a network admin may export this.")
        user = await self.user(user_id)
        async with self.ctx.pool.connection() as conn:
            return {
                "user": user,
                "exported_at": self.ctx.clock(),
                "followers": await store.follower_ids(conn, user_id),
                "groups": await store.memberships_of(conn, user_id),
                "sessions": await store_auth.sessions_of(conn, user_id),
                "shared_accounts": await accounts_of(conn, user_id),
            }

    # -- shared accounts ---------------------------------------------------------------------

    async def create_shared_account(
        self, *, name: str, department: str | None, actor_id: UUID
    ) -> SharedAccount:
        account = await self.run(
            self.events.create_shared_account, name=name, department=department, actor_id=actor_id
        )
        await self.settle(account.id, account.version)
        return account

    async def grant_delegate(self, account_id: UUID, user_id: UUID, actor_id: UUID) -> None:
        account = await self.run(self.events.grant_delegate, account_id, user_id, actor_id)
        await self.settle(account.id, account.version)
        await self.settle_delegation(account_id, user_id, True)

    async def revoke_delegate(self, account_id: UUID, user_id: UUID, actor_id: UUID) -> None:
        """Stop a delegate acting as the account at once: their acting tokens stop working."""
        account = await self.run(self.events.revoke_delegate, account_id, user_id, actor_id)
        async with self.ctx.pool.connection() as conn:
            await store_auth.revoke_acting_tokens(conn, account_id, user_id, self.ctx.clock())
        await self.settle(account.id, account.version)
        await self.settle_delegation(account_id, user_id, False)
