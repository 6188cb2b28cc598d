"""Notify's use cases: the inbox, preferences, unsubscribing, escalations (on the event-sourced
store), and how inbox entries read."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError
from plein_events.eventstore import PleinApplication
from plein_platform.errors import Conflict, Forbidden, InvalidInput, NotFound
from psycopg_pool import AsyncConnectionPool

from . import store
from .domain import (
    DEFAULT_CHANNELS,
    DEFAULT_DIGEST,
    MODERATOR_ROLES,
    Access,
    Channel,
    Cursor,
    DigestFrequency,
    Escalation,
    Kind,
    channel_for,
    escalation_reaches,
    may_email,
    may_listen,
    may_raise_escalation,
    may_see,
)
from .language import speech
from .mail import UnsubscribeLinks
from .sentences import summary, withdrawn


class NotifyApplication(PleinApplication):
    name = "notify"

    def raise_escalation(
        self,
        *,
        post_id: UUID,
        group_id: UUID | None,
        group_private: bool,
        raised_to: list[UUID],
        waited_hours: float,
    ) -> UUID | None:
        """Escalate an unanswered post; None when it was escalated before."""
        escalation = Escalation(
            post_id=post_id,
            group_id=group_id,
            group_private=group_private,
            raised_to=raised_to,
            waited_hours=waited_hours,
        )
        try:
            self.save(escalation)
        except IntegrityError:
            return None
        return escalation.id

    def resolve_escalation(self, escalation_id: UUID, reply_id: UUID | None) -> bool:
        try:
            escalation: Escalation = self.repository.get(escalation_id)
        except AggregateNotFoundError:
            return False
        if not escalation.resolve(reply_id):
            return False
        self.save(escalation)
        return True


def access_of(row: dict[str, Any]) -> Access:
    """The recipient's access now, from an entry row of `store._ENTRY`."""
    return Access(
        active=bool(row["recipient_active"]),
        group_private=bool(row["group_private_now"]),
        member=bool(row["recipient_member"]),
    )


def mailable(row: dict[str, Any]) -> bool:
    """Whether an e-mail (at once, later, or a digest line) about this entry may go now."""
    return may_email(Kind(row["kind"]), access_of(row), in_a_group=row["group_id"] is not None)


def entry_view(row: dict[str, Any], language: str | None = None) -> dict[str, Any]:
    """An inbox entry as the API, the live stream and e-mails show it, as far as its recipient
    may see it now: once they may not, names, excerpt and links are withdrawn. Its sentence
    is in `language` (a client's choice), else in its recipient's."""
    kind = Kind(row["kind"])
    speak = speech(language or row["recipient_language"])
    if not may_see(access_of(row)):
        return {
            "id": row["id"],
            "kind": kind.value,
            "text": withdrawn(speak),
            "excerpt": None,
            "post_id": None,
            "group_id": None,
            "actor_count": 0,
            "actor_id": None,
            "unread": row["read_at"] is None,
            "handled": bool(row["handled"]),
            "created_at": row["created_at"],
            "updated_at": row["updated_at"],
        }
    hidden = bool(row["private_hidden"])
    return {
        "id": row["id"],
        "kind": kind.value,
        "text": summary(
            kind,
            list(row["actor_names"]),
            int(row["actor_count"]),
            post_kind=row["post_kind"],
            own_post=bool(row["own_post"]),
            group_name=None if hidden else row["group_name"],
            private_hidden=hidden,
            waited_hours=row["waited_hours"],
            shared_file=bool(row.get("shared_file")),
            speak=speak,
        ),
        "excerpt": None if hidden else row["excerpt"],
        "post_id": row["post_id"],
        "group_id": None if hidden else row["group_id"],
        "actor_count": row["actor_count"],
        "actor_id": row.get("latest_actor_id"),
        "unread": row["read_at"] is None,
        "handled": bool(row["handled"]),
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }


@dataclass(frozen=True)
class InboxPage:
    entries: list[dict[str, Any]]
    unread_count: int
    next_cursor: str | None


@dataclass(frozen=True)
class Preferences:
    channels: dict[Kind, Channel]
    digest: DigestFrequency


@dataclass(frozen=True)
class Unsubscribing:
    user_id: UUID
    kind: Kind
    language: str | None


class Notifier:
    """Every use case of notify's API, in the product's words."""

    def __init__(
        self,
        pool: AsyncConnectionPool[Any],
        base_url: str,
        clock: Callable[[], datetime],
        raise_for: Callable[[dict[str, Any], datetime], Awaitable[UUID | None]],
    ) -> None:
        self.pool = pool
        self.base_url = base_url
        self.clock = clock
        self.raise_for = raise_for

    # -- the inbox -------------------------------------------------------------------------

    async def inbox(
        self,
        me: UUID,
        *,
        limit: int,
        cursor: str | None,
        unread_only: bool,
        language: str | None = None,
    ) -> InboxPage:
        after = Cursor.decode(cursor) if cursor else None
        async with self.pool.connection() as conn:
            rows = await store.inbox_page(conn, me, after, limit + 1, unread_only=unread_only)
            unread = await store.unread_count(conn, me)
        more = len(rows) > limit
        rows = rows[:limit]
        next_cursor = Cursor(rows[-1]["updated_at"], rows[-1]["id"]).encode() if more else None
        return InboxPage([entry_view(r, language) for r in rows], unread, next_cursor)

    async def unread_count(self, me: UUID) -> int:
        async with self.pool.connection() as conn:
            return await store.unread_count(conn, me)

    async def mark_read(self, me: UUID, notification_id: UUID) -> None:
        async with self.pool.connection() as conn:
            found = await store.mark_read(conn, me, notification_id, self.clock())
        if not found:
            raise NotFound(f"You have no notification {notification_id}.")

    async def mark_all_read(self, me: UUID) -> int:
        """Mark every entry read; returns how many are unread now."""
        async with self.pool.connection() as conn:
            await store.mark_all_read(conn, me, self.clock())
            return await store.unread_count(conn, me)

    # -- the live stream -------------------------------------------------------------------

    async def stream_start(self, me: UUID, resume_from: int | None) -> tuple[int, int]:
        """The unread count now, and the change the stream goes on from (the latest when it
        does not resume)."""
        async with self.pool.connection() as conn:
            unread = await store.unread_count(conn, me)
            seq = resume_from if resume_from is not None else await store.latest_change(conn, me)
        return unread, seq

    async def stream_changes(
        self, me: UUID, after: int, token_expires_at: datetime, language: str | None = None
    ) -> tuple[list[dict[str, Any]], int | None] | None:
        """The entries changed since change `after` (as they read now, with their change
        number) and the unread count when any did; None when the stream must end: its token
        expired, or its person was deactivated or erased."""
        async with self.pool.connection() as conn:
            person = await store.person(conn, me)
            if not may_listen(
                active=bool(person and person["active"]),
                token_expires_at=token_expires_at,
                now=self.clock(),
            ):
                return None
            rows = await store.entries_changed_since(conn, me, after)
            unread = await store.unread_count(conn, me) if rows else None
        views = [
            {**entry_view(row, language), "change_seq": int(row["change_seq"])} for row in rows
        ]
        return views, unread

    # -- preferences -----------------------------------------------------------------------

    async def preferences(self, me: UUID) -> Preferences:
        async with self.pool.connection() as conn:
            return await self._preferences(conn, me)

    async def change_preferences(
        self, me: UUID, channels: dict[Kind, Channel], digest: DigestFrequency | None
    ) -> Preferences:
        """Only the kinds named change; `digest` None keeps the frequency."""
        async with self.pool.connection() as conn, conn.transaction():
            for kind, channel in channels.items():
                await store.set_preference(conn, me, kind, channel)
            if digest is not None:
                await store.set_digest_frequency(conn, me, digest.value)
            return await self._preferences(conn, me)

    async def _preferences(self, conn: store.Conn, me: UUID) -> Preferences:
        chosen = await store.preferences(conn, me)
        frequency = await store.digest_frequency(conn, me)
        return Preferences(
            {kind: channel_for(kind, chosen) for kind in DEFAULT_CHANNELS},
            DigestFrequency(frequency) if frequency else DEFAULT_DIGEST,
        )

    async def unsubscribe_links(self) -> UnsubscribeLinks:
        async with self.pool.connection() as conn:
            secret = await store.mail_secret(conn)
        return UnsubscribeLinks(secret, self.base_url)

    async def unsubscribing(self, token: str) -> Unsubscribing:
        """Whom and which kind an unsubscribe link is about, and the language its page speaks
        to them in (a clear 4xx when it is not a link of ours)."""
        user_id, kind = (await self.unsubscribe_links()).read(token)
        async with self.pool.connection() as conn:
            person = await store.person(conn, user_id)
        return Unsubscribing(user_id, kind, person["language"] if person else None)

    async def unsubscribe(self, token: str) -> Unsubscribing:
        """Stop e-mail about the link's kind for its person (they still see it in the app)."""
        asked = await self.unsubscribing(token)
        async with self.pool.connection() as conn:
            await store.set_preference(conn, asked.user_id, asked.kind, Channel.IN_APP)
        return asked

    # -- the announcement budget -----------------------------------------------------------

    async def held_back(self, me: UUID, *, days: int) -> list[dict[str, Any]]:
        """How many announcements the budget held back to the digest in the last `days`, per
        group (for community managers and network admins, so senders learn); a private group
        only for its members."""
        since = self.clock() - timedelta(days=days)
        async with self.pool.connection() as conn:
            if me not in await store.holders_of(conn, *MODERATOR_ROLES):
                raise Forbidden("Only community managers and network admins see this.")
            found = await store.held_back_per_group(conn, me, since)
        return [
            {k: row[k] for k in ("group_id", "group_name", "held_back", "people")}
            for row in found
            if may_see(
                Access(
                    active=True,
                    group_private=bool(row["group_private"]),
                    member=bool(row["viewer_member"]),
                )
            )
        ]

    # -- escalations -----------------------------------------------------------------------

    async def escalations(self, me: UUID, *, open_only: bool) -> list[dict[str, Any]]:
        """The escalations a community manager or network admin may see."""
        async with self.pool.connection() as conn:
            if me not in await store.holders_of(conn, *MODERATOR_ROLES):
                raise Forbidden("Only community managers and network admins see escalations.")
            rows = await store.escalations(conn, me, open_only=open_only)
        # A private group's escalations, and that the group exists, are for its members
        # unless its admins opened them to outside community managers.
        return [
            row
            for row in rows
            if escalation_reaches(
                Access(
                    active=True,
                    group_private=bool(row["group_private"]),
                    member=bool(row["viewer_member"]),
                ),
                outside_managers_welcome=bool(row["outside_managers_welcome"]),
            )
        ]

    async def _require_group_admin(self, me: UUID, group_id: UUID) -> None:
        """Only a group's admins decide where its escalations go; to an outsider a private
        group does not exist."""
        async with self.pool.connection() as conn:
            if me in await store.group_admins(conn, group_id):
                return
            access = Access(
                active=True,
                group_private=await store.group_is_private(conn, group_id),
                member=await store.is_member(conn, group_id, me),
            )
        if not may_see(access):
            raise NotFound(f"There is no group {group_id}.")  # nor says that it exists
        raise Forbidden("Only the group's admins decide where its escalations go.")

    async def escalation_routing(self, me: UUID, group_id: UUID) -> bool:
        """Whether the group's escalations reach community managers outside it."""
        await self._require_group_admin(me, group_id)
        async with self.pool.connection() as conn:
            return await store.outside_managers_welcome(conn, group_id)

    async def route_escalations(self, me: UUID, group_id: UUID, *, outside: bool) -> bool:
        await self._require_group_admin(me, group_id)
        async with self.pool.connection() as conn:
            await store.set_outside_managers_welcome(conn, group_id, outside)
        return outside

    async def raise_now(self, me: UUID, post_id: UUID) -> UUID:
        """Raise an unanswered group post now: an admin who sees a post sinking need not wait
        for the scheduler. Same event, same recipients."""
        async with self.pool.connection() as conn:
            thread = await store.thread(conn, post_id)
            if thread is None or thread["deleted"]:
                raise NotFound(f"There is no post {post_id}.")
            if thread["group_id"] is None:
                raise InvalidInput("Only posts in a group are escalated.")
            allowed = may_raise_escalation(
                group_admin=me in await store.group_admins(conn, thread["group_id"]),
                community_manager=me in await store.holders_of(conn, "community_manager"),
            )
            if not allowed:
                raise Forbidden("Only the group's admins and community managers escalate.")
            if thread["first_reply_id"] is not None:
                raise Conflict("This post has had a reply.")
        escalation_id = await self.raise_for(thread, self.clock())
        if escalation_id is None:
            raise Conflict("This post was escalated already.")
        return escalation_id
