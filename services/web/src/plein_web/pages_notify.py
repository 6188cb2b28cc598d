"""Notifications: the inbox, mark read, the live unread badge (notify's SSE stream relayed with
the session's token, so the browser never sees one), notification settings and my data."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal
from uuid import UUID

import httpx
from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse

from . import exports
from .gateway import SignInNeeded
from .i18n import gettext
from .people import profiles
from .visits import Acting, Person

router = APIRouter()


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


@router.get("/notifications")
async def inbox(visit: Person, cursor: str | None = None) -> Response:
    page = await visit.get("/notify/inbox", cursor=cursor, limit=30)
    people = await profiles(visit, {n.get("actor_id") for n in page["entries"]})
    return visit.web.renderer.page(visit, "notifications.html", page=page, people=people)


@router.post("/notifications/read")
async def mark_all_read(visit: Acting) -> Response:
    await visit.api("POST", "/notify/inbox/read")
    return see_other("/notifications")


@router.post("/notifications/{notification_id}/read")
async def mark_read(
    visit: Acting, notification_id: UUID, next: Annotated[str, Form(max_length=200)] = ""
) -> Response:
    await visit.api("POST", f"/notify/inbox/{notification_id}/read")
    target = next if next.startswith("/posts/") else "/notifications"
    return see_other(target)


@router.get("/unread-count")
async def unread_count(visit: Person) -> Response:
    body = await visit.get("/notify/inbox/unread-count")
    return Response(json.dumps(body), media_type="application/json")


@router.get("/live")
async def live(visit: Person, request: Request) -> Response:
    """notify's live inbox for this session, relayed as Server-Sent Events, each new entry
    drawn as the inbox page draws it."""
    token = await visit._fresh_access_token()
    headers = {"Accept-Language": visit.language}  # notify's sentences in the pages' language
    if request.headers.get("last-event-id"):
        headers["Last-Event-ID"] = request.headers["last-event-id"][:40]
    gateway = visit.web.gateway

    async def relay() -> AsyncIterator[bytes]:
        try:
            async with gateway.stream("/notify/stream", token, headers) as upstream:
                async for event in _events(upstream.aiter_lines()):
                    yield (await _drawn(visit, event)).encode()
        except (SignInNeeded, httpx.HTTPError):
            # The browser's EventSource reconnects; by then the session may be refreshed.
            yield b"retry: 5000\n\n"

    return StreamingResponse(
        relay(),
        media_type="text/event-stream",
        headers={"cache-control": "no-cache", "x-accel-buffering": "no"},
    )


async def _events(lines: AsyncIterator[str]) -> AsyncIterator[list[str]]:
    """Server-Sent Events from their lines: each event's lines, up to the blank line ending it."""
    event: list[str] = []
    async for line in lines:
        if line:
            event.append(line)
        elif event:
            yield event
            event = []


async def _drawn(visit: Person, event: list[str]) -> str:
    """The event as notify sent it; a new inbox entry gains its HTML (`html`), drawn by the
    inbox page's own macro, so that it arrives with its actor's face like the others."""
    data_lines = [
        line.removeprefix("data:").removeprefix(" ") for line in event if line.startswith("data:")
    ]
    if "event: notification" not in event or not data_lines:
        return "\n".join(event) + "\n\n"
    entry = json.loads("\n".join(data_lines))
    actor_id = entry.get("actor_id")
    actor = (await profiles(visit, [actor_id])).get(str(actor_id)) if actor_id else None
    entry["html"] = visit.web.renderer.render(visit, "_notification.html", n=entry, actor=actor)
    kept = [line for line in event if not line.startswith("data:")]
    return "\n".join([*kept, "data: " + json.dumps(entry)]) + "\n\n"


@router.get("/settings")
async def settings_page(visit: Person, saved: bool = False) -> Response:
    preferences, devices, previews, key = await asyncio.gather(
        visit.get("/notify/preferences"),
        visit.get("/notify/push/devices"),
        visit.get("/notify/push/previews"),
        visit.get("/notify/push/key"),
    )
    return visit.web.renderer.page(
        visit,
        "settings.html",
        preferences=preferences,
        devices=devices,
        private_previews=previews["private_previews"],
        push_key=key["public_key"],
        saved=saved,
        error=None,
    )


@router.post("/settings")
async def save_settings(visit: Acting, request: Request) -> Response:
    form = await request.form()
    channels: dict[str, Any] = {}
    for key, value in form.multi_items():
        if key.startswith("channel:") and isinstance(value, str):
            channels[key.removeprefix("channel:")] = value
    digest = form.get("digest")
    body: dict[str, Any] = {"channels": channels}
    if isinstance(digest, str) and digest:
        body["digest"] = digest
    await visit.api("PATCH", "/notify/preferences", json=body)
    return see_other("/settings?saved=true")


@router.post("/settings/language")
async def save_language(
    visit: Acting, language: Annotated[Literal["nl", "en"], Form()] = "en"
) -> Response:
    """The profile's language (the pages and, where notify follows it, the e-mails)."""
    me = await visit.get("/identity/me")
    others = [lang for lang in me.get("languages") or [] if lang[:2].lower() != language]
    await visit.api("PATCH", "/identity/me", json={"languages": [language, *others]})
    await visit.remember_language(language)
    return see_other("/settings?saved=true")


@router.get("/my-data")
async def my_data(visit: Person) -> Response:
    return visit.web.renderer.page(visit, "my_data.html", error=None)


@router.post("/my-data/erase")
async def erase(
    visit: Acting,
    confirm: Annotated[str, Form(max_length=100)] = "",
    authored: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Erase the visitor, with what they chose for the words they wrote."""
    error = None
    if authored not in ("removed", "anonymised"):
        error = gettext("Choose what becomes of what you wrote.")
    elif confirm.strip().lower() not in ("erase", "wissen"):
        error = gettext('Type "erase" to confirm that everything about you is to be erased.')
    if error is not None:
        return visit.web.renderer.page(visit, "my_data.html", status_code=422, error=error)
    await visit.api("DELETE", f"/identity/users/{visit.user_id}", params={"authored": authored})
    async with visit.web.ctx.pool.connection() as conn:
        await exports.forget_archives(conn, UUID(visit.user_id))
    await visit.forget_sign_in()
    return see_other("/sign-in?erased=true")
