"""Metrics use cases: who may see KPIs and read receipts, and the reports they see."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from plein_platform.auth import Principal
from plein_platform.errors import Forbidden, NotFound
from psycopg_pool import AsyncConnectionPool

from . import store
from .coach import LOOKBACK_WEEKS, Coach
from .compare import compare
from .domain import compute_report
from .domain_trends import weekly_trends, weeks_ending
from .inputs import DAY, Dataset, Period, Scope, activity_window, to_us
from .interventions import WINDOW_DAYS, effect
from .mirror import WEEKS as MIRROR_WEEKS
from .mirror import NotAManager, mirror
from .receipts import may_see_receipts, receipts
from .settings import MetricsSettings

CACHE_MARGIN = 120 * DAY  # read this much before the window asked for: the baseline's rows


def _ids(viewer: Principal) -> set[str]:
    """The person, and the shared account they act as (what they wrote as)."""
    return {str(viewer.real_user_id), str(viewer.user_id)}


class Metrics:
    def __init__(
        self,
        pool: AsyncConnectionPool,
        settings: MetricsSettings,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.pool = pool
        self.settings = settings
        self.config = settings.config()
        self.clock = clock
        # The rows of the last window read, with the stream position they reflect: one
        # dashboard page asks for five reports over overlapping windows, and while the
        # projection has not moved, the same rows serve them all.
        self._cached: tuple[int, int, int, Dataset] | None = None
        self._loading = asyncio.Lock()

    async def _dataset(self, period: Period) -> Dataset:
        """The rows a report of `period` needs (a superset serves as well: a report filters
        by its own period), read again only when the projection moved or the window grew."""
        lo, hi = activity_window(period)
        async with self._loading:
            at = await store.position(self.pool)
            cached = self._cached
            if cached is not None and cached[0] == at and cached[1] <= lo and hi <= cached[2]:
                return cached[3]
            # read a wider window than asked: the baseline before it and "up to now"
            wide_lo = lo - CACHE_MARGIN
            wide_hi = max(hi, to_us(self.clock()) + DAY)
            data = await store.load_window(self.pool, wide_lo, wide_hi)
            self._cached = (at, wide_lo, wide_hi, data)
            return data

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
        data = await self._dataset(period)
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

    # -- trends, the coach, the mirror, interventions ----------------------------------------

    async def trends(
        self, viewer: Principal, last_day: date, weeks: int, scope: Scope
    ) -> dict[str, Any]:
        """The funnel and health of each of the `weeks` weeks ending on `last_day`."""
        visible = await self._authorise(viewer, scope)
        periods = weeks_ending(last_day, weeks)
        data = await self._dataset(Period(periods[0].start, periods[-1].end))
        found = await asyncio.to_thread(
            weekly_trends, data, last_day, weeks, scope, self.config, visible
        )
        return {"scope": str(scope), "k": self.config.k, "weeks": found}

    async def _coach(self, visible: set[str], week: date) -> Coach:
        span = Period.of_dates(week - timedelta(days=7 * LOOKBACK_WEEKS - 1), week)
        data = await self._dataset(span)
        return await asyncio.to_thread(Coach, data, week, self.config, visible)

    async def coach(self, viewer: Principal, week: date) -> dict[str, Any]:
        """The week's suggestions with what was decided about them, and for each suggestion
        followed (done) its figure then and in this week."""
        visible = await self._authorise(viewer, Scope("org"))
        found = await self._coach(visible, week)
        decided = await store.decisions(self.pool)
        status = {d["suggestion_id"]: d["status"] for d in decided}
        suggestions = [{**s.as_dict(), "status": status.get(s.id)} for s in found.suggestions()]
        followed = [
            {
                "suggestion_id": d["suggestion_id"],
                "kind": d["kind"],
                "subject": d["subject"],
                "metric": d["metric"],
                "week": d["week"].isoformat(),
                "value_then": d["value_then"],
                "value_now": found.figure(d["metric"], d["subject"]),
            }
            for d in decided
            if d["status"] == "done" and d["week"] < week
        ]
        return {"week": week.isoformat(), "suggestions": suggestions, "followed": followed}

    async def decide(
        self, viewer: Principal, week: date, suggestion_id: str, status: str
    ) -> dict[str, Any]:
        """Mark one of the week's suggestions done or dismissed."""
        visible = await self._authorise(viewer, Scope("org"))
        found = await self._coach(visible, week)
        suggestion = next((s for s in found.suggestions() if s.id == suggestion_id), None)
        if suggestion is None:
            raise NotFound(f"The coach made no suggestion {suggestion_id} in the week to {week}.")
        decision = {
            "suggestion_id": suggestion.id,
            "week": week,
            "kind": suggestion.kind,
            "subject": suggestion.subject,
            "metric": suggestion.metric,
            "value_then": suggestion.value,
            "status": status,
            "decided_by": str(viewer.real_user_id),
            "decided_at": self.clock(),
        }
        await store.decide(self.pool, decision)
        return {"suggestion_id": suggestion.id, "status": status}

    async def mirror(self, viewer: Principal, week: date) -> dict[str, Any]:
        """The signed-in manager's own mirror (nobody else's)."""
        span = Period.of_dates(week - timedelta(days=7 * MIRROR_WEEKS - 1), week)
        data = await self._dataset(span)
        try:
            return await asyncio.to_thread(
                mirror, data, week, str(viewer.real_user_id), self.config
            )
        except NotAManager:
            raise Forbidden("The mirror is for managers, about their own team.") from None

    async def add_intervention(
        self, viewer: Principal, title: str, kind: str, on: date, departments: list[str]
    ) -> dict[str, Any]:
        await self._authorise(viewer, Scope("org"))
        row = {
            "intervention_id": uuid.uuid4(),
            "title": title,
            "kind": kind,
            "on_date": on,
            "departments": sorted(set(departments)),
            "created_by": str(viewer.real_user_id),
            "created_at": self.clock(),
        }
        await store.add_intervention(self.pool, row)
        return await self._with_effect(row)

    async def _with_effect(self, row: dict[str, Any]) -> dict[str, Any]:
        on: date = row["on_date"]
        span = Period.of_dates(on - timedelta(days=WINDOW_DAYS), on + timedelta(days=WINDOW_DAYS))
        data = await self._dataset(span)
        today = self.clock().date()
        found = await asyncio.to_thread(
            effect, data, on, set(row["departments"]), today, self.config
        )
        return {
            "intervention_id": str(row["intervention_id"]),
            "title": row["title"],
            "kind": row["kind"],
            "on": on.isoformat(),
            "departments": list(row["departments"]),
            "effect": found,
        }

    async def interventions(self, viewer: Principal) -> dict[str, Any]:
        """Every intervention with its difference in differences."""
        await self._authorise(viewer, Scope("org"))
        rows = await store.interventions(self.pool)
        return {"interventions": [await self._with_effect(r) for r in rows]}
