"""SQL for the link-card tables (migrations/0002_link_cards.sql); visibility is the files
service's own rule for places (plein_files.store.PLACE_VISIBLE)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from plein_platform.database import dict_rows
from psycopg import AsyncConnection

from ..store import PLACE_VISIBLE

Conn = AsyncConnection[Any]

PLACE_TABLES = ("link_places",)

# -- the projection: the first link of each post and reply ---------------------------------------


async def link_place(conn: Conn, place_id: UUID, url: str, at: datetime, refetch_s: float) -> None:
    """`place_id` links to `url`; its card is queued unless one was fetched lately."""
    await conn.execute(
        "INSERT INTO link_places (place_id, url) VALUES (%s, %s) "
        "ON CONFLICT (place_id) DO UPDATE SET url = EXCLUDED.url",
        (place_id, url),
    )
    await conn.execute(
        "INSERT INTO link_cards (url, queued_at) VALUES (%(url)s, %(at)s) "
        "ON CONFLICT (url) DO UPDATE SET due = true, queued_at = EXCLUDED.queued_at "
        "WHERE NOT link_cards.due AND link_cards.fetched_at "
        "< %(at)s - make_interval(secs => %(refetch)s)",
        {"url": url, "at": at, "refetch": refetch_s},
    )


async def unlink_place(conn: Conn, place_id: UUID) -> None:
    await conn.execute("DELETE FROM link_places WHERE place_id = %s", (place_id,))


async def unlink_author(conn: Conn, author_id: UUID) -> None:
    """Forget which links an erased person wrote, and the cards they removed."""
    await conn.execute(
        "DELETE FROM link_places lp USING places p "
        "WHERE p.place_id = lp.place_id AND p.author_id = %s",
        (author_id,),
    )
    await conn.execute("DELETE FROM link_card_removals WHERE removed_by = %s", (author_id,))


# -- the worker -----------------------------------------------------------------------------------


async def next_due(conn: Conn) -> dict[str, Any] | None:
    """A card to fetch, locked for this transaction (other replicas take others)."""
    rows = await dict_rows(
        conn,
        "SELECT url, image_key FROM link_cards WHERE due ORDER BY queued_at "
        "FOR UPDATE SKIP LOCKED LIMIT 1",
    )
    return rows[0] if rows else None


async def record(conn: Conn, url: str, at: datetime, **card: Any) -> None:
    """The outcome of fetching `url`: status, reason and (when ready) the card's fields."""
    values = {
        "status": "failed",
        "reason": "",
        "title": "",
        "description": "",
        "site_name": "",
        "image_key": None,
        "image_width": None,
        "image_height": None,
        **card,
    }
    await conn.execute(
        "UPDATE link_cards SET due = false, fetched_at = %(at)s, status = %(status)s, "
        "reason = %(reason)s, title = %(title)s, description = %(description)s, "
        "site_name = %(site_name)s, image_key = %(image_key)s, image_width = %(image_width)s, "
        "image_height = %(image_height)s WHERE url = %(url)s",
        {**values, "url": url, "at": at},
    )


async def doom(conn: Conn, key: str) -> None:
    await conn.execute(
        "INSERT INTO doomed_objects (storage_key) VALUES (%s) ON CONFLICT DO NOTHING", (key,)
    )


async def card_status(conn: Conn, url: str) -> str | None:
    cur = await conn.execute("SELECT status FROM link_cards WHERE url = %s", (url,))
    row = await cur.fetchone()
    return str(row[0]) if row else None


# -- reads ----------------------------------------------------------------------------------------

_CARDS = (
    "SELECT lp.place_id, c.url, c.title, c.description, c.site_name, c.image_key, "
    "c.image_width, c.image_height, c.fetched_at, p.author_id = %(who)s AS removable "
    "FROM link_places lp JOIN link_cards c ON c.url = lp.url AND c.status = 'ready' "
    "JOIN places p ON p.place_id = lp.place_id "
    "WHERE NOT EXISTS (SELECT 1 FROM link_card_removals r "
    "WHERE r.place_id = lp.place_id AND r.url = lp.url) "
    f"AND {PLACE_VISIBLE}"
)


async def visible_cards(
    conn: Conn, place_ids: list[UUID], who: dict[str, Any]
) -> list[dict[str, Any]]:
    """The ready, not removed cards of those of `place_ids` that `who` may see."""
    return await dict_rows(
        conn, _CARDS + " AND lp.place_id = ANY(%(ids)s)", {**who, "ids": place_ids}
    )


async def remove(conn: Conn, place_id: UUID, url: str, by: UUID, at: datetime) -> None:
    await conn.execute(
        "INSERT INTO link_card_removals (place_id, url, removed_by, removed_at) "
        "VALUES (%s, %s, %s, %s) ON CONFLICT (place_id) DO UPDATE SET url = EXCLUDED.url, "
        "removed_by = EXCLUDED.removed_by, removed_at = EXCLUDED.removed_at",
        (place_id, url, by, at),
    )
