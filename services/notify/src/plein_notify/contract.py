"""Which of notify's domain events leave the service, and as which contract event."""

from __future__ import annotations

from typing import Any

from plein_events import Event
from plein_events.notify import EscalationRaised, EscalationResolved

from .domain import Escalation


def to_contract(domain_event: Any) -> Event | None:
    match domain_event:
        case Escalation.Raised():
            return EscalationRaised(
                escalation_id=domain_event.originator_id,
                post_id=domain_event.post_id,
                group_id=domain_event.group_id,
                group_private=domain_event.group_private,
                raised_to=domain_event.raised_to,
                waited_hours=domain_event.waited_hours,
            )
        case Escalation.Resolved():
            return EscalationResolved(
                escalation_id=domain_event.originator_id,
                post_id=domain_event.post_id,
                reply_id=domain_event.reply_id,
            )
    return None
