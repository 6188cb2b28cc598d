"""Metrics settings (`PLEIN_METRICS_*`): privacy threshold, targets, weights."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from .inputs import Config, Targets, Weights


class MetricsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PLEIN_METRICS_", extra="ignore")

    k: int = Field(default=5, ge=1, description="no breakdown cell of fewer than k people")
    target_read: float = Field(default=0.55, ge=0, le=1)
    target_respond: float = Field(default=0.40, ge=0, le=1)
    target_create: float = Field(default=0.05, ge=0, le=1)
    weight_create: int = 3
    weight_reply: int = 2
    weight_reaction: int = 1
    weight_accepted_answer: int = 5
    ambassadors: int = Field(default=10, ge=1, le=1000)
    announcements_per_week: float = 2.0
    engaged_days: int = Field(default=10, ge=1, le=28, description="of the last 28 days")
    viewer_roles: frozenset[str] = frozenset({"network_admin", "community_manager"})

    def config(self) -> Config:
        return Config(
            k=self.k,
            targets=Targets(self.target_read, self.target_respond, self.target_create),
            weights=Weights(
                self.weight_create,
                self.weight_reply,
                self.weight_reaction,
                self.weight_accepted_answer,
            ),
            ambassadors=self.ambassadors,
            announcements_per_week=self.announcements_per_week,
            engaged_days=self.engaged_days,
        )
