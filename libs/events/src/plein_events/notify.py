"""Events produced by the notify service: escalations of what was left unanswered."""

from __future__ import annotations

from uuid import UUID

from .contract import Event, event_type


@event_type("notify")
class EscalationRaised(Event):
    """A question or post got no reply in time; raised to group admins and a community manager
    (the named backup when the manager is away)."""

    escalation_id: UUID
    post_id: UUID
    group_id: UUID | None = None
    group_private: bool = False
    raised_to: list[UUID]
    waited_hours: float


@event_type("notify")
class EscalationResolved(Event):
    """The escalated post got its first reply."""

    escalation_id: UUID
    post_id: UUID
    reply_id: UUID | None = None
