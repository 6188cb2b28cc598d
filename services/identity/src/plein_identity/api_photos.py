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
from plein_platform.errors import InvalidInput

from .api_deps import Caller, PeopleUse, PersonCaller
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
    async def upload(request: Request, principal: PersonCaller, use: PeopleUse) -> dict[str, Any]:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type not in ACCEPTED:
            raise InvalidInput("Send the photo as image/jpeg, image/png or image/webp.")
        image = await asyncio.to_thread(square_photo, await request.body())
        etag = hashlib.sha256(image).hexdigest()[:16]
        user = await use.set_photo(principal.user_id, image, "image/webp", etag)
        return await own_profile(use, user)

    @router.get(
        "/users/{user_id}/photo",
        summary="A person's profile photo (WEBP; cached: its address changes with the photo)",
        response_class=Response,
    )
    async def photo(request: Request, user_id: UUID, _: Caller, use: PeopleUse) -> Response:
        image, media_type, etag = await use.photo(user_id)
        headers = {"cache-control": "private, max-age=86400", "etag": f'"{etag}"'}
        if request.headers.get("if-none-match") == f'"{etag}"':
            return Response(status_code=304, headers=headers)
        return Response(image, media_type=media_type, headers=headers)

    return router
