"""Events (calendar events, with RSVP) in the browser: the upcoming list, one event with who
comes and the RSVP buttons (plain form posts), a new-event form, the event's .ics fetched
through here (the browser never holds a token) and the person's subscribable calendar link.

Times are shown in the event's own zone (Europe/Amsterdam unless its organiser chose another)
and typed in Europe/Amsterdam: posts reads a wall-clock time in the zone it is given.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any
from urllib.parse import quote
from uuid import UUID
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime, format_time
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from . import problems
from .gateway import ApiProblem
from .i18n import N_, current_language
from .pages_home import my_groups
from .visits import Acting, Person, web_of

router = APIRouter()
HOME_ZONE = "Europe/Amsterdam"
ICS = "text/calendar; charset=utf-8"
RSVP_ANSWERS = ("yes", "maybe", "no")

# posts' problem codes for events, said in the page's language (registered with the others).
problems.CODES.update(
    {
        "end_before_start": N_("An event ends after it starts."),
        "nonexistent_time": N_("That time does not exist here: the clocks skip that hour."),
        "in_the_past": N_("This event would be over already; choose a time still to come."),
        "too_long": N_("An event lasts at most 31 days."),
        "bad_date": N_("That date is too far away."),
        "bad_link": N_("An online link starts with https:// or http://."),
        "no_place": N_("Give a place, an online link or both."),
        "bad_answer": N_("Answer yes, maybe or no."),
        "cancelled": N_("This event was cancelled: it takes no answers."),
        "ended": N_("This event is over: it takes no answers."),
    }
)


def _local(moment: str | datetime, zone: str) -> datetime:
    at = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return at.astimezone(ZoneInfo(zone))


def period(event: dict[str, Any]) -> str:
    """When an event is, in the page's language and the event's zone: "1 jul 2027, 19:00 –
    21:30" (the end's date too when it ends on another day; the zone when not Amsterdam)."""
    locale = Locale.parse(current_language.get())
    zone = event.get("timezone") or HOME_ZONE
    start, end = _local(event["starts_at"], zone), _local(event["ends_at"], zone)
    text = format_datetime(start, "EEE d MMM yyyy, HH:mm", locale=locale)
    if end.date() == start.date():
        text += " – " + format_time(end, "HH:mm", locale=locale)
    else:
        text += " – " + format_datetime(end, "EEE d MMM yyyy, HH:mm", locale=locale)
    return text if zone == HOME_ZONE else f"{text} ({zone})"


def _shown(event: dict[str, Any]) -> dict[str, Any]:
    return {**event, "period": period(event)}


def _feed_url(request: Request, token: str) -> str:
    """The webcal:// address a calendar app subscribes to (served by this client)."""
    return f"webcal://{request.url.netloc}/events/feed/{token}.ics"


@router.get("/events")
async def upcoming(
    visit: Person, cursor: str | None = None, group: UUID | None = None, feed: str | None = None
) -> Response:
    page, feed_state = await asyncio.gather(
        visit.get("/posts/calendar", cursor=cursor, limit=30, group_id=group),
        visit.get("/posts/calendar/feed"),
    )
    return visit.web.renderer.page(
        visit,
        "calendar_list.html",
        events=[_shown(e) for e in page["events"]],
        next_cursor=page.get("next_cursor"),
        group=group,
        feed_active=feed_state["active"],
        feed_url=_feed_url(visit.request, feed) if feed else None,
    )


@router.get("/groups/{group_id}/events")
async def of_group(visit: Person, group_id: UUID) -> Response:
    """A group's next events, as a fragment for its page (loaded by htmx; without script the
    group page links to /events?group=...)."""
    page = await visit.get("/posts/calendar", limit=5, group_id=group_id)
    return visit.web.renderer.page(
        visit,
        "calendar_group_list.html",
        events=[_shown(e) for e in page["events"]],
        group_id=group_id,
    )


def _form(visit: Person, groups: list[dict[str, Any]], **context: Any) -> Response:
    defaults: dict[str, Any] = {"form": {}, "errors": {}, "error": None}
    return visit.web.renderer.page(
        visit, "calendar_new.html", groups=groups, **{**defaults, **context}
    )


@router.get("/events/new")
async def new(visit: Person, group: str = "") -> Response:
    return _form(visit, await my_groups(visit), form={"group_id": group})


@router.post("/events")
async def schedule(visit: Acting, request: Request) -> Response:
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    body: dict[str, Any] = {
        "title": form.get("title", ""),
        "description": form.get("description", ""),
        "place": form.get("place", ""),
        "online_url": form.get("online_url") or None,
        "group_id": form.get("group_id") or None,
        "timezone": HOME_ZONE,
        # A date and two times typed in Amsterdam; posts reads them in that zone.
        "starts_at": f"{form.get('date', '')}T{form.get('starts', '')}",
        "ends_at": f"{form.get('end_date') or form.get('date', '')}T{form.get('ends', '')}",
    }
    try:
        event = await visit.api("POST", "/posts/calendar", json=body)
    except ApiProblem as problem:
        if problem.status >= 500 or problem.status == 429:
            raise  # not about what was typed: the error page says what to do
        errors = problem.field_errors()
        # A malformed date or time is refused per field by posts; say it once, on the form.
        for field, name in (("starts_at", "date"), ("ends_at", "ends")):
            if field in errors:
                errors[name] = errors.pop(field)
        return _form(
            visit,
            await my_groups(visit),
            form=form,
            errors=errors,
            error=problem.message,
        )
    return RedirectResponse(f"/events/{event['id']}", status_code=303)


@router.get("/events/feed/{token}.ics")
async def feed(request: Request, token: str) -> Response:
    """A person's calendar feed for calendar apps: the secret token in the address is the only
    key (calendar apps carry no session, so none is started for them)."""
    body = await web_of(request).gateway.call("GET", f"/posts/calendar/feed/{quote(token)}.ics")
    return Response(body, media_type=ICS, headers={"Cache-Control": "private, no-store"})


@router.post("/events/feed")
async def new_feed(visit: Acting) -> Response:
    """A new subscription link (the one before it stops working), shown once."""
    made = await visit.api("POST", "/posts/calendar/feed")
    return RedirectResponse(f"/events?feed={made['token']}#subscribe", status_code=303)


@router.post("/events/feed/revoke")
async def revoke_feed(visit: Acting) -> Response:
    await visit.api("DELETE", "/posts/calendar/feed")
    return RedirectResponse("/events#subscribe", status_code=303)


@router.get("/events/{event_id}.ics")
async def ics(visit: Person, event_id: UUID) -> Response:
    body = await visit.api("GET", f"/posts/calendar/{event_id}.ics")
    return Response(
        body,
        media_type=ICS,
        headers={"Content-Disposition": f'attachment; filename="plein-{event_id}.ics"'},
    )


@router.get("/events/{event_id}")
async def one(visit: Person, event_id: UUID) -> Response:
    event = await visit.api("GET", f"/posts/calendar/{event_id}")
    return visit.web.renderer.page(
        visit,
        "calendar_event.html",
        event=_shown(event),
        answers=RSVP_ANSWERS,
        organiser=str(event["organiser_id"]) == visit.user_id,
    )


@router.post("/events/{event_id}/rsvp")
async def rsvp(visit: Acting, event_id: UUID, request: Request) -> Response:
    answer = (await request.form()).get("answer")
    await visit.api("PUT", f"/posts/calendar/{event_id}/rsvp", json={"answer": str(answer or "")})
    return RedirectResponse(f"/events/{event_id}", status_code=303)


@router.post("/events/{event_id}/cancel")
async def cancel(visit: Acting, event_id: UUID) -> Response:
    await visit.api("POST", f"/posts/calendar/{event_id}/cancel")
    return RedirectResponse(f"/events/{event_id}", status_code=303)
