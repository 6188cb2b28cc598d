"""Identity's HTTP routes, assembled from its rooms: auth, people, groups, photos and topics."""

from __future__ import annotations

from fastapi import APIRouter

from . import api_auth, api_groups, api_people, api_photos, api_topics


def routes() -> APIRouter:
    router = APIRouter()
    router.include_router(api_auth.routes())
    router.include_router(api_people.routes())
    router.include_router(api_groups.routes())
    router.include_router(api_photos.routes())
    router.include_router(api_topics.routes())
    return router
