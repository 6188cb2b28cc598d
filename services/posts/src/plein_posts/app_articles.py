"""Articles' use cases: write, edit, schedule, publish, feature, and read them.

An article lives in posts' event store next to threads. Publishing it (now, or at the first
read after its scheduled time) also opens its thread of replies, saved in one transaction
with the article's `Published` event: an ordinary post by the same author in the same place,
with the title, teaser, cover and a link, so that replies, reactions, the feed,
notifications, search and metrics follow articles as they follow posts.
"""

from __future__ import annotations

import asyncio
import random
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError
from plein_platform.auth import Principal
from plein_platform.errors import Conflict, InvalidInput, NotFound

from . import store, store_articles
from .app import SAVE_ATTEMPTS, Conversations
from .domain import Access, Post
from .domain.article import Article, clean_article, publish_time

T = TypeVar("T")


def thread_text(article: Article) -> str:
    """What the article's thread says (Markdown): its title, as the link to it, and its
    teaser. The title's own Markdown marks are escaped so that it stays one link."""
    title = re.sub(r"([\\`*_\[\]<>])", r"\\\1", article.title)
    parts = [f"**[{title}](/articles/{article.id})**"]
    if article.teaser:
        parts.append(article.teaser)
    return "\n\n".join(parts)


class Articles:
    """Every use case of articles, on the conversations' store, clock and access rules."""

    def __init__(self, conversations: Conversations) -> None:
        self.conversations = conversations
        self.events = conversations.events
        self.pool = conversations.pool
        # Tests move time by replacing this clock.
        self.clock: Callable[[], datetime] = conversations.clock

    def _article(self, article_id: UUID) -> Article:
        try:
            article: Any = self.events.repository.get(article_id)
        except AggregateNotFoundError:
            raise NotFound(f"There is no article {article_id}.") from None
        if not isinstance(article, Article):
            raise NotFound(f"There is no article {article_id}.")
        return article

    def _thread_for(self, article: Article) -> Post | None:
        """A new thread for the article's publication (None: it has a live one already; one
        removed when the article was taken back is replaced)."""
        if article.thread_id is not None:
            try:
                if not self.events.post(article.thread_id).root.deleted:
                    return None
            except NotFound:
                pass
        return Post(
            author_id=article.author_id,
            real_author_id=article.real_author_id,
            text=thread_text(article),
            group_id=article.group_id,
            group_private=article.group_private,
            kind="post",
            mentions=[],
            topics=[],
            actor_id=article.real_author_id,
            attachments=[article.cover_id] if article.cover_id else [],
        )

    def _thread_in_line(self, article: Article, access: Access, now: datetime) -> list[Post]:
        """The published article's thread brought in line with it: its title, teaser and cover
        after an edit; a tombstone once the article is taken back. The thread speaks for the
        article's author, whichever editor changed it (the words are the article's)."""
        if article.thread_id is None:
            return []
        try:
            post = self.events.post(article.thread_id)
        except NotFound:
            return []
        if post.root.deleted:
            return []
        author = replace(access, user_id=article.author_id, real_user_id=article.real_author_id)
        if article.state == "unpublished":
            changed = post.delete(author, None, now)
        else:
            cover = [article.cover_id] if article.cover_id else []
            changed = post.edit(author, None, thread_text(article), [], now, cover)
        return [post] if changed else []

    # -- writing ---------------------------------------------------------------------------

    async def draft(
        self,
        principal: Principal,
        *,
        group_id: UUID | None,
        title: str,
        teaser: str,
        cover_id: UUID | None,
        body: str,
    ) -> tuple[Article, Access]:
        access = await self.conversations._place(principal, group_id)
        title, teaser, body = clean_article(title, teaser, body)
        article = Article(
            author_id=access.user_id,
            real_author_id=access.real_user_id,
            group_id=group_id,
            group_private=bool(access.group and access.group.private),
            title=title,
            teaser=teaser,
            cover_id=cover_id,
            body=body,
            actor_id=access.real_user_id,
        )
        await asyncio.to_thread(self.events.save, article)
        return article, access

    async def change(
        self,
        principal: Principal,
        article_id: UUID,
        command: Callable[[Article, Access], T],
        *,
        thread_follows: bool = False,
    ) -> T:
        """Load, authorise, apply `command`, save (again if someone saved in between). With
        `thread_follows`, a published article's thread is changed along, in one transaction."""
        now = self.clock()
        for attempt in range(SAVE_ATTEMPTS):
            article = await asyncio.to_thread(self._article, article_id)
            access = await self.conversations.access(principal, article.group_id)
            if thread_follows and self.conversations.keys is not None:
                # The thread's words are sealed under the author's key, not the editor's.
                await self.conversations.keys.ensure(article.real_author_id)
            result = command(article, access)
            try:
                await asyncio.to_thread(self._save, article, access, now, thread_follows)
                return result
            except IntegrityError:
                if attempt == SAVE_ATTEMPTS - 1:
                    raise Conflict("This article is being changed by someone else.") from None
                await asyncio.sleep(random.uniform(0, 0.01 * (attempt + 1)))
        raise AssertionError("unreachable")

    def _save(self, article: Article, access: Access, now: datetime, thread_follows: bool) -> None:
        also = self._thread_in_line(article, access, now) if thread_follows else []
        self.events.save(article, *also)

    async def revise(
        self,
        principal: Principal,
        article_id: UUID,
        *,
        title: str,
        teaser: str,
        cover_id: UUID | None,
        body: str,
    ) -> bool:
        now = self.clock()
        return await self.change(
            principal,
            article_id,
            lambda a, access: a.revise(
                access, now, title=title, teaser=teaser, cover_id=cover_id, body=body
            ),
            thread_follows=True,
        )

    async def add_co_editor(self, principal: Principal, article_id: UUID, user_id: UUID) -> bool:
        await self.conversations._check_people([user_id], "co-editors")
        now = self.clock()
        return await self.change(
            principal, article_id, lambda a, access: a.add_co_editor(access, now, user_id)
        )

    async def add_co_editor_by_handle(
        self, principal: Principal, article_id: UUID, handle: str
    ) -> bool:
        """Name a co-editor by their @handle (as typed, with or without the @)."""
        handle = handle.strip().removeprefix("@").lower()
        async with self.pool.connection() as conn:
            found = await store.people_by_handle(conn, [handle])
        if not found:
            raise InvalidInput(
                f"No one has the handle @{handle}.", code="unknown_handle", handle=handle
            )
        return await self.add_co_editor(principal, article_id, found[0])

    async def schedule(
        self, principal: Principal, article_id: UUID, at: datetime, zone: str | None
    ) -> datetime:
        now = self.clock()
        when = publish_time(at, now, zone)
        await self.change(principal, article_id, lambda a, access: a.schedule(access, now, when))
        return when

    async def publish(self, principal: Principal, article_id: UUID) -> bool:
        """Publish now, opening its thread the first time; False if it was out already."""
        for attempt in range(SAVE_ATTEMPTS):
            article = await asyncio.to_thread(self._article, article_id)
            access = await self.conversations.access(principal, article.group_id)
            now = self.clock()
            if article.may_edit(access) and article.state != "published":
                access.require_contribute()  # a thread in the group needs a voice there
            thread = await asyncio.to_thread(self._thread_for, article)
            if not article.publish(access, now, thread.id if thread else None):
                return False
            try:
                await asyncio.to_thread(self.events.save, article, *([thread] if thread else []))
                return True
            except IntegrityError:
                if attempt == SAVE_ATTEMPTS - 1:
                    raise Conflict("This article is being changed by someone else.") from None
                await asyncio.sleep(random.uniform(0, 0.01 * (attempt + 1)))
        raise AssertionError("unreachable")

    async def unpublish(self, principal: Principal, article_id: UUID) -> bool:
        now = self.clock()
        return await self.change(
            principal, article_id, lambda a, access: a.unpublish(access, now), thread_follows=True
        )

    async def feature(self, principal: Principal, article_id: UUID, featured: bool) -> bool:
        now = self.clock()
        return await self.change(
            principal, article_id, lambda a, access: a.feature(access, now, featured)
        )

    # -- reading ---------------------------------------------------------------------------

    async def article(self, principal: Principal, article_id: UUID) -> tuple[Article, Access]:
        """The article as its event store has it now, if the caller may see it; a scheduled
        article whose time has come is recorded as published on the way."""
        article = await asyncio.to_thread(self._article, article_id)
        access = await self.conversations.access(principal, article.group_id)
        now = self.clock()
        article.require_see(access, now)
        if article.is_due(now):
            await self.publish_due(article_id, now)
            article = await asyncio.to_thread(self._article, article_id)
        return article, access

    async def publish_due(self, article_id: UUID, now: datetime) -> bool:
        """Record a due article's publication (and open its thread); False when it was not
        due (any more). Whoever comes first records it: a reader, or the publisher."""
        article = await asyncio.to_thread(self._article, article_id)
        if not article.is_due(now):
            return False
        if self.conversations.keys is not None:
            # The thread's words are sealed under the author's key, not the reader's.
            await self.conversations.keys.ensure(article.real_author_id)
        thread = await asyncio.to_thread(self._thread_for, article)
        article.publish_due(now, thread.id if thread else None)
        try:
            await asyncio.to_thread(self.events.save, article, *([thread] if thread else []))
        except IntegrityError:
            return False  # someone else recorded it (or changed it) first
        return True

    async def listed(
        self, principal: Principal, rows: list[dict[str, Any]]
    ) -> list[tuple[Article, Access]]:
        """The articles of a list's rows, each as `article` reads it (left out: gone, or no
        longer for the caller)."""
        found = []
        for row in rows:
            try:
                found.append(await self.article(principal, row["article_id"]))
            except NotFound:
                continue
        return found

    async def news(
        self,
        principal: Principal,
        *,
        author_id: UUID | None = None,
        featured_only: bool = False,
        public_only: bool = False,
        after: tuple[bool, datetime, UUID] | None = None,
        limit: int,
    ) -> list[dict[str, Any]]:
        """Rows of the articles out for the caller: featured first, then newest first."""
        async with self.pool.connection() as conn:
            return await store_articles.readable_ids(
                conn,
                principal.real_user_id,
                self.clock(),
                author_id=author_id,
                featured_only=featured_only,
                public_only=public_only,
                after=after,
                limit=limit,
            )

    async def my_drafts(self, principal: Principal, limit: int) -> list[tuple[Article, Access]]:
        """What the caller may edit that is not out (drafts, scheduled, taken back)."""
        async with self.pool.connection() as conn:
            ids = await store_articles.editable_ids(
                conn, principal.real_user_id, self.clock(), limit
            )
        return await self.listed(principal, [{"article_id": i} for i in ids])
