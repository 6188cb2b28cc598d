"""Calendar events' use cases: schedule, cancel, answer (RSVP), read, and the iCalendar of one
event and of a person's feed. Authorised against posts' access read model, like threads."""

from __future__ import annotations

import asyncio
import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError
from plein_platform.auth import Principal
from plein_platform.errors import Conflict, NotFound

from . import calendar_store
from .app import SAVE_ATTEMPTS, Conversations, PostsApplication
from .domain.access import Access
from .domain.calendar import Gathering, gathering_times
from .domain.calendar_ics import IcsEvent, calendar_of

NO_SUCH_EVENT = "There is no such event."


@dataclass(frozen=True)
class NewGathering:
    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    timezone: str | None
    place: str
    online_url: str | None
    group_id: UUID | None


class Calendar:
    """Every use case of calendar events, in the product's words."""

    def __init__(self, conversations: Conversations) -> None:
        self.conversations = conversations

    @property
    def _events(self) -> PostsApplication:
        return self.conversations.events

    def _load(self, gathering_id: UUID) -> Gathering:
        try:
            gathering: Any = self._events.repository.get(gathering_id)
        except AggregateNotFoundError:
            raise NotFound(NO_SUCH_EVENT) from None
        if not isinstance(gathering, Gathering):
            raise NotFound(NO_SUCH_EVENT)
        return gathering

    async def _readable(self, principal: Principal, gathering_id: UUID) -> tuple[Gathering, Access]:
        gathering = await asyncio.to_thread(self._load, gathering_id)
        access = await self.conversations.access(principal, gathering.group_id)
        if not access.may_read:
            # Not 403: a non-member must not even learn that the event exists.
            raise NotFound(NO_SUCH_EVENT)
        return gathering, access

    async def schedule(self, principal: Principal, new: NewGathering) -> Gathering:
        """A new calendar event where the caller may post: company-wide or in a group."""
        access = await self.conversations._place(principal, new.group_id)
        when = gathering_times(new.starts_at, new.ends_at, new.timezone, self.conversations.clock())
        gathering = Gathering.schedule(
            organiser_id=access.real_user_id,
            title=new.title,
            description=new.description,
            when=when,
            place=new.place,
            online_url=new.online_url,
            group_id=access.group.id if access.group else None,
            group_private=bool(access.group and access.group.private),
        )
        await asyncio.to_thread(self._events.save, gathering)
        return gathering

    async def gathering(self, principal: Principal, gathering_id: UUID) -> Gathering:
        gathering, _ = await self._readable(principal, gathering_id)
        return gathering

    async def _change(
        self,
        principal: Principal,
        gathering_id: UUID,
        command: Callable[[Gathering, Access], bool],
    ) -> Gathering:
        """Load, authorise, apply `command`, save when it changed something; again if someone
        else saved the event in between (many people answer one event at once)."""
        for attempt in range(SAVE_ATTEMPTS):
            gathering, access = await self._readable(principal, gathering_id)
            if not command(gathering, access):
                return gathering
            try:
                await asyncio.to_thread(self._events.save, gathering)
                return gathering
            except IntegrityError:
                # Back off a random little while so that contenders do not collide in lockstep.
                await asyncio.sleep(random.uniform(0, 0.01 * (attempt + 1)))
        raise Conflict("This event is very busy; try again.")

    async def cancel(self, principal: Principal, gathering_id: UUID) -> Gathering:
        return await self._change(
            principal,
            gathering_id,
            lambda g, a: g.cancel(a.real_user_id, moderator=a.may_moderate),
        )

    async def answer(self, principal: Principal, gathering_id: UUID, answer: str) -> Gathering:
        """Record the caller's RSVP (yes, maybe or no; changing it is fine)."""
        now = self.conversations.clock()
        return await self._change(
            principal, gathering_id, lambda g, a: g.answer(a.real_user_id, answer, now)
        )

    async def upcoming(
        self,
        principal: Principal,
        after: tuple[datetime, UUID] | None,
        limit: int,
        group_id: UUID | None = None,
    ) -> list[dict[str, Any]]:
        async with self.conversations.pool.connection() as conn:
            return await calendar_store.upcoming(
                conn,
                principal.real_user_id,
                self.conversations.clock(),
                after=after,
                limit=limit,
                group_id=group_id,
            )

    async def names(self, people: list[UUID]) -> dict[UUID, str]:
        async with self.conversations.pool.connection() as conn:
            return await calendar_store.names(conn, people)

    async def ics(self, principal: Principal, gathering_id: UUID) -> bytes:
        gathering = await self.gathering(principal, gathering_id)
        return calendar_of([ics_event(gathering)])

    # -- the personal feed ---------------------------------------------------------------

    async def new_feed_token(self, principal: Principal) -> str:
        """A new secret feed token for the caller; the one before it stops working."""
        token = secrets.token_urlsafe(32)
        async with self.conversations.pool.connection() as conn:
            await calendar_store.replace_feed_token(
                conn, principal.real_user_id, token, self.conversations.clock()
            )
        return token

    async def revoke_feed_token(self, principal: Principal) -> bool:
        async with self.conversations.pool.connection() as conn:
            return await calendar_store.revoke_feed_token(conn, principal.real_user_id)

    async def feed_token_created(self, principal: Principal) -> datetime | None:
        async with self.conversations.pool.connection() as conn:
            return await calendar_store.feed_token_created(conn, principal.real_user_id)

    async def feed(self, token: str) -> bytes:
        """The iCalendar feed a token opens; NotFound for an unknown or revoked token."""
        async with self.conversations.pool.connection() as conn:
            owner = await calendar_store.feed_owner(conn, token)
            if owner is None:
                raise NotFound("There is no such calendar feed.")
            rows = await calendar_store.feed(conn, owner, self.conversations.clock())
        return calendar_of([_ics_row(r) for r in rows], name="Plein")


def ics_event(g: Gathering) -> IcsEvent:
    return IcsEvent(
        id=g.id,
        title=g.title,
        description=g.description,
        starts_at=g.starts_at,
        ends_at=g.ends_at,
        timezone=g.timezone,
        place=g.place,
        online_url=g.online_url,
        cancelled=g.cancelled,
        sequence=g.sequence,
        stamp=g.modified_on,
    )


def _ics_row(r: dict[str, Any]) -> IcsEvent:
    return IcsEvent(
        id=r["id"],
        title=r["title"],
        description=r["description"],
        starts_at=r["starts_at"],
        ends_at=r["ends_at"],
        timezone=r["timezone"],
        place=r["place"],
        online_url=r["online_url"],
        cancelled=r["cancelled"],
        sequence=r["sequence"],
        stamp=r["changed_at"],
    )
