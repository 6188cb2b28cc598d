"""SQL of calendar events: the `posts_calendar` read model (the upcoming list, each person's
feed) and the personal feed tokens.

Privacy: every list filters by `store.visible`, the one SQL form of the visibility rule in
posts, so a private group's event never reaches a non-member's list or feed.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from plein_events import REMOVED_TEXT, Envelope
from plein_events.gatherings import GatheringAnswered, GatheringCancelled, GatheringScheduled
from plein_events.identity import UserErased
from plein_events.projection import Projection
from psycopg import AsyncConnection
from psycopg.rows import dict_row

from .store import visible

Conn = AsyncConnection[Any]
TABLES = ("gatherings", "gathering_answers")
# How long an event stays in a subscribed feed after it ended.
FEED_KEEPS_ENDED = timedelta(days=90)
# `e`, not `g`: store.visible's own subquery names the groups table `g`.
_COLUMNS = (
    "e.gathering_id AS id, e.organiser_id, e.group_id, e.title, e.description, e.place, "
    "e.online_url, e.starts_at, e.ends_at, e.timezone, e.cancelled, e.sequence, e.changed_at, "
    "coalesce(p.display_name, '') AS organiser_name"
)

# -- the read model --------------------------------------------------------------------------


async def on_scheduled(conn: Conn, event: GatheringScheduled, envelope: Envelope) -> None:
    await conn.execute(
        "INSERT INTO gatherings (gathering_id, organiser_id, group_id, title, description, "
        "place, online_url, starts_at, ends_at, timezone, changed_at) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
        (
            event.gathering_id,
            event.organiser_id,
            event.group_id,
            event.title,
            event.description,
            event.place,
            event.online_url,
            event.starts_at,
            event.ends_at,
            event.timezone,
            envelope.occurred_at,
        ),
    )


async def on_cancelled(conn: Conn, event: GatheringCancelled, envelope: Envelope) -> None:
    await conn.execute(
        "UPDATE gatherings SET cancelled = true, sequence = sequence + 1, changed_at = %s "
        "WHERE gathering_id = %s AND NOT cancelled",
        (envelope.occurred_at, event.gathering_id),
    )


async def on_answered(conn: Conn, event: GatheringAnswered, _: Envelope) -> None:
    await conn.execute(
        "INSERT INTO gathering_answers (gathering_id, user_id, answer) VALUES (%s, %s, %s) "
        "ON CONFLICT (gathering_id, user_id) DO UPDATE SET answer = EXCLUDED.answer",
        (event.gathering_id, event.user_id, event.answer),
    )


async def on_user_erased(conn: Conn, event: UserErased, _: Envelope) -> None:
    """An erased person answers nothing and subscribes to nothing any more; the words of
    the events they organised go when they chose so (a replay brings them as REMOVED_TEXT)."""
    await conn.execute("DELETE FROM gathering_answers WHERE user_id = %s", (event.user_id,))
    await conn.execute("DELETE FROM calendar_feed_tokens WHERE user_id = %s", (event.user_id,))
    if event.authored == "removed":
        await conn.execute(
            "UPDATE gatherings SET title = %s, description = '' WHERE organiser_id = %s",
            (REMOVED_TEXT, event.user_id),
        )


CALENDAR = Projection(
    name="posts_calendar",
    handlers={
        GatheringScheduled: on_scheduled,
        GatheringCancelled: on_cancelled,
        GatheringAnswered: on_answered,
        UserErased: on_user_erased,
    },
    tables=TABLES,
)

# -- reads -----------------------------------------------------------------------------------


async def upcoming(
    conn: Conn,
    viewer: UUID,
    now: datetime,
    *,
    after: tuple[datetime, UUID] | None,
    limit: int,
    group_id: UUID | None = None,
) -> list[dict[str, Any]]:
    """Events not over yet that `viewer` may see, soonest first, with `viewer`'s answer."""
    where = ["e.ends_at > %(now)s", visible("e")]
    params: dict[str, Any] = {"viewer": viewer, "now": now, "limit": limit}
    if group_id is not None:
        where.append("e.group_id = %(group)s")
        params["group"] = group_id
    if after is not None:
        where.append("(e.starts_at, e.gathering_id) > (%(at)s, %(id)s)")
        params["at"], params["id"] = after
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            f"SELECT {_COLUMNS}, mine.answer AS my_answer, "
            "(SELECT count(*) FROM gathering_answers y WHERE y.gathering_id = e.gathering_id "
            "AND y.answer = 'yes') AS coming "
            "FROM gatherings e LEFT JOIN people p ON p.user_id = e.organiser_id "
            "LEFT JOIN gathering_answers mine ON mine.gathering_id = e.gathering_id "
            "AND mine.user_id = %(viewer)s "
            f"WHERE {' AND '.join(where)} ORDER BY e.starts_at, e.gathering_id LIMIT %(limit)s",
            params,
        )
        return await cur.fetchall()


async def feed(conn: Conn, viewer: UUID, now: datetime) -> list[dict[str, Any]]:
    """The events of `viewer`'s calendar feed: those they may see and said yes or maybe to, or
    organise, from 90 days back on (cancelled ones too: calendars then strike them out)."""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            f"SELECT {_COLUMNS} FROM gatherings e "
            "LEFT JOIN people p ON p.user_id = e.organiser_id "
            "WHERE e.ends_at > %(since)s AND "
            "(e.organiser_id = %(viewer)s OR EXISTS (SELECT 1 FROM gathering_answers mine "
            "WHERE mine.gathering_id = e.gathering_id AND mine.user_id = %(viewer)s "
            "AND mine.answer IN ('yes', 'maybe'))) "
            f"AND {visible('e')} ORDER BY e.starts_at LIMIT 1000",
            {"viewer": viewer, "since": now - FEED_KEEPS_ENDED},
        )
        return await cur.fetchall()


async def names(conn: Conn, people: list[UUID]) -> dict[UUID, str]:
    cur = await conn.execute(
        "SELECT user_id, display_name FROM people WHERE user_id = ANY(%s)", (people,)
    )
    return {row[0]: row[1] for row in await cur.fetchall()}


# -- feed tokens -----------------------------------------------------------------------------


def token_hash(token: str) -> bytes:
    # A token is 32 random bytes: a plain SHA-256 is enough, no slow password hash needed.
    return hashlib.sha256(token.encode()).digest()


async def replace_feed_token(conn: Conn, user_id: UUID, token: str, now: datetime) -> None:
    await conn.execute(
        "INSERT INTO calendar_feed_tokens (user_id, token_hash, created_at) VALUES (%s, %s, %s) "
        "ON CONFLICT (user_id) DO UPDATE SET token_hash = EXCLUDED.token_hash, "
        "created_at = EXCLUDED.created_at",
        (user_id, token_hash(token), now),
    )


async def revoke_feed_token(conn: Conn, user_id: UUID) -> bool:
    cur = await conn.execute("DELETE FROM calendar_feed_tokens WHERE user_id = %s", (user_id,))
    return cur.rowcount > 0


async def feed_token_created(conn: Conn, user_id: UUID) -> datetime | None:
    cur = await conn.execute(
        "SELECT created_at FROM calendar_feed_tokens WHERE user_id = %s", (user_id,)
    )
    row = await cur.fetchone()
    return row[0] if row else None


async def feed_owner(conn: Conn, token: str) -> UUID | None:
    """Whose feed `token` opens (None: no such token, or revoked); an erased or deactivated
    person's feed opens nothing."""
    cur = await conn.execute(
        # inactive_people: the platform's standing read model (deactivated or erased people).
        "SELECT t.user_id FROM calendar_feed_tokens t WHERE t.token_hash = %s "
        "AND NOT EXISTS (SELECT 1 FROM inactive_people i WHERE i.user_id = t.user_id)",
        (token_hash(token),),
    )
    row = await cur.fetchone()
    return row[0] if row else None


# -- a person's export -----------------------------------------------------------------------


async def personal(conn: Conn, person_id: UUID) -> dict[str, list[dict[str, Any]]]:
    """A person's part of their export: the events they organise (their words) and their own
    answers (the event by id only: its title is someone else's words)."""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            "SELECT gathering_id AS event_id, group_id, title, description, place, online_url, "
            "starts_at, ends_at, timezone, cancelled FROM gatherings WHERE organiser_id = %s "
            "ORDER BY starts_at",
            (person_id,),
        )
        organised = await cur.fetchall()
        await cur.execute(
            "SELECT gathering_id AS event_id, answer FROM gathering_answers WHERE user_id = %s "
            "ORDER BY gathering_id",
            (person_id,),
        )
        answers = await cur.fetchall()
    return {"events_organised": organised, "event_answers": answers}
