"""Deactivated and erased people, as seen by any service: refused at once on every request.

An access token lives for minutes; identity can deactivate or erase its person at any moment.
So every service keeps its own copy of who may no longer act (this projection, on identity's
UserDeactivated / UserReactivated / UserErased) and `current_principal` checks it on every
request, for the person and for the shared account they act as, the way delegations are.
"""

from __future__ import annotations

from typing import Any

from plein_events import Envelope, UserDeactivated, UserErased, UserReactivated
from plein_events.projection import Projection
from psycopg import AsyncConnection

from .auth import Principal
from .errors import NotAuthenticated

TABLE = "inactive_people"


def projection_name(service: str) -> str:
    return f"{service}-standing"


async def _deactivated(
    conn: AsyncConnection[Any], event: UserDeactivated, envelope: Envelope
) -> None:
    await conn.execute(
        "INSERT INTO inactive_people (user_id, since) VALUES (%s, %s) "
        "ON CONFLICT (user_id) DO NOTHING",
        (event.user_id, envelope.occurred_at),
    )


async def _reactivated(conn: AsyncConnection[Any], event: UserReactivated, _: Envelope) -> None:
    # erasure is for good: a reactivation after it changes nothing
    await conn.execute(
        "DELETE FROM inactive_people WHERE user_id = %s AND NOT erased", (event.user_id,)
    )


async def _erased(conn: AsyncConnection[Any], event: UserErased, envelope: Envelope) -> None:
    await conn.execute(
        "INSERT INTO inactive_people (user_id, erased, since) VALUES (%s, true, %s) "
        "ON CONFLICT (user_id) DO UPDATE SET erased = true",
        (event.user_id, envelope.occurred_at),
    )


def standing_projection(service: str) -> Projection:
    """The read model of who may no longer act, for `service` (its table is in every schema)."""
    return Projection(
        projection_name(service),
        {UserDeactivated: _deactivated, UserReactivated: _reactivated, UserErased: _erased},
        tables=(TABLE,),
    )


async def check_standing(conn: AsyncConnection[Any], principal: Principal) -> Principal:
    """`principal` unless the person, or the account they act as, was deactivated or erased."""
    cur = await conn.execute(
        "SELECT bool_or(erased) FROM inactive_people WHERE user_id = ANY(%s)",
        ([principal.user_id, principal.real_user_id],),
    )
    row = await cur.fetchone()
    if row is not None and row[0] is not None:
        erased = "erased" if row[0] else "deactivated"
        raise NotAuthenticated(f"This account has been {erased}.")
    return principal
