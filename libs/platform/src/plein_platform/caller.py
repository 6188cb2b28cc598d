"""Who is calling: the FastAPI dependency every service's routes use for their caller.

The token is verified locally (auth), then checked against the service's own read models of
identity's decisions, so that a decision takes effect at once rather than when the token
expires: a deactivated or erased person is refused (standing), and so is someone acting as a
shared account they are no longer a delegate of (delegation), and so is a person identity
never registered (standing's known people; a newcomer's registration is waited for briefly).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials

from .auth import Principal, bearer_token
from .delegation import check_delegation
from .delegation import projection_name as delegations_name
from .docs import BEARER
from .service import Service, service_of
from .standing import check_standing, wait_until_known
from .standing import projection_name as standing_name


async def current_principal(
    request: Request,
    _: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)] = None,
) -> Principal:
    """FastAPI dependency: the verified caller of this request, still allowed to act.

    A service without the delegations read model refuses acting-as tokens; every service
    lists `standing_projection(name)` among its projections (a test checks that they do).
    The unused parameter declares the bearer scheme on the route's OpenAPI operation (the
    header is read by `bearer_token`, which answers a missing token with a problem document).
    """
    service = service_of(request)
    principal = await service.ctx.verifier.verify(bearer_token(request))
    return await still_allowed(service, principal)


async def still_allowed(service: Service, principal: Principal) -> Principal:
    """`principal` (of a verified token) if they exist, are active and may act as whom the
    token says; NotAuthenticated, Forbidden or PersonNotKnownYet otherwise. Every way a
    request is authenticated (the header, notify's `?access_token=`) ends here."""
    checks_standing = standing_name(service.name) in service.runners
    acting = principal.user_id != principal.real_user_id
    keeps_delegations = delegations_name(service.name) in service.runners
    if acting and not keeps_delegations:
        return await check_delegation(None, principal)
    if not checks_standing and not acting:
        return principal
    known = True
    async with service.ctx.pool.connection() as conn:
        if checks_standing:
            known = await check_standing(conn, principal)
        principal = await check_delegation(conn, principal)
    if not known:
        runner = service.runners[standing_name(service.name)]

        async def behind() -> bool:
            return await runner.pending() > 0

        await wait_until_known(
            service.ctx.pool,
            principal,
            wait_s=service.ctx.settings.unknown_person_wait_s,
            behind=behind,
        )
    return principal
