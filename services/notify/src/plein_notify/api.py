"""Notify's HTTP routes: the inbox, its live stream, preferences, unsubscribe, escalations."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

import jwt
from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import HTMLResponse
from plein_platform.auth import Principal, bearer_token
from plein_platform.caller import current_principal
from plein_platform.delegation import check_delegation, projection_name
from plein_platform.errors import Conflict, Forbidden, InvalidInput, NotAuthenticated, NotFound
from plein_platform.service import ServiceNotReady, service_of
from pydantic import BaseModel
from sse_starlette import EventSourceResponse

from . import store
from .app import entry_view
from .domain import (
    DEFAULT_CHANNELS,
    DEFAULT_DIGEST,
    Access,
    Channel,
    Cursor,
    DigestFrequency,
    Kind,
    channel_for,
    escalation_reaches,
    may_listen,
)
from .mail import KIND_LABELS, UnsubscribeLinks


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


def _service(request: Request) -> Any:
    return service_of(request)


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
        principal = await service.ctx.verifier.verify(token)
        # The same delegation check as `current_principal` on the header form. Notify keeps
        # no delegations today (a shared account has no inbox), so acting-as is refused.
        if projection_name(service.name) in service.runners:
            async with service.ctx.pool.connection() as conn:
                principal = await check_delegation(conn, principal)
        else:
            principal = await check_delegation(None, principal)
    else:
        raise NotAuthenticated("A bearer token is required.")
    # Verified above; only its expiry is read here.
    exp = jwt.decode(token, options={"verify_signature": False})["exp"]
    return StreamCaller(principal, datetime.fromtimestamp(float(exp), UTC))


async def _preferences(conn: Any, user_id: UUID) -> dict[str, Any]:
    chosen = await store.preferences(conn, user_id)
    return {
        "channels": {kind: channel_for(kind, chosen) for kind in DEFAULT_CHANNELS},
        "digest": await store.digest_frequency(conn, user_id) or DEFAULT_DIGEST,
    }


def routes() -> APIRouter:
    router = APIRouter(tags=["notify"])

    @router.get("/inbox", response_model=Inbox, summary="My notifications, latest change first")
    async def inbox(
        request: Request,
        principal: Annotated[Principal, Depends(current_principal)],
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
        cursor: Annotated[str | None, Query(max_length=200)] = None,
        unread_only: bool = False,
    ) -> dict[str, Any]:
        after = Cursor.decode(cursor) if cursor else None
        async with _service(request).ctx.pool.connection() as conn:
            rows = await store.inbox_page(
                conn, principal.user_id, after, limit + 1, unread_only=unread_only
            )
            unread = await store.unread_count(conn, principal.user_id)
        more = len(rows) > limit
        rows = rows[:limit]
        next_cursor = Cursor(rows[-1]["updated_at"], rows[-1]["id"]).encode() if more else None
        return {
            "entries": [entry_view(r) for r in rows],
            "unread_count": unread,
            "next_cursor": next_cursor,
        }

    @router.get("/inbox/unread-count", response_model=UnreadCount, summary="How many unread")
    async def unread_count(
        request: Request, principal: Annotated[Principal, Depends(current_principal)]
    ) -> dict[str, int]:
        async with _service(request).ctx.pool.connection() as conn:
            return {"unread_count": await store.unread_count(conn, principal.user_id)}

    @router.post("/inbox/{notification_id}/read", status_code=204, summary="Mark one read")
    async def mark_read(
        request: Request,
        notification_id: UUID,
        principal: Annotated[Principal, Depends(current_principal)],
    ) -> Response:
        service = _service(request)
        async with service.ctx.pool.connection() as conn:
            found = await store.mark_read(conn, principal.user_id, notification_id, service.now())
        if not found:
            raise NotFound(f"You have no notification {notification_id}.")
        return Response(status_code=204)

    @router.post("/inbox/read", response_model=UnreadCount, summary="Mark all read")
    async def mark_all_read(
        request: Request, principal: Annotated[Principal, Depends(current_principal)]
    ) -> dict[str, int]:
        service = _service(request)
        async with service.ctx.pool.connection() as conn:
            await store.mark_all_read(conn, principal.user_id, service.now())
            return {"unread_count": await store.unread_count(conn, principal.user_id)}

    @router.get("/stream", summary="My inbox, live (Server-Sent Events; resumable)")
    async def stream(
        request: Request,
        caller: Annotated[StreamCaller, Depends(stream_caller)],
        last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
    ) -> EventSourceResponse:
        service = _service(request)
        me = caller.principal.user_id
        resume_from = int(last_event_id) if last_event_id and last_event_id.isdigit() else None

        signals = service.signals
        if signals is None:
            raise ServiceNotReady("The notify service is starting.")

        async def events() -> AsyncIterator[dict[str, Any]]:
            with signals.subscribe(me) as wake:
                async with service.ctx.pool.connection() as conn:
                    unread = await store.unread_count(conn, me)
                    seq = resume_from
                    if seq is None:
                        seq = await store.latest_change(conn, me)
                yield {"event": "unread", "data": json.dumps({"unread_count": unread})}
                while True:
                    async with service.ctx.pool.connection() as conn:
                        person = await store.person(conn, me)
                        if not may_listen(
                            active=bool(person and person["active"]),
                            token_expires_at=caller.token_expires_at,
                            now=service.now(),
                        ):
                            return  # token expired, or deactivated or erased: the stream ends
                        rows = await store.entries_changed_since(conn, me, seq)
                        unread = await store.unread_count(conn, me) if rows else unread
                    for row in rows:
                        seq = int(row["change_seq"])
                        data = {**entry_view(row), "unread_count": unread}
                        yield {
                            "id": str(seq),
                            "event": "notification",
                            "data": json.dumps(data, default=str),
                        }
                    if len(rows) == 100:
                        continue
                    wake.clear()
                    left_s = (caller.token_expires_at - service.now()).total_seconds()
                    try:
                        await asyncio.wait_for(wake.wait(), timeout=max(0.0, min(15, left_s)))
                    except TimeoutError:
                        pass  # look again anyway: a lost signal costs at most this long

        return EventSourceResponse(events(), ping=15)

    @router.get("/preferences", response_model=Preferences, summary="My channels per kind")
    async def get_preferences(
        request: Request, principal: Annotated[Principal, Depends(current_principal)]
    ) -> dict[str, Any]:
        async with _service(request).ctx.pool.connection() as conn:
            return await _preferences(conn, principal.user_id)

    @router.patch("/preferences", response_model=Preferences, summary="Change my channels")
    async def change_preferences(
        request: Request,
        change: PreferencesChange,
        principal: Annotated[Principal, Depends(current_principal)],
    ) -> dict[str, Any]:
        async with _service(request).ctx.pool.connection() as conn, conn.transaction():
            for kind, channel in change.channels.items():
                await store.set_preference(conn, principal.user_id, kind, channel)
            if change.digest is not None:
                await store.set_digest_frequency(conn, principal.user_id, change.digest.value)
            return await _preferences(conn, principal.user_id)

    async def _links(request: Request) -> UnsubscribeLinks:
        service = _service(request)
        async with service.ctx.pool.connection() as conn:
            secret = await store.mail_secret(conn)
        return UnsubscribeLinks(secret, service.ctx.settings.base_url)

    @router.get("/unsubscribe", response_class=HTMLResponse, summary="Confirm an unsubscribe")
    async def unsubscribe_page(
        request: Request, token: Annotated[str, Query(max_length=2000)]
    ) -> str:
        # A GET only asks: mail scanners follow links, and must not unsubscribe anyone.
        _, kind = (await _links(request)).read(token)
        label = KIND_LABELS[kind]
        return (
            f"<html><body><form method='post'><p>Stop e-mails about {label}? You will still "
            f"see them in Plein.</p><input type='hidden' name='token' value='{token}'>"
            "<button type='submit'>Stop these e-mails</button></form></body></html>"
        )

    @router.post("/unsubscribe", response_class=HTMLResponse, summary="Stop e-mail of one kind")
    async def unsubscribe(request: Request, token: Annotated[str, Query(max_length=2000)]) -> str:
        user_id, kind = (await _links(request)).read(token)
        async with _service(request).ctx.pool.connection() as conn:
            await store.set_preference(conn, user_id, kind, Channel.IN_APP)
        return f"<html><body><p>Done: no more e-mails about {KIND_LABELS[kind]}.</p></body></html>"

    @router.get("/escalations", response_model=list[Escalation], summary="Escalations")
    async def list_escalations(
        request: Request,
        principal: Annotated[Principal, Depends(current_principal)],
        open_only: bool = True,
    ) -> list[dict[str, Any]]:
        async with _service(request).ctx.pool.connection() as conn:
            moderators = await store.holders_of(conn, "network_admin", "community_manager")
            if principal.user_id not in moderators:
                raise Forbidden("Only community managers and network admins see escalations.")
            rows = await store.escalations(conn, principal.user_id, open_only=open_only)
        # A private group's escalations, and that the group exists, are for its members
        # unless its admins opened them to outside community managers.
        return [
            row
            for row in rows
            if escalation_reaches(
                Access(
                    active=True,
                    group_private=bool(row["group_private"]),
                    member=bool(row["viewer_member"]),
                ),
                outside_managers_welcome=bool(row["outside_managers_welcome"]),
            )
        ]

    async def _admin_of(request: Request, group_id: UUID, principal: Principal) -> None:
        async with _service(request).ctx.pool.connection() as conn:
            if principal.user_id in await store.group_admins(conn, group_id):
                return
            private = await store.group_is_private(conn, group_id)
            if private and not await store.is_member(conn, group_id, principal.user_id):
                raise NotFound(f"There is no group {group_id}.")  # nor says that it exists
        raise Forbidden("Only the group's admins decide where its escalations go.")

    @router.get(
        "/groups/{group_id}/escalations",
        response_model=EscalationRouting,
        summary="Where a group's escalations go (its admins ask)",
    )
    async def escalation_routing(
        request: Request,
        group_id: UUID,
        principal: Annotated[Principal, Depends(current_principal)],
    ) -> dict[str, bool]:
        await _admin_of(request, group_id, principal)
        async with _service(request).ctx.pool.connection() as conn:
            welcome = await store.outside_managers_welcome(conn, group_id)
        return {"outside_community_managers": welcome}

    @router.put(
        "/groups/{group_id}/escalations",
        response_model=EscalationRouting,
        summary="Open a private group's escalations to outside community managers, or not",
    )
    async def set_escalation_routing(
        request: Request,
        group_id: UUID,
        body: EscalationRouting,
        principal: Annotated[Principal, Depends(current_principal)],
    ) -> dict[str, bool]:
        await _admin_of(request, group_id, principal)
        async with _service(request).ctx.pool.connection() as conn:
            await store.set_outside_managers_welcome(
                conn, group_id, body.outside_community_managers
            )
        return {"outside_community_managers": body.outside_community_managers}

    @router.post(
        "/escalations",
        status_code=202,
        response_model=EscalationRaisedOut,
        summary="Raise an unanswered group post now (its group admins, community managers)",
    )
    async def raise_now(
        request: Request,
        body: EscalationRequest,
        principal: Annotated[Principal, Depends(current_principal)],
    ) -> dict[str, UUID]:
        # The scheduler raises after the configured wait; an admin who sees a post sinking
        # need not wait for it. Same event, same recipients.
        service = _service(request)
        async with service.ctx.pool.connection() as conn:
            thread = await store.thread(conn, body.post_id)
            if thread is None or thread["deleted"]:
                raise NotFound(f"There is no post {body.post_id}.")
            if thread["group_id"] is None:
                raise InvalidInput("Only posts in a group are escalated.")
            allowed = principal.user_id in await store.group_admins(
                conn, thread["group_id"]
            ) or principal.user_id in await store.holders_of(conn, "community_manager")
            if not allowed:
                raise Forbidden("Only the group's admins and community managers escalate.")
            if thread["first_reply_id"] is not None:
                raise Conflict("This post has had a reply.")
        escalation_id = await service.scheduler.raise_for(thread, service.now())
        if escalation_id is None:
            raise Conflict("This post was escalated already.")
        return {"escalation_id": escalation_id}

    return router
