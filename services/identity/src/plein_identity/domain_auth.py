"""The sign-in rules: who may sign up, why an invitation cannot be used, how long wrong
passwords make someone wait. No I/O."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from plein_platform.errors import Forbidden

from .domain import normalise_email


def email_domain_allowed(email: str, allowed_domains: list[str]) -> bool:
    """Self-sign-up is for addresses of the organisation's own domains only."""
    domain = normalise_email(email).rpartition("@")[2]
    return domain in {d.strip().lower() for d in allowed_domains if d.strip()}


def invitation_refusal(invitation: dict[str, Any] | None, email: str, now: datetime) -> Forbidden:
    """Why a sign-up invitation cannot be used by `email` now, as the person should read it.
    An invitation for another address reads as unknown: it says nothing about whom it is for."""
    if invitation is None or invitation["email"] != email:
        return Forbidden(
            "This invitation is not valid for this address.", reason="invitation_invalid"
        )
    if invitation["used_at"] is not None:
        return Forbidden("This invitation was already used.", reason="invitation_used")
    expires_at: datetime = invitation["expires_at"]
    if expires_at <= now:
        return Forbidden(
            f"This invitation expired on {expires_at:%Y-%m-%d}; ask a network admin for a new one.",
            reason="invitation_expired",
            expired_at=expires_at.isoformat(),
        )
    return Forbidden("This invitation cannot be used now.", reason="invitation_invalid")


def login_delay(failures: int, *, free_attempts: int, max_delay_s: float) -> float:
    """Seconds a key (account or address) must wait after `failures` wrong passwords in a row.

    The first `free_attempts` cost nothing (typos happen); then the wait doubles each time,
    1 s, 2 s, 4 s ..., up to `max_delay_s`: guessing gets slow long before it gets anywhere.
    """
    if failures < free_attempts:
        return 0.0
    return float(min(2 ** (failures - free_attempts), max_delay_s))
