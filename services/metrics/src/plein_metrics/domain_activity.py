"""Announcements, activity (daily, weekly, monthly, health) and registration cohorts."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from .domain_measures import share_of
from .domain_scope import ReportBase
from .inputs import (
    DAY,
    ENGAGED_WINDOW_DAYS,
    HEALTH_DAYS,
    MAU_DAYS,
    MONDAY,
    WAU_DAYS,
    WEEK,
    from_us,
    to_us,
)


class ActivityKpis(ReportBase):
    """The KPIs of announcements and activity."""

    # -- announcements ----------------------------------------------------------------------

    def announcements(self) -> dict[str, Any]:
        """Announcements per group in the period, against the guideline per week."""
        counts: dict[str, int] = defaultdict(int)
        for r in self.rows:
            if r["action"] == "announcement" and r["group_id"] is not None:
                counts[r["group_id"]] += 1
        weeks = self.period.weeks
        allowed = self.config.announcements_per_week * max(weeks, 1.0)
        groups = []
        for group_id, count in sorted(counts.items()):
            if self.visible_groups is not None and group_id not in self.visible_groups:
                continue
            groups.append(
                {
                    "group_id": group_id,
                    "name": self.groups.get(group_id, {}).get("name"),
                    "announcements": count,
                    # a weekly rate of a shorter period would extrapolate: none is given
                    "per_week": round(count / weeks, 2) if weeks >= 1 else None,
                    "over_guideline": count > allowed,
                }
            )
        return {
            "guideline_per_week": self.config.announcements_per_week,
            "weeks": round(weeks, 2),
            "groups": groups,
        }

    # -- activity ---------------------------------------------------------------------------

    def activity(self) -> dict[str, Any]:
        """DAU: mean over the period's days of people active that day; WAU and MAU: people
        active in the last 7 and 30 days of the period; engaged people (= MAU) and community
        health; regulars; weekly retention cohorts."""
        start = self.period.start
        by_day: dict[int, set[str]] = defaultdict(set)
        for r in self.rows:
            by_day[(r["at"] - start) // DAY].add(r["user_id"])
        daily = [len(by_day[day]) for day in range(self.period.days)]
        dau = sum(daily) / len(daily) if daily else None
        health = self.health()
        mau = health["engaged"]
        return {
            "dau": dau,
            "wau": health["wau"],
            "mau": mau,
            "stickiness": None if dau is None or not mau else dau / mau,
            "engaged": mau,
            "engaged_share": health["engaged_share"],
            "active_last_12_months": health["active_last_12_months"],
            "health": health["health"],
            "regulars": health["regulars"],
            "cohorts": self.cohorts(),
        }

    def health(self) -> dict[str, Any]:
        """SWOOP's community health index, one definition for "engaged" and "health": the
        engaged are the people active in the last 30 days of the period (the monthly
        active), health is their share of the people active at least once in its last 365
        days (so engaged <= active in the year <= population). Regulars: active on at least
        `engaged_days` of the last 28 days."""
        end = self.period.end
        last: dict[str, int] = {}  # each person's last activity before the period ends
        days: dict[str, set[int]] = defaultdict(set)  # and their days of the last 28
        regular_since = end - ENGAGED_WINDOW_DAYS * DAY
        for r in self.scoped_rows:
            at, user = r["at"], r["user_id"]
            if at > last.get(user, -1 << 62):
                last[user] = at
            if at >= regular_since:
                days[user].add((at - end) // DAY)

        def active_since(start: int) -> int:
            return sum(1 for at in last.values() if at >= start)

        engaged = active_since(end - MAU_DAYS * DAY)
        year = active_since(end - HEALTH_DAYS * DAY)
        return {
            "wau": active_since(end - WAU_DAYS * DAY),
            "engaged": engaged,
            "engaged_share": share_of(engaged, len(self.population)),
            "active_last_12_months": year,
            "health": share_of(engaged, year),
            "regulars": sum(1 for d in days.values() if len(d) >= self.config.engaged_days),
        }

    def cohorts(self) -> list[dict[str, Any]]:
        """People of the population registered in the period, by the week (Monday, UTC) of
        their registration; for each week since, the share of them active in that week."""
        start, end = self.period.start, self.period.end
        cohorts: dict[int, set[str]] = defaultdict(set)
        for uid in self.population:
            registered = self.people[uid]["registered_at"]
            if start <= registered < end:
                day = from_us(registered).date()
                monday = day - timedelta(days=day.weekday())
                cohorts[to_us(datetime(monday.year, monday.month, monday.day, tzinfo=UTC))].add(uid)
        active_weeks: dict[str, set[int]] = defaultdict(set)  # weeks since the epoch Monday
        for r in self.rows:
            active_weeks[r["user_id"]].add((r["at"] - MONDAY) // WEEK)
        out = []
        for week, people in sorted(cohorts.items()):
            row: dict[str, Any] = {"week": from_us(week).date().isoformat()}
            if len(people) < self.config.k:
                row.update(size=None, suppressed=True, retention=None)
            else:
                retention = []
                for w in range(week, end, WEEK):
                    index = (w - MONDAY) // WEEK
                    active = sum(1 for u in people if index in active_weeks[u])
                    retention.append(active / len(people))
                row.update(size=len(people), suppressed=False, retention=retention)
            out.append(row)
        return out
