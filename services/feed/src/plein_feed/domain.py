"""Pure feed rules: who a post reaches and how, why it is there, how it ranks, and the cursors
that page through a feed. No I/O."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event
from plein_platform.cursors import CursorCodec, CursorOffset, CursorTime
from plein_platform.errors import InvalidInput

from .settings import FeedSettings

OWN = "own"
MENTION = "mention"
GROUP = "group"
FOLLOWING = "following"
TOPIC = "topic"
ANNOUNCEMENT = "announcement"
RAISED = "raised"

MAX_SEEN_BATCH = 200


# -- fan-out -------------------------------------------------------------------------------


def fans_out_on_read(audience_size: int, threshold: int, *, is_all_company: bool = False) -> bool:
    """True when an audience is read at read time instead of written into each timeline.

    Writing one row per reader is cheap for ordinary audiences and makes reads a single index
    range; for the all-company group and very large groups or followings it would cost
    thousands of rows per post, so those posts stay in one place and are merged when read.
    The switch is one-way (see store): a group that once crossed the threshold stays read-time,
    so no post is ever in neither place.
    """
    return is_all_company or audience_size > threshold


# -- why an entry is there -----------------------------------------------------------------

# A #topic I follow is a choice I made about this very subject, so it says more than a group
# I am in (the all-company group holds everyone) or the author I follow.
REASON_ORDER = (MENTION, OWN, TOPIC, GROUP, FOLLOWING)


def reasons_for(
    *,
    own: bool,
    mentioned: bool,
    in_group: bool,
    follows_author: bool,
    follows_topic: bool = False,
) -> list[str]:
    """Every reason an entry is in my feed, most telling first."""
    flags = {
        MENTION: mentioned,
        OWN: own,
        TOPIC: follows_topic,
        GROUP: in_group,
        FOLLOWING: follows_author,
    }
    return [reason for reason in REASON_ORDER if flags[reason]]


def why(
    reasons: Iterable[str],
    author_name: str | None,
    group_name: str | None = None,
    topic: str | None = None,
) -> str:
    """The sentence a reader sees next to an entry (its first reason)."""
    for reason in reasons:
        if reason == TOPIC:
            return f"#{topic} you follow"
        if reason == OWN:
            return "You posted this"
        if reason == FOLLOWING:
            return f"You follow {author_name or 'the author'}"
        if reason == GROUP:
            return f"in {group_name or 'a group you are in'}"
        if reason == MENTION:
            return "mentions you"
        if reason == ANNOUNCEMENT:
            return f"Announcement in {group_name}" if group_name else "Announcement"
        if reason == RAISED:
            where = f" in {group_name}" if group_name else ""
            return f"Still unanswered{where}"
        return reason
    return ""


# -- ranking -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """What ranking knows about one entry, from the reader's point of view."""

    post_id: UUID
    created_at: datetime
    kind: str
    reply_count: int = 0
    reaction_count: int = 0
    answered: bool = False
    follows_author: bool = False
    in_group: bool = False
    author_interactions: int = 0
    group_interactions: int = 0
    by_my_manager: bool = False
    mentions_me: bool = False
    own: bool = False


@dataclass(frozen=True)
class Score:
    total: float
    parts: dict[str, float] = field(default_factory=dict)


def score(candidate: Candidate, now: datetime, s: FeedSettings) -> Score:
    """Relevance: recency decay times (1 + affinity + activity + boosts). Each part is kept.

    Decay multiplies rather than adds so that an old post never outranks the fresh ones on
    affinity alone; the other parts say how much more than a plain fresh post an entry is worth.
    """
    age_h = max(0.0, (now - candidate.created_at).total_seconds() / 3600)
    recency = 0.5 ** (age_h / s.half_life_hours)
    parts = {
        "follows_author": s.weight_follow if candidate.follows_author else 0.0,
        "author_affinity": s.weight_author_interactions * math.log1p(candidate.author_interactions),
        "group": s.weight_group if candidate.in_group else 0.0,
        "group_affinity": s.weight_group_interactions * math.log1p(candidate.group_interactions),
        "activity": s.weight_activity
        * math.log1p(candidate.reply_count + candidate.reaction_count),
        "unanswered_question": s.boost_unanswered_question
        if candidate.kind == "question"
        and candidate.in_group
        and not candidate.answered
        and candidate.reply_count == 0
        and not candidate.own
        else 0.0,
        "by_my_manager": s.boost_manager if candidate.by_my_manager else 0.0,
        "mentions_me": s.boost_mention if candidate.mentions_me else 0.0,
    }
    parts = {name: round(value, 4) for name, value in parts.items() if value}
    total = recency * (1.0 + sum(parts.values()))
    return Score(round(total, 6), {"recency": round(recency, 4), **parts})


def relevance(candidate: Candidate, now: datetime, s: FeedSettings) -> float:
    """`score(...).total` without keeping the parts: what ranking a whole window needs.

    The same sum in the same order of the same rounded parts, so exactly the same float.
    """
    age_h = max(0.0, (now - candidate.created_at).total_seconds() / 3600)
    recency = 0.5 ** (age_h / s.half_life_hours)
    boost: float = 0
    for value in (
        s.weight_follow if candidate.follows_author else 0.0,
        s.weight_author_interactions * math.log1p(candidate.author_interactions),
        s.weight_group if candidate.in_group else 0.0,
        s.weight_group_interactions * math.log1p(candidate.group_interactions),
        s.weight_activity * math.log1p(candidate.reply_count + candidate.reaction_count),
        s.boost_unanswered_question
        if candidate.kind == "question"
        and candidate.in_group
        and not candidate.answered
        and candidate.reply_count == 0
        and not candidate.own
        else 0.0,
        s.boost_manager if candidate.by_my_manager else 0.0,
        s.boost_mention if candidate.mentions_me else 0.0,
    ):
        if value:
            boost += round(value, 4)
    return round(recency * (1.0 + boost), 6)


def rank(
    candidates: Iterable[Candidate], now: datetime, s: FeedSettings
) -> list[tuple[Candidate, float]]:
    """Candidates with their relevance, best first; ties go to the newer post, then the larger
    id (a total order). `score` explains any one of them."""
    scored = [(c, relevance(c, now, s)) for c in candidates]
    scored.sort(key=lambda cs: (cs[1], cs[0].created_at, cs[0].post_id.int), reverse=True)
    return scored


# -- cursors -------------------------------------------------------------------------------


_TIME_CURSOR = CursorCodec[tuple[datetime, UUID]](tuple[CursorTime, UUID])
_RANKED_CURSOR = CursorCodec[tuple[str, datetime, int]](
    tuple[Literal["ranked"], CursorTime, CursorOffset]
)


@dataclass(frozen=True)
class Cursor:
    """Where a page ended: entries strictly older than (created_at, post_id) come next.

    Keyset paging on a unique key: a post inserted while someone pages never shifts a page,
    so there are no duplicates and no gaps.
    """

    created_at: datetime
    post_id: UUID

    def encode(self) -> str:
        return _TIME_CURSOR.encode((self.created_at, self.post_id))

    @classmethod
    def decode(cls, token: str) -> Cursor:
        return cls(*_TIME_CURSOR.decode(token))


@dataclass(frozen=True)
class RankedCursor:
    """Where a page of the relevant order ended: the ranking's moment and the offset in it.

    The ranking is computed as of `as_of` over posts created up to then, so posts arriving
    while someone pages do not shift later pages.
    """

    as_of: datetime
    offset: int

    def encode(self) -> str:
        return _RANKED_CURSOR.encode(("ranked", self.as_of, self.offset))

    @classmethod
    def decode(cls, token: str) -> RankedCursor:
        _, as_of, offset = _RANKED_CURSOR.decode(token)
        return cls(as_of, offset)


# -- the reader: what the feed itself records ----------------------------------------------

READER_NAMESPACE = UUID("6f2c1f0e-4d3b-4f7e-9a51-2d7c9b1e5a10")


class Reader(Aggregate):
    """A person as a reader: the posts they saw and the announcements they acknowledged."""

    @staticmethod
    def create_id(user_id: UUID) -> UUID:
        return uuid5(READER_NAMESPACE, str(user_id))

    @event("Started")
    def __init__(self, user_id: UUID) -> None:
        self.user_id = user_id
        self.acknowledged: list[UUID] = []
        self.last_seen_at: datetime | None = None

    @staticmethod
    def check_report(post_ids: list[UUID]) -> list[UUID]:
        """The distinct posts of a seen report; InvalidInput when there are none or too many."""
        unique = list(dict.fromkeys(post_ids))
        if not unique:
            raise InvalidInput("Say which posts were seen.")
        if len(unique) > MAX_SEEN_BATCH:
            raise InvalidInput(f"Report at most {MAX_SEEN_BATCH} posts at a time.")
        return unique

    def saw(self, post_ids: list[UUID], seen_at: datetime, actor_id: UUID) -> None:
        self._saw(self.user_id, self.check_report(post_ids), seen_at, actor_id)

    # Each event carries the person, so the contract event can be made from the event alone.
    @event("PostsSeen")
    def _saw(self, user_id: UUID, post_ids: list[UUID], seen_at: datetime, actor_id: UUID) -> None:
        self.last_seen_at = seen_at

    def acknowledge(self, post_id: UUID, group_id: UUID | None, actor_id: UUID) -> bool:
        """Acknowledge an announcement; False if it already was (nothing is recorded)."""
        if post_id in self.acknowledged:
            return False
        self._acknowledged(self.user_id, post_id, group_id, actor_id)
        return True

    @event("AnnouncementAcknowledged")
    def _acknowledged(
        self, user_id: UUID, post_id: UUID, group_id: UUID | None, actor_id: UUID
    ) -> None:
        self.acknowledged.append(post_id)
