"""Metrics' part of a person's export: the rows of its read model keyed to them.

Not the Parquet export for analysts (export.py): this is one person's own data. Metrics keeps
no texts, only ids and times; the numbers it shows (KPIs) are aggregates computed on request
from these rows and are not stored per person.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from plein_platform.auth import Principal
from plein_platform.personal_export import export_routes
from plein_platform.service import service_of
from psycopg import sql
from psycopg.rows import dict_row

from . import store

# The tables with a row per person or per person's activity, and their order.
PERSON_TABLES: dict[str, str] = {
    "people": "user_id",
    "person_history": "at",
    "person_status": "at",
    "memberships": "group_id",
    "membership_history": "at",
    "roles": "role",
    "activity": "at",
    "acknowledgements": "at",
}

DESCRIBE = """metrics.json `data`: the rows metrics keeps keyed to you (ids and times, no texts):
- people: department, is_manager, registered_at (and display_name, shown to metrics viewers).
- person_history / person_status: your department, manager flag and activation over time.
- memberships / membership_history: your groups and admin rights, and when they changed.
- roles: your network roles (held true or false).
- activity: one row per post read, reply, first reaction or thread start (at, kind, action,
  post_id, item_id, parent_id, target_user_id, group_id, private).
- acknowledgements: the announcements you acknowledged (post_id, at).
Everything else metrics shows (KPIs, dashboards) is aggregated on request, not kept per person."""


async def collect(request: Request, person_id: UUID) -> dict[str, Any]:
    data: dict[str, Any] = {}
    async with service_of(request).ctx.pool.connection() as conn:
        cur = conn.cursor(row_factory=dict_row)
        for table, order in PERSON_TABLES.items():
            await cur.execute(
                sql.SQL("SELECT * FROM {} WHERE user_id = %s ORDER BY {}").format(
                    sql.Identifier(table), sql.Identifier(order)
                ),
                (str(person_id),),
            )
            data[table] = await cur.fetchall()
    return data


async def is_admin(request: Request, caller: Principal) -> bool:
    roles = await store.roles_of(service_of(request).ctx.pool, str(caller.real_user_id))
    return "network_admin" in roles


def routes() -> APIRouter:
    return export_routes(collect, is_admin, describe=DESCRIBE)
