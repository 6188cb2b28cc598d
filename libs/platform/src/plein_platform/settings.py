"""Plein's settings, read from `PLEIN_*` environment variables (pydantic-settings)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Defaults work under `make run`: embedded servers, everything on http://127.0.0.1:8000."""

    model_config = SettingsConfigDict(env_prefix="PLEIN_", extra="ignore")

    database_url: str | None = Field(
        default=None, description="PostgreSQL URL; unset: start an embedded PostgreSQL"
    )
    nats_url: str | None = Field(
        default=None,
        description="NATS URL, or several comma-separated (a cluster's nodes); unset: start "
        "an embedded NATS",
    )
    data_dir: Path = Field(default=Path(".plein"), description="where embedded servers keep data")
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str | None = Field(
        default=None, description="how clients reach Plein; default http://HOST:PORT"
    )
    jwks_url: str | None = Field(
        default=None,
        description="identity's JWKS; default PUBLIC_URL/api/identity/.well-known/jwks.json",
    )
    token_issuer: str = "plein"
    token_audience: str = "plein"
    access_token_ttl_s: int = 900
    unknown_person_wait_s: float = Field(
        default=3.0,
        description="how long a request with the token of a person this service has not heard "
        "of waits for their registration to arrive (a newcomer's first request)",
    )

    max_body_bytes: int = Field(default=256 * 1024, description="larger request bodies get 413")
    trusted_proxies: str = Field(
        default="",
        description="comma-separated addresses or networks (CIDR) of the proxies in front of "
        "Plein (the ingress); only their X-Forwarded-For/-Proto are believed. Unset: none",
    )
    frame_ancestors: str = Field(
        default="",
        description="comma-separated origins that may embed Plein in a frame; unset: only "
        "Plein itself",
    )

    relay_batch_size: int = 500
    relay_poll_interval_s: float = 1.0
    consumer_batch_size: int = 500
    consumer_max_failures: int = 3
    consumer_ack_wait_s: float = 30.0
    stream_duplicate_window_s: float = 600.0
    stream_replicas: int = Field(
        default=1, description="JetStream replicas of Plein's streams (3 on a 3-node cluster)"
    )

    smtp_host: str | None = Field(
        default=None, description="SMTP server; unset: `plein run` starts a development catcher"
    )
    smtp_port: int = 25
    smtp_tls: str = Field(default="none", description="none, starttls or tls")
    smtp_username: str | None = None
    smtp_password: str | None = None
    mail_from: str = Field(default="Plein <plein@localhost>", description="sender of e-mails")

    seed_demo: bool = Field(default=True, description="seed a demo organisation on first start")
    log_format: str = Field(default="console", description="console or json")
    log_level: str = "INFO"
    otel_exporter: str = Field(default="none", description="none, console or otlp")
    otel_endpoint: str | None = None

    @property
    def trusted_proxy_list(self) -> list[str]:
        return [p.strip() for p in self.trusted_proxies.split(",") if p.strip()]

    @property
    def frame_ancestor_list(self) -> list[str]:
        return [o.strip() for o in self.frame_ancestors.split(",") if o.strip()]

    @property
    def base_url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"

    @property
    def resolved_jwks_url(self) -> str:
        return self.jwks_url or f"{self.base_url}/api/identity/.well-known/jwks.json"
