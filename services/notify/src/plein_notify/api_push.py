"""Notify's push routes: the instance's VAPID public key, a person's devices, previews."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Request, Response
from plein_platform.auth import Principal
from plein_platform.caller import current_principal
from plein_platform.service import service_of
from pydantic import BaseModel, Field

from .devices import Devices


class PushKey(BaseModel):
    public_key: str  # the applicationServerKey for PushManager.subscribe


class SubscriptionKeys(BaseModel):
    p256dh: str = Field(min_length=1, max_length=200)
    auth: str = Field(min_length=1, max_length=100)


class Subscription(BaseModel):
    """A browser's PushSubscription, as its toJSON() gives it."""

    endpoint: str = Field(min_length=1, max_length=2000)
    keys: SubscriptionKeys


class Device(BaseModel):
    id: UUID
    name: str
    created_at: datetime
    last_used_at: datetime | None


class Previews(BaseModel):
    """Whether pushes show the text of a private group's posts (off unless chosen)."""

    private_previews: bool


def _devices(request: Request) -> Devices:
    service: Any = service_of(request)
    devices: Devices = service.devices
    return devices


Me = Annotated[Principal, Depends(current_principal)]
Use = Annotated[Devices, Depends(_devices)]


def routes() -> APIRouter:
    router = APIRouter(tags=["push"])

    @router.get("/push/key", response_model=PushKey, summary="The VAPID public key")
    async def push_key(use: Use) -> dict[str, str]:
        return {"public_key": await use.public_key()}

    @router.get("/push/devices", response_model=list[Device], summary="My push devices")
    async def devices(me: Me, use: Use) -> list[dict[str, Any]]:
        return await use.list(me.user_id)

    @router.post(
        "/push/devices", status_code=201, response_model=Device, summary="Turn push on here"
    )
    async def add_device(
        body: Subscription,
        me: Me,
        use: Use,
        user_agent: Annotated[str, Header(max_length=500)] = "",
    ) -> dict[str, Any]:
        return await use.add(
            me.user_id,
            endpoint=body.endpoint,
            p256dh=body.keys.p256dh,
            auth=body.keys.auth,
            user_agent=user_agent,
        )

    @router.delete("/push/devices/{device_id}", status_code=204, summary="Remove a device")
    async def remove_device(device_id: UUID, me: Me, use: Use) -> Response:
        await use.remove(me.user_id, device_id)
        return Response(status_code=204)

    @router.get("/push/previews", response_model=Previews, summary="Private text in pushes?")
    async def previews(me: Me, use: Use) -> dict[str, bool]:
        return {"private_previews": await use.previews(me.user_id)}

    @router.put("/push/previews", response_model=Previews, summary="Allow private text or not")
    async def set_previews(body: Previews, me: Me, use: Use) -> dict[str, bool]:
        return {"private_previews": await use.set_previews(me.user_id, body.private_previews)}

    return router
