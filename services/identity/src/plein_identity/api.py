"""Identity's HTTP routes, assembled from its rooms (auth, people, groups, photos, topics), and the
small pieces they share."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Request
from plein_platform.auth import Principal
from plein_platform.caller import current_principal
from plein_platform.errors import Forbidden
from plein_platform.service import service_of

if TYPE_CHECKING:
    from .service import IdentityService

T = TypeVar("T")


def identity(request: Request) -> IdentityService:
    service: IdentityService = service_of(request)  # type: ignore[assignment]
    return service


async def run(use_case: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a (synchronous) use case of the event-sourced application off the event loop."""
    return await asyncio.to_thread(use_case, *args, **kwargs)


async def person(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    """The caller, acting as themselves: identity's own changes are made by people, never by a
    shared account."""
    if principal.user_id != principal.real_user_id:
        raise Forbidden("Act as yourself to do this, not as a shared account.")
    return principal


Caller = Annotated[Principal, Depends(current_principal)]
PersonCaller = Annotated[Principal, Depends(person)]


def routes() -> APIRouter:
    from . import api_auth, api_groups, api_people, api_photos, api_topics

    router = APIRouter()
    router.include_router(api_auth.routes())
    router.include_router(api_people.routes())
    router.include_router(api_groups.routes())
    router.include_router(api_photos.routes())
    router.include_router(api_topics.routes())
    return router


def page(rows: list[dict[str, Any]], limit: int) -> tuple[list[dict[str, Any]], str | None]:
    """The first `limit` rows and the cursor after them (None on the last page)."""
    from .domain import NameCursor

    more = len(rows) > limit
    rows = rows[:limit]
    cursor = NameCursor(rows[-1]["sort_key"], rows[-1]["id"]).encode() if more else None
    return rows, cursor
