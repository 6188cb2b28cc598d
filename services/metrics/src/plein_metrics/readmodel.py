"""Metrics' read model, written once: which rows each contract event leaves behind.

The live projection applies these changes to PostgreSQL (store.py); the analysts' export
applies the very same changes to memory and writes the resulting tables as Parquet
(export.py). Both therefore hold the same rows for the same stream, and the KPIs computed from
them (domain.py) agree to the event.

A change is an upsert: insert `row`; when its key exists already, overwrite only `update`
(nothing when `update` is empty). That one operation covers insert-once facts (an activity),
last-writer-wins state (a profile) and flags (left the group, role revoked).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from plein_events import FORMER_COLLEAGUE, Envelope, Event, parse_payload
from plein_events.feed import AnnouncementAcknowledged, PostsSeen
from plein_events.identity import (
    GroupAdminGranted,
    GroupAdminRevoked,
    GroupCreated,
    GroupUpdated,
    MemberJoined,
    MemberLeft,
    MemberRemoved,
    ProfileUpdated,
    RoleGranted,
    RoleRevoked,
    UserDeactivated,
    UserErased,
    UserReactivated,
    UserRegistered,
)
from plein_events.notify import EscalationRaised, EscalationResolved
from plein_events.posts import THREAD_STARTS, AnswerAccepted, Reacted, ReplyPosted, ThreadStarted

from .inputs import Dataset, to_us

DATASET_TABLES = (
    "people",
    "person_status",
    "person_history",
    "groups",
    "membership_history",
    "threads",
    "activity",
    "answers",
    "escalations",
)


@dataclass(frozen=True)
class Table:
    name: str
    key: tuple[str, ...]
    columns: dict[str, str]  # column -> logical type: text, bool, ts, int


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "people",
            ("user_id",),
            {
                "user_id": "text",
                "department": "text",
                "is_manager": "bool",
                "registered_at": "ts",
                "erased": "bool",
                # shown to metrics viewers next to ambassadors; emptied when erased
                "display_name": "text",
            },
        ),
        # Every department and manager flag a person had, from when: a period's numbers use
        # what was true at the time of each activity, never what is known later.
        Table(
            "person_history",
            ("event_id",),
            {
                "event_id": "text",
                "user_id": "text",
                "at": "ts",
                "department": "text",
                "is_manager": "bool",
            },
        ),
        # Every (de/re)activation, so that "active during the period" can be answered later.
        Table(
            "person_status",
            ("event_id",),
            {"event_id": "text", "user_id": "text", "at": "ts", "active": "bool"},
        ),
        Table(
            "groups",
            ("group_id",),
            {"group_id": "text", "name": "text", "private": "bool", "all_company": "bool"},
        ),
        # Current memberships: who may see a group's scope and its announcements' receipts.
        Table(
            "memberships",
            ("group_id", "user_id"),
            {"group_id": "text", "user_id": "text", "member": "bool", "admin": "bool"},
        ),
        # Every join, leave, admin grant and revocation, for membership at the time.
        Table(
            "membership_history",
            ("event_id",),
            {
                "event_id": "text",
                "group_id": "text",
                "user_id": "text",
                "at": "ts",
                "role": "text",  # member | admin
                "held": "bool",
            },
        ),
        Table("roles", ("user_id", "role"), {"user_id": "text", "role": "text", "held": "bool"}),
        Table(
            "threads",
            ("post_id",),
            {
                "post_id": "text",
                "author_id": "text",
                "group_id": "text",
                "private": "bool",
                "kind": "text",
                "at": "ts",
            },
        ),
        # The tidy activity table: one row per read post, reply, first reaction, thread start.
        # A reaction's key is its person and target (not its event), so that only the first
        # reaction of a person to a target is ever kept: taking it back and reacting again is
        # the same response.
        Table(
            "activity",
            ("event_id", "n"),
            {
                "event_id": "text",
                "n": "int",
                "at": "ts",
                "user_id": "text",
                "kind": "text",  # read | respond | create
                "action": "text",  # read | reply | reaction | post | question | announcement...
                "post_id": "text",
                "item_id": "text",  # the reply (or reacted reply) itself, else the post
                "parent_id": "text",
                "target_user_id": "text",
                "group_id": "text",
                "private": "bool",
            },
        ),
        # Every acceptance (an asker may switch the best answer later; an earlier period keeps
        # the answer it had).
        Table(
            "answers",
            ("event_id",),
            {
                "event_id": "text",
                "post_id": "text",
                "reply_id": "text",
                "reply_author_id": "text",
                "at": "ts",
            },
        ),
        Table(
            "escalations",
            ("escalation_id",),
            {
                "escalation_id": "text",
                "post_id": "text",
                "group_id": "text",
                "raised_at": "ts",
                "resolved_at": "ts",
            },
        ),
        Table(
            "acknowledgements",
            ("post_id", "user_id"),
            {"post_id": "text", "user_id": "text", "at": "ts"},
        ),
    )
}


@dataclass(frozen=True)
class Change:
    table: str
    row: dict[str, Any]
    update: tuple[str, ...] = ()


def _s(value: Any) -> str | None:
    return None if value is None else str(value)


def _people(e: UserRegistered | ProfileUpdated, env: Envelope) -> Iterator[Change]:
    registered = isinstance(e, UserRegistered)
    # a sealed name whose key is shredded reads as FORMER_COLLEAGUE: it is no name
    name = None if e.display_name == FORMER_COLLEAGUE else e.display_name
    yield Change(
        "people",
        {
            "user_id": str(e.user_id),
            "department": e.department,
            "is_manager": e.is_manager,
            "registered_at": env.occurred_at if registered else None,
            "erased": False,
            "display_name": name,
        },
        ("department", "is_manager", "registered_at", "display_name")
        if registered
        else ("department", "is_manager", "display_name"),
    )
    yield Change(
        "person_history",
        {
            "event_id": str(env.event_id),
            "user_id": str(e.user_id),
            "at": env.occurred_at,
            "department": e.department,
            "is_manager": e.is_manager,
        },
    )
    if registered:
        yield _status(e.user_id, env, True)


def _status(user_id: Any, env: Envelope, active: bool) -> Change:
    row = {"event_id": str(env.event_id), "user_id": str(user_id), "at": env.occurred_at}
    return Change("person_status", {**row, "active": active})


def _erased(e: UserErased, env: Envelope) -> Iterator[Change]:
    yield Change(
        "people",
        {
            "user_id": str(e.user_id),
            "department": None,
            "is_manager": False,
            "registered_at": None,
            "erased": True,
            "display_name": None,
        },
        ("erased", "display_name"),
    )


def _group(e: GroupCreated | GroupUpdated, env: Envelope) -> Iterator[Change]:
    all_company = isinstance(e, GroupCreated) and e.is_all_company
    update = ("name", "private") + (("all_company",) if isinstance(e, GroupCreated) else ())
    yield Change(
        "groups",
        {
            "group_id": str(e.group_id),
            # metrics never shows a private group's name (it is its members' business)
            "name": None if e.visibility == "private" else e.name,
            "private": e.visibility == "private",
            "all_company": all_company,
        },
        update,
    )


def _membership(column: str, value: bool) -> Callable[[Any, Envelope], Iterator[Change]]:
    def changes(e: Any, env: Envelope) -> Iterator[Change]:
        row = {"group_id": str(e.group_id), "user_id": str(e.user_id), "member": False}
        row["admin"] = False
        row[column] = value
        yield Change("memberships", row, (column,))
        history: dict[str, Any] = {"event_id": str(env.event_id), "group_id": str(e.group_id)}
        history.update(user_id=str(e.user_id), at=env.occurred_at, role=column, held=value)
        yield Change("membership_history", history)

    return changes


def _role(held: bool) -> Callable[[Any, Envelope], Iterator[Change]]:
    def changes(e: RoleGranted | RoleRevoked, env: Envelope) -> Iterator[Change]:
        yield Change("roles", {"user_id": str(e.user_id), "role": e.role, "held": held}, ("held",))

    return changes


def _activity(env: Envelope, n: int = 0, **row: Any) -> Change:
    full = {
        "event_id": str(env.event_id),
        "n": n,
        "at": env.occurred_at,
        "post_id": None,
        "item_id": None,
        "parent_id": None,
        "target_user_id": None,
        "group_id": None,
        "private": False,
    }
    full.update({k: _s(v) if k.endswith("_id") else v for k, v in row.items()})
    return Change("activity", full)


def _thread(e: ThreadStarted, env: Envelope) -> Iterator[Change]:
    group = _s(e.group_id)
    yield Change(
        "threads",
        {
            "post_id": str(e.post_id),
            "author_id": str(e.real_author_id),
            "group_id": group,
            "private": e.group_private,
            "kind": e.kind,
            "at": env.occurred_at,
        },
    )
    yield _activity(
        env,
        user_id=e.real_author_id,
        kind="create",
        action=e.kind,
        post_id=e.post_id,
        item_id=e.post_id,
        group_id=group,
        private=e.group_private,
    )


def _reply(e: ReplyPosted, env: Envelope) -> Iterator[Change]:
    yield _activity(
        env,
        user_id=e.real_author_id,
        kind="respond",
        action="reply",
        post_id=e.post_id,
        item_id=e.reply_id,
        parent_id=e.parent_id,
        target_user_id=e.parent_author_id,
        group_id=e.group_id,
        private=e.group_private,
    )


def _reaction(e: Reacted, env: Envelope) -> Iterator[Change]:
    if e.previous is not None:
        return  # a changed reaction is the same response, not a new one
    change = _activity(
        env,
        user_id=e.user_id,
        kind="respond",
        action="reaction",
        post_id=e.post_id,
        item_id=e.reply_id or e.post_id,
        target_user_id=e.target_author_id,
        group_id=e.group_id,
        private=e.group_private,
    )
    # keyed by person and target: a reaction after an Unreacted is no new row (insert-once)
    change.row["event_id"] = f"reaction:{e.user_id}:{e.reply_id or e.post_id}"
    yield change


def _seen(e: PostsSeen, env: Envelope) -> Iterator[Change]:
    # The group of a read post is looked up in `threads` when KPIs are computed: PostsSeen
    # does not carry it.
    # the contract allows a naive seen_at: it is UTC, like every time in Plein
    seen_at = e.seen_at if e.seen_at.tzinfo else e.seen_at.replace(tzinfo=UTC)
    for n, post_id in enumerate(e.post_ids):
        change = _activity(env, n, user_id=e.reader_id, kind="read", action="read", post_id=post_id)
        change.row["at"] = seen_at
        change.row["item_id"] = str(post_id)
        yield change


def _answer(e: AnswerAccepted, env: Envelope) -> Iterator[Change]:
    yield Change(
        "answers",
        {
            "event_id": str(env.event_id),
            "post_id": str(e.post_id),
            "reply_id": str(e.reply_id),
            "reply_author_id": str(e.reply_author_id),
            "at": env.occurred_at,
        },
    )


def _acknowledged(e: AnnouncementAcknowledged, env: Envelope) -> Iterator[Change]:
    row = {"post_id": str(e.post_id), "user_id": str(e.user_id), "at": env.occurred_at}
    yield Change("acknowledgements", row)  # the first acknowledgement is the receipt


def _escalation(e: EscalationRaised | EscalationResolved, env: Envelope) -> Iterator[Change]:
    raised = isinstance(e, EscalationRaised)
    yield Change(
        "escalations",
        {
            "escalation_id": str(e.escalation_id),
            "post_id": str(e.post_id),
            "group_id": _s(e.group_id) if isinstance(e, EscalationRaised) else None,
            "raised_at": env.occurred_at if raised else None,
            "resolved_at": None if raised else env.occurred_at,
        },
        ("group_id", "raised_at") if raised else ("resolved_at",),
    )


FOLDS: dict[type[Event], Callable[[Any, Envelope], Iterable[Change]]] = {
    UserRegistered: _people,
    ProfileUpdated: _people,
    UserDeactivated: lambda e, env: [_status(e.user_id, env, False)],
    UserReactivated: lambda e, env: [_status(e.user_id, env, True)],
    UserErased: _erased,
    GroupCreated: _group,
    GroupUpdated: _group,
    MemberJoined: _membership("member", True),
    MemberLeft: _membership("member", False),
    MemberRemoved: _membership("member", False),
    GroupAdminGranted: _membership("admin", True),
    GroupAdminRevoked: _membership("admin", False),
    RoleGranted: _role(True),
    RoleRevoked: _role(False),
    **{cls: _thread for cls in THREAD_STARTS},
    ReplyPosted: _reply,
    Reacted: _reaction,
    PostsSeen: _seen,
    AnswerAccepted: _answer,
    AnnouncementAcknowledged: _acknowledged,
    EscalationRaised: _escalation,
    EscalationResolved: _escalation,
}


def changes_for(event: Event, envelope: Envelope) -> list[Change]:
    """The read-model changes one event makes (none for events metrics does not use)."""
    fold = FOLDS.get(type(event))
    return list(fold(event, envelope)) if fold else []


class MemoryModel:
    """The read model held in memory: what the export writes and the unit tests query."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = {t: {} for t in TABLES}

    def apply(self, change: Change) -> None:
        table = TABLES[change.table]
        key = tuple(change.row[c] for c in table.key)
        existing = self.rows[change.table].get(key)
        if existing is None:
            self.rows[change.table][key] = dict(change.row)
        else:
            for column in change.update:
                existing[column] = change.row[column]

    def table(self, name: str) -> list[dict[str, Any]]:
        return [dict(r) for _, r in sorted(self.rows[name].items(), key=lambda kv: kv[0])]

    def micros_table(self, name: str) -> list[dict[str, Any]]:
        """The table with its times as microseconds, as the KPIs read them."""
        times = [c for c, kind in TABLES[name].columns.items() if kind == "ts"]
        rows = self.table(name)
        for row in rows:
            for c in times:
                if isinstance(row[c], datetime):
                    row[c] = to_us(row[c])
        return rows

    def dataset(self) -> Dataset:
        """Every row (a report filters by period itself)."""
        return Dataset(**{name: self.micros_table(name) for name in DATASET_TABLES})


def fold(envelopes: Iterable[Envelope]) -> MemoryModel:
    """The read model of a history, built in memory."""
    model = MemoryModel()
    for envelope in envelopes:
        for change in changes_for(parse_payload(envelope), envelope):
            model.apply(change)
    return model
