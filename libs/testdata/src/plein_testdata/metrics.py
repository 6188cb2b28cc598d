"""Event histories built by hand (tests) or generated (tests and bench/metrics.py).

`EventLog` writes contract events as envelopes, in order, with unique ids; `organisation`
generates a whole organisation's year of participation from a seed.
"""

from __future__ import annotations

import itertools
import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from plein_events import Envelope, Event, envelope_for
from plein_events.feed import PostsSeen
from plein_events.identity import (
    GroupAdminGranted,
    GroupCreated,
    MemberJoined,
    RoleGranted,
    UserDeactivated,
    UserErased,
    UserRegistered,
)
from plein_events.notify import EscalationRaised, EscalationResolved
from plein_events.posts import (
    AnnouncementPosted,
    AnswerAccepted,
    PollCreated,
    PostCreated,
    PraiseGiven,
    Reacted,
    ReplyPosted,
)

NAMESPACE = uuid.UUID("0b7f3c52-6c1e-4a53-8a44-3c1f0e5d9a10")


def uid(name: str) -> uuid.UUID:
    """A stable id for a name in a hand-built history."""
    return uuid.uuid5(NAMESPACE, name)


class EventLog:
    """Envelopes in the order they happened; every event gets its own aggregate and id."""

    def __init__(self, tag: str = "h") -> None:
        self.tag = tag
        self.envelopes: list[Envelope] = []
        self.count = 0  # never reused, even when `envelopes` is emptied

    def add(self, payload: Event, at: datetime, actor: uuid.UUID | None = None) -> Envelope:
        env = envelope_for(
            payload,
            aggregate_id=f"{self.tag}{self.count}",
            aggregate_version=1,
            occurred_at=at,
            actor_id=actor,
        )
        self.envelopes.append(env)
        self.count += 1
        return env

    # Shorthands for what histories are made of ----------------------------------------------

    def person(
        self, name: str, at: datetime, department: str | None = None, manager: bool = False
    ) -> uuid.UUID:
        user = uid(name)
        self.add(
            UserRegistered(
                user_id=user,
                email=f"{name}@example.com",
                display_name=name.title(),
                department=department,
                is_manager=manager,
            ),
            at,
            user,
        )
        return user

    def deactivate(self, user: uuid.UUID, at: datetime) -> None:
        self.add(UserDeactivated(user_id=user), at)

    def erase(self, user: uuid.UUID, at: datetime) -> None:
        self.add(UserErased(user_id=user), at)

    def role(self, user: uuid.UUID, role: str, at: datetime) -> None:
        self.add(RoleGranted(user_id=user, role=role), at)  # type: ignore[arg-type]

    def group(self, name: str, at: datetime, private: bool = False) -> uuid.UUID:
        group = uid(f"group:{name}")
        self.add(
            GroupCreated(group_id=group, name=name, visibility="private" if private else "public"),
            at,
        )
        return group

    def join(self, group: uuid.UUID, user: uuid.UUID, at: datetime, admin: bool = False) -> None:
        if admin:
            self.add(GroupAdminGranted(group_id=group, user_id=user), at)
        else:
            self.add(MemberJoined(group_id=group, user_id=user), at)

    def post(
        self,
        name: str,
        author: uuid.UUID,
        at: datetime,
        kind: str = "post",
        group: uuid.UUID | None = None,
        private: bool = False,
    ) -> uuid.UUID:
        post = uid(name)
        common: dict[str, Any] = {
            "post_id": post,
            "author_id": author,
            "real_author_id": author,
            "group_id": group,
            "group_private": private,
            "text": f"text of {name}",
        }
        event: Event
        if kind == "announcement":
            event = AnnouncementPosted(**common, title=name)
        elif kind == "praise":
            event = PraiseGiven(**common, praised_ids=[], badge="teamwork")
        elif kind == "poll":
            event = PollCreated(**common, options=["yes", "no"])
        else:
            event = PostCreated(**common, kind=kind)  # type: ignore[arg-type]
        self.add(event, at, author)
        return post

    def reply(
        self,
        name: str,
        author: uuid.UUID,
        at: datetime,
        post: uuid.UUID,
        post_author: uuid.UUID,
        parent: uuid.UUID | None = None,
        parent_author: uuid.UUID | None = None,
        group: uuid.UUID | None = None,
        private: bool = False,
        kind: str = "post",
    ) -> uuid.UUID:
        reply = uid(name)
        self.add(
            ReplyPosted(
                reply_id=reply,
                post_id=post,
                parent_id=parent or post,
                post_author_id=post_author,
                parent_author_id=parent_author or post_author,
                author_id=author,
                real_author_id=author,
                group_id=group,
                group_private=private,
                post_kind=kind,  # type: ignore[arg-type]
                text=f"text of {name}",
            ),
            at,
            author,
        )
        return reply

    def react(
        self,
        user: uuid.UUID,
        at: datetime,
        post: uuid.UUID,
        target_author: uuid.UUID,
        reply: uuid.UUID | None = None,
        previous: str | None = None,
        group: uuid.UUID | None = None,
        private: bool = False,
    ) -> None:
        self.add(
            Reacted(
                post_id=post,
                reply_id=reply,
                target_author_id=target_author,
                user_id=user,
                reaction="like" if previous is None else "love",
                previous=previous,  # type: ignore[arg-type]
                group_id=group,
                group_private=private,
            ),
            at,
            user,
        )

    def seen(self, reader: uuid.UUID, at: datetime, *posts: uuid.UUID) -> None:
        self.add(PostsSeen(reader_id=reader, post_ids=list(posts), seen_at=at), at, reader)

    def accept(
        self,
        post: uuid.UUID,
        reply: uuid.UUID,
        reply_author: uuid.UUID,
        asker: uuid.UUID,
        at: datetime,
    ) -> None:
        self.add(
            AnswerAccepted(
                post_id=post,
                reply_id=reply,
                reply_author_id=reply_author,
                question_author_id=asker,
                accepted_by=asker,
            ),
            at,
            asker,
        )

    def escalate(self, name: str, post: uuid.UUID, at: datetime) -> uuid.UUID:
        escalation = uid(name)
        self.add(
            EscalationRaised(escalation_id=escalation, post_id=post, raised_to=[], waited_hours=24),
            at,
        )
        return escalation

    def resolve(self, escalation: uuid.UUID, post: uuid.UUID, at: datetime) -> None:
        self.add(EscalationResolved(escalation_id=escalation, post_id=post), at)


DEPARTMENTS = ("Sales", "IT", "HR", "Finance", "Legal", "Operations", "Marketing", "Support")
START = datetime(2026, 1, 1, tzinfo=UTC)


def organisation(
    people: int = 200, events: int = 20_000, seed: int = 7, days: int = 120
) -> Iterator[Envelope]:
    """A generated organisation: people in departments (1 in 8 a manager), groups (1 in 5
    private), then about `events` events of reading, reacting, replying, posting, questions
    answered, announcements and escalations spread over `days` days, with skewed activity
    (a few people do most), some people leaving and some erased."""
    rng = random.Random(seed)
    log = EventLog(tag=f"org{seed}-")
    t = START - timedelta(days=30)
    users = []
    for i in range(people):
        users.append(
            log.person(
                f"p{seed}-{i}",
                t + timedelta(minutes=i),
                rng.choice(DEPARTMENTS),
                manager=i % 8 == 0,
            )
        )
    admin = users[0]
    log.role(admin, "network_admin", t)
    groups: list[tuple[uuid.UUID, bool, list[uuid.UUID]]] = []
    for g in range(max(3, people // 20)):
        private = g % 5 == 4
        group = log.group(f"g{seed}-{g}", t, private=private)
        members = rng.sample(users, k=min(len(users), rng.randint(5, 40)))
        for n, m in enumerate(members):
            log.join(group, m, t, admin=n == 0)
        groups.append((group, private, members))
    yield from log.envelopes
    log.envelopes.clear()
    # Activity weights: a long tail, as on every real network.
    weights = [1 / (i + 1) ** 0.9 for i in range(people)]
    # accumulated once: choices() would add them up again for every event (the same draws)
    cumulative = list(itertools.accumulate(weights))
    threads: list[tuple[uuid.UUID, uuid.UUID, uuid.UUID | None, bool, str]] = []
    replies: list[tuple[uuid.UUID | None, uuid.UUID | None, uuid.UUID | None]] = []
    span = days * 86400
    stamps = sorted(rng.uniform(0, span) for _ in range(events))
    for n, offset in enumerate(stamps):
        at = START + timedelta(seconds=offset)
        actor = rng.choices(users, cum_weights=cumulative)[0]
        roll = rng.random()
        if roll < 0.01 and n > 100:
            log.deactivate(rng.choice(users[1:]), at)
        elif roll < 0.012 and n > 100:
            log.erase(rng.choice(users[1:]), at)
        elif roll < 0.08 or not threads:
            group, private, members = rng.choice(groups)
            in_group = rng.random() < 0.6
            if in_group and private:
                actor = rng.choice(members)
            kind = rng.choices(
                ["post", "question", "announcement", "praise", "poll"], [50, 25, 8, 10, 7]
            )[0]
            post = log.post(
                f"t{seed}-{n}",
                actor,
                at,
                kind,
                group if in_group else None,
                private and in_group,
            )
            threads.append((post, actor, group if in_group else None, private and in_group, kind))
        elif roll < 0.20:
            post, author, where, private, kind = rng.choice(threads[-200:])
            r_post, r_id, r_author = rng.choice(replies[-50:]) if replies else (None, None, None)
            if r_post == post and rng.random() < 0.3:
                # the thread's author answers a reply (what leadership's reply rate counts)
                log.reply(f"r{seed}-{n}", author, at, post, author, r_id, r_author, where,
                          private, kind)  # fmt: skip
            else:
                reply = log.reply(f"r{seed}-{n}", actor, at, post, author, None, None, where,
                                  private, kind)  # fmt: skip
                replies.append((post, reply, actor))
                if kind == "question" and rng.random() < 0.4:
                    log.accept(post, reply, actor, author, at + timedelta(minutes=5))
        elif roll < 0.40:
            post, author, where, private, _ = rng.choice(threads[-200:])
            log.react(actor, at, post, author, group=where, private=private,
                      previous=None if rng.random() < 0.9 else "like")  # fmt: skip
        elif roll < 0.41:
            post = rng.choice(threads[-200:])[0]
            escalation = log.escalate(f"e{seed}-{n}", post, at)
            if rng.random() < 0.5:
                log.resolve(escalation, post, at + timedelta(hours=3))
        else:
            seen = [t[0] for t in rng.sample(threads[-100:], k=min(len(threads), 3))]
            log.seen(actor, at, *seen)
        yield from log.envelopes
        log.envelopes.clear()
