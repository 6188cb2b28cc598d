"""A synthetic organisation for benchmarks, as contract envelopes on the `PLEIN` stream.

Shared by every benchmark: people with a management tree, groups (the all-company group, one
group of exactly 1,000 members for fan-out measurements, the rest power-law sized, one in ten
private), a power-law follow graph (a few people are followed by very many), then activity:
posts (some questions, some mentions, most in groups), replies, reactions, and a trickle of new
follows and joins. Deterministic for a seed; the size is configurable.

    from synthetic import Organisation
    org = Organisation.generate(people=10_000, groups=200, seed=7)
    for envelope in org.envelopes(events=1_000_000): ...
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from plein_events import Envelope, Event, envelope_for
from plein_events.identity import Followed, GroupCreated, MemberJoined, UserRegistered
from plein_events.personal import PERSON_KEYS_BUCKET, seal_envelope
from plein_events.posts import PostCreated, Reacted, ReplyPosted

FANOUT_GROUP_SIZE = 1_000
DEPARTMENTS = ["Marketing", "Engineering", "HR", "Sales", "Finance", "Facilities", "Legal"]


@dataclass
class Group:
    group_id: UUID
    name: str
    private: bool
    is_all_company: bool
    members: list[int] = field(default_factory=list)


@dataclass
class Organisation:
    people: list[UUID]
    managers: list[int | None]
    groups: list[Group]
    follows: list[tuple[int, int]]
    seed: int
    memberships: dict[int, list[int]] = field(default_factory=dict)  # person -> group indexes

    @property
    def all_company(self) -> Group:
        return self.groups[0]

    @property
    def fanout_group(self) -> Group:
        """The group of exactly 1,000 members (public) used to time fan-out."""
        return self.groups[1]

    @classmethod
    def generate(cls, *, people: int = 10_000, groups: int = 200, seed: int = 7) -> Organisation:
        rng = random.Random(seed)

        def uuid() -> UUID:
            return UUID(int=rng.getrandbits(128), version=4)

        ids = [uuid() for _ in range(people)]
        # A management tree: everyone but the top reports to someone eight times nearer the top.
        managers: list[int | None] = [None] + [i // 8 for i in range(1, people)]
        everyone = Group(uuid(), "Iedereen", False, True, list(range(people)))
        fanout = Group(
            uuid(), "Fan-out 1000", False, False, rng.sample(range(people), FANOUT_GROUP_SIZE)
        )
        made = [everyone, fanout]
        for g in range(2, groups):
            size = min(people, 1_500, max(3, int(rng.paretovariate(1.1) * 6)))
            made.append(
                Group(
                    uuid(), f"Group {g}", rng.random() < 0.1, False, rng.sample(range(people), size)
                )
            )
        memberships: dict[int, list[int]] = {}
        for index, group in enumerate(made[1:], start=1):
            for member in group.members:
                memberships.setdefault(member, []).append(index)
        # Power-law popularity: person i is followed with weight 1/(i+1); out-degree is Pareto.
        cum = list(itertools.accumulate(1 / (i + 1) for i in range(people)))
        follows: set[tuple[int, int]] = set()
        for follower in range(people):
            k = min(300, int(rng.paretovariate(2.0) * 2))
            for _ in range(k):
                followee = bisect.bisect(cum, rng.random() * cum[-1])
                if followee != follower:
                    follows.add((follower, followee))
        return cls(ids, managers, made, sorted(follows), seed, memberships)

    def structure(self) -> Iterator[Event]:
        """People, groups, memberships and follows: what exists before anyone posts."""
        for i, user_id in enumerate(self.people):
            manager = self.managers[i]
            yield UserRegistered(
                user_id=user_id,
                email=f"person{i}@example.com",
                display_name=f"Person {i}",
                department=DEPARTMENTS[i % len(DEPARTMENTS)],
                is_manager=i < len(self.people) // 8,
                manager_id=self.people[manager] if manager is not None else None,
            )
        for group in self.groups:
            yield GroupCreated(
                group_id=group.group_id,
                name=group.name,
                visibility="private" if group.private else "public",
                is_all_company=group.is_all_company,
            )
        for group in self.groups:
            for member in group.members:
                yield MemberJoined(
                    group_id=group.group_id,
                    user_id=self.people[member],
                    via="all_company" if group.is_all_company else "open",
                )
        for follower, followee in self.follows:
            yield Followed(follower_id=self.people[follower], followee_id=self.people[followee])

    def structure_size(self) -> int:
        return (
            len(self.people)
            + len(self.groups)
            + sum(len(g.members) for g in self.groups)
            + len(self.follows)
        )

    def activity(self, count: int) -> Iterator[Event]:
        """`count` events of daily life: posts, replies, reactions, new follows and joins."""
        rng = random.Random(self.seed + 1)
        people = self.people
        recent: list[PostCreated] = []
        activity_cum = list(itertools.accumulate(1 / (i + 1) ** 0.7 for i in range(len(people))))

        def someone() -> int:
            return bisect.bisect(activity_cum, rng.random() * activity_cum[-1])

        def uuid() -> UUID:
            return UUID(int=rng.getrandbits(128), version=4)

        for _ in range(count):
            roll = rng.random()
            if roll < 0.30 or not recent:
                author = someone()
                groups = self.memberships.get(author, [])
                group = None
                if groups and rng.random() < 0.6:
                    group = self.groups[rng.choice(groups)]
                elif rng.random() < 0.05:
                    group = self.all_company
                mentions = [people[someone()]] if rng.random() < 0.05 else []
                post = PostCreated(
                    post_id=uuid(),
                    author_id=people[author],
                    real_author_id=people[author],
                    group_id=group.group_id if group else None,
                    group_private=bool(group and group.private),
                    kind="question" if rng.random() < 0.15 else "post",
                    text=f"Synthetic post {len(recent)} with some text to make it realistic.",
                    mentions=mentions,
                )
                recent.append(post)
                if len(recent) > 5_000:
                    del recent[:1_000]
                yield post
            elif roll < 0.60:
                post = rng.choice(recent[-2_000:])
                replier = people[someone()]
                yield ReplyPosted(
                    reply_id=uuid(),
                    post_id=post.post_id,
                    parent_id=post.post_id,
                    post_author_id=post.author_id,
                    parent_author_id=post.author_id,
                    author_id=replier,
                    real_author_id=replier,
                    group_id=post.group_id,
                    group_private=post.group_private,
                    post_kind=post.kind,
                    text="A synthetic reply.",
                )
            elif roll < 0.95:
                post = rng.choice(recent[-2_000:])
                yield Reacted(
                    post_id=post.post_id,
                    target_author_id=post.author_id,
                    user_id=people[someone()],
                    reaction=rng.choice(["like", "love", "thanks", "insightful"]),
                    group_id=post.group_id,
                    group_private=post.group_private,
                )
            elif roll < 0.98:
                a, b = someone(), rng.randrange(len(people))
                if a != b:
                    yield Followed(follower_id=people[b], followee_id=people[a])
            else:
                group = self.groups[rng.randrange(2, len(self.groups))]
                yield MemberJoined(
                    group_id=group.group_id, user_id=people[rng.randrange(len(people))]
                )

    def envelopes(self, events: int, *, end: datetime | None = None) -> Iterator[Envelope]:
        """Exactly `events` envelopes (structure first, then activity) spread over 30 days."""
        structure = self.structure_size()
        if events < structure:
            raise ValueError(f"{events} events cannot hold the organisation ({structure} events)")
        end = end or datetime.now(UTC)
        start = end - timedelta(days=30)
        step = (end - start) / events
        stream = itertools.chain(self.structure(), self.activity(events * 2))
        for i, event in enumerate(itertools.islice(stream, events)):
            yield envelope_for(
                event,
                aggregate_id=f"synthetic-{self.seed}-{i}",
                aggregate_version=1,
                occurred_at=start + step * i,
                actor_id=None,
            )


async def share_person_keys(js: Any, keys: dict[UUID, bytes]) -> None:
    """Put per-person keys into the PLEIN_PERSON_KEYS bucket (as identity does), so that
    projections open what is sealed under them (crypto-shredding, plein_events.personal)."""
    kv = await js.key_value(PERSON_KEYS_BUCKET)
    items = list(keys.items())
    for i in range(0, len(items), 1000):
        await asyncio.gather(*(kv.put(str(p), k) for p, k in items[i : i + 1000]))


def sealed(envelopes: Iterable[Envelope], keys: dict[UUID, bytes]) -> Iterator[Envelope]:
    """The envelopes as their producers publish them: personal fields (and, where the
    contract marks them, the words people write) sealed under their person's key."""
    for envelope in envelopes:
        yield seal_envelope(envelope, keys.get)
