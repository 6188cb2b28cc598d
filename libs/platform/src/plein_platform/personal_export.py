"""A person's export (GDPR articles 15 and 20): the two routes every service serves for its part.

Each service owns its data, so each one answers for its own part: `GET /me/export` (the
caller's own) and `GET /people/{person_id}/export` (the person themselves, or a network admin
handling a request). Every part has the same envelope: `{"service", "format", "person_id",
"exported_at", "about", "data": {...}}`; what `data` holds is the service's documented shape,
explained field by field in `about`. The web client gathers the parts into one zip, with
the `about` texts as its README.

A part holds the person's own words and their traces (reactions, votes, ...) with the targets
by id, never the texts of other people's content the person may not (or no longer) read.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from .auth import Principal
from .caller import current_principal
from .errors import Forbidden
from .service import service_of

FORMAT = 1
ADMIN_ROLE = "network_admin"

# (request, person) -> the service's `data` for that person
Collect = Callable[[Request, UUID], Awaitable[dict[str, Any]]]
# (request, caller) -> whether the caller is a network admin, by the service's own read model
IsAdmin = Callable[[Request, Principal], Awaitable[bool]]
Caller = Annotated[Principal, Depends(current_principal)]


class ExportPart(BaseModel):
    """One service's part of a person's export."""

    service: str
    format: int = Field(FORMAT, description="raised when `data` changes incompatibly")
    person_id: UUID
    exported_at: datetime
    about: str = Field(description="what `data` holds, field by field (the archive's README)")
    data: dict[str, Any]


async def admin_by_token(_: Request, caller: Principal) -> bool:
    """A network admin by the token's roles claim (for a service without a roles read model;
    the token lives minutes, and `current_principal` already refuses deactivated people)."""
    return ADMIN_ROLE in caller.roles


def export_routes(collect: Collect, is_admin: IsAdmin, *, describe: str) -> APIRouter:
    """The service's export routes; `describe` documents its `data` (OpenAPI and README)."""
    router = APIRouter(tags=["export"])

    async def part(request: Request, person_id: UUID) -> ExportPart:
        service = service_of(request)
        return ExportPart(
            service=service.name,
            format=FORMAT,
            person_id=person_id,
            exported_at=service.ctx.clock(),
            about=describe,
            data=await collect(request, person_id),
        )

    @router.get(
        "/me/export",
        response_model=ExportPart,
        summary="My part of my data export, from this service",
        description=describe,
    )
    async def my_export(request: Request, caller: Caller) -> ExportPart:
        if caller.user_id != caller.real_user_id:
            raise Forbidden("An export is a person's own: not while acting as a shared account.")
        return await part(request, caller.user_id)

    @router.get(
        "/people/{person_id}/export",
        response_model=ExportPart,
        summary="A person's part of their data export (themselves or a network admin)",
        description=describe,
    )
    async def person_export(request: Request, person_id: UUID, caller: Caller) -> ExportPart:
        acting = caller.user_id != caller.real_user_id
        own = person_id == caller.user_id and not acting
        if not own and (acting or not await is_admin(request, caller)):
            raise Forbidden("Only the person themselves or a network admin may export this.")
        return await part(request, person_id)

    return router
