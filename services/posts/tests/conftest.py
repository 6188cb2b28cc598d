"""Posts' test helpers: identity's decisions published onto the real stream, and a client.

identity is built on another branch at the same time, so groups, memberships, roles and
delegations arrive here the way posts really gets them: as identity's contract events on the
`PLEIN` stream, which posts' `posts_access` projection consumes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

import pytest
from plein_events import Event
from plein_events.identity import (
    DelegateGranted,
    DelegateRevoked,
    GroupAdminGranted,
    GroupArchived,
    GroupCreated,
    MemberJoined,
    MemberLeft,
    RoleGranted,
)
from plein_testdata.servers import Person, Plein, eventually, publish


@dataclass
class Identity:
    """Publishes identity's events and waits until posts has consumed them."""

    plein: Plein

    async def publish(self, *events: Event) -> None:
        nc = self.plein.runtime.nc
        assert nc is not None
        js = nc.jetstream()
        for event in events:
            await publish(js, event)
        await self.settled()

    async def settled(self) -> None:
        """Wait until posts' read models of identity's decisions (posts_access and the
        platform's posts-delegations) have applied everything published so far."""
        runners = self.plein.runtime.service("posts").runners
        watched = [runners["posts_access"], runners["posts-delegations"]]

        async def caught_up() -> None:
            for runner in watched:
                assert await runner.pending() == 0

        await eventually(caught_up)

    async def people(self, *handles: str) -> list[Person]:
        """Register these people and wait until posts knows them."""
        registered = [await self.plein.register(handle) for handle in handles]
        await self.settled()
        return registered

    async def group(
        self, name: str, *, private: bool = False, members: tuple[Person, ...] = ()
    ) -> str:
        group_id = uuid4()
        await self.publish(
            GroupCreated(
                group_id=group_id, name=name, visibility="private" if private else "public"
            ),
            *(MemberJoined(group_id=group_id, user_id=UUID(p.id)) for p in members),
        )
        return str(group_id)

    async def join(self, group_id: str, person: Person) -> None:
        await self.publish(MemberJoined(group_id=UUID(group_id), user_id=UUID(person.id)))

    async def leave(self, group_id: str, person: Person) -> None:
        await self.publish(MemberLeft(group_id=UUID(group_id), user_id=UUID(person.id)))

    async def make_admin(self, group_id: str, person: Person) -> None:
        await self.publish(GroupAdminGranted(group_id=UUID(group_id), user_id=UUID(person.id)))

    async def archive(self, group_id: str) -> None:
        await self.publish(GroupArchived(group_id=UUID(group_id)))

    async def community_manager(self, person: Person) -> None:
        await self.publish(RoleGranted(user_id=UUID(person.id), role="community_manager"))

    async def delegate(self, account: Person, person: Person, *, granted: bool = True) -> None:
        cls = DelegateGranted if granted else DelegateRevoked
        by = {"granted_by": UUID(person.id)} if granted else {"revoked_by": UUID(person.id)}
        await self.publish(cls(account_id=UUID(account.id), user_id=UUID(person.id), **by))

    @staticmethod
    def problem(response: Any, status: int) -> dict[str, Any]:
        """The problem document of a refused request, checked."""
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        body: dict[str, Any] = response.json()
        assert body["status"] == status and body["title"]
        return body


@pytest.fixture
def identity(plein: Plein) -> Identity:
    return Identity(plein)
