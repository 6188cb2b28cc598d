"""Feed's part of a person's export: what they saw and acknowledged, and what the feed keeps
to rank their home timeline. Only ids: the feed's copies of posts are other services' data
(and other people's words), which the posts part answers for."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from fastapi import APIRouter, Request
from plein_platform.database import dict_rows
from plein_platform.personal_export import admin_by_token, export_routes
from plein_platform.service import service_of

from .domain import Reader

DESCRIBE = """feed.json `data`:
- seen: each report of posts that were on your screen (post_ids, seen_at), oldest first.
- last_seen_at: when you last looked at your feed.
- acknowledgements: the announcements you acknowledged (post ids).
- following / topics / groups: the people and #topics you follow and the groups you are in, as
  the feed knows them (identity holds the truth).
- affinity: how often you interacted with a person or group (target_id, interactions), used to
  rank your home feed.
- home_timeline: the posts in your home timeline (post_id, created_at), ids only."""


def _reading_history(application: Any, person_id: UUID) -> dict[str, Any]:
    """The reader's recorded events: every seen report, and the acknowledgements."""
    seen: list[dict[str, Any]] = []
    acknowledged: list[UUID] = []
    try:
        events = list(application.events.get(Reader.create_id(person_id)))
    except AggregateNotFoundError:
        events = []
    for event in events:
        if hasattr(event, "seen_at") and hasattr(event, "post_ids"):
            seen.append({"post_ids": list(event.post_ids), "seen_at": event.seen_at})
        elif type(event).__name__ == "AnnouncementAcknowledged":
            acknowledged.append(event.post_id)
    return {"seen": seen, "acknowledgements": acknowledged}


async def collect(request: Request, person_id: UUID) -> dict[str, Any]:
    service: Any = service_of(request)
    history = await asyncio.to_thread(_reading_history, service.application, person_id)
    async with service.ctx.pool.connection() as conn:
        last = await dict_rows(
            conn, "SELECT last_seen_at FROM readers WHERE user_id = %s", (person_id,)
        )
        following = await dict_rows(
            conn, "SELECT followee_id FROM follows WHERE follower_id = %s ORDER BY 1", (person_id,)
        )
        topics = await dict_rows(
            conn, "SELECT topic FROM topic_follows WHERE follower_id = %s ORDER BY 1", (person_id,)
        )
        groups = await dict_rows(
            conn, "SELECT group_id FROM members WHERE user_id = %s ORDER BY 1", (person_id,)
        )
        affinity = await dict_rows(
            conn,
            "SELECT target_id, interactions FROM affinity WHERE person_id = %s ORDER BY 1",
            (person_id,),
        )
        timeline = await dict_rows(
            conn,
            "SELECT post_id, created_at FROM timeline_entries WHERE owner_id = %s "
            "ORDER BY created_at DESC, post_id DESC",
            (person_id,),
        )
    return {
        **history,
        "last_seen_at": last[0]["last_seen_at"] if last else None,
        "following": [row["followee_id"] for row in following],
        "topics": [row["topic"] for row in topics],
        "groups": [row["group_id"] for row in groups],
        "affinity": affinity,
        "home_timeline": timeline,
    }


def routes() -> APIRouter:
    # The feed keeps no roles read model: a network admin is known by the token's roles claim.
    return export_routes(collect, admin_by_token, describe=DESCRIBE)
