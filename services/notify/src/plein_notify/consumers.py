"""Notify's projection: one handler per event type. Handlers decide who is told what; they only
write notify's own tables (e-mails are queued here and sent by the scheduler)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from plein_events import Envelope
from plein_events.feed import AnnouncementAcknowledged, PostsSeen
from plein_events.identity import (
    AvailabilityChanged,
    Followed,
    GroupAdminGranted,
    GroupAdminRevoked,
    GroupCreated,
    GroupUpdated,
    MemberJoined,
    MemberLeft,
    MemberRemoved,
    MembershipRequestDeclined,
    MembershipRequested,
    ProfileUpdated,
    RoleGranted,
    RoleRevoked,
    SharedAccountCreated,
    UserDeactivated,
    UserErased,
    UserReactivated,
    UserRegistered,
)
from plein_events.notify import EscalationRaised, EscalationResolved
from plein_events.posts import (
    THREAD_STARTS,
    AnnouncementPosted,
    AnswerAccepted,
    PostDeleted,
    PostReported,
    PraiseGiven,
    Reacted,
    ReplyPosted,
    ThreadStarted,
)
from plein_events.projection import Handler, Projection
from psycopg import AsyncConnection

from . import store
from .domain import TOLD_WITHOUT_PLACE, Channel, Kind, channel_for
from .settings import NotifySettings

Conn = AsyncConnection[Any]


def _requests_key(group_id: UUID) -> str:
    """One entry per admin for a group's pending join requests."""
    return f"membership:{group_id}"


class Notifications:
    """The handlers, given notify's settings (the announcement e-mail delay)."""

    def __init__(self, settings: NotifySettings) -> None:
        self.settings = settings

    # -- delivery --------------------------------------------------------------------------

    async def deliver(
        self,
        conn: Conn,
        *notifications: store.NewNotification,
        email_at: datetime | None = None,
    ) -> None:
        """Record each notification whose recipient is an active person who wants its kind at
        all, all of them in a few statements (`store.add_notifications`)."""
        # Nobody is told about what they did themselves; a cause reaches a person once. News
        # from a place the recipient may not see reaches them only if it is addressed to
        # them: nothing else is recorded, nor folded into an entry they had before.
        wanted = {
            (n.recipient_id, n.group_key): n
            for n in notifications
            if (n.actor_id is None or n.actor_id != n.recipient_id)
            and (not n.private_hidden or n.kind in TOLD_WITHOUT_PLACE)
        }
        choices = await store.recipient_choices(
            conn, [(n.recipient_id, n.kind) for n in wanted.values()]
        )
        deliveries = []
        for n in wanted.values():
            if (n.recipient_id, n.kind) not in choices:
                continue  # not a known active person
            chosen = choices[n.recipient_id, n.kind]
            channel = channel_for(n.kind, {n.kind.value: chosen} if chosen else {})
            if channel is Channel.OFF:
                continue
            email_due = (email_at or n.at) if channel is Channel.EMAIL else None
            deliveries.append(store.Delivery(n, channel, email_due))
        await store.add_notifications(conn, deliveries)

    async def about_post(
        self,
        conn: Conn,
        recipients: list[UUID],
        *,
        group_id: UUID | None,
        group_private: bool,
        text: str | None,
        author_id: UUID | None,
    ) -> dict[UUID, dict[str, Any]]:
        """Where and what, as far as each recipient may know: a non-member of a private group
        learns neither the group nor the text."""
        if not recipients:
            return {}  # most posts mention nobody: no query for them
        outsiders: set[UUID] = set()
        # The event's flag, or what identity told us about the group: either makes it private.
        private = group_id is not None and (
            group_private or await store.group_is_private(conn, group_id)
        )
        if private and group_id is not None:
            outsiders = set(recipients) - await store.members_among(conn, group_id, recipients)
        excerpt = text[: self.settings.excerpt_chars] if text else None
        shown = {
            "group_id": group_id,
            "private_hidden": False,
            "group_private": private,
            "excerpt": excerpt,
            "excerpt_author": author_id if excerpt else None,
        }
        hidden = {"group_id": None, "private_hidden": True, "excerpt": None}
        return {r: hidden if r in outsiders else shown for r in recipients}

    # -- people and groups -----------------------------------------------------------------

    async def on_user_registered(self, conn: Conn, e: UserRegistered, _: Envelope) -> None:
        await store.upsert_person(conn, e.user_id, e.display_name, e.email)

    async def on_profile_updated(self, conn: Conn, e: ProfileUpdated, _: Envelope) -> None:
        await store.upsert_person(conn, e.user_id, e.display_name, e.email)

    async def on_shared_account(self, conn: Conn, e: SharedAccountCreated, _: Envelope) -> None:
        # Known by name (posts appear from it), never a recipient: it cannot read an inbox.
        await store.upsert_person(conn, e.account_id, e.name, "")
        await store.set_active(conn, e.account_id, False)

    async def on_user_deactivated(self, conn: Conn, e: UserDeactivated, _: Envelope) -> None:
        await store.set_active(conn, e.user_id, False)
        await store.forget_inbox(conn, e.user_id)
        await store.signal(conn, e.user_id)  # their open live streams end

    async def on_user_reactivated(self, conn: Conn, e: UserReactivated, _: Envelope) -> None:
        await store.set_active(conn, e.user_id, True)

    async def on_user_erased(self, conn: Conn, e: UserErased, _: Envelope) -> None:
        await store.erase_person(conn, e.user_id)
        await store.signal(conn, e.user_id)  # their open live streams end

    async def on_followed(self, conn: Conn, e: Followed, env: Envelope) -> None:
        await self.deliver(
            conn,
            store.NewNotification(
                recipient_id=e.followee_id,
                kind=Kind.FOLLOWER,
                group_key="follower",
                cause_key=f"{env.event_id}:{e.followee_id}:follower",
                at=env.occurred_at,
                actor_id=e.follower_id,
            ),
        )

    async def on_group_created(self, conn: Conn, e: GroupCreated, _: Envelope) -> None:
        await store.upsert_group(conn, e.group_id, e.name, e.visibility == "private")

    async def on_group_updated(self, conn: Conn, e: GroupUpdated, _: Envelope) -> None:
        was_private = await store.group_is_private(conn, e.group_id)
        await store.upsert_group(conn, e.group_id, e.name, e.visibility == "private")
        if e.visibility == "private" and not was_private:
            await store.touch_outsiders_entries(conn, e.group_id)

    async def on_member_joined(self, conn: Conn, e: MemberJoined, env: Envelope) -> None:
        await store.add_member(conn, e.group_id, e.user_id)
        # Approved, or in by an invitation: a request they had made is decided.
        await store.settle_request(conn, _requests_key(e.group_id), e.user_id, env.occurred_at)

    async def on_request_declined(
        self, conn: Conn, e: MembershipRequestDeclined, env: Envelope
    ) -> None:
        await store.settle_request(conn, _requests_key(e.group_id), e.user_id, env.occurred_at)

    async def on_member_left(self, conn: Conn, e: MemberLeft, _: Envelope) -> None:
        await store.remove_member(conn, e.group_id, e.user_id)
        await store.touch_entries_in_group(conn, e.group_id, e.user_id)

    async def on_member_removed(self, conn: Conn, e: MemberRemoved, _: Envelope) -> None:
        await store.remove_member(conn, e.group_id, e.user_id)
        await store.touch_entries_in_group(conn, e.group_id, e.user_id)

    async def on_admin_granted(self, conn: Conn, e: GroupAdminGranted, _: Envelope) -> None:
        await store.add_member(conn, e.group_id, e.user_id, admin=True)

    async def on_admin_revoked(self, conn: Conn, e: GroupAdminRevoked, _: Envelope) -> None:
        await store.revoke_admin(conn, e.group_id, e.user_id)

    async def on_membership_requested(
        self, conn: Conn, e: MembershipRequested, env: Envelope
    ) -> None:
        await self.deliver(
            conn,
            *(
                store.NewNotification(
                    recipient_id=admin,
                    kind=Kind.MEMBERSHIP_REQUEST,
                    group_key=_requests_key(e.group_id),
                    cause_key=f"{env.event_id}:{admin}:membership_request",
                    at=env.occurred_at,
                    actor_id=e.user_id,
                    group_id=e.group_id,
                )
                for admin in await store.group_admins(conn, e.group_id)
            ),
        )

    async def on_role_granted(self, conn: Conn, e: RoleGranted, _: Envelope) -> None:
        await store.grant_role(conn, e.user_id, e.role)

    async def on_role_revoked(self, conn: Conn, e: RoleRevoked, _: Envelope) -> None:
        await store.revoke_role(conn, e.user_id, e.role)

    async def on_availability(self, conn: Conn, e: AvailabilityChanged, _: Envelope) -> None:
        await store.set_availability(conn, e.user_id, e.away_until, e.backup_id)

    # -- posts -----------------------------------------------------------------------------

    async def on_thread_started(self, conn: Conn, e: ThreadStarted, env: Envelope) -> None:
        at = env.occurred_at
        await store.add_thread(
            conn,
            post_id=e.post_id,
            author_id=e.author_id,
            group_id=e.group_id,
            group_private=e.group_private,
            kind=e.kind,
            created_at=at,
        )
        told: set[UUID] = set()
        if isinstance(e, AnnouncementPosted):
            told = await self._announce(conn, e, env)
        told_now: list[tuple[UUID, Kind, str]] = []
        if isinstance(e, PraiseGiven):
            told_now += [(p, Kind.PRAISE, f"praise:{e.post_id}") for p in e.praised_ids]
            told |= set(e.praised_ids)
        told_now += [(m, Kind.MENTION, f"mention:{e.post_id}") for m in e.mentions if m not in told]
        await self._tell_about_post(
            conn,
            env,
            told_now,
            post_id=e.post_id,
            post_kind=e.kind,
            post_author_id=e.author_id,
            group_id=e.group_id,
            group_private=e.group_private,
            text=e.text,
            actor_id=e.author_id,
        )

    async def _tell_about_post(
        self,
        conn: Conn,
        env: Envelope,
        told: list[tuple[UUID, Kind, str]],
        *,
        post_id: UUID,
        post_kind: str | None,
        post_author_id: UUID,
        group_id: UUID | None,
        group_private: bool,
        text: str,
        actor_id: UUID,
    ) -> None:
        """Tell each (recipient, kind, group_key) what `actor_id` wrote, as far as each of
        them may know it."""
        where = await self.about_post(
            conn,
            [recipient for recipient, _, _ in told],
            group_id=group_id,
            group_private=group_private,
            text=text,
            author_id=actor_id,
        )
        await self.deliver(
            conn,
            *(
                store.NewNotification(
                    recipient_id=recipient,
                    kind=kind,
                    group_key=group_key,
                    cause_key=f"{env.event_id}:{recipient}:{kind.value}",
                    at=env.occurred_at,
                    actor_id=actor_id,
                    post_id=None if where[recipient]["private_hidden"] else post_id,
                    post_kind=post_kind,
                    own_post=recipient == post_author_id,
                    **where[recipient],
                )
                for recipient, kind, group_key in told
            ),
        )

    async def _announce(self, conn: Conn, e: AnnouncementPosted, env: Envelope) -> set[UUID]:
        if e.group_id is not None:
            audience = await store.group_members(conn, e.group_id)
        else:
            audience = await store.everyone_active(conn)
        delay = timedelta(
            seconds=0 if e.email_immediately else self.settings.announcement_email_delay_s
        )
        await self.deliver(
            conn,
            *(
                store.NewNotification(
                    recipient_id=recipient,
                    kind=Kind.ANNOUNCEMENT,
                    group_key=f"announcement:{e.post_id}",
                    cause_key=f"{env.event_id}:{recipient}:announcement",
                    at=env.occurred_at,
                    actor_id=e.author_id,
                    post_id=e.post_id,
                    group_id=e.group_id,
                    group_private=e.group_private,
                    post_kind=e.kind,
                    own_post=False,
                    excerpt=(e.title + "\n" if e.title else "")
                    + e.text[: self.settings.excerpt_chars],
                    excerpt_author=e.author_id,
                )
                for recipient in audience
            ),
            email_at=env.occurred_at + delay,
        )
        if e.group_id is not None:
            await self._check_guideline(conn, e.group_id, env)
        return set(audience)

    async def _check_guideline(self, conn: Conn, group_id: UUID, env: Envelope) -> None:
        """More announcements in a week than the guideline: a gentle notice to the admins,
        once per group and ISO week."""
        at = env.occurred_at
        recent = await store.announcements_since(conn, group_id, at - timedelta(days=7))
        if recent <= self.settings.announcement_guideline_per_week:
            return
        year, week, _ = at.isocalendar()
        if not await store.claim_guideline_notice(conn, group_id, f"{year}-W{week:02d}"):
            return
        await self.deliver(
            conn,
            *(
                store.NewNotification(
                    recipient_id=admin,
                    kind=Kind.ANNOUNCEMENT_GUIDELINE,
                    group_key=f"guideline:{group_id}:{year}-W{week:02d}",
                    cause_key=f"{env.event_id}:{admin}:announcement_guideline",
                    at=at,
                    group_id=group_id,
                )
                for admin in await store.group_admins(conn, group_id)
            ),
        )

    async def on_reply(self, conn: Conn, e: ReplyPosted, env: Envelope) -> None:
        at = env.occurred_at
        if e.author_id != e.post_author_id:
            await store.record_reply(conn, e.post_id, e.reply_id, at)
        earlier = await store.join_thread(conn, e.post_id, e.author_id)
        mentioned = set(e.mentions)
        told = [(r, Kind.MENTION, f"mention:{e.reply_id}") for r in dict.fromkeys(e.mentions)]
        # Everyone already in the thread hears of the reply once (a mention says it already).
        told += [
            (r, Kind.REPLY, f"reply:{e.post_id}")
            for r in dict.fromkeys([e.post_author_id, e.parent_author_id, *earlier])
            if r is not None and r not in mentioned
        ]
        await self._tell_about_post(
            conn,
            env,
            told,
            post_id=e.post_id,
            post_kind=e.post_kind,
            post_author_id=e.post_author_id,
            group_id=e.group_id,
            group_private=e.group_private,
            text=e.text,
            actor_id=e.author_id,
        )

    async def on_reacted(self, conn: Conn, e: Reacted, env: Envelope) -> None:
        if e.previous is not None:
            return  # a changed reaction is not news
        where = await self.about_post(
            conn,
            [e.target_author_id],
            group_id=e.group_id,
            group_private=e.group_private,
            text=None,
            author_id=None,
        )
        await self.deliver(
            conn,
            store.NewNotification(
                recipient_id=e.target_author_id,
                kind=Kind.REACTION,
                group_key=f"reaction:{e.post_id}:{e.reply_id or ''}",
                cause_key=f"{env.event_id}:{e.target_author_id}:reaction",
                at=env.occurred_at,
                actor_id=e.user_id,
                post_id=e.post_id,
                post_kind="reply" if e.reply_id else None,
                **where[e.target_author_id],
            ),
        )

    async def on_answer_accepted(self, conn: Conn, e: AnswerAccepted, env: Envelope) -> None:
        await self.deliver(
            conn,
            store.NewNotification(
                recipient_id=e.reply_author_id,
                kind=Kind.ANSWER_ACCEPTED,
                group_key=f"accepted:{e.reply_id}",
                cause_key=f"{env.event_id}:{e.reply_author_id}:answer_accepted",
                at=env.occurred_at,
                actor_id=e.accepted_by,
                post_id=e.post_id,
                post_kind="question",
                **(
                    await self.about_post(
                        conn,
                        [e.reply_author_id],
                        group_id=e.group_id,
                        group_private=e.group_private,
                        text=None,
                        author_id=None,
                    )
                )[e.reply_author_id],
            ),
        )

    async def on_post_reported(self, conn: Conn, e: PostReported, env: Envelope) -> None:
        moderators = await store.holders_of(conn, "network_admin", "community_manager")
        where = await self.about_post(
            conn,
            moderators,
            group_id=e.group_id,
            group_private=e.group_private,
            text=None,
            author_id=None,
        )
        await self.deliver(
            conn,
            *(
                store.NewNotification(
                    recipient_id=moderator,
                    kind=Kind.REPORT,
                    group_key=f"report:{e.post_id}",
                    cause_key=f"{env.event_id}:{moderator}:report",
                    at=env.occurred_at,
                    actor_id=e.reported_by,
                    post_id=e.post_id,
                    **where[moderator],
                )
                for moderator in moderators
            ),
        )

    async def on_post_deleted(self, conn: Conn, e: PostDeleted, _: Envelope) -> None:
        if e.reply_id is None:
            await store.delete_thread(conn, e.post_id)

    async def on_posts_seen(self, conn: Conn, e: PostsSeen, _: Envelope) -> None:
        await store.cancel_announcement_emails(conn, e.reader_id, e.post_ids)

    async def on_acknowledged(self, conn: Conn, e: AnnouncementAcknowledged, _: Envelope) -> None:
        await store.cancel_announcement_emails(conn, e.user_id, [e.post_id])

    # -- escalations (our own events, back from the stream) --------------------------------

    async def on_escalation_raised(self, conn: Conn, e: EscalationRaised, env: Envelope) -> None:
        await store.add_escalation(
            conn, e.escalation_id, e.post_id, e.group_id, e.raised_to, env.occurred_at
        )
        thread_kind = await store.thread_kind(conn, e.post_id)
        where = await self.about_post(
            conn,
            list(e.raised_to),
            group_id=e.group_id,
            group_private=e.group_private,
            text=None,
            author_id=None,
        )
        # Who lost access since it was raised (or was never let in) is not told: a private
        # group's escalations reach outsiders only where its admins opened them.
        welcome = e.group_id is not None and await store.outside_managers_welcome(conn, e.group_id)
        # (`private_hidden`: the group is private and they are not in it; `deliver` leaves
        # inactive people out.)
        reached = [r for r in e.raised_to if not where[r]["private_hidden"] or welcome]
        await self.deliver(
            conn,
            *(
                store.NewNotification(
                    recipient_id=recipient,
                    kind=Kind.ESCALATION,
                    group_key=f"escalation:{e.escalation_id}",
                    cause_key=f"{env.event_id}:{recipient}:escalation",
                    at=env.occurred_at,
                    post_id=e.post_id,
                    post_kind=thread_kind,
                    own_post=False,
                    waited_hours=e.waited_hours,
                    **where[recipient],
                )
                for recipient in reached
            ),
        )

    async def on_escalation_resolved(
        self, conn: Conn, e: EscalationResolved, env: Envelope
    ) -> None:
        await store.resolve_escalation(conn, e.escalation_id, env.occurred_at)

    # -- the projection --------------------------------------------------------------------

    def projection(self) -> Projection:
        handlers: dict[Any, Handler] = {
            UserRegistered: self.on_user_registered,
            ProfileUpdated: self.on_profile_updated,
            UserDeactivated: self.on_user_deactivated,
            UserReactivated: self.on_user_reactivated,
            UserErased: self.on_user_erased,
            Followed: self.on_followed,
            GroupCreated: self.on_group_created,
            GroupUpdated: self.on_group_updated,
            MemberJoined: self.on_member_joined,
            MemberLeft: self.on_member_left,
            MemberRemoved: self.on_member_removed,
            GroupAdminGranted: self.on_admin_granted,
            GroupAdminRevoked: self.on_admin_revoked,
            MembershipRequested: self.on_membership_requested,
            MembershipRequestDeclined: self.on_request_declined,
            RoleGranted: self.on_role_granted,
            RoleRevoked: self.on_role_revoked,
            AvailabilityChanged: self.on_availability,
            ReplyPosted: self.on_reply,
            Reacted: self.on_reacted,
            AnswerAccepted: self.on_answer_accepted,
            PostReported: self.on_post_reported,
            PostDeleted: self.on_post_deleted,
            PostsSeen: self.on_posts_seen,
            AnnouncementAcknowledged: self.on_acknowledged,
            SharedAccountCreated: self.on_shared_account,
            EscalationRaised: self.on_escalation_raised,
            EscalationResolved: self.on_escalation_resolved,
        }
        for start in THREAD_STARTS:
            handlers[start] = self.on_thread_started
        return Projection(name="notify", handlers=handlers, tables=store.TABLES)
