"""Metrics use cases: who may see KPIs and read receipts, and the reports they see."""

from __future__ import annotations

import asyncio
from typing import Any

from plein_platform.auth import Principal
from plein_platform.errors import Forbidden, NotFound
from psycopg_pool import AsyncConnectionPool

from . import store
from .compare import compare
from .domain import compute_report
from .inputs import Period, Scope
from .receipts import may_see_receipts, receipts
from .settings import MetricsSettings


def _ids(viewer: Principal) -> set[str]:
    """The person, and the shared account they act as (what they wrote as)."""
    return {str(viewer.real_user_id), str(viewer.user_id)}


class Metrics:
    def __init__(self, pool: AsyncConnectionPool, settings: MetricsSettings) -> None:
        self.pool = pool
        self.settings = settings
        self.config = settings.config()

    async def _authorise(self, viewer: Principal, scope: Scope) -> set[str]:
        """The groups the viewer may see; refuses people without a metrics role.

        Roles come from metrics' own record of identity's RoleGranted/RoleRevoked, never from
        the token: a role revoked a minute ago is refused at once, one granted a minute ago
        works before the person's next token.
        """
        person = str(viewer.real_user_id)
        roles = await store.roles_of(self.pool, person)
        if not roles & self.settings.viewer_roles:
            raise Forbidden("Metrics are for network admins and community managers.")
        visible = await store.visible_groups(self.pool, person)
        if scope.kind == "group" and scope.value not in visible:
            # A private group the viewer is not in is indistinguishable from no group at all.
            raise NotFound(f"There is no group {scope.value} you can see.")
        return visible

    async def report(
        self, viewer: Principal, period: Period, scope: Scope, ambassadors: int | None = None
    ) -> dict[str, Any]:
        visible = await self._authorise(viewer, scope)
        data = await store.load_dataset(self.pool, period)
        return await asyncio.to_thread(
            compute_report, data, period, scope, self.config, visible, ambassadors
        )

    async def compare(
        self, viewer: Principal, baseline: Period, followup: Period, scope: Scope
    ) -> dict[str, Any]:
        return compare(
            await self.report(viewer, baseline, scope), await self.report(viewer, followup, scope)
        )

    async def _receipt_rights(self, viewer: Principal) -> tuple[set[str], set[str], set[str]]:
        ids = _ids(viewer)
        roles = await store.roles_of(self.pool, str(viewer.real_user_id))
        member_of = await store.groups_of(self.pool, str(viewer.real_user_id))
        return roles, await store.admin_of(self.pool, ids), member_of

    async def receipt(self, viewer: Principal, post_id: str) -> dict[str, Any]:
        """The read receipt of one thread, for its author, its group's admins and community
        managers."""
        thread = await store.thread(self.pool, post_id)
        roles, admin_of, member_of = await self._receipt_rights(viewer)
        ids = _ids(viewer)
        if thread is None or (
            thread["private"]
            and thread["author_id"] not in ids
            and thread["group_id"] not in member_of | admin_of
        ):
            raise NotFound(f"There is no post {post_id} you can see.")
        if not may_see_receipts(ids, thread, roles, admin_of, member_of):
            raise Forbidden(
                "Read receipts are for the author, group admins and community managers."
            )
        data = await store.load_posts(self.pool, [post_id])
        return receipts(data, [post_id])[0]

    async def announcement_receipts(self, viewer: Principal, period: Period) -> dict[str, Any]:
        """The receipts of the period's announcements the viewer may see receipts of."""
        roles, admin_of, member_of = await self._receipt_rights(viewer)
        ids = _ids(viewer)
        threads = [
            t
            for t in await store.announcements_between(self.pool, period)
            if may_see_receipts(ids, t, roles, admin_of, member_of)
        ]
        data = await store.load_posts(self.pool, [t["post_id"] for t in threads])
        found = receipts(data, [t["post_id"] for t in threads])
        return {"period": period.describe(), "announcements": found}
