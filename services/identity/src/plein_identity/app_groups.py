"""Groups: creating and changing them, who may see them, their members and requests."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from plein_platform.errors import Forbidden

from . import store
from .app_context import UseCases
from .app_people import after, page
from .domain_groups import Group


class Groups(UseCases):
    """What people do with groups. A private group is invisible to everyone but its members,
    invitees and network admins: NotFound, exactly as for a group that does not exist."""

    async def create(
        self, *, name: str, description: str, visibility: str, actor_id: UUID
    ) -> Group:
        """A new group, with `actor_id` as its admin."""
        group = await self.run(
            self.events.create_group,
            name=name,
            description=description,
            visibility=visibility,
            actor_id=actor_id,
        )
        await self.settle(group.id, group.version)
        return group

    async def change(self, group_id: UUID, actor_id: UUID, change: str, **args: Any) -> Group:
        """Run one of the group's commands (see IdentityApplication.change_group)."""
        group = await self.run(self.events.change_group, group_id, actor_id, change, **args)
        await self.settle(group.id, group.version)
        return group

    async def visible(self, group_id: UUID, viewer_id: UUID) -> Group:
        """The group if `viewer_id` may know it exists; NotFound otherwise."""
        return await self.run(self.events.visible_group, group_id, viewer_id)

    async def listed(
        self, viewer_id: UUID, real_user_id: UUID, *, mine: bool, discover: bool = False
    ) -> list[dict[str, Any]]:
        """The groups a viewer may see (or only those they are in), each saying whether the
        viewer is a member and an admin of it. A network admin acting as a shared account sees
        what the account sees. With `discover`, also the private groups the viewer is not in,
        by name and description only (so they can ask to join), without their member count."""
        admin = await self.is_network_admin(real_user_id)
        async with self.ctx.pool.connection() as conn:
            rows = await store.visible_groups(
                conn,
                viewer_id,
                admin and viewer_id == real_user_id,
                mine_only=mine,
                discover=discover and not mine,
            )
            admin_of = {
                r["group_id"] for r in await store.memberships_of(conn, viewer_id) if r["is_admin"]
            }
        for row in rows:
            row["is_member"] = row["is_member"] or row["is_all_company"]
            row["is_admin"] = row["id"] in admin_of
            if row["is_all_company"] or (row["visibility"] == "private" and not row["is_member"]):
                row["member_count"] = None
        return rows

    async def members(
        self, group_id: UUID, viewer_id: UUID, limit: int, cursor: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """A page of a group's members, alphabetically, and the cursor after it."""
        await self.visible(group_id, viewer_id)
        async with self.ctx.pool.connection() as conn:
            rows = await store.group_members(conn, group_id, after(cursor), limit + 1)
        return page(rows, limit)

    async def requests(self, group_id: UUID, actor_id: UUID) -> list[dict[str, Any]]:
        """The pending requests to join (group admins and network admins)."""
        group = await self.visible(group_id, actor_id)
        if actor_id not in group.admins and not await self.is_network_admin(actor_id):
            raise Forbidden("Only an admin of this group may see its requests.")
        async with self.ctx.pool.connection() as conn:
            return await store.group_requests(conn, group_id)
