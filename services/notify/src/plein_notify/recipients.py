"""Who is told what, by which channel, consolidated into which entry: notify's recipient
decisions, pure functions over what the consumers loaded (part of notify's domain; no I/O).
The consumers load the facts, ask these, and store the answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from plein_events.text import plain_text

from .domain import TOLD_WITHOUT_PLACE, Channel, Kind, channel_for


@dataclass(frozen=True)
class NewNotification:
    """One cause of a notification for one recipient."""

    recipient_id: UUID
    kind: Kind
    group_key: str
    cause_key: str
    at: datetime
    actor_id: UUID | None = None
    post_id: UUID | None = None
    group_id: UUID | None = None
    post_kind: str | None = None
    own_post: bool = True
    private_hidden: bool = False
    group_private: bool = False  # the group was private when this was made
    excerpt: str | None = None
    excerpt_author: UUID | None = None
    waited_hours: float | None = None
    shared_file: bool = False  # the post or reply it is about carried files


@dataclass(frozen=True)
class Delivery:
    """A notification to record, on the channel its recipient chose (an e-mail due or not,
    pushed to their devices or not)."""

    notification: NewNotification
    channel: Channel
    email_due: datetime | None
    push: bool = False
    # The e-mail is the second channel after a push: it goes only if the entry is still
    # unread when it is due (opened anywhere, it is read everywhere).
    email_if_unread: bool = False


@dataclass(frozen=True)
class Place:
    """Where a notification happened and what of it a recipient may know: a non-member of a
    private group learns neither the group nor the text."""

    group_id: UUID | None
    private_hidden: bool
    group_private: bool
    excerpt: str | None
    excerpt_author: UUID | None


# One (recipient, kind, group_key) told about a post; group_key is the entry it folds into.
Told = tuple[UUID, Kind, str]


def requests_key(group_id: UUID) -> str:
    """One entry per admin for a group's pending join requests."""
    return f"membership:{group_id}"


def cause_key(event_id: UUID, recipient_id: UUID, kind: Kind) -> str:
    """A cause reaches a person once per kind, however often its event is delivered."""
    return f"{event_id}:{recipient_id}:{kind.value}"


# -- who wants what, and by which channel ---------------------------------------------------


def worth_telling(notifications: list[NewNotification]) -> list[NewNotification]:
    """The notifications worth recording, one per (recipient, entry). Nobody is told about
    what they did themselves; news from a place the recipient may not see reaches them only
    if it is addressed to them: nothing else is recorded, nor folded into an entry they had
    before."""
    wanted = {
        (n.recipient_id, n.group_key): n
        for n in notifications
        if (n.actor_id is None or n.actor_id != n.recipient_id)
        and (not n.private_hidden or n.kind in TOLD_WITHOUT_PLACE)
    }
    return list(wanted.values())


def deliveries(
    wanted: list[NewNotification],
    choices: dict[tuple[UUID, Kind], str | None],
    *,
    email_at: datetime | None = None,
    with_devices: frozenset[UUID] | set[UUID] = frozenset(),
    push_fallback: timedelta | None = None,
) -> list[Delivery]:
    """Each notification on the channel its recipient chose for its kind (`choices`: known
    active people only; None, the kind's default). Off: not at all; e-mail: due at
    `email_at`, else when it happened; push: to their devices when they have one
    (`with_devices`), else by e-mail as above, never both at once. A push is followed by an
    e-mail `push_fallback` later only if it was not opened by then (None: never)."""
    out = []
    for n in wanted:
        if (n.recipient_id, n.kind) not in choices:
            continue  # not a known active person
        chosen = choices[n.recipient_id, n.kind]
        channel = channel_for(n.kind, {n.kind.value: chosen} if chosen else {})
        if channel is Channel.OFF:
            continue
        push = channel is Channel.PUSH and n.recipient_id in with_devices
        mailed = channel is Channel.EMAIL or (channel is Channel.PUSH and not push)
        email_due = (email_at or n.at) if mailed else None
        if push and push_fallback is not None:
            later = max(email_at or n.at, n.at + push_fallback)
            out.append(Delivery(n, channel, later, push, email_if_unread=True))
            continue
        out.append(Delivery(n, channel, email_due, push))
    return out


def interrupts(delivery: Delivery) -> bool:
    """Whether a delivery reaches its person outside the app: an e-mail, or a push."""
    return delivery.email_due is not None or delivery.push


def within_budget(
    deliveries: list[Delivery], told_this_week: dict[UUID, int], budget: int
) -> tuple[list[Delivery], list[tuple[Delivery, bool]]]:
    """The announcement budget: at most `budget` announcements a week interrupt a person,
    across all senders (`told_this_week`: how many did already). One over it goes to the
    digest only (in the app, in the next digest; no e-mail, no push). Returns the deliveries
    as they go, and each announcement that would interrupt with whether it was held back."""
    used = dict(told_this_week)
    out: list[Delivery] = []
    counted: list[tuple[Delivery, bool]] = []
    for d in deliveries:
        if d.notification.kind is Kind.ANNOUNCEMENT and interrupts(d):
            person = d.notification.recipient_id
            held_back = used.get(person, 0) >= budget
            if held_back:
                d = Delivery(d.notification, Channel.DIGEST, None, False)
            else:
                used[person] = used.get(person, 0) + 1
            counted.append((d, held_back))
        out.append(d)
    return out, counted


def places(
    recipients: list[UUID],
    *,
    group_id: UUID | None,
    private: bool,
    members: set[UUID],
    text: str | None,
    writer_id: UUID | None,
    excerpt_chars: int,
) -> dict[UUID, Place]:
    """Where and what, as far as each recipient may know: in a private group (`private`),
    only its `members` learn the group and the text.

    The excerpt is kept with its `writer_id`, the person who wrote it (also behind a shared
    account), so that it goes when they are erased, as the sealed text on the stream does."""
    excerpt = plain_text(text)[:excerpt_chars] if text else None  # e-mails show no Markdown marks
    shown = Place(group_id, False, private, excerpt, writer_id if excerpt else None)
    hidden = Place(None, True, False, None, None)
    private_here = private and group_id is not None
    return {r: hidden if private_here and r not in members else shown for r in recipients}


def about_post(
    told: list[Told],
    where: dict[UUID, Place],
    *,
    event_id: UUID,
    at: datetime,
    actor_id: UUID | None,
    post_id: UUID,
    post_kind: str | None,
    post_author_id: UUID | None,
    own_post: bool | None = None,
    outsiders_get_link: bool = False,
    waited_hours: float | None = None,
    shared_file: bool = False,
) -> list[NewNotification]:
    """Each (recipient, kind, entry) told what `actor_id` did to a post, as far as each of them
    may know it. `own_post`: the same for everyone, else whether they wrote it. An outsider
    gets no link to the post, except where the link is the point (`outsiders_get_link`: a
    report, an escalation, what happened to their own words)."""
    return [
        NewNotification(
            recipient_id=recipient,
            kind=kind,
            group_key=group_key,
            cause_key=cause_key(event_id, recipient, kind),
            at=at,
            actor_id=actor_id,
            post_id=None if where[recipient].private_hidden and not outsiders_get_link else post_id,
            post_kind=post_kind,
            own_post=recipient == post_author_id if own_post is None else own_post,
            group_id=where[recipient].group_id,
            private_hidden=where[recipient].private_hidden,
            group_private=where[recipient].group_private,
            excerpt=where[recipient].excerpt,
            excerpt_author=where[recipient].excerpt_author,
            waited_hours=waited_hours,
            # Where the reader may not know of it, not even that there were files.
            shared_file=shared_file and not where[recipient].private_hidden,
        )
        for recipient, kind, group_key in told
    ]


# -- who is told, event by event -----------------------------------------------------------


def new_follower(
    *, follower_id: UUID, followee_id: UUID, event_id: UUID, at: datetime
) -> NewNotification:
    """The person followed hears of it; all new followers fold into one entry."""
    return NewNotification(
        recipient_id=followee_id,
        kind=Kind.FOLLOWER,
        group_key="follower",
        cause_key=f"{event_id}:{followee_id}:follower",
        at=at,
        actor_id=follower_id,
    )


def join_request(
    admins: list[UUID], *, requester_id: UUID, group_id: UUID, event_id: UUID, at: datetime
) -> list[NewNotification]:
    """Every admin of the group, one entry per group for all its pending requests."""
    return [
        NewNotification(
            recipient_id=admin,
            kind=Kind.MEMBERSHIP_REQUEST,
            group_key=requests_key(group_id),
            cause_key=cause_key(event_id, admin, Kind.MEMBERSHIP_REQUEST),
            at=at,
            actor_id=requester_id,
            group_id=group_id,
        )
        for admin in admins
    ]


def told_of_new_thread(
    post_id: UUID, *, mentions: list[UUID], praised: list[UUID], announced_to: set[UUID]
) -> list[Told]:
    """A new thread: the praised hear of praise, the mentioned of a mention, each once; an
    announcement already told its audience (a mention would say it twice)."""
    told: list[Told] = [(p, Kind.PRAISE, f"praise:{post_id}") for p in praised]
    already = announced_to | set(praised)
    return told + [(m, Kind.MENTION, f"mention:{post_id}") for m in mentions if m not in already]


def told_of_reply(
    *,
    post_id: UUID,
    reply_id: UUID,
    mentions: list[UUID],
    post_author_id: UUID,
    parent_author_id: UUID | None,
    earlier: list[UUID],
) -> list[Told]:
    """The mentioned hear of a mention; everyone already in the thread hears of the reply
    once, in one entry per thread (a mention says it already)."""
    mentioned = set(mentions)
    told: list[Told] = [(r, Kind.MENTION, f"mention:{reply_id}") for r in dict.fromkeys(mentions)]
    return told + [
        (r, Kind.REPLY, f"reply:{post_id}")
        for r in dict.fromkeys([post_author_id, parent_author_id, *earlier])
        if r is not None and r not in mentioned
    ]


def announcement(
    audience: list[UUID],
    *,
    post_id: UUID,
    author_id: UUID,
    writer_id: UUID,
    group_id: UUID | None,
    group_private: bool,
    post_kind: str,
    title: str | None,
    text: str,
    excerpt_chars: int,
    event_id: UUID,
    at: datetime,
) -> list[NewNotification]:
    """Everyone in the announcement's audience (its group's members, or everyone); its
    excerpt is `writer_id`'s words, whoever it appears from (`author_id`)."""
    excerpt = (title + "\n" if title else "") + plain_text(text)[:excerpt_chars]
    return [
        NewNotification(
            recipient_id=recipient,
            kind=Kind.ANNOUNCEMENT,
            group_key=f"announcement:{post_id}",
            cause_key=cause_key(event_id, recipient, Kind.ANNOUNCEMENT),
            at=at,
            actor_id=author_id,
            post_id=post_id,
            group_id=group_id,
            group_private=group_private,
            post_kind=post_kind,
            own_post=False,
            excerpt=excerpt,
            excerpt_author=writer_id,
        )
        for recipient in audience
    ]


def announcement_email_at(at: datetime, *, immediately: bool, delay_s: float) -> datetime:
    """An announcement is e-mailed once it was not seen in the app for a while (unless its
    author asked for at once): people who read it in Plein get no e-mail."""
    return at + timedelta(seconds=0 if immediately else delay_s)


def guideline_week(at: datetime) -> str:
    """The ISO week a guideline notice is claimed for (one per group and week)."""
    year, week, _ = at.isocalendar()
    return f"{year}-W{week:02d}"


def over_guideline(announcements_this_week: int, per_week: int) -> bool:
    """More announcements in seven days than the guideline suggests."""
    return announcements_this_week > per_week


def guideline_notice(
    admins: list[UUID], *, group_id: UUID, week: str, event_id: UUID, at: datetime
) -> list[NewNotification]:
    """A gentle notice to the group's admins."""
    return [
        NewNotification(
            recipient_id=admin,
            kind=Kind.ANNOUNCEMENT_GUIDELINE,
            group_key=f"guideline:{group_id}:{week}",
            cause_key=cause_key(event_id, admin, Kind.ANNOUNCEMENT_GUIDELINE),
            at=at,
            group_id=group_id,
        )
        for admin in admins
    ]


def reaction(
    where: Place,
    *,
    target_author_id: UUID,
    reactor_id: UUID,
    post_id: UUID,
    reply_id: UUID | None,
    event_id: UUID,
    at: datetime,
) -> NewNotification:
    """The author of what was reacted to; reactions to one post (or reply) fold into one."""
    return about_post(
        [(target_author_id, Kind.REACTION, f"reaction:{post_id}:{reply_id or ''}")],
        {target_author_id: where},
        event_id=event_id,
        at=at,
        actor_id=reactor_id,
        post_id=post_id,
        post_kind="reply" if reply_id else None,
        post_author_id=target_author_id,
        outsiders_get_link=True,
    )[0]


def escalation_reached(
    raised_to: list[UUID], where: dict[UUID, Place], *, outside_managers_welcome: bool
) -> list[UUID]:
    """Who of those an escalation was raised to is told now: who lost access since it was
    raised (or was never let in) is not, unless the group opened its escalations to outside
    community managers. (Inactive people are left out by `deliveries`.)"""
    return [r for r in raised_to if not where[r].private_hidden or outside_managers_welcome]
