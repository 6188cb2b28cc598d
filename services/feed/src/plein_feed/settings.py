"""The feed's settings (`PLEIN_FEED_*`): ranking weights, fan-out and timeline limits."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class FeedSettings(BaseSettings):
    """Defaults tuned for a company of a few thousand people; every one can be overridden."""

    model_config = SettingsConfigDict(env_prefix="PLEIN_FEED_", extra="ignore")

    # Fan-out: audiences above this size (group members, followers) are merged at read time.
    fanout_threshold: int = Field(default=100, ge=1)
    timeline_max_entries: int = Field(default=800, ge=10)
    # Timelines longer than the maximum by more than the slack are cut back every interval,
    # apart from the projection (see trimming.py).
    trim_interval_s: float = Field(default=300.0, gt=0)
    trim_slack_entries: int = Field(default=100, ge=0)
    backfill_on_follow: int = Field(default=20, ge=0)
    # Seen reports for posts not received yet wait for them (see settling.py): how often the
    # settled ones are recorded, and how long one whose post never comes is kept.
    pending_reads_interval_s: float = Field(default=1.0, gt=0)
    pending_reads_kept_days: float = Field(default=7.0, gt=0)
    backfill_on_join: int = Field(default=50, ge=0)

    # Never let the important sink: posts without a reply after `raise_after_hours` are raised
    # in their group members' feeds until `raise_within_days` have passed.
    raise_after_hours: float = Field(default=24.0, ge=0)
    raise_within_days: float = Field(default=7.0, gt=0)
    raise_max: int = Field(default=3, ge=0)
    pinned_max: int = Field(default=10, ge=1)

    # Relevant order: recency decay times (1 + the weighted parts below).
    relevant_window: int = Field(default=200, ge=10, description="latest entries ranked")
    half_life_hours: float = Field(default=24.0, gt=0)
    weight_follow: float = 1.0
    weight_author_interactions: float = 0.5
    weight_group: float = 0.5
    weight_group_interactions: float = 0.3
    weight_activity: float = 0.3
    boost_unanswered_question: float = 1.5
    boost_manager: float = 1.0
    boost_mention: float = 2.0
