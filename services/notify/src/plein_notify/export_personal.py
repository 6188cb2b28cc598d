"""Notify's part of a person's export: their notifications, settings, e-mails, digests and
push devices.

Each notification is shown exactly as the person's inbox shows it today (`entry_view`): one
about a post they may no longer see keeps its kind and time but loses its names, excerpt and
links, so the export never carries words they could not read in Plein itself.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from plein_platform.auth import Principal
from plein_platform.personal_export import export_routes
from plein_platform.service import service_of
from psycopg.rows import dict_row

from . import store
from .app import Notifier, entry_view
from .domain import Cursor

PAGE = 500

DESCRIBE = """notify.json `data`:
- notifications: your inbox entries (id, kind, text, excerpt, post_id, group_id, actor_count,
  unread, handled, created_at, updated_at). An entry about something you may no longer see is
  withdrawn: its text says so and excerpt, post_id and group_id are empty.
- settings: channels (per kind: inbox, email, ...) and digest frequency.
- emails: e-mails queued or sent to you (notification_id, kind, post_id, due_at, sent_at,
  cancelled).
- last_digest_sent_at: when your latest digest e-mail went out (null: none yet).
- push: your devices with push on (id, name, created_at, last_used_at) and whether pushes may
  show a private group's text (private_previews)."""


async def _notifications(conn: Any, person_id: UUID) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    after: Cursor | None = None
    while True:
        rows = await store.inbox_page(conn, person_id, after, PAGE, unread_only=False)
        entries.extend(entry_view(row) for row in rows)
        if len(rows) < PAGE:
            return entries
        after = Cursor(rows[-1]["updated_at"], rows[-1]["id"])


async def collect(request: Request, person_id: UUID) -> dict[str, Any]:
    notifier: Notifier = service_of(request).notifier  # type: ignore[attr-defined]
    preferences = await notifier.preferences(person_id)
    async with service_of(request).ctx.pool.connection() as conn:
        notifications = await _notifications(conn, person_id)
        links = {entry["id"]: entry["post_id"] for entry in notifications}
        cur = conn.cursor(row_factory=dict_row)
        await cur.execute(
            "SELECT notification_id, kind, post_id, due_at, sent_at, cancelled FROM email_queue "
            "WHERE recipient_id = %s ORDER BY due_at, id",
            (person_id,),
        )
        # an e-mail links its post only while its notification may still show it
        emails = [
            {**row, "post_id": links.get(row["notification_id"])} for row in await cur.fetchall()
        ]
        digest = await conn.execute(
            "SELECT last_sent_at FROM digests_sent WHERE user_id = %s", (person_id,)
        )
        sent = await digest.fetchone()
        devices = await store.devices(conn, person_id)
        previews = await store.private_previews(conn, person_id)
        return {
            "notifications": notifications,
            "settings": {
                "channels": {k.value: c.value for k, c in preferences.channels.items()},
                "digest": preferences.digest.value,
            },
            "emails": emails,
            "last_digest_sent_at": sent[0] if sent else None,
            "push": {"devices": devices, "private_previews": previews},
        }


async def is_admin(request: Request, caller: Principal) -> bool:
    async with service_of(request).ctx.pool.connection() as conn:
        return caller.real_user_id in await store.holders_of(conn, "network_admin")


def routes() -> APIRouter:
    return export_routes(collect, is_admin, describe=DESCRIBE)
