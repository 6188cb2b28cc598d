"""Identity's settings (PLEIN_* environment variables), with defaults that work under `make run`."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class IdentitySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PLEIN_", extra="ignore")

    allowed_email_domains: str = Field(
        default="example.com",
        description="comma-separated domains whose addresses may sign up without an invitation",
    )
    refresh_token_ttl_s: int = Field(default=30 * 24 * 3600, description="refresh token lifetime")
    invitation_ttl_s: int = Field(default=14 * 24 * 3600, description="sign-up invitation lifetime")
    login_free_attempts: int = Field(
        default=5,
        description="wrong passwords in a row for one account from one address before login "
        "slows for that pair",
    )
    login_free_attempts_per_address: int = Field(
        default=20,
        description="wrong passwords in a row from one address, whichever accounts they name, "
        "before login from it slows (stops password spraying); known devices are exempt",
    )
    known_device_ttl_s: int = Field(
        default=180 * 24 * 3600, description="how long a device token identifies a device"
    )
    login_free_attempts_per_account: int = Field(
        default=100,
        description="wrong passwords in a row for one account, from any address, before login "
        "to it slows everywhere (NIST SP 800-63B's upper bound)",
    )
    login_max_delay_s: float = Field(default=900.0, description="longest wait after failures")
    key_activation_delay_s: float = Field(
        default=15.0,
        description="a rotated-in signing key signs only after this long (longer than the "
        "services' JWKS refetch throttle), so no service meets its key id before knowing it",
    )
    directory_wait_s: float = Field(
        default=3.0, description="how long a write waits for the directory to show it"
    )

    oidc_issuer: str | None = Field(
        default=None, description="OpenID Connect provider (issuer URL); unset: no single sign-on"
    )
    oidc_client_id: str = "plein"
    oidc_client_secret: str = ""
    oidc_redirect_url: str | None = Field(
        default=None, description="default PUBLIC_URL/api/identity/oidc/callback"
    )

    @property
    def email_domains(self) -> list[str]:
        return [d.strip().lower() for d in self.allowed_email_domains.split(",") if d.strip()]
