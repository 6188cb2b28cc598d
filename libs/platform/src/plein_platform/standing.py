"""Who exists and who may still act, as seen by any service: checked on every request.

An access token lives for minutes; identity can deactivate or erase its person at any moment.
So every service keeps its own copy of who may no longer act (this projection, on identity's
UserDeactivated / UserReactivated / UserErased) and `current_principal` checks it on every
request, for the person and for the shared account they act as, the way delegations are.

The same projection keeps who exists at all (UserRegistered): a validly signed token of a
person identity never registered is refused too. A person who registered a moment ago may hold
a token before their registration reached this service; `wait_until_known` tells the two apart
(see its docstring, and docs/trust.md).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from plein_events import Envelope, UserDeactivated, UserErased, UserReactivated, UserRegistered
from plein_events.projection import Projection
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from .auth import Principal
from .errors import DomainError, NotAuthenticated

TABLE = "inactive_people"
KNOWN = "known_people"
# An access token's `iat` is in whole seconds (rounded down), and identity's replicas' clocks
# may differ a little: a registration heard this much later than a token's `iat` proves that
# the token's person would have been heard before it.
ISSUED_AT_MARGIN = timedelta(seconds=2)
# How often a request for a person not known yet looks again while it waits.
LOOK_AGAIN_S = 0.05


class PersonNotKnownYet(DomainError):
    """This service cannot tell yet whether the token's person exists: identity's news has not
    reached it (NATS away, the projection behind). Try again shortly."""

    status = 503
    title = "Service unavailable"


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


async def _registered(
    conn: AsyncConnection[Any], event: UserRegistered, envelope: Envelope
) -> None:
    await conn.execute(
        "INSERT INTO known_people (user_id, registered_at) VALUES (%s, %s) "
        "ON CONFLICT (user_id) DO NOTHING",
        (event.user_id, envelope.occurred_at),
    )


def standing_projection(service: str) -> Projection:
    """The read model of who exists and who may no longer act, for `service` (its tables are
    in every schema)."""
    return Projection(
        projection_name(service),
        {
            UserRegistered: _registered,
            UserDeactivated: _deactivated,
            UserReactivated: _reactivated,
            UserErased: _erased,
        },
        tables=(TABLE, KNOWN),
    )


async def check_standing(conn: AsyncConnection[Any], principal: Principal) -> bool:
    """Whether this service knows the token's person; NotAuthenticated when the person, or the
    account they act as, was deactivated or erased."""
    cur = await conn.execute(
        "SELECT (SELECT bool_or(erased) FROM inactive_people WHERE user_id = ANY(%s)),"
        " EXISTS (SELECT 1 FROM known_people WHERE user_id = %s)",
        ([principal.user_id, principal.real_user_id], principal.real_user_id),
    )
    row = await cur.fetchone()
    assert row is not None
    if row[0] is not None:
        erased = "erased" if row[0] else "deactivated"
        raise NotAuthenticated(f"This account has been {erased}.")
    return bool(row[1])


async def wait_until_known(
    pool: AsyncConnectionPool,
    principal: Principal,
    *,
    wait_s: float,
    behind: Callable[[], Awaitable[bool]],
) -> None:
    """Returns once this service knows the token's person; NotAuthenticated when it knows that
    they do not exist; PersonNotKnownYet when it cannot tell.

    Identity publishes its events in the order it stored them, and a person is registered
    before any token of theirs is issued. So once this service has heard a registration that
    happened after the token was issued, it would have heard the person's own: not known then
    means no such person. Before that, the person may have registered a moment ago: wait up to
    `wait_s` for their registration to arrive (a newcomer's first request waits that long at
    most; a relay publishes within its poll interval). If nothing decided it by then, and the
    projection is not `behind` the stream (all of identity's published news is applied), the
    person does not exist; if it is behind (or NATS is away), it cannot tell yet: 503.
    """
    issued_at = datetime.fromtimestamp(principal.issued_at or 0, UTC)
    deadline = time.monotonic() + wait_s
    while True:
        async with pool.connection() as conn:
            cur = await conn.execute(
                "SELECT EXISTS (SELECT 1 FROM known_people WHERE user_id = %s),"
                " (SELECT max(registered_at) FROM known_people)",
                (principal.real_user_id,),
            )
            row = await cur.fetchone()
        assert row is not None
        known, newest = bool(row[0]), row[1]
        if known:
            return
        if newest is not None and newest > issued_at + ISSUED_AT_MARGIN:
            raise NotAuthenticated("This account does not exist.")
        if time.monotonic() >= deadline:
            break
        await asyncio.sleep(LOOK_AGAIN_S)  # production code polling a row, not a test's sync
    try:
        unsure = await behind()
    except Exception:  # NATS away: the stream cannot be asked
        unsure = True
    if unsure:
        raise PersonNotKnownYet(
            "This service has not heard of your account yet; try again in a moment.",
            retry_after_s=1,
        )
    raise NotAuthenticated("This account does not exist.")
