"""Notify's HTTP routes: the inbox, its live stream, preferences, unsubscribe, escalations."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from typing import Annotated, Any
from uuid import UUID

import jwt
from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import HTMLResponse
from plein_platform.auth import Principal, bearer_token
from plein_platform.caller import current_principal, still_allowed
from plein_platform.errors import NotAuthenticated
from plein_platform.service import ServiceNotReady, service_of
from pydantic import BaseModel
from sse_starlette import EventSourceResponse

from .app import Notifier
from .app import Preferences as PreferencesOut
from .domain import Channel, DigestFrequency, Kind
from .language import Speech, accepted_language, speech
from .sentences import kind_label


class Entry(BaseModel):
    id: UUID
    kind: Kind
    text: str
    excerpt: str | None
    post_id: UUID | None
    group_id: UUID | None
    actor_count: int
    actor_id: UUID | None = None  # the latest actor, whose face the inbox shows
    unread: bool
    handled: bool = False  # a join request its admins have decided
    created_at: datetime
    updated_at: datetime


class Inbox(BaseModel):
    entries: list[Entry]
    unread_count: int
    next_cursor: str | None


class UnreadCount(BaseModel):
    unread_count: int


class Preferences(BaseModel):
    channels: dict[Kind, Channel]
    digest: DigestFrequency


class PreferencesChange(BaseModel):
    """Only the kinds named change; `digest` unset keeps the frequency."""

    channels: dict[Kind, Channel] = {}
    digest: DigestFrequency | None = None


class HeldBack(BaseModel):
    """Announcements the budget kept out of people's push and e-mail (digest only)."""

    group_id: UUID
    group_name: str
    held_back: int  # announcement notifications held back
    people: int  # how many people they were for


class EscalationRequest(BaseModel):
    post_id: UUID


class EscalationRaisedOut(BaseModel):
    escalation_id: UUID


class EscalationRouting(BaseModel):
    """Whether a group's escalations also reach community managers outside it (for a private
    group; a public group's always do)."""

    outside_community_managers: bool


class Escalation(BaseModel):
    escalation_id: UUID
    post_id: UUID
    group_id: UUID | None
    raised_to: list[UUID]
    raised_at: datetime
    resolved_at: datetime | None


@dataclass(frozen=True)
class StreamCaller:
    principal: Principal
    token_expires_at: datetime


async def stream_caller(
    request: Request, access_token: Annotated[str | None, Query(max_length=4096)] = None
) -> StreamCaller:
    """The caller of a live stream and when their token expires (the stream ends then): the
    bearer token, or `?access_token=` because a browser's EventSource cannot send headers.
    Both forms are checked alike, acting-as included."""
    if request.headers.get("authorization"):
        token = bearer_token(request)
        principal = await current_principal(request)
    elif access_token:
        token = access_token
        service = service_of(request)
        # The same checks as `current_principal` on the header form: standing (deactivated,
        # erased, never registered) and delegation (notify keeps none: acting-as is refused).
        principal = await still_allowed(service, await service.ctx.verifier.verify(token))
    else:
        raise NotAuthenticated("A bearer token is required.")
    # Verified above; only its expiry is read here.
    exp = jwt.decode(token, options={"verify_signature": False})["exp"]
    return StreamCaller(principal, datetime.fromtimestamp(float(exp), UTC))


def _notifier(request: Request) -> Notifier:
    service: Any = service_of(request)
    notifier: Notifier = service.notifier
    return notifier


def _asked_language(
    accept_language: Annotated[str | None, Header(max_length=500)] = None,
) -> str | None:
    """The language a client asks notify's sentences in (the web client sends the one its
    pages speak); None: the person's own."""
    return accepted_language(accept_language)


Me = Annotated[Principal, Depends(current_principal)]
AskedLanguage = Annotated[str | None, Depends(_asked_language)]
Use = Annotated[Notifier, Depends(_notifier)]
Caller = Annotated[StreamCaller, Depends(stream_caller)]
Token = Annotated[str, Query(max_length=2000)]


def _page(speak: Speech, body: str) -> str:
    """A small page of notify's own (unsubscribing needs no sign-in), in `speak`'s language."""
    return f"<!doctype html><html lang='{speak.language}'><body>{body}</body></html>"


def routes() -> APIRouter:
    router = APIRouter(tags=["notify"])

    @router.get("/inbox", response_model=Inbox, summary="My notifications, latest change first")
    async def inbox(
        me: Me,
        use: Use,
        language: AskedLanguage,
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
        cursor: Annotated[str | None, Query(max_length=200)] = None,
        unread_only: bool = False,
    ) -> dict[str, Any]:
        page = await use.inbox(
            me.user_id, limit=limit, cursor=cursor, unread_only=unread_only, language=language
        )
        return {
            "entries": page.entries,
            "unread_count": page.unread_count,
            "next_cursor": page.next_cursor,
        }

    @router.get("/inbox/unread-count", response_model=UnreadCount, summary="How many unread")
    async def unread_count(me: Me, use: Use) -> dict[str, int]:
        return {"unread_count": await use.unread_count(me.user_id)}

    @router.post("/inbox/{notification_id}/read", status_code=204, summary="Mark one read")
    async def mark_read(notification_id: UUID, me: Me, use: Use) -> Response:
        await use.mark_read(me.user_id, notification_id)
        return Response(status_code=204)

    @router.post("/inbox/read", response_model=UnreadCount, summary="Mark all read")
    async def mark_all_read(me: Me, use: Use) -> dict[str, int]:
        return {"unread_count": await use.mark_all_read(me.user_id)}

    @router.get("/stream", summary="My inbox, live (Server-Sent Events; resumable)")
    async def stream(
        request: Request,
        caller: Caller,
        use: Use,
        language: AskedLanguage,
        last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
    ) -> EventSourceResponse:
        me = caller.principal.user_id
        resume_from = int(last_event_id) if last_event_id and last_event_id.isdigit() else None
        service: Any = service_of(request)
        signals = service.signals
        if signals is None:
            raise ServiceNotReady("The notify service is starting.")

        async def events() -> AsyncIterator[dict[str, Any]]:
            with signals.subscribe(me) as wake:
                unread, seq = await use.stream_start(me, resume_from)
                yield {"event": "unread", "data": json.dumps({"unread_count": unread})}
                while True:
                    # Cleared before reading, never after: a signal that comes while we read
                    # then wakes the next wait at once instead of being lost for 15 s.
                    wake.clear()
                    changed = await use.stream_changes(me, seq, caller.token_expires_at, language)
                    if changed is None:
                        return  # token expired, or deactivated or erased: the stream ends
                    entries, now_unread = changed
                    unread = now_unread if now_unread is not None else unread
                    for entry in entries:
                        seq = entry.pop("change_seq")
                        yield {
                            "id": str(seq),
                            "event": "notification",
                            "data": json.dumps({**entry, "unread_count": unread}, default=str),
                        }
                    if len(entries) == 100:
                        continue
                    left_s = (caller.token_expires_at - use.clock()).total_seconds()
                    try:
                        await asyncio.wait_for(wake.wait(), timeout=max(0.0, min(15, left_s)))
                    except TimeoutError:
                        pass  # look again anyway: a lost signal costs at most this long

        return EventSourceResponse(events(), ping=15)

    @router.get("/preferences", response_model=Preferences, summary="My channels per kind")
    async def get_preferences(me: Me, use: Use) -> PreferencesOut:
        return await use.preferences(me.user_id)

    @router.patch("/preferences", response_model=Preferences, summary="Change my channels")
    async def change_preferences(change: PreferencesChange, me: Me, use: Use) -> PreferencesOut:
        return await use.change_preferences(me.user_id, change.channels, change.digest)

    @router.get("/unsubscribe", response_class=HTMLResponse, summary="Confirm an unsubscribe")
    async def unsubscribe_page(token: Token, use: Use) -> str:
        # A GET only asks: mail scanners follow links, and must not unsubscribe anyone.
        asked = await use.unsubscribing(token)
        speak = speech(asked.language)
        label = kind_label(asked.kind, speak)
        question = speak.gettext(
            "Stop e-mails about %(what)s? You will still see them in Plein.", what=label
        )
        button = speak.gettext("Stop these e-mails")
        return _page(
            speak,
            f"<form method='post'><p>{escape(question)}</p>"
            f"<input type='hidden' name='token' value='{escape(token)}'>"
            f"<button type='submit'>{escape(button)}</button></form>",
        )

    @router.post("/unsubscribe", response_class=HTMLResponse, summary="Stop e-mail of one kind")
    async def unsubscribe(token: Token, use: Use) -> str:
        asked = await use.unsubscribe(token)
        speak = speech(asked.language)
        done = speak.gettext(
            "Done: no more e-mails about %(what)s.", what=kind_label(asked.kind, speak)
        )
        return _page(speak, f"<p>{escape(done)}</p>")

    @router.get(
        "/announcements/held-back",
        response_model=list[HeldBack],
        summary="Announcements the weekly budget sent to the digest only, per group",
    )
    async def held_back(
        me: Me, use: Use, days: Annotated[int, Query(ge=1, le=366)] = 7
    ) -> list[dict[str, Any]]:
        return await use.held_back(me.user_id, days=days)

    @router.get("/escalations", response_model=list[Escalation], summary="Escalations")
    async def list_escalations(me: Me, use: Use, open_only: bool = True) -> list[dict[str, Any]]:
        return await use.escalations(me.user_id, open_only=open_only)

    @router.get(
        "/groups/{group_id}/escalations",
        response_model=EscalationRouting,
        summary="Where a group's escalations go (its admins ask)",
    )
    async def escalation_routing(group_id: UUID, me: Me, use: Use) -> dict[str, bool]:
        return {"outside_community_managers": await use.escalation_routing(me.user_id, group_id)}

    @router.put(
        "/groups/{group_id}/escalations",
        response_model=EscalationRouting,
        summary="Open a private group's escalations to outside community managers, or not",
    )
    async def set_escalation_routing(
        group_id: UUID, body: EscalationRouting, me: Me, use: Use
    ) -> dict[str, bool]:
        outside = await use.route_escalations(
            me.user_id, group_id, outside=body.outside_community_managers
        )
        return {"outside_community_managers": outside}

    @router.post(
        "/escalations",
        status_code=202,
        response_model=EscalationRaisedOut,
        summary="Raise an unanswered group post now (its group admins, community managers)",
    )
    async def raise_now(body: EscalationRequest, me: Me, use: Use) -> dict[str, UUID]:
        return {"escalation_id": await use.raise_now(me.user_id, body.post_id)}

    return router
