"""The web client's settings (`PLEIN_WEB_*`), with defaults that work under `make run`."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

# services/web/node_modules, where `make setup` installs the front-end packages from the lock.
_DEFAULT_ASSETS = Path(__file__).resolve().parents[2] / "node_modules"


class WebSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PLEIN_WEB_", extra="ignore")

    api_url: str | None = Field(
        default=None, description="where the public APIs answer; default PUBLIC_URL/api"
    )
    session_ttl_s: int = Field(
        default=30 * 24 * 3600,
        description="how long a sign-in lasts (identity's refresh-token lifetime)",
    )
    token_key: SecretStr | None = Field(
        default=None,
        description="Fernet key(s), comma-separated, the first sealing, that seal the tokens "
        "sessions keep (`python -c 'from cryptography.fernet import Fernet; "
        "print(Fernet.generate_key().decode())'`); none: a key per process, sign-ins end "
        "when the web client restarts",
    )
    oidc_provider: str | None = Field(
        default=None,
        validation_alias="PLEIN_OIDC_PROVIDER_NAME",
        description="the organisation's identity provider as the sign-in page names it "
        '("Sign in with <name>"); set with identity\'s PLEIN_OIDC_ISSUER; none: no button',
    )
    anonymous_session_ttl_s: int = Field(default=3600, description="a visitor not signed in")
    refresh_margin_s: int = Field(default=60, description="refresh tokens this close to expiry")
    node_modules: Path = Field(
        default=_DEFAULT_ASSETS, description="front-end packages installed from package-lock.json"
    )
    time_zone: str = "Europe/Amsterdam"
    page_size: int = Field(default=20, ge=1, le=100)
    embed_allowed_origins: str = Field(
        default="",
        validation_alias="PLEIN_EMBED_ALLOWED_ORIGINS",
        description="origins (comma-separated, e.g. https://intranet.example.com) whose pages "
        "may embed Plein's conversations; none: the embed is off",
    )
