"""The feed's projection: one handler per event type it reacts to."""

from __future__ import annotations

from typing import Any

from plein_events import Envelope, Followed, PostCreated, Unfollowed, UserRegistered
from plein_events.projection import Projection
from psycopg import AsyncConnection

from . import store
from .domain import BACKFILL_ON_FOLLOW


async def on_user_registered(
    conn: AsyncConnection[Any], event: UserRegistered, _: Envelope
) -> None:
    await store.upsert_person(conn, event.user_id, event.display_name, event.department)


async def on_followed(conn: AsyncConnection[Any], event: Followed, _: Envelope) -> None:
    await store.add_follow(conn, event.follower_id, event.followee_id, BACKFILL_ON_FOLLOW)


async def on_unfollowed(conn: AsyncConnection[Any], event: Unfollowed, _: Envelope) -> None:
    await store.remove_follow(conn, event.follower_id, event.followee_id)


async def on_post_created(
    conn: AsyncConnection[Any], event: PostCreated, envelope: Envelope
) -> None:
    if event.group_id is not None:
        return  # group timelines arrive with the feed issue; never fan a group post out blindly
    await store.add_profile_post(
        conn,
        post_id=event.post_id,
        author_id=event.author_id,
        kind=event.kind,
        text=event.text,
        created_at=envelope.occurred_at,
    )


TIMELINES = Projection(
    name="feed",
    handlers={
        UserRegistered: on_user_registered,
        Followed: on_followed,
        Unfollowed: on_unfollowed,
        PostCreated: on_post_created,
    },
    tables=store.TABLES,
)
