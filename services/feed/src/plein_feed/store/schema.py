"""What every part of the store shares: its tables, its connection type, and the SQL for
which posts are live and in which order feeds list them."""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection

TABLES = (
    "people",
    "follows",
    "groups",
    "members",
    "posts",
    "post_mentions",
    "timeline_entries",
    "affinity",
    "readers",
    "acknowledgements",
    "deactivated",
    "topic_follows",
)

Conn = AsyncConnection[Any]

LIVE = "NOT p.hidden AND NOT p.deleted"
NEWEST_FIRST = "ORDER BY p.created_at DESC, p.post_id DESC"
