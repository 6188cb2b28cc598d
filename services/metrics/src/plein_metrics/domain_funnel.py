"""The funnel (read, respond, create) and its breakdowns by department and group."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from .domain_measures import share_of
from .domain_scope import ReportBase
from .inputs import Row


class FunnelKpis(ReportBase):
    """The funnel KPIs."""

    # -- the funnel and its breakdowns ------------------------------------------------------

    def funnel(
        self, population: set[str] | None = None, rows: list[Row] | None = None
    ) -> dict[str, Any]:
        """Share of the population who read, responded (reply or reaction), created a thread."""
        people = self.population if population is None else population
        if rows is None:
            if not hasattr(self, "_doing_all"):
                self._doing_all = self._doing(self.rows)
            doing_by_kind = self._doing_all
        else:
            doing_by_kind = self._doing(rows)
        targets = self.config.targets
        out: dict[str, Any] = {}
        for kind, target in (
            ("read", targets.read),
            ("respond", targets.respond),
            ("create", targets.create),
        ):
            doing = len(doing_by_kind[kind] & people)
            share = share_of(doing, len(people))
            out[kind] = {
                "people": doing,
                "share": share,
                "target": target,
                "gap": None if share is None else share - target,
            }
        return out

    def departments(self) -> list[dict[str, Any]]:
        """The funnel per department; a department of fewer than k people is suppressed, and
        so is the next smallest when one alone would be (complementary suppression)."""
        people, rows = self.department_people(), self.department_rows()
        hidden = self.hidden_departments(people)
        out = []
        for department in sorted(people, key=lambda d: d or ""):
            row: dict[str, Any] = {"department": department}
            if department in hidden:
                row.update(population=None, suppressed=True, read=None, respond=None, create=None)
            else:
                f = self.funnel(people[department], rows.get(department, []))
                row.update(
                    population=len(people[department]),
                    suppressed=False,
                    **{kind: f[kind]["share"] for kind in ("read", "respond", "create")},
                )
            out.append(row)
        return out

    def group_breakdown(self) -> list[dict[str, Any]]:
        """The funnel of each group the viewer may see: its members and admins of the period,
        over the group's own activity while they were in it (fewer than k: suppressed)."""
        start, end = self.period.start, self.period.end
        rows: dict[str, list[Row]] = defaultdict(list)
        member_at = self.memberships.member_at
        for r in self.rows:
            group = r["group_id"]
            if group is None and r["kind"] == "read":
                group = self.threads[r["post_id"]]["group_id"]
            if group is not None and member_at(group, r["user_id"], r["at"]):
                rows[group].append(r)
        out = []
        for group in sorted(self.groups):
            if self.visible_groups is not None and group not in self.visible_groups:
                continue
            members = self.memberships.members_during(group, start, end) & self.population
            if not members:
                continue
            row: dict[str, Any] = {"group_id": group, "name": self.groups[group]["name"]}
            if len(members) < self.config.k:
                row.update(population=None, suppressed=True, read=None, respond=None, create=None)
            else:
                f = self.funnel(members, rows.get(group, []))
                row.update(
                    population=len(members),
                    suppressed=False,
                    **{kind: f[kind]["share"] for kind in ("read", "respond", "create")},
                )
            out.append(row)
        return out
