# mypy: disable-error-code="attr-defined"
# (the eventsourcing library makes an aggregate's event classes at run time: Article.Drafted, ...)
"""Which of an article's domain events leave the service, and as which contract event."""

from __future__ import annotations

from typing import Any

from plein_events import Event
from plein_events.posts_articles import (
    ArticleCoEditorAdded,
    ArticleDrafted,
    ArticleFeatured,
    ArticlePublished,
    ArticleRevised,
    ArticleScheduled,
    ArticleUnpublished,
)

from .domain.article import Article


def article_to_contract(e: Any) -> Event | None:
    """The contract event for an article's stored domain event (None: not an article's)."""
    common = {
        "article_id": e.originator_id,
        "author_id": e.author_id,
        "real_author_id": e.real_author_id,
        "group_id": e.group_id,
        "group_private": e.group_private,
    }
    match e:
        case Article.Drafted():
            return ArticleDrafted(**common)
        case Article.Revised():
            return ArticleRevised(**common, editor_id=e.editor_id)
        case Article.CoEditorAdded():
            return ArticleCoEditorAdded(**common, co_editor_id=e.user_id)
        case Article.Scheduled():
            return ArticleScheduled(**common, publish_at=e.publish_at)
        case Article.Published():
            return ArticlePublished(**common, published_at=e.at, thread_id=e.thread_id)
        case Article.Unpublished():
            return ArticleUnpublished(**common)
        case Article.Featured():
            return ArticleFeatured(**common, featured=e.featured)
    return None
