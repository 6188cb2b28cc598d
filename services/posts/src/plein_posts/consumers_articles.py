"""Projection `posts_articles`: posts' own article events into the articles list."""

from __future__ import annotations

from typing import Any

from plein_events import Envelope
from plein_events.posts_articles import (
    ArticleCoEditorAdded,
    ArticleDrafted,
    ArticleEvent,
    ArticleFeatured,
    ArticlePublished,
    ArticleRevised,
    ArticleScheduled,
    ArticleUnpublished,
)
from plein_events.projection import Projection
from psycopg import AsyncConnection

from . import store_articles

Conn = AsyncConnection[Any]


async def on_article(conn: Conn, event: ArticleEvent, envelope: Envelope) -> None:
    """Every article event names its author and place; each then changes its own columns."""
    columns: dict[str, Any] = {
        "author_id": event.author_id,
        "real_author_id": event.real_author_id,
        "group_id": event.group_id,
    }
    match event:
        case ArticleDrafted():
            columns["editors"] = list({event.author_id, event.real_author_id})
        case ArticleScheduled():
            columns.update(state="scheduled", publish_at=event.publish_at)
        case ArticlePublished():
            columns.update(
                state="published", publish_at=event.published_at, thread_id=event.thread_id
            )
        case ArticleUnpublished():
            columns.update(state="unpublished", featured=False)
        case ArticleFeatured():
            columns["featured"] = event.featured
    await store_articles.upsert(conn, event.article_id, envelope.occurred_at, **columns)
    if isinstance(event, ArticleCoEditorAdded):
        await store_articles.add_editor(conn, event.article_id, event.co_editor_id)


ARTICLES = Projection(
    name="posts_articles",
    handlers={
        ArticleDrafted: on_article,
        ArticleRevised: on_article,
        ArticleCoEditorAdded: on_article,
        ArticleScheduled: on_article,
        ArticlePublished: on_article,
        ArticleUnpublished: on_article,
        ArticleFeatured: on_article,
    },
    tables=store_articles.ARTICLE_TABLES,
)
