"""Everything notify does because time passed: e-mails falling due, digests, escalations of
what stayed unanswered. One worker under the leader lock; every step reads the injected clock,
so tests move time by hand and call `tick()`."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

import structlog
from plein_platform.service import every
from prometheus_client import Counter

from . import store
from .app import entry_view, mailable
from .domain import (
    DEFAULT_DIGEST,
    DigestFrequency,
    Kind,
    digest_due,
    escalation_recipients,
    working_hours_between,
    worth_a_digest_line,
)
from .language import Speech, speech
from .mail import Line, Mailer, UnsubscribeLinks, compose, page_url
from .sentences import digest_intro, digest_subject

ESCALATIONS_RAISED = Counter("plein_notify_escalations_raised", "Unanswered posts escalated.")

if TYPE_CHECKING:
    from .service import NotifyService

log = structlog.get_logger(__name__)


@dataclass
class TickReport:
    """What one tick did (tests and logs read it)."""

    emails_sent: int = 0
    digests_sent: int = 0
    escalations_raised: list[UUID] = field(default_factory=list)
    escalations_resolved: list[UUID] = field(default_factory=list)


class Scheduler:
    name = "scheduler:notify"

    def __init__(self, service: NotifyService, clock: Callable[[], datetime]) -> None:
        self.service = service
        self.clock = clock
        self._lock = asyncio.Lock()

    async def run(self, stop: asyncio.Event) -> None:
        await every(
            lambda: self.service.settings.scheduler_interval_s,
            self.tick,
            stop,
            what="notify scheduler tick",
        )

    async def tick(self) -> TickReport:
        async with self._lock:
            now = self.clock()
            report = TickReport()
            await self.escalate(now, report)
            await self.resolve(report)
            if await self.read_model_current():
                await self.send_due_emails(now, report)
                await self.send_digests(now, report)
            return report

    async def read_model_current(self) -> bool:
        """Whether notify has applied every event already on the stream, waiting a little for
        it: e-mail is checked against the read model, so a removal published before this tick
        must be applied before anything is sent. False: the e-mails wait for the next tick."""
        runner = self.service.runners.get("notify")
        if runner is None:
            return True  # no projection to wait for
        deadline = time.monotonic() + self.service.settings.catch_up_before_sending_s
        while True:
            try:
                if await runner.pending() == 0:
                    return True
            except Exception as error:  # the broker is away: nothing is known to be applied
                log.warning("notify cannot tell how far it is", error=repr(error))
                return False
            if time.monotonic() > deadline:
                log.info("e-mail waits: notify is still applying events")
                return False
            await asyncio.sleep(0.05)

    # -- escalations -----------------------------------------------------------------------

    async def escalate(self, now: datetime, report: TickReport) -> None:
        hours = self.service.settings.escalation_working_hours
        # Working hours never outnumber calendar hours: this bound finds every candidate.
        async with self.service.ctx.pool.connection() as conn:
            candidates = await store.unanswered_threads(conn, now - timedelta(hours=hours))
        for thread in candidates:
            if working_hours_between(thread["created_at"], now) < hours:
                continue
            escalation_id = await self.raise_for(thread, now)
            if escalation_id is not None:
                report.escalations_raised.append(escalation_id)

    async def raise_for(self, thread: dict[str, Any], now: datetime) -> UUID | None:
        """Escalate one thread to its group's admins and the community managers on duty (of a
        private group, those among its members, unless it opened its escalations to outside
        community managers); None when it was escalated before."""
        group_id = thread["group_id"]
        async with self.service.ctx.pool.connection() as conn:
            admins = await store.group_admins(conn, group_id)
            managers = await store.community_managers_now(conn, now)
            private = thread["group_private"] or await store.group_is_private(conn, group_id)
            only_members = None
            if private and not await store.outside_managers_welcome(conn, group_id):
                only_members = await store.members_among(conn, group_id, managers)
        escalation_id: UUID | None = await asyncio.to_thread(
            self.service.application.raise_escalation,
            post_id=thread["post_id"],
            group_id=group_id,
            group_private=private,
            raised_to=escalation_recipients(
                admins, managers, thread["author_id"], only_members=only_members
            ),
            waited_hours=round(working_hours_between(thread["created_at"], now), 1),
        )
        if escalation_id is not None:
            ESCALATIONS_RAISED.inc()
        return escalation_id

    async def resolve(self, report: TickReport) -> None:
        async with self.service.ctx.pool.connection() as conn:
            answered = await store.answered_open_escalations(conn)
        for row in answered:
            resolved = await asyncio.to_thread(
                self.service.application.resolve_escalation,
                row["escalation_id"],
                row["first_reply_id"],
            )
            if resolved:
                report.escalations_resolved.append(row["escalation_id"])

    # -- e-mail ----------------------------------------------------------------------------

    def _mailer(self) -> Mailer:
        return Mailer(self.service.ctx.settings)

    async def _links(self) -> UnsubscribeLinks:
        async with self.service.ctx.pool.connection() as conn:
            secret = await store.mail_secret(conn)
        return UnsubscribeLinks(secret, self.service.ctx.settings.base_url)

    async def send_due_emails(self, now: datetime, report: TickReport) -> None:
        mailer = self._mailer()
        if not mailer.configured:
            return  # stays queued until an SMTP server is configured
        links = await self._links()
        pool = self.service.ctx.pool
        while True:
            async with pool.connection() as conn:
                claimed = await store.claim_due_emails(conn, now)
            if not claimed:
                return
            for email in claimed:
                try:
                    message = await self._immediate_message(email, links)
                    if message is None:
                        async with pool.connection() as conn:
                            await store.cancel_email(conn, email["id"])
                        continue
                    await mailer.send(message)
                    report.emails_sent += 1
                except Exception as error:
                    log.warning("e-mail not sent", email_id=email["id"], error=repr(error))
                    async with pool.connection() as conn:
                        await store.release_email(conn, email["id"], repr(error))
                    return  # the server is unwell: try again next tick

    async def _immediate_message(self, email: dict[str, Any], links: UnsubscribeLinks) -> Any:
        """The message to send now; None when it must not go: its recipient is gone or may no
        longer see what it is about (checked now, not when it was queued)."""
        async with self.service.ctx.pool.connection() as conn:
            recipient = await store.person(conn, email["recipient_id"])
            row = await store.entry(conn, email["notification_id"])
        if recipient is None or row is None or not mailable(row):
            return None  # erased, deactivated, the entry gone, or its place out of reach
        if email["only_if_unread"] and row["read_at"] is not None:
            return None  # the push before it was opened: one notification, not two
        speak = self._speech(recipient)
        view = entry_view(row, speak.language)
        kind = Kind(email["kind"])
        line = self._line(view)
        return compose(
            speak=speak,
            sender=self.service.ctx.settings.mail_from,
            to_name=recipient["display_name"],
            to_address=recipient["email"],
            subject=view["text"],
            intro=speak.gettext("This happened on Plein:"),
            lines=[line],
            app_url=line.url,
            unsubscribe={kind: links.url(recipient["user_id"], kind)},
        )

    def _speech(self, recipient: dict[str, Any]) -> Speech:
        """The recipient's language (their profile's), and dates in notify's time zone."""
        return speech(recipient["language"], self.service.settings.time_zone)

    def _line(self, view: dict[str, Any]) -> Line:
        return Line(
            Kind(view["kind"]),
            view["text"],
            view["excerpt"],
            view["updated_at"],
            page_url(
                self.service.ctx.settings.base_url,
                post_id=view["post_id"],
                group_id=view["group_id"],
            ),
        )

    async def send_digests(self, now: datetime, report: TickReport) -> None:
        """One digest per person per day (or week), at the digest hour, of what they have not
        read yet and chose to get in a digest."""
        hour = self.service.settings.digest_hour_utc
        if now.hour != hour:
            return
        mailer = self._mailer()
        if not mailer.configured:
            return
        links = await self._links()
        pool = self.service.ctx.pool
        async with pool.connection() as conn:
            candidates = await store.digest_recipients(conn)
        for candidate in candidates:
            frequency = DigestFrequency(candidate["frequency"] or DEFAULT_DIGEST)
            if not digest_due(candidate["last_sent_at"], now, frequency, hour):
                continue
            async with pool.connection() as conn:
                recipient = await store.person(conn, candidate["user_id"])
                rows = await store.digest_entries(conn, candidate["user_id"])
            if recipient is None or not recipient["active"]:
                continue
            # Each line is checked now: what its recipient may no longer see is left out
            # (and marked digested below, so it does not wait for a later digest either).
            speak = self._speech(recipient)
            views = [entry_view(row, speak.language) for row in rows]
            lines = [
                self._line(v)
                for row, v in zip(rows, views, strict=True)
                if mailable(row) and worth_a_digest_line(Kind(v["kind"]), int(v["actor_count"]))
            ]
            if lines:
                kinds = list(dict.fromkeys(line.kind for line in lines))
                message = compose(
                    speak=speak,
                    sender=self.service.ctx.settings.mail_from,
                    to_name=recipient["display_name"],
                    to_address=recipient["email"],
                    subject=digest_subject(frequency, len(lines), speak),
                    intro=digest_intro(frequency, speak),
                    lines=lines,
                    app_url=page_url(
                        self.service.ctx.settings.base_url, post_id=None, group_id=None
                    ),
                    unsubscribe={k: links.url(recipient["user_id"], k) for k in kinds},
                )
                try:
                    await mailer.send(message)
                except Exception as error:
                    log.warning(
                        "digest not sent", user_id=str(recipient["user_id"]), error=repr(error)
                    )
                    return
                report.digests_sent += 1
            async with pool.connection() as conn:
                await store.mark_digested(conn, recipient["user_id"], [v["id"] for v in views], now)
