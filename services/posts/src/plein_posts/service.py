"""The posts service: conversations."""

from __future__ import annotations

from importlib.resources.abc import Traversable
from typing import Any

from fastapi import APIRouter
from plein_events import Event
from plein_platform.database import migrations_dir
from plein_platform.service import EventSourcedService

from . import api
from .app import PostsApplication
from .contract import to_contract


class PostsService(EventSourcedService):
    name = "posts"
    description = "Posts, threads and everything said in them."
    application_class = PostsApplication

    def migrations(self) -> Traversable:
        return migrations_dir("plein_posts", __file__)

    def routes(self) -> APIRouter:
        return api.routes()

    def to_contract(self, domain_event: Any) -> Event | None:
        return to_contract(domain_event)


SERVICE = PostsService
