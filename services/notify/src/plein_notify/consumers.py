"""Notify's projection: one handler per event type. Each loads the facts from notify's own
tables, asks `recipients` (pure) who is told what, and stores the answer (e-mails are queued
here and sent by the scheduler)."""

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

from . import recipients, store
from .domain import MODERATOR_ROLES, Channel, Kind
from .language import profile_language
from .recipients import Delivery, NewNotification, Place
from .settings import NotifySettings

Conn = AsyncConnection[Any]


class Notifications:
    """The handlers, given notify's settings (the announcement e-mail delay, excerpts)."""

    def __init__(self, settings: NotifySettings) -> None:
        self.settings = settings

    # -- delivery --------------------------------------------------------------------------

    async def deliver(
        self, conn: Conn, notifications: list[NewNotification], *, email_at: datetime | None = None
    ) -> None:
        """Record what `recipients.deliveries` decides of these, given their recipients'
        choices, all of them in a few statements (`store.add_notifications`)."""
        wanted = recipients.worth_telling(notifications)
        choices = await store.recipient_choices(conn, [(n.recipient_id, n.kind) for n in wanted])
        pushing = [user for (user, _), channel in choices.items() if channel == Channel.PUSH]
        with_devices = await store.people_with_devices(conn, pushing)
        chosen = recipients.deliveries(
            wanted,
            choices,
            email_at=email_at,
            with_devices=with_devices,
            push_fallback=self.settings.push_fallback,
        )
        await store.add_notifications(conn, await self.within_budget(conn, chosen))

    async def within_budget(self, conn: Conn, deliveries: list[Delivery]) -> list[Delivery]:
        """The announcement budget applied (`recipients.within_budget`), and recorded."""
        interrupting = [
            d
            for d in deliveries
            if d.notification.kind is Kind.ANNOUNCEMENT and recipients.interrupts(d)
        ]
        if not interrupting:
            return deliveries
        at = interrupting[0].notification.at
        told = await store.announcements_told_since(
            conn,
            [d.notification.recipient_id for d in interrupting],
            since=at - timedelta(days=7),
            besides=[d.notification.cause_key for d in interrupting],
        )
        going, counted = recipients.within_budget(
            deliveries, told, self.settings.announcement_budget_per_week
        )
        await store.record_announcements_told(conn, counted)
        return going

    async def places(
        self,
        conn: Conn,
        people: list[UUID],
        *,
        group_id: UUID | None,
        group_private: bool,
        text: str | None = None,
        writer_id: UUID | None = None,
    ) -> dict[UUID, Place]:
        """What each of `people` may know of a post's place (`recipients.places`), loaded."""
        if not people:
            return {}  # most posts mention nobody: no query for them
        # The event's flag, or what identity told us about the group: either makes it private.
        private = group_id is not None and (
            group_private or await store.group_is_private(conn, group_id)
        )
        members = (
            await store.members_among(conn, group_id, people)
            if private and group_id is not None
            else set()
        )
        return recipients.places(
            people,
            group_id=group_id,
            private=private,
            members=members,
            text=text,
            writer_id=writer_id,
            excerpt_chars=self.settings.excerpt_chars,
        )

    # -- people and groups -----------------------------------------------------------------

    async def on_user_registered(self, conn: Conn, e: UserRegistered, _: Envelope) -> None:
        language = profile_language(e.languages)
        await store.upsert_person(conn, e.user_id, e.display_name, e.email, language)

    async def on_profile_updated(self, conn: Conn, e: ProfileUpdated, _: Envelope) -> None:
        # The whole profile, languages included: a changed language is here too.
        language = profile_language(e.languages)
        await store.upsert_person(conn, e.user_id, e.display_name, e.email, language)

    async def on_shared_account(self, conn: Conn, e: SharedAccountCreated, _: Envelope) -> None:
        # Known by name (posts appear from it), never a recipient: it cannot read an inbox.
        await store.upsert_person(conn, e.account_id, e.name, "")
        await store.set_active(conn, e.account_id, False)

    async def on_user_deactivated(self, conn: Conn, e: UserDeactivated, _: Envelope) -> None:
        await store.set_active(conn, e.user_id, False)
        await store.forget_inbox(conn, e.user_id)
        await store.forget_devices(conn, e.user_id)  # nothing more reaches their devices
        await store.signal(conn, e.user_id)  # their open live streams end

    async def on_user_reactivated(self, conn: Conn, e: UserReactivated, _: Envelope) -> None:
        await store.set_active(conn, e.user_id, True)

    async def on_user_erased(self, conn: Conn, e: UserErased, _: Envelope) -> None:
        await store.erase_person(conn, e.user_id)
        await store.forget_devices(conn, e.user_id)
        await store.signal(conn, e.user_id)  # their open live streams end

    async def on_followed(self, conn: Conn, e: Followed, env: Envelope) -> None:
        told = recipients.new_follower(
            follower_id=e.follower_id,
            followee_id=e.followee_id,
            event_id=env.event_id,
            at=env.occurred_at,
        )
        await self.deliver(conn, [told])

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
        await store.settle_request(
            conn, recipients.requests_key(e.group_id), e.user_id, env.occurred_at
        )

    async def on_request_declined(
        self, conn: Conn, e: MembershipRequestDeclined, env: Envelope
    ) -> None:
        await store.settle_request(
            conn, recipients.requests_key(e.group_id), e.user_id, env.occurred_at
        )

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
        admins = await store.group_admins(conn, e.group_id)
        told = recipients.join_request(
            admins,
            requester_id=e.user_id,
            group_id=e.group_id,
            event_id=env.event_id,
            at=env.occurred_at,
        )
        await self.deliver(conn, told)

    async def on_role_granted(self, conn: Conn, e: RoleGranted, _: Envelope) -> None:
        await store.grant_role(conn, e.user_id, e.role)

    async def on_role_revoked(self, conn: Conn, e: RoleRevoked, _: Envelope) -> None:
        await store.revoke_role(conn, e.user_id, e.role)

    async def on_availability(self, conn: Conn, e: AvailabilityChanged, _: Envelope) -> None:
        await store.set_availability(conn, e.user_id, e.away_until, e.backup_id)

    # -- posts -----------------------------------------------------------------------------

    async def on_thread_started(self, conn: Conn, e: ThreadStarted, env: Envelope) -> None:
        await store.add_thread(
            conn,
            post_id=e.post_id,
            author_id=e.author_id,
            group_id=e.group_id,
            group_private=e.group_private,
            kind=e.kind,
            created_at=env.occurred_at,
        )
        announced_to: set[UUID] = set()
        if isinstance(e, AnnouncementPosted):
            announced_to = await self._announce(conn, e, env)
        told = recipients.told_of_new_thread(
            e.post_id,
            mentions=e.mentions,
            praised=e.praised_ids if isinstance(e, PraiseGiven) else [],
            announced_to=announced_to,
        )
        await self._tell_about_post(
            conn,
            env,
            told,
            post_id=e.post_id,
            post_kind=e.kind,
            post_author_id=e.author_id,
            group_id=e.group_id,
            group_private=e.group_private,
            text=e.text,
            actor_id=e.author_id,
            writer_id=e.real_author_id,
            shared_file=bool(getattr(e, "attachments", None)),
        )

    async def _tell_about_post(
        self,
        conn: Conn,
        env: Envelope,
        told: list[recipients.Told],
        *,
        post_id: UUID,
        post_kind: str | None,
        post_author_id: UUID,
        group_id: UUID | None,
        group_private: bool,
        text: str,
        actor_id: UUID,
        writer_id: UUID,
        shared_file: bool = False,
    ) -> None:
        """Tell each of `told` what `actor_id` wrote (`writer_id`, the person behind it, when
        `actor_id` is a shared account), as far as each of them may know it."""
        where = await self.places(
            conn,
            [recipient for recipient, _, _ in told],
            group_id=group_id,
            group_private=group_private,
            text=text,
            writer_id=writer_id,
        )
        notifications = recipients.about_post(
            told,
            where,
            event_id=env.event_id,
            at=env.occurred_at,
            actor_id=actor_id,
            post_id=post_id,
            post_kind=post_kind,
            post_author_id=post_author_id,
            shared_file=shared_file,
        )
        await self.deliver(conn, notifications)

    async def _announce(self, conn: Conn, e: AnnouncementPosted, env: Envelope) -> set[UUID]:
        if e.group_id is not None:
            audience = await store.group_members(conn, e.group_id)
        else:
            audience = await store.everyone_active(conn)
        told = recipients.announcement(
            audience,
            post_id=e.post_id,
            author_id=e.author_id,
            writer_id=e.real_author_id,
            group_id=e.group_id,
            group_private=e.group_private,
            post_kind=e.kind,
            title=e.title,
            text=e.text,
            excerpt_chars=self.settings.excerpt_chars,
            event_id=env.event_id,
            at=env.occurred_at,
        )
        email_at = recipients.announcement_email_at(
            env.occurred_at,
            immediately=e.email_immediately,
            delay_s=self.settings.announcement_email_delay_s,
        )
        await self.deliver(conn, told, email_at=email_at)
        if e.group_id is not None:
            await self._check_guideline(conn, e.group_id, env)
        return set(audience)

    async def _check_guideline(self, conn: Conn, group_id: UUID, env: Envelope) -> None:
        """More announcements in a week than the guideline: a gentle notice to the admins,
        once per group and ISO week."""
        at = env.occurred_at
        recent = await store.announcements_since(conn, group_id, at - timedelta(days=7))
        if not recipients.over_guideline(recent, self.settings.announcement_guideline_per_week):
            return
        week = recipients.guideline_week(at)
        if not await store.claim_guideline_notice(conn, group_id, week):
            return
        admins = await store.group_admins(conn, group_id)
        told = recipients.guideline_notice(
            admins, group_id=group_id, week=week, event_id=env.event_id, at=at
        )
        await self.deliver(conn, told)

    async def on_reply(self, conn: Conn, e: ReplyPosted, env: Envelope) -> None:
        if e.author_id != e.post_author_id:
            await store.record_reply(conn, e.post_id, e.reply_id, env.occurred_at)
        earlier = await store.join_thread(conn, e.post_id, e.author_id)
        told = recipients.told_of_reply(
            post_id=e.post_id,
            reply_id=e.reply_id,
            mentions=e.mentions,
            post_author_id=e.post_author_id,
            parent_author_id=e.parent_author_id,
            earlier=earlier,
        )
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
            writer_id=e.real_author_id,
            shared_file=bool(e.attachments),
        )

    async def on_reacted(self, conn: Conn, e: Reacted, env: Envelope) -> None:
        if e.previous is not None:
            return  # a changed reaction is not news
        where = await self.places(
            conn, [e.target_author_id], group_id=e.group_id, group_private=e.group_private
        )
        told = recipients.reaction(
            where[e.target_author_id],
            target_author_id=e.target_author_id,
            reactor_id=e.user_id,
            post_id=e.post_id,
            reply_id=e.reply_id,
            event_id=env.event_id,
            at=env.occurred_at,
        )
        await self.deliver(conn, [told])

    async def on_answer_accepted(self, conn: Conn, e: AnswerAccepted, env: Envelope) -> None:
        where = await self.places(
            conn, [e.reply_author_id], group_id=e.group_id, group_private=e.group_private
        )
        told = recipients.about_post(
            [(e.reply_author_id, Kind.ANSWER_ACCEPTED, f"accepted:{e.reply_id}")],
            where,
            event_id=env.event_id,
            at=env.occurred_at,
            actor_id=e.accepted_by,
            post_id=e.post_id,
            post_kind="question",
            post_author_id=None,
            own_post=True,
            outsiders_get_link=True,
        )
        await self.deliver(conn, told)

    async def on_post_reported(self, conn: Conn, e: PostReported, env: Envelope) -> None:
        moderators = await store.holders_of(conn, *MODERATOR_ROLES)
        where = await self.places(
            conn, moderators, group_id=e.group_id, group_private=e.group_private
        )
        told = recipients.about_post(
            [(m, Kind.REPORT, f"report:{e.post_id}") for m in moderators],
            where,
            event_id=env.event_id,
            at=env.occurred_at,
            actor_id=e.reported_by,
            post_id=e.post_id,
            post_kind=None,
            post_author_id=None,
            own_post=True,
            outsiders_get_link=True,
        )
        await self.deliver(conn, told)

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
        where = await self.places(
            conn, list(e.raised_to), group_id=e.group_id, group_private=e.group_private
        )
        welcome = e.group_id is not None and await store.outside_managers_welcome(conn, e.group_id)
        reached = recipients.escalation_reached(
            list(e.raised_to), where, outside_managers_welcome=welcome
        )
        told = recipients.about_post(
            [(r, Kind.ESCALATION, f"escalation:{e.escalation_id}") for r in reached],
            where,
            event_id=env.event_id,
            at=env.occurred_at,
            actor_id=None,
            post_id=e.post_id,
            post_kind=thread_kind,
            post_author_id=None,
            own_post=False,
            outsiders_get_link=True,
            waited_hours=e.waited_hours,
        )
        await self.deliver(conn, told)

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
