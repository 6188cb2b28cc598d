"""Events of articles (news and blogs), produced by the posts service.

Every article event says which article, whose, and where it is placed; each then says what
changed. They carry no words: titles and bodies stay sealed in posts' event store, and a
published article's words reach the stream in the thread it opens (`PostCreated`, by the
article's author), which feed, notify, search and metrics already follow.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar
from uuid import UUID

from .contract import Event, event_type


class ArticleEvent(Event):
    """What every article event carries (not itself an event type)."""

    personal_subject: ClassVar[str] = "real_author_id"

    article_id: UUID
    # Who it appears from (a person or a shared account) and the person who wrote it.
    author_id: UUID
    real_author_id: UUID
    group_id: UUID | None = None
    group_private: bool = False


@event_type("posts")
class ArticleDrafted(ArticleEvent):
    """Someone started an article: a draft only they (and co-editors) see."""


@event_type("posts")
class ArticleRevised(ArticleEvent):
    """An article's title, teaser, cover or body changed (its history is kept)."""

    editor_id: UUID


@event_type("posts")
class ArticleCoEditorAdded(ArticleEvent):
    """The author named a co-editor (`co_editor_id`), who may see and edit the article."""

    co_editor_id: UUID


@event_type("posts")
class ArticleScheduled(ArticleEvent):
    """The article goes out by itself at `publish_at`: readers count it as published from
    then on, before its ArticlePublished arrives (recorded at the first read after)."""

    publish_at: datetime


@event_type("posts")
class ArticlePublished(ArticleEvent):
    """The article is out (`published_at`: now, or its scheduled time) for whoever may read
    its place; `thread_id` is the thread of replies opened at its first publication."""

    published_at: datetime
    thread_id: UUID | None = None


@event_type("posts")
class ArticleUnpublished(ArticleEvent):
    """The article was taken back: its author and co-editors see it again, no one else."""


@event_type("posts")
class ArticleFeatured(ArticleEvent):
    """A network admin or community manager put the article in the news (or took it out:
    `featured` false)."""

    featured: bool


ARTICLE_EVENTS: tuple[type[ArticleEvent], ...] = (
    ArticleDrafted,
    ArticleRevised,
    ArticleCoEditorAdded,
    ArticleScheduled,
    ArticlePublished,
    ArticleUnpublished,
    ArticleFeatured,
)
