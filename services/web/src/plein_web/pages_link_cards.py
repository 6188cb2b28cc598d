"""A link preview's image (from the files service, with the person's session: readers'
browsers never ask the linked site) and its author's "Remove preview"."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse, Response

from .pages_files import _relay
from .visits import Acting, Person, safe_next

router = APIRouter()


@router.get("/link-cards/{post_id}/image")
async def image(visit: Person, post_id: UUID) -> Response:
    return await _relay(visit, f"/files/link-cards/{post_id}/image")


@router.post("/link-cards/{post_id}/remove")
async def remove(
    visit: Acting, post_id: UUID, back: Annotated[str, Form(max_length=2000)] = ""
) -> Response:
    """The author takes the card off their post or reply; back to where they were."""
    await visit.api("DELETE", f"/files/link-cards/{post_id}")
    return RedirectResponse(safe_next(back or f"/posts/{post_id}"), status_code=303)
