"""The typed dependencies identity's routes take: who is calling, and the use cases."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query, Request
from plein_platform.auth import Principal
from plein_platform.caller import current_principal
from plein_platform.errors import Forbidden
from plein_platform.service import service_of

from .app_auth import Accounts
from .app_groups import Groups
from .app_people import People


async def person(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    """The caller, acting as themselves: identity's own changes are made by people, never by a
    shared account."""
    if principal.user_id != principal.real_user_id:
        raise Forbidden("Act as yourself to do this, not as a shared account.")
    return principal


def accounts(request: Request) -> Accounts:
    service: Any = service_of(request)
    accounts: Accounts = service.accounts
    return accounts


def people(request: Request) -> People:
    service: Any = service_of(request)
    people: People = service.people
    return people


def groups(request: Request) -> Groups:
    service: Any = service_of(request)
    groups: Groups = service.groups
    return groups


Caller = Annotated[Principal, Depends(current_principal)]
PersonCaller = Annotated[Principal, Depends(person)]
AccountsUse = Annotated[Accounts, Depends(accounts)]
PeopleUse = Annotated[People, Depends(people)]
GroupsUse = Annotated[Groups, Depends(groups)]
Limit = Annotated[int, Query(ge=1, le=100)]
CursorParam = Annotated[str | None, Query(max_length=400)]
