"""Posts' settings (`PLEIN_POSTS_*` environment variables)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class PostsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PLEIN_POSTS_", extra="ignore")

    announcements_hard_limit_per_week: int = Field(
        default=5,
        ge=1,
        description="announcements a group may get in 7 days; more are refused (from the 3rd "
        "on, the API warns)",
    )
    scheduled_articles_interval_s: float = Field(
        default=30.0,
        gt=0,
        description="how often scheduled articles nobody read yet are checked and published "
        "(a read publishes a due one at once)",
    )
