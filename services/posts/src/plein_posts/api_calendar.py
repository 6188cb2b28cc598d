"""Calendar events' routes: the upcoming list, one event with who comes, schedule, cancel,
RSVP, an event's .ics, and a person's subscribable calendar feed (webcal)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from plein_platform.auth import Principal
from plein_platform.caller import current_principal
from plein_platform.service import service_of
from plein_platform.text import Storable
from pydantic import BaseModel, ConfigDict, Field

from .calendar_app import Calendar, NewGathering
from .domain import MAX_TEXT_CHARS, MAX_TITLE_CHARS, TIME_CURSOR
from .domain.calendar import MAX_LINK_CHARS, MAX_PLACE_CHARS, RSVP_ANSWERS, Gathering

Me = Annotated[Principal, Depends(current_principal)]
ICS = "text/calendar; charset=utf-8"
StorableStr = Annotated[str, Storable]  # None stays None; text is checked
ICS_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"description": "iCalendar (RFC 5545)", "content": {"text/calendar": {}}}
}
Id = Annotated[UUID, Path(description="the event's id")]


class NewEvent(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Annotated[str, Field(min_length=1, max_length=MAX_TITLE_CHARS), Storable]
    description: Annotated[
        str, Field(default="", max_length=MAX_TEXT_CHARS, description="Markdown"), Storable
    ]
    starts_at: datetime = Field(
        description="with an offset, or a wall-clock time read in `timezone`"
    )
    ends_at: datetime
    timezone: Annotated[
        StorableStr | None,
        Field(default=None, max_length=64, description="IANA zone; Europe/Amsterdam if left out"),
    ]
    place: Annotated[str, Field(default="", max_length=MAX_PLACE_CHARS), Storable]
    online_url: Annotated[
        StorableStr | None,
        Field(default=None, max_length=MAX_LINK_CHARS, description="http or https only"),
    ]
    group_id: UUID | None = Field(default=None, description="None: company-wide")


class Rsvp(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answer: str = Field(max_length=10, description=" | ".join(RSVP_ANSWERS))


class Attendee(BaseModel):
    user_id: UUID
    name: str


class _EventBasics(BaseModel):
    """What a list and an event's page both say of it."""

    id: UUID
    title: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    place: str
    online_url: str | None
    group_id: UUID | None
    organiser_id: UUID
    organiser_name: str
    cancelled: bool
    my_answer: Literal["yes", "maybe", "no"] | None


class EventView(_EventBasics):
    description: str
    ended: bool
    sequence: int
    counts: dict[str, int] = Field(description="answers: yes, maybe, no")
    coming: list[Attendee] = Field(description="who said yes")
    maybe: list[Attendee] = Field(description="who said maybe")


class EventSummary(_EventBasics):
    coming: int = Field(description="how many said yes")


class EventPage(BaseModel):
    events: list[EventSummary]
    next_cursor: str | None


class FeedToken(BaseModel):
    token: str = Field(description="shown once; the feed is /calendar/feed/{token}.ics")
    path: str


class FeedState(BaseModel):
    active: bool
    created_at: datetime | None


def _calendar(request: Request) -> Calendar:
    calendar: Calendar = service_of(request).calendar  # type: ignore[attr-defined]
    return calendar


async def _view(calendar: Calendar, g: Gathering, me: Principal) -> dict[str, Any]:
    people = [g.organiser_id, *g.answers]
    names = await calendar.names(people)

    def who(answer: str) -> list[dict[str, Any]]:
        ids = [u for u, a in g.answers.items() if a == answer]
        return sorted(
            ({"user_id": u, "name": names.get(u, "")} for u in ids), key=lambda p: p["name"]
        )

    return {
        "id": g.id,
        "title": g.title,
        "description": g.description,
        "starts_at": g.starts_at,
        "ends_at": g.ends_at,
        "timezone": g.timezone,
        "place": g.place,
        "online_url": g.online_url,
        "group_id": g.group_id,
        "organiser_id": g.organiser_id,
        "organiser_name": names.get(g.organiser_id, ""),
        "cancelled": g.cancelled,
        "ended": g.ended(calendar.conversations.clock()),
        "sequence": g.sequence,
        "counts": g.counts(),
        "my_answer": g.answers.get(me.real_user_id),
        "coming": who("yes"),
        "maybe": who("maybe"),
    }


def routes() -> APIRouter:
    router = APIRouter(tags=["calendar"])

    # The feed and .ics routes come first: "/calendar/{id}" would match their paths too.
    @router.get(
        "/calendar/feed/{token}.ics",
        response_class=Response,
        responses=ICS_RESPONSE,
        summary="A person's calendar feed (webcal); the secret token is the only key",
    )
    async def feed(token: Annotated[str, Path(max_length=100)], request: Request) -> Response:
        body = await _calendar(request).feed(token)
        return Response(body, media_type=ICS, headers={"Cache-Control": "private, no-store"})

    @router.get("/calendar/feed", response_model=FeedState, summary="Whether I have a feed link")
    async def feed_state(request: Request, me: Me) -> dict[str, Any]:
        created = await _calendar(request).feed_token_created(me)
        return {"active": created is not None, "created_at": created}

    @router.post(
        "/calendar/feed",
        response_model=FeedToken,
        status_code=status.HTTP_201_CREATED,
        summary="A new secret feed link (the one before it stops working)",
    )
    async def new_feed(request: Request, me: Me) -> dict[str, Any]:
        token = await _calendar(request).new_feed_token(me)
        return {"token": token, "path": f"/calendar/feed/{token}.ics"}

    @router.delete("/calendar/feed", status_code=204, summary="Revoke my feed link")
    async def revoke_feed(request: Request, me: Me) -> Response:
        await _calendar(request).revoke_feed_token(me)
        return Response(status_code=204)

    @router.get(
        "/calendar/{gathering_id}.ics",
        response_class=Response,
        responses=ICS_RESPONSE,
        summary="One event as iCalendar",
    )
    async def one_ics(gathering_id: Id, request: Request, me: Me) -> Response:
        body = await _calendar(request).ics(me, gathering_id)
        return Response(
            body,
            media_type=ICS,
            headers={"Content-Disposition": f'attachment; filename="{gathering_id}.ics"'},
        )

    @router.get("/calendar", response_model=EventPage, summary="Upcoming events I may see")
    async def upcoming(
        request: Request,
        me: Me,
        group_id: UUID | None = None,
        limit: Annotated[int, Query(ge=1, le=100)] = 50,
        cursor: Annotated[str | None, Query(max_length=300)] = None,
    ) -> dict[str, Any]:
        """Events not over yet, soonest first (cancelled ones marked), optionally of one group."""
        after = TIME_CURSOR.decode(cursor) if cursor else None
        rows = await _calendar(request).upcoming(me, after, limit + 1, group_id)
        more = len(rows) > limit
        rows = rows[:limit]
        next_cursor = TIME_CURSOR.encode((rows[-1]["starts_at"], rows[-1]["id"])) if more else None
        return {"events": rows, "next_cursor": next_cursor}

    @router.post(
        "/calendar",
        response_model=EventView,
        status_code=status.HTTP_201_CREATED,
        summary="Schedule an event",
    )
    async def schedule(body: NewEvent, request: Request, me: Me) -> dict[str, Any]:
        calendar = _calendar(request)
        g = await calendar.schedule(me, NewGathering(**body.model_dump()))
        return await _view(calendar, g, me)

    @router.get("/calendar/{gathering_id}", response_model=EventView, summary="One event")
    async def one(gathering_id: Id, request: Request, me: Me) -> dict[str, Any]:
        calendar = _calendar(request)
        return await _view(calendar, await calendar.gathering(me, gathering_id), me)

    @router.post(
        "/calendar/{gathering_id}/cancel",
        response_model=EventView,
        summary="Cancel an event (its organiser or a moderator)",
    )
    async def cancel(gathering_id: Id, request: Request, me: Me) -> dict[str, Any]:
        calendar = _calendar(request)
        return await _view(calendar, await calendar.cancel(me, gathering_id), me)

    @router.put(
        "/calendar/{gathering_id}/rsvp",
        response_model=EventView,
        summary="Answer an event: yes, maybe or no (again: change my answer)",
    )
    async def rsvp(gathering_id: Id, body: Rsvp, request: Request, me: Me) -> dict[str, Any]:
        calendar = _calendar(request)
        return await _view(calendar, await calendar.answer(me, gathering_id, body.answer), me)

    return router
