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


def throttle_keys(
    email: str,
    address: str,
    *,
    known_device: str | None,
    free_per_pair: int,
    free_per_address: int,
    free_per_account: int,
) -> dict[str, int]:
    """The counters a sign-in attempt is limited by, each with its free wrong passwords.

    OWASP's authentication guidance, with its device cookies: from a device the account signed
    in from before (`known_device`, the hash of its token), only the wrong passwords sent from
    that device count, so nobody elsewhere can lock its owner out. Anyone else is limited per
    address and account (guessing one account), per address (spraying many accounts from one
    place) and, much later, per account (guessing spread over many addresses).
    """
    if known_device is not None:
        return {f"device:{known_device}": free_per_pair}
    return {
        f"account:{email}|address:{address}": free_per_pair,
        f"address:{address}": free_per_address,
        f"account:{email}": free_per_account,
    }


def wait_message(seconds: int) -> str:
    """What a throttled sign-in says about how long to wait."""
    if seconds < 120:
        unit = "second" if seconds == 1 else "seconds"
        return f"Too many wrong passwords: try again in {seconds} {unit}."
    return f"Too many wrong passwords: try again in {(seconds + 59) // 60} minutes."
