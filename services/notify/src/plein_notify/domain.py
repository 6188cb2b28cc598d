"""Pure notification rules: kinds, channels and their defaults, who may be told what, working
hours, the inbox cursor, escalations. No I/O. (How an entry reads: plein_notify.sentences;
who is told of an event: plein_notify.recipients.)"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event
from plein_events.visibility import may_read_group
from plein_platform.cursors import CursorCodec, CursorTime


class Kind(StrEnum):
    MENTION = "mention"
    REPLY = "reply"
    REACTION = "reaction"
    FOLLOWER = "follower"
    ANNOUNCEMENT = "announcement"
    PRAISE = "praise"
    ANSWER_ACCEPTED = "answer_accepted"
    MEMBERSHIP_REQUEST = "membership_request"
    REPORT = "report"
    ESCALATION = "escalation"
    ANNOUNCEMENT_GUIDELINE = "announcement_guideline"


class Channel(StrEnum):
    """How a kind reaches a person; each level includes the ones before it except OFF and
    PUSH."""

    OFF = "off"
    IN_APP = "in_app"
    DIGEST = "digest"  # in the app, and in the daily or weekly digest e-mail
    EMAIL = "email"  # in the app, and an e-mail at once
    # In the app, and a push to each of the person's devices at once; a person with no device
    # gets the e-mail instead (one notification, on the channel they actually use).
    PUSH = "push"


class DigestFrequency(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"


# Defaults that respect people: e-mail at once only for what is addressed to them and timely;
# reactions never e-mail on their own (overload is what people complain about most).
DEFAULT_CHANNELS: dict[Kind, Channel] = {
    Kind.MENTION: Channel.EMAIL,
    Kind.ANNOUNCEMENT: Channel.EMAIL,
    Kind.ESCALATION: Channel.EMAIL,
    Kind.REPLY: Channel.DIGEST,
    Kind.REACTION: Channel.DIGEST,
    Kind.FOLLOWER: Channel.DIGEST,
    Kind.PRAISE: Channel.DIGEST,
    Kind.ANSWER_ACCEPTED: Channel.DIGEST,
    Kind.MEMBERSHIP_REQUEST: Channel.DIGEST,
    Kind.REPORT: Channel.DIGEST,
    Kind.ANNOUNCEMENT_GUIDELINE: Channel.IN_APP,
}
DEFAULT_DIGEST = DigestFrequency.DAILY
DIGEST_PERIOD = {
    DigestFrequency.DAILY: timedelta(days=1),
    DigestFrequency.WEEKLY: timedelta(days=7),
}


def channel_for(kind: Kind, chosen: dict[str, str]) -> Channel:
    """The channel a person gets `kind` on: their choice, else the default."""
    return Channel(chosen.get(kind.value, DEFAULT_CHANNELS[kind].value))


def shows_in_app(channel: Channel) -> bool:
    return channel is not Channel.OFF


def worth_a_digest_line(kind: Kind, actor_count: int) -> bool:
    """A single reaction is not worth an e-mail, even in a digest; several are."""
    return not (kind is Kind.REACTION and actor_count < 2)


def digest_due(
    last_sent: datetime | None, now: datetime, frequency: DigestFrequency, digest_hour: int
) -> bool:
    """Digests go out in the digest hour (UTC): at most one a calendar day, or one a week."""
    if now.hour != digest_hour:
        return False
    if last_sent is None:
        return True
    if frequency is DigestFrequency.WEEKLY:
        return now - last_sent >= timedelta(days=7) - timedelta(hours=1)
    return last_sent.date() < now.date()


# -- access at the moment of delivery -------------------------------------------------------


@dataclass(frozen=True)
class Access:
    """What notify's read model of identity's events says, now, about a recipient and the place
    a notification is about."""

    active: bool  # the recipient is a known, active person
    group_private: bool  # the notification's group is private now (False: public, or none)
    member: bool  # the recipient is a member of that group now


def may_see(access: Access) -> bool:
    """Whether the recipient may see what happened there now: an active person, and a member
    when the group is private. Every delivery asks this when it delivers (an entry shown or
    streamed, an e-mail sent, a digest line), so a removal, a leave, a group turned private, a
    deactivation or an erasure that came first always wins. Membership is decided by the one
    visibility rule of plein_events."""
    return access.active and may_read_group(private=access.group_private, member=access.member)


def may_email(kind: Kind, access: Access, *, in_a_group: bool) -> bool:
    """Whether an e-mail about an entry may go now: the recipient may see it, and an
    announcement to a group still has them among its members (it was addressed to them)."""
    if not may_see(access):
        return False
    return not (kind is Kind.ANNOUNCEMENT and in_a_group and not access.member)


# Kinds a person is told of without seeing where it happened ("Ann mentioned you in a private
# group"): addressed to them, or their duty. Any other news from a place they may not see (a
# reply in a thread they took part in before they left) tells them nothing at all: no new
# entry, and nothing folded into an earlier one.
TOLD_WITHOUT_PLACE = frozenset({Kind.MENTION, Kind.REPORT, Kind.ESCALATION})


def may_listen(*, active: bool, token_expires_at: datetime, now: datetime) -> bool:
    """A live stream goes on while its token is valid and its person active."""
    return active and now < token_expires_at


# -- working hours -------------------------------------------------------------------------


def add_working_hours(start: datetime, hours: float) -> datetime:
    """The moment `hours` working hours after `start`, counting Monday to Friday only.

    A post on Friday 10:00 with 24 working hours to wait is due on Monday 10:00.
    """
    if hours < 0:
        raise ValueError("hours must not be negative")
    at = start
    left = timedelta(hours=hours)
    while True:
        if at.weekday() >= 5:  # weekend: jump to Monday 00:00
            at = (at + timedelta(days=7 - at.weekday())).replace(
                hour=0, minute=0, second=0, microsecond=0
            )
            continue
        end_of_day = (at + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        available = end_of_day - at
        if left <= available:
            return at + left
        left -= available
        at = end_of_day


def working_hours_between(start: datetime, end: datetime) -> float:
    """Working hours (Monday to Friday) from `start` to `end`."""
    total = timedelta()
    at = start
    while at < end:
        next_day = (at + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        upto = min(next_day, end)
        if at.weekday() < 5:
            total += upto - at
        at = upto
    return total.total_seconds() / 3600


# -- the inbox cursor ----------------------------------------------------------------------


_INBOX_CURSOR = CursorCodec[tuple[datetime, UUID]](tuple[CursorTime, UUID])


@dataclass(frozen=True)
class Cursor:
    """Where an inbox page ended: entries strictly older than (updated_at, id) come next."""

    updated_at: datetime
    id: UUID

    def encode(self) -> str:
        return _INBOX_CURSOR.encode((self.updated_at, self.id))

    @classmethod
    def decode(cls, token: str) -> Cursor:
        return cls(*_INBOX_CURSOR.decode(token))


# -- escalations ---------------------------------------------------------------------------


class Escalation(Aggregate):
    """An unanswered post raised to the people who can get it answered. Its id is derived from
    the post, so a post is escalated at most once, however often the scheduler looks."""

    @staticmethod
    def create_id(post_id: UUID) -> UUID:
        return uuid5(NAMESPACE_URL, f"plein:escalation:{post_id}")

    @event("Raised")
    def __init__(
        self,
        post_id: UUID,
        group_id: UUID | None,
        group_private: bool,
        raised_to: list[UUID],
        waited_hours: float,
    ) -> None:
        self.post_id = post_id
        self.group_id = group_id
        self.group_private = group_private
        self.raised_to = list(raised_to)
        self.waited_hours = waited_hours
        self.resolved = False

    def resolve(self, reply_id: UUID | None) -> bool:
        """Close it at the first reply; False when it was already closed."""
        if self.resolved:
            return False
        self._resolved(post_id=self.post_id, reply_id=reply_id)
        return True

    @event("Resolved")
    def _resolved(self, post_id: UUID, reply_id: UUID | None) -> None:
        self.resolved = True
        self.reply_id = reply_id


def escalation_recipients(
    admins: list[UUID],
    managers_now: list[UUID],
    author_id: UUID,
    *,
    only_members: set[UUID] | None = None,
) -> list[UUID]:
    """Group admins and the community managers on duty (a backup for one who is away), each
    once, never the author who is waiting for an answer.

    `only_members`: a private group that did not open its escalations to outside community
    managers keeps them among its members; only the managers on duty among these are told."""
    if only_members is not None:
        managers_now = [m for m in managers_now if m in only_members]
    seen: dict[UUID, None] = {}
    for person in [*admins, *managers_now]:
        if person != author_id:
            seen.setdefault(person, None)
    return list(seen)


# Who sees escalations and reports, and is told of them.
MODERATOR_ROLES = ("network_admin", "community_manager")


def may_raise_escalation(*, group_admin: bool, community_manager: bool) -> bool:
    """Who may raise a group post before the scheduler does: its group's admins, and
    community managers."""
    return group_admin or community_manager


def escalation_reaches(access: Access, *, outside_managers_welcome: bool) -> bool:
    """Whether an escalation reaches (or is listed to) a person: one who may see the group,
    or, where the group opened its escalations, any community manager (told without the
    group's name)."""
    return may_see(access) or (access.active and outside_managers_welcome)
