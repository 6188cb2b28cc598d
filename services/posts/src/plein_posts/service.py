"""The posts service: conversations."""

from __future__ import annotations

from importlib.resources.abc import Traversable
from typing import Any

from fastapi import APIRouter
from plein_events import Event
from plein_events.eventstore import EventStoreOutbox
from plein_events.personal import PersonKeyMirror
from plein_events.projection import Projection
from plein_events.relay import OutboxRelay
from plein_platform.database import migrations_dir
from plein_platform.delegation import delegations_projection
from plein_platform.service import EventSourcedService, ServiceNotReady, Worker
from plein_platform.standing import standing_projection

from . import (
    api,
    api_articles,
    api_calendar,
    api_cards,
    api_reactions,
    api_topics,
    export_personal,
)
from .app import Conversations, PostsApplication
from .app_articles import Articles
from .calendar_app import Calendar
from .calendar_store import CALENDAR
from .consumers import ACCESS, THREADS
from .consumers_articles import ARTICLES
from .contract import to_contract
from .publishing import ScheduledPublisher
from .sealing import envelope_sealer
from .settings import PostsSettings
from .topics import FOLLOWS as TOPIC_FOLLOWS


class PostsService(EventSourcedService):
    name = "posts"
    description = (
        "Posts, threads and everything said in them: replies, reactions, questions, "
        "announcements, praise, polls, moderation and search."
    )
    application_class = PostsApplication

    def __init__(self) -> None:
        super().__init__()
        self._conversations: Conversations | None = None
        self._articles: Articles | None = None
        self._keys: PersonKeyMirror | None = None

    def migrations(self) -> Traversable:
        return migrations_dir("plein_posts", __file__)

    def routes(self) -> APIRouter:
        router = api.routes()
        router.include_router(export_personal.routes())  # this service's part of an export
        router.include_router(api_topics.routes())
        router.include_router(api_reactions.routes())
        router.include_router(api_cards.routes())
        router.include_router(api_calendar.routes())
        router.include_router(api_articles.routes())
        return router

    def projections(self) -> list[Projection]:
        # posts-delegations and posts-standing: the platform's read models current_principal
        # checks shared-account tokens and deactivated people against.
        return [
            ACCESS,
            THREADS,
            ARTICLES,
            export_personal.TOUCHES,
            TOPIC_FOLLOWS,
            CALENDAR,
            delegations_projection(self.name),
            standing_projection(self.name),
        ]

    def to_contract(self, domain_event: Any) -> Event | None:
        return to_contract(domain_event)

    @property
    def conversations(self) -> Conversations:
        if self._conversations is None:
            raise ServiceNotReady("The posts service is starting.")
        return self._conversations

    @property
    def calendar(self) -> Calendar:
        return Calendar(self.conversations)

    @property
    def articles(self) -> Articles:
        if self._articles is None:
            raise ServiceNotReady("The posts service is starting.")
        return self._articles

    async def on_start(self) -> None:
        await super().on_start()
        # Every person key, before a thread is loaded: the words in the event store are sealed.
        self._keys = PersonKeyMirror(self.ctx.js)
        await self._keys.start()
        self.application.seal_with(self._keys)
        self._conversations = Conversations(
            self.application, self.ctx.pool, PostsSettings(), self.ctx.clock, self._keys
        )
        self._articles = Articles(self._conversations)

    async def on_stop(self) -> None:
        self._conversations = None
        self._articles = None
        await super().on_stop()
        if self._keys is not None:
            await self._keys.stop()
            self._keys = None

    def extra_workers(self) -> list[Worker]:
        """The outbox relay, sealing the words on the stream under their writer's key; the
        publisher of scheduled articles nobody read yet."""
        s = self.ctx.settings
        assert self._keys is not None
        return [
            ScheduledPublisher(
                lambda: self.articles, PostsSettings().scheduled_articles_interval_s
            ),
            OutboxRelay(
                f"outbox:{self.name}",
                EventStoreOutbox(self.application, self.to_contract, envelope_sealer(self._keys)),
                self.ctx.pool,
                self.ctx.js,
                batch_size=s.relay_batch_size,
                poll_interval_s=s.relay_poll_interval_s,
                producer=self.name,
            ),
        ]


SERVICE = PostsService
