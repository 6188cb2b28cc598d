"""Notify's settings (`PLEIN_NOTIFY_*`), with defaults that work under `make run`."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class NotifySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PLEIN_NOTIFY_", extra="ignore")

    announcement_email_delay_s: float = Field(
        default=2 * 3600,
        description="an announcement not seen in the app within this time is e-mailed then",
    )
    escalation_working_hours: float = Field(
        default=24, description="working hours (Mon-Fri) a group post may wait for a reply"
    )
    announcement_guideline_per_week: int = Field(
        default=2, description="more announcements than this in 7 days: the admins get a notice"
    )
    digest_hour_utc: int = Field(default=7, ge=0, le=23, description="when digests go out")
    scheduler_interval_s: float = Field(default=30.0, description="how often the scheduler runs")
    catch_up_before_sending_s: float = Field(
        default=10.0,
        description="how long a tick waits for notify to apply the stream's events before it "
        "sends e-mail (what it has not applied by then waits for the next tick)",
    )
    excerpt_chars: int = 280
    time_zone: str = Field(
        default="Europe/Amsterdam", description="the time zone e-mails give their moments in"
    )
    # Web Push (RFC 8292 VAPID): from a Kubernetes Secret in production; unset, a key pair is
    # made once per instance and kept in notify's schema.
    vapid_private_key: str | None = Field(
        default=None, description="VAPID private key: PEM, or base64url DER or raw"
    )
    vapid_public_key: str | None = Field(
        default=None, description="its public key (base64url), checked against the private one"
    )
    vapid_subject: str = Field(
        default="mailto:postmaster@plein.invalid",
        description="the contact push services see (a mailto: or https: URL)",
    )
    push_allow: str = Field(
        default="",
        description="comma-separated hosts whose push endpoints are accepted though they are "
        "not https or not public (tests, an intranet push service)",
    )
    push_poll_s: float = Field(
        default=5.0, description="how often the push worker looks without being woken"
    )
    push_timeout_s: float = Field(default=10.0, description="one push's time limit")
    push_email_fallback_s: float = Field(
        default=3600,
        ge=0,
        description="a push not opened within this time is followed by the e-mail (the second "
        "channel, never at once); 0: a pushed notification is never e-mailed",
    )

    @property
    def push_fallback(self) -> timedelta | None:
        seconds = self.push_email_fallback_s
        return timedelta(seconds=seconds) if seconds > 0 else None

    @property
    def push_allowed_hosts(self) -> set[str]:
        return {host.strip().lower() for host in self.push_allow.split(",") if host.strip()}

    announcement_budget_per_week: int = Field(
        default=2,
        ge=0,
        description="at most this many announcements a week interrupt a person (push or "
        "e-mail), across all senders; the rest go to the digest only",
    )
