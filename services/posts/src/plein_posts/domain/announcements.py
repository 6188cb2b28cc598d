"""Announcements: the weekly limit of a group, and the ledger that enforces it."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event
from plein_platform.errors import TooManyRequests

ANNOUNCEMENT_WINDOW = timedelta(days=7)
ANNOUNCEMENTS_WITHOUT_WARNING = 2  # the field's finding: a third one a week makes people leave


def announcement_warning(
    recent: list[datetime], now: datetime, hard_limit: int
) -> tuple[int, str | None]:
    """How many announcements the group has had in the last week counting this one, and a
    warning from the third on; refuses one beyond `hard_limit`."""
    count = sum(1 for at in recent if now - at < ANNOUNCEMENT_WINDOW) + 1
    if count > hard_limit:
        oldest = min(at for at in recent if now - at < ANNOUNCEMENT_WINDOW)
        retry_after = oldest + ANNOUNCEMENT_WINDOW
        raise TooManyRequests(
            f"This group already had {count - 1} announcements in the last 7 days; "
            f"at most {hard_limit} are allowed.",
            limit=hard_limit,
            count=count - 1,
            retry_after=retry_after.isoformat(),
        )
    if count > ANNOUNCEMENTS_WITHOUT_WARNING:
        return count, (
            f"This is the group's announcement number {count} in 7 days; more than "
            f"{ANNOUNCEMENTS_WITHOUT_WARNING} a week makes people leave or mute a group."
        )
    return count, None


class AnnouncementLedger(Aggregate):
    """The times of a group's recent announcements. Saved together with each announcement, so
    two admins announcing at the same moment cannot both slip under the weekly limit."""

    @staticmethod
    def create_id(group_id: UUID) -> UUID:
        return uuid5(NAMESPACE_URL, f"plein:announcements:{group_id}")

    @event("Opened")
    def __init__(self, group_id: UUID) -> None:
        self.group_id = group_id
        self.recent: list[datetime] = []

    def record(self, post_id: UUID, at: datetime, hard_limit: int) -> str | None:
        """Record an announcement at `at`; returns a warning from the third in a week on."""
        _, warning = announcement_warning(self.recent, at, hard_limit)
        self._recorded(post_id=post_id, at=at)
        return warning

    @event("Recorded")
    def _recorded(self, post_id: UUID, at: datetime) -> None:
        self.recent = [t for t in self.recent if at - t < ANNOUNCEMENT_WINDOW] + [at]
