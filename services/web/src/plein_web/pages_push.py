"""Push on this device: settings/push.js post the browser's push subscription here and the
session's token forwards it to notify (the browser never holds a token); devices are removed
and private previews chosen with plain forms; a push's click lands here to mark it read."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from .gateway import ApiProblem
from .i18n import gettext
from .visits import Acting, Person

router = APIRouter()


@router.post("/settings/devices")
async def add_device(visit: Acting, request: Request) -> Response:
    """The browser's PushSubscription (its toJSON()), from static/push.js."""
    try:
        subscription: Any = await request.json()
    except ValueError:
        subscription = None
    if not isinstance(subscription, dict):
        return JSONResponse({"message": gettext("Push could not be turned on.")}, 422)
    body = {"endpoint": subscription.get("endpoint"), "keys": subscription.get("keys")}
    agent = request.headers.get("user-agent", "")[:500]
    try:
        device = await visit.api(
            "POST", "/notify/push/devices", json=body, headers={"User-Agent": agent}
        )
    except ApiProblem as problem:
        return JSONResponse({"message": problem.message}, problem.status)
    return JSONResponse(
        {"message": gettext("Push is on for %(device)s.", device=device["name"])}, 201
    )


@router.post("/settings/devices/{device_id}/remove")
async def remove_device(visit: Acting, device_id: UUID) -> Response:
    await visit.api("DELETE", f"/notify/push/devices/{device_id}")
    return RedirectResponse("/settings?saved=true#push", status_code=303)


@router.post("/settings/previews")
async def set_previews(
    visit: Acting, private_previews: Annotated[bool, Form()] = False
) -> Response:
    await visit.api("PUT", "/notify/push/previews", json={"private_previews": private_previews})
    return RedirectResponse("/settings?saved=true#push", status_code=303)


@router.get("/notifications/{notification_id}/open")
async def open_notification(visit: Person, notification_id: UUID, next: str = "") -> Response:
    """Where a push's click goes (sw.js): marks it read, as the inbox's link does, then opens
    its thread. Only Plein's own thread and group pages are followed."""
    try:
        await visit.api("POST", f"/notify/inbox/{notification_id}/read")
    except ApiProblem as problem:
        if problem.status != 404:
            raise
    safe = next.startswith(("/posts/", "/groups/")) and "//" not in next and "\\" not in next
    return RedirectResponse(next if safe else "/notifications", status_code=303)
