"""Shared accounts: which people may act as which account, as seen by any service.

An access token of someone acting as a shared account (`sub` = the account, `act.sub` = the
real person) lives for minutes; a delegation can be revoked at any moment. So every service
that accepts such tokens keeps its own copy of the delegations (this projection, on identity's
DelegateGranted / DelegateRevoked) and checks it on every request (`current_principal` does so
for a service that lists `delegations_projection(name)` among its projections; a service that
does not is refused such tokens altogether).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from plein_events import DelegateGranted, DelegateRevoked, Envelope
from plein_events.projection import Projection
from psycopg import AsyncConnection

from .auth import Principal
from .errors import Forbidden

TABLE = "delegations"


def projection_name(service: str) -> str:
    return f"{service}-delegations"


async def _granted(conn: AsyncConnection[Any], event: DelegateGranted, envelope: Envelope) -> None:
    await conn.execute(
        "INSERT INTO delegations (account_id, user_id, granted_at) VALUES (%s, %s, %s) "
        "ON CONFLICT (account_id, user_id) DO NOTHING",
        (event.account_id, event.user_id, envelope.occurred_at),
    )


async def _revoked(conn: AsyncConnection[Any], event: DelegateRevoked, _: Envelope) -> None:
    await conn.execute(
        "DELETE FROM delegations WHERE account_id = %s AND user_id = %s",
        (event.account_id, event.user_id),
    )


def delegations_projection(service: str) -> Projection:
    """The delegations read model for `service` (its table is in every service's schema)."""
    return Projection(
        projection_name(service),
        {DelegateGranted: _granted, DelegateRevoked: _revoked},
        tables=(TABLE,),
    )


async def may_act_as(conn: AsyncConnection[Any], account_id: UUID, user_id: UUID) -> bool:
    cur = await conn.execute(
        "SELECT 1 FROM delegations WHERE account_id = %s AND user_id = %s", (account_id, user_id)
    )
    return await cur.fetchone() is not None


async def accounts_of(conn: AsyncConnection[Any], user_id: UUID) -> list[dict[str, Any]]:
    """The shared accounts `user_id` may act as: [{account_id, granted_at}]."""
    cur = await conn.execute(
        "SELECT account_id, granted_at FROM delegations WHERE user_id = %s ORDER BY account_id",
        (user_id,),
    )
    return [{"account_id": row[0], "granted_at": row[1]} for row in await cur.fetchall()]


async def check_delegation(conn: AsyncConnection[Any] | None, principal: Principal) -> Principal:
    """`principal` if it acts only for itself or as an account it is (still) a delegate of.

    `conn` None means the service keeps no delegations: it refuses acting-as tokens.
    """
    if principal.user_id == principal.real_user_id:
        return principal
    if conn is None or not await may_act_as(conn, principal.user_id, principal.real_user_id):
        raise Forbidden("You may no longer act as this shared account.")
    return principal
