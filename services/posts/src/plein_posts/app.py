"""Posts' use cases: authorise against posts' own read models, change a thread, save it."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, ClassVar, TypeVar
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError, LRUCache
from eventsourcing.persistence import IntegrityError, Mapper
from plein_events.eventstore import PleinApplication
from plein_events.pages import canonical_url
from plein_events.personal import PersonKeyMirror
from plein_platform.auth import Principal
from plein_platform.errors import Conflict, Forbidden, InvalidInput, NotFound
from psycopg_pool import AsyncConnectionPool

from . import store
from .domain import (
    BADGES,
    MAX_MENTIONS,
    MAX_PRAISE_CHARS,
    MAX_TITLE_CHARS,
    Access,
    AnnouncementLedger,
    Message,
    Post,
    clean_attachments,
    clean_text,
    handles_in,
    highlight_segments,
    poll_closing,
    poll_options,
    require_words_or_files,
    topics_in,
)
from .sealing import AuthoredTextMapper
from .settings import PostsSettings

T = TypeVar("T")
SAVE_ATTEMPTS = 12


class PostsApplication(PleinApplication):
    """The event store of threads (and of each group's announcement ledger)."""

    name = "posts"
    # Threads stay in memory, and every get fast-forwards the cached thread with the events
    # stored since (one indexed select), so a replica never serves a stale thread while a
    # read no longer re-applies a long thread's whole history (see bench/posts_thread.py).
    env: ClassVar[dict[str, str]] = {"AGGREGATE_CACHE_MAXSIZE": "2000"}

    def construct_mapper(self) -> Mapper[UUID]:
        # The words people write are sealed under their key in the event store (sealing.py).
        return self.factory.mapper(
            transcoder=self.construct_transcoder(), mapper_class=AuthoredTextMapper
        )

    def seal_with(self, keys: PersonKeyMirror) -> None:
        """Seal and open the writers' words with `keys`; a shredded key empties the cache of
        threads, whose loaded copies hold the words opened."""
        assert isinstance(self.mapper, AuthoredTextMapper)
        self.mapper.keys = keys
        keys.on_shredded.append(lambda _person: self.forget_loaded_threads())

    def forget_loaded_threads(self) -> None:
        cache = self.repository.cache
        if isinstance(cache, LRUCache):
            self.repository.cache = LRUCache(maxsize=cache.maxsize)

    def post(self, post_id: UUID) -> Post:
        try:
            post: Any = self.repository.get(post_id)
        except AggregateNotFoundError:
            raise NotFound(f"There is no post {post_id}.") from None
        if not isinstance(post, Post):
            raise NotFound(f"There is no post {post_id}.")
        return post

    def ledger(self, group_id: UUID) -> AnnouncementLedger:
        try:
            ledger: AnnouncementLedger = self.repository.get(AnnouncementLedger.create_id(group_id))
        except AggregateNotFoundError:
            ledger = AnnouncementLedger(group_id=group_id)
        return ledger


@dataclass(frozen=True)
class Started:
    post: Post
    access: Access
    warning: str | None = None


class Conversations:
    """Every use case of posts, in the product's words."""

    def __init__(
        self,
        events: PostsApplication,
        pool: AsyncConnectionPool,
        settings: PostsSettings,
        clock: Callable[[], datetime],
        keys: PersonKeyMirror | None = None,
    ) -> None:
        self.events = events
        self.pool = pool
        self.settings = settings
        self.clock = clock
        self.keys = keys

    # -- who is asking -----------------------------------------------------------------------

    async def access(self, principal: Principal, group_id: UUID | None) -> Access:
        """What the caller may do in `group_id`. (Acting as a shared account was already
        checked against posts' delegations read model by `current_principal`.)"""
        if self.keys is not None:
            # Whatever they write is sealed under their key: have it before the words arrive.
            await self.keys.ensure(principal.real_user_id)
        async with self.pool.connection() as conn:
            return await store.access(conn, principal.user_id, principal.real_user_id, group_id)

    async def _check_people(self, ids: list[UUID], what: str) -> list[UUID]:
        ids = list(dict.fromkeys(ids))
        if len(ids) > MAX_MENTIONS:
            raise InvalidInput(f"At most {MAX_MENTIONS} people per {what}.")
        async with self.pool.connection() as conn:
            unknown = await store.unknown_people(conn, ids)
        if unknown:
            raise InvalidInput(
                f"Unknown people in {what}: {', '.join(map(str, unknown))}.",
                unknown_ids=[str(u) for u in unknown],
            )
        return ids

    async def _mentions(self, text: str, ids: list[UUID]) -> list[UUID]:
        """Whom a text mentions: the people whose @handle it names (resolved here, on the
        write side, so every reader and consumer gets ids), then the ids a client sent."""
        handles = handles_in(text)
        if handles:
            async with self.pool.connection() as conn:
                ids = [*await store.people_by_handle(conn, handles), *ids]
        return await self._check_people(ids, "mentions")

    async def _place(self, principal: Principal, group_id: UUID | None) -> Access:
        access = await self.access(principal, group_id)
        if access.group is not None and not access.group.known:
            raise NotFound(f"There is no group {group_id}.")
        access.require_contribute()
        return access

    # -- starting threads --------------------------------------------------------------------

    async def start_post(
        self,
        principal: Principal,
        *,
        text: str,
        group_id: UUID | None,
        kind: str,
        mentions: list[UUID],
        page_url: str | None = None,
        attachments: list[UUID] | None = None,
    ) -> Started:
        """A post or question: some text, some files (up to 100, in order), or both."""
        access = await self._place(principal, group_id)
        files = clean_attachments(attachments or [])
        require_words_or_files(text, files)
        text = clean_text(text, required=not files)
        mentions = await self._mentions(text, mentions)
        if page_url is not None:
            try:
                page_url = canonical_url(page_url)
            except ValueError as e:
                raise InvalidInput(str(e)) from None
        post = self._new_post(
            access, text=text, kind=kind, mentions=mentions, page_url=page_url, attachments=files
        )
        try:
            await asyncio.to_thread(self.events.save, post)
        except IntegrityError:
            # A page thread's id follows from its page: someone started it first.
            raise Conflict(f"The page {page_url} has its thread already: {post.id}.") from None
        return Started(post, access)

    async def announce(
        self,
        principal: Principal,
        *,
        group_id: UUID,
        title: str,
        text: str,
        mentions: list[UUID],
        email_immediately: bool,
    ) -> Started:
        access = await self.access(principal, group_id)
        if access.group is None or not access.group.known:
            raise NotFound(f"There is no group {group_id}.")
        access.require_announce()
        title = clean_text(title, limit=MAX_TITLE_CHARS, what="An announcement's title")
        text = clean_text(text)
        mentions = await self._mentions(text, mentions)
        hard_limit = self.settings.announcements_hard_limit_per_week

        def save() -> Started:
            post = self._new_post(
                access,
                text=text,
                kind="announcement",
                mentions=mentions,
                title=title,
                email_immediately=email_immediately,
            )
            ledger = self.events.ledger(group_id)
            warning = ledger.record(post.id, post.created_on, hard_limit)
            # One transaction: the ledger's version makes concurrent announcements conflict.
            self.events.save(post, ledger)
            return Started(post, access, warning)

        return await asyncio.to_thread(self._retrying, save)

    async def praise(
        self,
        principal: Principal,
        *,
        praised_ids: list[UUID],
        badge: str,
        text: str,
        group_id: UUID | None,
    ) -> Started:
        access = await self._place(principal, group_id)
        if badge not in BADGES:
            raise InvalidInput(f"A badge is one of {', '.join(BADGES)}.")
        if not praised_ids:
            raise InvalidInput("Praise names at least one colleague.")
        if access.user_id in praised_ids or access.real_user_id in praised_ids:
            raise InvalidInput("Praise is for colleagues, not for yourself.")
        praised_ids = await self._check_people(praised_ids, "praise")
        text = clean_text(text, limit=MAX_PRAISE_CHARS, what="Praise")
        post = self._new_post(
            access,
            text=text,
            kind="praise",
            mentions=praised_ids,
            praised_ids=praised_ids,
            badge=badge,
        )
        await asyncio.to_thread(self.events.save, post)
        return Started(post, access)

    async def start_poll(
        self,
        principal: Principal,
        *,
        question: str,
        options: list[str],
        group_id: UUID | None,
        closes_at: datetime | None = None,
        results: str = "always",
        multiple: bool = False,
    ) -> Started:
        access = await self._place(principal, group_id)
        question = clean_text(question, what="A poll's question")
        post = self._new_post(
            access,
            text=question,
            kind="poll",
            options=poll_options(options),
            closes_at=poll_closing(closes_at, self.clock()),
            results=results,
            multiple=multiple,
        )
        await asyncio.to_thread(self.events.save, post)
        return Started(post, access)

    def _new_post(
        self,
        access: Access,
        *,
        text: str,
        kind: str,
        mentions: list[UUID] | None = None,
        **extra: Any,
    ) -> Post:
        return Post(
            author_id=access.user_id,
            real_author_id=access.real_user_id,
            text=text,
            group_id=access.group.id if access.group else None,
            group_private=bool(access.group and access.group.private),
            kind=kind,
            mentions=list(mentions or []),
            topics=topics_in(text),
            actor_id=access.real_user_id,
            **extra,
        )

    # -- reading a thread --------------------------------------------------------------------

    async def thread(self, principal: Principal, post_id: UUID) -> tuple[Post, Access]:
        """The thread as its event store has it now (so an author reads their own writes),
        and what the caller may do in it."""
        post = await asyncio.to_thread(self.events.post, post_id)
        access = await self.access(principal, post.group_id)
        access.require_read()
        messages = [post.root, *post.replies]
        async with self.pool.connection() as conn:
            writers = list({m.real_author_id for m in messages})
            access = replace(access, erased_writers=await store.erased_writers(conn, writers))
            if any(m.author_id != m.real_author_id for m in messages):
                # Someone wrote as a shared account: may this reader see who?
                # (Access.sees_real_author)
                delegate_of, reported = await store.unmasking(conn, access.real_user_id, post.id)
                access = replace(access, delegate_of=delegate_of, reported=reported)
        return post, access

    async def cards(self, principal: Principal, post_ids: list[UUID]) -> list[tuple[Post, Access]]:
        """Several threads as `thread` reads each, for lists that show them as cards: in the
        order asked, leaving out those that do not exist (any more) or the caller may not
        read. Access is decided once per place rather than once per thread."""

        def load() -> list[Post]:
            found: list[Post] = []
            for post_id in dict.fromkeys(post_ids):
                try:
                    found.append(self.events.post(post_id))
                except NotFound:
                    continue
            return found

        posts = await asyncio.to_thread(load)
        places = {post.group_id for post in posts}
        by_place = {place: await self.access(principal, place) for place in places}
        readable = [post for post in posts if by_place[post.group_id].may_read]
        writers = list({m.real_author_id for p in readable for m in (p.root, *p.replies)})
        async with self.pool.connection() as conn:
            erased = await store.erased_writers(conn, writers)
            found: list[tuple[Post, Access]] = []
            for post in readable:
                access = replace(by_place[post.group_id], erased_writers=erased)
                if any(m.author_id != m.real_author_id for m in (post.root, *post.replies)):
                    delegate_of, reported = await store.unmasking(
                        conn, access.real_user_id, post.id
                    )
                    access = replace(access, delegate_of=delegate_of, reported=reported)
                found.append((post, access))
        return found

    # -- changing a thread -------------------------------------------------------------------

    async def change(
        self, principal: Principal, post_id: UUID, command: Callable[[Post, Access], T]
    ) -> T:
        """Load the thread, authorise, apply `command`, save; again if someone else changed
        the thread in between (optimistic concurrency)."""
        for attempt in range(SAVE_ATTEMPTS):
            post, access = await self._loaded(principal, post_id)
            result = command(post, access)
            try:
                await asyncio.to_thread(self.events.save, post)
                return result
            except IntegrityError:
                if attempt == SAVE_ATTEMPTS - 1:
                    raise Conflict("This thread is very busy; try again.") from None
                # Someone saved first: back off a random little while so that the
                # contenders do not collide again in lockstep.
                await asyncio.sleep(random.uniform(0, 0.01 * (attempt + 1)))
        raise AssertionError("unreachable")

    async def _loaded(self, principal: Principal, post_id: UUID) -> tuple[Post, Access]:
        post = await asyncio.to_thread(self.events.post, post_id)
        return post, await self.access(principal, post.group_id)

    async def reply(
        self,
        principal: Principal,
        post_id: UUID,
        *,
        text: str,
        parent_id: UUID | None,
        mentions: list[UUID],
        attachments: list[UUID] | None = None,
    ) -> Message:
        mentions = await self._mentions(text, mentions)
        reply_id = uuid4()
        now = self.clock()
        return await self.change(
            principal,
            post_id,
            lambda post, access: post.reply(
                access, reply_id, parent_id, text, mentions, now, attachments
            ),
        )

    async def edit(
        self,
        principal: Principal,
        post_id: UUID,
        reply_id: UUID | None,
        *,
        text: str,
        mentions: list[UUID],
        attachments: list[UUID] | None = None,
    ) -> bool:
        """`attachments` None keeps the files as they are; a list replaces them."""
        mentions = await self._mentions(text, mentions)
        now = self.clock()
        return await self.change(
            principal, post_id, lambda p, a: p.edit(a, reply_id, text, mentions, now, attachments)
        )

    async def delete(self, principal: Principal, post_id: UUID, reply_id: UUID | None) -> bool:
        now = self.clock()
        return await self.change(principal, post_id, lambda p, a: p.delete(a, reply_id, now))

    async def hide(
        self, principal: Principal, post_id: UUID, reply_id: UUID | None, reason: str
    ) -> bool:
        now = self.clock()
        return await self.change(principal, post_id, lambda p, a: p.hide(a, reply_id, reason, now))

    async def unhide(self, principal: Principal, post_id: UUID, reply_id: UUID | None) -> bool:
        now = self.clock()
        return await self.change(principal, post_id, lambda p, a: p.unhide(a, reply_id, now))

    async def report(
        self, principal: Principal, post_id: UUID, reply_id: UUID | None, reason: str
    ) -> None:
        now = self.clock()
        await self.change(principal, post_id, lambda p, a: p.report(a, reply_id, reason, now))

    async def react(
        self, principal: Principal, post_id: UUID, reply_id: UUID | None, reaction: str
    ) -> bool:
        return await self.change(principal, post_id, lambda p, a: p.react(a, reply_id, reaction))

    async def unreact(self, principal: Principal, post_id: UUID, reply_id: UUID | None) -> bool:
        return await self.change(principal, post_id, lambda p, a: p.unreact(a, reply_id))

    async def accept_answer(self, principal: Principal, post_id: UUID, reply_id: UUID) -> bool:
        return await self.change(principal, post_id, lambda p, a: p.accept_answer(a, reply_id))

    async def vote(self, principal: Principal, post_id: UUID, option: int) -> int | None:
        now = self.clock()
        return await self.change(principal, post_id, lambda p, a: p.vote(a, option, now))

    async def withdraw_vote(self, principal: Principal, post_id: UUID, option: int) -> None:
        now = self.clock()
        await self.change(principal, post_id, lambda p, a: p.withdraw_vote(a, option, now))

    async def close_poll(self, principal: Principal, post_id: UUID) -> bool:
        now = self.clock()
        return await self.change(principal, post_id, lambda p, a: p.close_poll(a, now))

    # -- lists -----------------------------------------------------------------------------

    async def threads(
        self, principal: Principal, after: Any, limit: int, **where: Any
    ) -> list[dict[str, Any]]:
        """Up to `limit` threads the caller may read, newest first after `after` (filtered by
        group, author, topic or unanswered, as `where` names)."""
        async with self.pool.connection() as conn:
            return await store.thread_page(
                conn, principal.real_user_id, after=after, limit=limit, **where
            )

    async def search(
        self, principal: Principal, text: str, after: Any, limit: int
    ) -> list[dict[str, Any]]:
        """Best matches first among what the caller may read, each with its `highlight`
        segments (the matching words flagged, no markup)."""
        async with self.pool.connection() as conn:
            rows = await store.search(conn, principal.real_user_id, text, after, limit)
        return [
            {**r, "highlight": highlight_segments(r["headline"], store.MARK_START, store.MARK_STOP)}
            for r in rows
        ]

    async def reports(self, principal: Principal, limit: int) -> list[dict[str, Any]]:
        """The open reports the caller moderates: every one for community managers and network
        admins (in groups they may read), their groups' for group admins, else Forbidden."""
        access = await self.access(principal, None)
        everywhere = access.community_manager or access.network_admin
        async with self.pool.connection() as conn:
            if not everywhere and not await store.administers_any(conn, principal.real_user_id):
                raise Forbidden("Only moderators have a reports queue.")
            return await store.open_reports(
                conn, principal.real_user_id, everywhere=everywhere, limit=limit
            )

    def _retrying(self, save: Callable[[], T]) -> T:
        for attempt in range(SAVE_ATTEMPTS):
            try:
                return save()
            except IntegrityError:
                if attempt == SAVE_ATTEMPTS - 1:
                    raise Conflict("Someone else is announcing in this group; try again.") from None
                time.sleep(random.uniform(0, 0.01 * (attempt + 1)))
        raise AssertionError("unreachable")
