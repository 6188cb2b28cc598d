"""Articles: news and blog posts with a title, teaser, cover and Markdown body, and a life cycle.

draft -> scheduled -> published -> (edited) -> unpublished. A draft (and a scheduled article
before its time, and an unpublished one) is for its author and co-editors only; a published
article is for whoever may read where it is placed (the one rule, `Access.may_read`).

A scheduled article is published once its time has come: `state_at(now)` says so at any
read, and the first read after the time records `Published` (see app_articles), so nothing
waits on a timer and a test moves time by moving the clock.

When an article is first published, posts opens a thread for it (an ordinary post by the same
author in the same place, carrying the title, teaser, cover and a link): replies, reactions,
the feed, notifications, search and metrics then work on articles as on posts.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from eventsourcing.domain import Aggregate, event
from plein_platform.errors import Conflict, Forbidden, InvalidInput, NotFound

from .access import Access
from .text import clean_text

MAX_ARTICLE_TITLE_CHARS = 200
MAX_TEASER_CHARS = 500
# About 15,000 words: longer than any intranet article we found, short enough to render fast.
MAX_BODY_CHARS = 100_000
MAX_CO_EDITORS = 10
WORDS_PER_MINUTE = 200
# Where Plein's organisations are; a time typed without a zone means this one.
DEFAULT_ZONE = ZoneInfo("Europe/Amsterdam")

STATES = ("draft", "scheduled", "published", "unpublished")


def publish_time(at: datetime, now: datetime, zone: str | None = None) -> datetime:
    """When a scheduled article goes out: `at` read in `zone` (Europe/Amsterdam unless given)
    when it has no zone of its own; a time not in the future is refused."""
    if at.tzinfo is None:
        try:
            tz = ZoneInfo(zone) if zone else DEFAULT_ZONE
        except (KeyError, ValueError):
            raise InvalidInput(f"Unknown time zone {zone!r}.", code="unknown_zone") from None
        at = at.replace(tzinfo=tz)
    if at <= now:
        raise InvalidInput(
            "That time has passed: publish the article now instead.", code="publish_at_past"
        )
    return at


def reading_minutes(plain_words: int) -> int:
    """Minutes to read so many words (at least one)."""
    return max(1, math.ceil(plain_words / WORDS_PER_MINUTE))


class Article(Aggregate):
    """One article and its history."""

    @event("Drafted")
    def __init__(
        self,
        author_id: UUID,
        real_author_id: UUID,
        group_id: UUID | None,
        group_private: bool,
        title: str,
        teaser: str,
        cover_id: UUID | None,
        body: str,
        actor_id: UUID,
    ) -> None:
        self.author_id = author_id
        self.real_author_id = real_author_id
        self.group_id = group_id
        self.group_private = group_private
        self.title, self.teaser, self.cover_id, self.body = title, teaser, cover_id, body
        self.co_editors: list[UUID] = []
        self.state = "draft"
        self.publish_at: datetime | None = None
        self.published_at: datetime | None = None
        self.featured = False
        self.thread_id: UUID | None = None  # the thread opened at first publication
        # Earlier versions (title, body, until when they stood), as posts keep edits.
        self.history: list[tuple[str, str, datetime]] = []

    # -- reading ---------------------------------------------------------------------------

    def state_at(self, now: datetime) -> str:
        """The state as readers see it at `now`: a scheduled article past its time is out."""
        if self.state == "scheduled" and self.publish_at is not None and self.publish_at <= now:
            return "published"
        return self.state

    def is_due(self, now: datetime) -> bool:
        """Scheduled, its time has come, and its publication not recorded yet."""
        return self.state == "scheduled" and self.state_at(now) == "published"

    def may_edit(self, access: Access) -> bool:
        """Its author (also the person behind a shared account's article) and co-editors."""
        return (
            access.user_id == self.author_id
            or access.real_user_id == self.real_author_id
            or access.real_user_id in self.co_editors
        )

    def may_see(self, access: Access, now: datetime) -> bool:
        if self.may_edit(access):
            return True
        return self.state_at(now) == "published" and access.may_read

    def require_see(self, access: Access, now: datetime) -> None:
        if not self.may_see(access, now):
            # Not 403: someone who may not read it must not learn that it exists.
            raise NotFound("There is no such article.")

    def _require_edit(self, access: Access, now: datetime) -> None:
        self.require_see(access, now)
        if not self.may_edit(access):
            raise Forbidden("Only the article's author and co-editors may change it.")

    def _context(self, access: Access | None) -> dict[str, Any]:
        """What every event of this article carries for the services that consume it."""
        private = self.group_private
        if access is not None and access.group is not None:
            private = access.group.private
        return {
            "author_id": self.author_id,
            "real_author_id": self.real_author_id,
            "group_id": self.group_id,
            "group_private": private,
            "actor_id": access.real_user_id if access is not None else self.real_author_id,
        }

    # -- commands --------------------------------------------------------------------------

    def revise(
        self,
        access: Access,
        now: datetime,
        *,
        title: str,
        teaser: str,
        cover_id: UUID | None,
        body: str,
    ) -> bool:
        """Change the words or the cover; False if nothing changed. History is kept."""
        self._require_edit(access, now)
        title, teaser, body = clean_article(title, teaser, body)
        if (title, teaser, cover_id, body) == (self.title, self.teaser, self.cover_id, self.body):
            return False
        self._revised(
            editor_id=access.user_id,
            real_editor_id=access.real_user_id,
            title=title,
            teaser=teaser,
            cover_id=cover_id,
            body=body,
            at=now,
            **self._context(access),
        )
        return True

    @event("Revised")
    def _revised(
        self,
        editor_id: UUID,
        real_editor_id: UUID,
        title: str,
        teaser: str,
        cover_id: UUID | None,
        body: str,
        at: datetime,
        author_id: UUID,
        real_author_id: UUID,
        group_id: UUID | None,
        group_private: bool,
        actor_id: UUID,
    ) -> None:
        self.history.append((self.title, self.body, at))
        self.title, self.teaser, self.cover_id, self.body = title, teaser, cover_id, body

    def add_co_editor(self, access: Access, now: datetime, user_id: UUID) -> bool:
        """The author names a colleague who may see and edit the article; False if named."""
        self.require_see(access, now)
        if access.user_id != self.author_id and access.real_user_id != self.real_author_id:
            raise Forbidden("Only the article's author may add co-editors.")
        if user_id in self.co_editors or user_id in (self.author_id, self.real_author_id):
            return False
        if len(self.co_editors) >= MAX_CO_EDITORS:
            raise InvalidInput(f"An article has at most {MAX_CO_EDITORS} co-editors.")
        self._co_editor_added(user_id=user_id, **self._context(access))
        return True

    @event("CoEditorAdded")
    def _co_editor_added(
        self,
        user_id: UUID,
        author_id: UUID,
        real_author_id: UUID,
        group_id: UUID | None,
        group_private: bool,
        actor_id: UUID,
    ) -> None:
        self.co_editors.append(user_id)

    def schedule(self, access: Access, now: datetime, at: datetime) -> None:
        """Publish at `at` (already in the future: see `publish_time`)."""
        self._require_edit(access, now)
        if self.state_at(now) == "published":
            raise Conflict("This article is published already.")
        if at <= now:
            raise InvalidInput(
                "That time has passed: publish the article now instead.", code="publish_at_past"
            )
        self._scheduled(publish_at=at, **self._context(access))

    @event("Scheduled")
    def _scheduled(
        self,
        publish_at: datetime,
        author_id: UUID,
        real_author_id: UUID,
        group_id: UUID | None,
        group_private: bool,
        actor_id: UUID,
    ) -> None:
        self.state, self.publish_at = "scheduled", publish_at

    def publish(self, access: Access, now: datetime, thread_id: UUID | None) -> bool:
        """Publish now; False if it is out already. `thread_id`: the thread opened with it
        (None when it has one from an earlier publication)."""
        self._require_edit(access, now)
        if self.state == "published":
            return False
        self._published(at=now, thread_id=thread_id or self.thread_id, **self._context(access))
        return True

    def publish_due(self, now: datetime, thread_id: UUID | None) -> bool:
        """Record the publication of a scheduled article whose time has come (at that time)."""
        if not self.is_due(now):
            return False
        assert self.publish_at is not None
        self._published(
            at=self.publish_at,
            thread_id=thread_id or self.thread_id,
            **self._context(None),
        )
        return True

    @event("Published")
    def _published(
        self,
        at: datetime,
        thread_id: UUID | None,
        author_id: UUID,
        real_author_id: UUID,
        group_id: UUID | None,
        group_private: bool,
        actor_id: UUID,
    ) -> None:
        self.state, self.published_at, self.thread_id = "published", at, thread_id

    def unpublish(self, access: Access, now: datetime) -> bool:
        """Take it back: only its author and co-editors see it again. False if not out."""
        self._require_edit(access, now)
        if self.state_at(now) != "published":
            return False
        self._unpublished(at=now, **self._context(access))
        return True

    @event("Unpublished")
    def _unpublished(
        self,
        at: datetime,
        author_id: UUID,
        real_author_id: UUID,
        group_id: UUID | None,
        group_private: bool,
        actor_id: UUID,
    ) -> None:
        self.state, self.featured = "unpublished", False

    def feature(self, access: Access, now: datetime, featured: bool) -> bool:
        """Network admins and community managers put an article in the news on home (or
        take it out); False if nothing changed."""
        self.require_see(access, now)
        if not (access.network_admin or access.community_manager):
            raise Forbidden("Only network admins and community managers feature articles.")
        if featured and self.state_at(now) != "published":
            raise Conflict("Only a published article can be featured.")
        if featured == self.featured:
            return False
        self._featured(featured=featured, **self._context(access))
        return True

    @event("Featured")
    def _featured(
        self,
        featured: bool,
        author_id: UUID,
        real_author_id: UUID,
        group_id: UUID | None,
        group_private: bool,
        actor_id: UUID,
    ) -> None:
        self.featured = featured


def clean_article(title: str, teaser: str, body: str) -> tuple[str, str, str]:
    """Title (required, at most 200), teaser (optional, at most 500) and body (at most
    100,000 characters) as stored."""
    title = clean_text(title, limit=MAX_ARTICLE_TITLE_CHARS, what="An article's title")
    teaser = clean_text(teaser, limit=MAX_TEASER_CHARS, what="A teaser", required=False)
    body = clean_text(body, limit=MAX_BODY_CHARS, what="An article", required=False)
    return title, teaser, body
