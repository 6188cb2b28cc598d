"""Profile photos: upload my photo (cropped square and resized here with Pillow), read anyone's
with cache headers. Erasure removes it (store.erase_person)."""

from __future__ import annotations

import asyncio
import hashlib
import io
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request, Response
from PIL import Image, ImageOps, UnidentifiedImageError
from plein_platform.errors import InvalidInput, NotFound

from .api import Caller, PersonCaller, identity, run
from .api_people import own_profile

PHOTO_SIZE = 256  # pixels, square: what the largest face on a page needs (twice, for HiDPI)
ACCEPTED = ("image/jpeg", "image/png", "image/webp")


def square_photo(data: bytes) -> bytes:
    """The upload as a centred square WEBP of PHOTO_SIZE pixels, upright (EXIF), no metadata."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > 40_000_000:
                raise InvalidInput("That image is too large (more than 40 megapixels).")
            upright = ImageOps.exif_transpose(image).convert("RGB")
    except (UnidentifiedImageError, OSError) as error:
        raise InvalidInput("That file is not a JPEG, PNG or WEBP image.") from error
    square = ImageOps.fit(upright, (PHOTO_SIZE, PHOTO_SIZE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    square.save(out, "WEBP", quality=82, method=4)
    return out.getvalue()


def routes() -> APIRouter:
    router = APIRouter(tags=["people"])

    @router.put(
        "/me/photo",
        summary="Upload my profile photo (the request body is the JPEG, PNG or WEBP image)",
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    t: {"schema": {"type": "string", "format": "binary"}} for t in ACCEPTED
                },
            }
        },
    )
    async def upload(request: Request, principal: PersonCaller) -> dict[str, Any]:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type not in ACCEPTED:
            raise InvalidInput("Send the photo as image/jpeg, image/png or image/webp.")
        image = await asyncio.to_thread(square_photo, await request.body())
        etag = hashlib.sha256(image).hexdigest()[:16]
        service = identity(request)
        async with service.ctx.pool.connection() as conn:
            await conn.execute(
                "INSERT INTO photos (user_id, image, media_type, etag) VALUES (%s, %s, %s, %s) "
                "ON CONFLICT (user_id) DO UPDATE SET image = EXCLUDED.image, "
                " media_type = EXCLUDED.media_type, etag = EXCLUDED.etag, updated_at = now()",
                (principal.user_id, image, "image/webp", etag),
            )
        url = (
            f"{service.ctx.settings.base_url}/api/identity/users/{principal.user_id}/photo?v={etag}"
        )
        user = await run(
            service.application.update_profile,
            principal.user_id,
            {"photo_url": url},
            principal.user_id,
        )
        await service.settle(user.id, user.version)
        return await own_profile(request, user)

    @router.get(
        "/users/{user_id}/photo",
        summary="A person's profile photo (WEBP; cached: its address changes with the photo)",
        response_class=Response,
    )
    async def photo(request: Request, user_id: UUID, principal: Caller) -> Response:
        async with identity(request).ctx.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT image, media_type, etag FROM photos WHERE user_id = %s", (user_id,)
            )
            row = await cur.fetchone()
        if row is None:
            raise NotFound("This person has no photo.")
        image, media_type, etag = row
        headers = {"cache-control": "private, max-age=86400", "etag": f'"{etag}"'}
        if request.headers.get("if-none-match") == f'"{etag}"':
            return Response(status_code=304, headers=headers)
        return Response(bytes(image), media_type=media_type, headers=headers)

    return router
