"""Metrics use cases: who may see KPIs, and the reports they see."""

from __future__ import annotations

import asyncio
from typing import Any

from plein_platform.auth import Principal
from plein_platform.errors import Forbidden, NotFound
from psycopg_pool import AsyncConnectionPool

from . import store
from .domain import Period, Scope, compare, compute_report
from .settings import MetricsSettings


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

    async def report(self, viewer: Principal, period: Period, scope: Scope) -> dict[str, Any]:
        visible = await self._authorise(viewer, scope)
        data = await store.load_dataset(self.pool, period)
        return await asyncio.to_thread(compute_report, data, period, scope, self.config, visible)

    async def compare(
        self, viewer: Principal, baseline: Period, followup: Period, scope: Scope
    ) -> dict[str, Any]:
        return compare(
            await self.report(viewer, baseline, scope), await self.report(viewer, followup, scope)
        )
