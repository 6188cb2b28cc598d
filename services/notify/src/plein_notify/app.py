"""Notify's use cases: escalations on the event-sourced store, and how inbox entries read."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError
from plein_events.eventstore import PleinApplication

from .domain import WITHDRAWN, Access, Escalation, Kind, may_email, may_see, summary


class NotifyApplication(PleinApplication):
    name = "notify"

    def raise_escalation(
        self,
        *,
        post_id: UUID,
        group_id: UUID | None,
        group_private: bool,
        raised_to: list[UUID],
        waited_hours: float,
    ) -> UUID | None:
        """Escalate an unanswered post; None when it was escalated before."""
        escalation = Escalation(
            post_id=post_id,
            group_id=group_id,
            group_private=group_private,
            raised_to=raised_to,
            waited_hours=waited_hours,
        )
        try:
            self.save(escalation)
        except IntegrityError:
            return None
        return escalation.id

    def resolve_escalation(self, escalation_id: UUID, reply_id: UUID | None) -> bool:
        try:
            escalation: Escalation = self.repository.get(escalation_id)
        except AggregateNotFoundError:
            return False
        if not escalation.resolve(reply_id):
            return False
        self.save(escalation)
        return True


def access_of(row: dict[str, Any]) -> Access:
    """The recipient's access now, from an entry row of `store._ENTRY`."""
    return Access(
        active=bool(row["recipient_active"]),
        group_private=bool(row["group_private_now"]),
        member=bool(row["recipient_member"]),
    )


def mailable(row: dict[str, Any]) -> bool:
    """Whether an e-mail (at once, later, or a digest line) about this entry may go now."""
    return may_email(Kind(row["kind"]), access_of(row), in_a_group=row["group_id"] is not None)


def entry_view(row: dict[str, Any]) -> dict[str, Any]:
    """An inbox entry as the API, the live stream and e-mails show it, as far as its recipient
    may see it now: once they may not, names, excerpt and links are withdrawn."""
    kind = Kind(row["kind"])
    if not may_see(access_of(row)):
        return {
            "id": row["id"],
            "kind": kind.value,
            "text": WITHDRAWN,
            "excerpt": None,
            "post_id": None,
            "group_id": None,
            "actor_count": 0,
            "actor_id": None,
            "unread": row["read_at"] is None,
            "handled": bool(row["handled"]),
            "created_at": row["created_at"],
            "updated_at": row["updated_at"],
        }
    hidden = bool(row["private_hidden"])
    return {
        "id": row["id"],
        "kind": kind.value,
        "text": summary(
            kind,
            list(row["actor_names"]),
            int(row["actor_count"]),
            post_kind=row["post_kind"],
            own_post=bool(row["own_post"]),
            group_name=None if hidden else row["group_name"],
            private_hidden=hidden,
            waited_hours=row["waited_hours"],
        ),
        "excerpt": None if hidden else row["excerpt"],
        "post_id": row["post_id"],
        "group_id": None if hidden else row["group_id"],
        "actor_count": row["actor_count"],
        "actor_id": row.get("latest_actor_id"),
        "unread": row["read_at"] is None,
        "handled": bool(row["handled"]),
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }
