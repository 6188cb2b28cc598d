"""Link cards over HTTP: the cards of posts a reader may see, removing one, its image."""

from __future__ import annotations

from datetime import UTC
from email.utils import format_datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse
from plein_platform.errors import InvalidInput, NotFound
from plein_platform.service import service_of
from pydantic import BaseModel

from ..api import SANDBOX, Caller
from .cards import LinkCards


class LinkCardOut(BaseModel):
    """A link's card: what the page says of itself; the image is served by Plein."""

    post_id: UUID  # the post's or the reply's id
    url: str
    title: str
    description: str
    site_name: str
    image_url: str | None = None
    image_width: int | None = None
    image_height: int | None = None
    removable: bool = False  # the caller wrote the post and may take the card off


class LinkCardList(BaseModel):
    items: list[LinkCardOut]


def cards_of(request: Request) -> LinkCards:
    service: Any = service_of(request)
    cards: LinkCards = service.link_cards
    return cards


def out(row: dict[str, Any]) -> LinkCardOut:
    image = f"/files/link-cards/{row['place_id']}/image" if row["image_key"] else None
    return LinkCardOut(
        post_id=row["place_id"],
        url=row["url"],
        title=row["title"],
        description=row["description"],
        site_name=row["site_name"],
        image_url=image,
        image_width=row["image_width"],
        image_height=row["image_height"],
        removable=row["removable"],
    )


def routes() -> APIRouter:
    router = APIRouter(tags=["link cards"])

    @router.get(
        "/link-cards",
        response_model=LinkCardList,
        summary="The link previews of posts and replies (only those you may read)",
        description="A post you may not read, or one without a card (yet), is simply absent.",
    )
    async def several(
        request: Request,
        caller: Caller,
        post_id: Annotated[list[UUID], Query(description="post or reply ids, at most 100")],
    ) -> LinkCardList:
        if len(post_id) > 100:
            raise InvalidInput("Ask for at most 100 link previews at once.")
        rows = await cards_of(request).visible(caller, list(dict.fromkeys(post_id)))
        return LinkCardList(items=[out(r) for r in rows])

    @router.delete(
        "/link-cards/{post_id}",
        status_code=204,
        summary="Remove a post's link preview (its author only)",
    )
    async def remove(request: Request, caller: Caller, post_id: UUID) -> Response:
        await cards_of(request).remove(caller, post_id)
        return Response(status_code=204)

    @router.get("/link-cards/{post_id}/image", summary="A link preview's image (WebP)")
    async def image(request: Request, caller: Caller, post_id: UUID) -> Response:
        cards = cards_of(request)
        card = await cards.one(caller, post_id)
        if not card["image_key"]:
            raise NotFound("This link preview has no image.")
        etag = f'"{card["image_key"].rsplit("/", 1)[-1]}-{card["fetched_at"].timestamp():.0f}"'
        headers = {
            "ETag": etag,
            "Last-Modified": format_datetime(card["fetched_at"].astimezone(UTC), usegmt=True),
            "Cache-Control": "private, max-age=3600",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": SANDBOX,
            "Cross-Origin-Resource-Policy": "same-origin",
        }
        if etag in request.headers.get("if-none-match", ""):
            return Response(status_code=304, headers=headers)
        return StreamingResponse(
            cards.files.bytes_of(card["image_key"]), media_type="image/webp", headers=headers
        )

    return router
