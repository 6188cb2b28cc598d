"""Events produced by the posts service: every conversation.

Each event carries what feed, notify and metrics need (group, whether it is private, author,
real author, mentions, topics, kind), so that none of them has to ask posts anything.
`author_id` is who the post appears from (a person or a shared account); `real_author_id` is
the person who wrote it (the same person unless they acted as a shared account).

The words people write (`text`, an announcement's `title`, a poll's `options`) are
`PersonalText`: sealed under the writer's key (`real_author_id`, the person, also behind a
shared account: the words are theirs, and a shared account is no person that could be
erased), so erasing the writer shreds them on the stream; consumers then read REMOVED_TEXT.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, ClassVar, Literal
from uuid import UUID

from .contract import Event, PersonalText, event_type

PostKind = Literal["post", "question", "announcement", "praise", "poll"]
PollResults = Literal["always", "after_close"]
ReactionKind = Literal["like", "love", "celebrate", "thanks", "insightful", "funny"]


class ThreadStarted(Event):
    """What every event that starts a thread carries (not itself an event type)."""

    personal_subject: ClassVar[str] = "real_author_id"

    post_id: UUID
    author_id: UUID
    real_author_id: UUID
    group_id: UUID | None = None
    group_private: bool = False
    kind: PostKind = "post"
    text: Annotated[str, PersonalText]
    mentions: list[UUID] = []
    topics: list[str] = []


@event_type("posts")
class PostCreated(ThreadStarted):
    """A thread was started: a post or a question (kind), in a group or on a profile.

    `group_id` is None for a post on the author's own profile. `group_private` tells consumers
    to show it to the group's members only. `page_url` is set for a page thread: the canonical
    address of the page outside Plein it is about (its id: `plein_events.pages`).
    """

    page_url: str | None = None
    # Files attached to the post, in the order shown (ids from the files service).
    attachments: list[UUID] = []


@event_type("posts")
class AnnouncementPosted(ThreadStarted):
    """A group admin or community manager announced something: pinned until acknowledged."""

    kind: PostKind = "announcement"
    title: Annotated[str, PersonalText] = ""
    email_immediately: bool = False


@event_type("posts")
class PraiseGiven(ThreadStarted):
    """Someone praised colleagues, with a badge."""

    kind: PostKind = "praise"
    praised_ids: list[UUID]
    badge: str


@event_type("posts")
class PollCreated(ThreadStarted):
    """A poll with 2-10 options: one vote per person, or several options each when
    `multiple`. It takes votes until `closes_at` (None: until its author closes it); voters
    see the counts `results` "always" or only "after_close"."""

    kind: PostKind = "poll"
    # The author's words like the text: sealed item by item, REMOVED_TEXT each once erased.
    options: Annotated[list[str], PersonalText]
    closes_at: datetime | None = None
    results: PollResults = "always"
    multiple: bool = False


THREAD_STARTS: tuple[type[ThreadStarted], ...] = (
    PostCreated,
    AnnouncementPosted,
    PraiseGiven,
    PollCreated,
)


@event_type("posts")
class PostEdited(Event):
    """The author changed a post's or a reply's text (the history is kept).

    `real_editor_id` is the person who typed the new text (whose key seals it); events from
    before it existed lack it, and their text travels unsealed."""

    personal_subject: ClassVar[str] = "real_editor_id"

    post_id: UUID
    reply_id: UUID | None = None
    editor_id: UUID
    real_editor_id: UUID | None = None
    group_id: UUID | None = None
    group_private: bool = False
    text: Annotated[str, PersonalText]
    mentions: list[UUID] = []
    topics: list[str] = []
    # The attachments after the edit, in order (the whole list: files left out were removed).
    attachments: list[UUID] = []


@event_type("posts")
class PostDeleted(Event):
    """The author deleted a post (or, with reply_id, a reply); it shows as a tombstone."""

    post_id: UUID
    reply_id: UUID | None = None
    deleted_by: UUID
    group_id: UUID | None = None


@event_type("posts")
class PostHidden(Event):
    """A moderator hid a post or reply."""

    post_id: UUID
    reply_id: UUID | None = None
    hidden_by: UUID
    reason: str = ""
    group_id: UUID | None = None


@event_type("posts")
class PostUnhidden(Event):
    post_id: UUID
    reply_id: UUID | None = None
    unhidden_by: UUID
    group_id: UUID | None = None


@event_type("posts")
class PostReported(Event):
    """Someone reported a post or reply to the moderators."""

    post_id: UUID
    reply_id: UUID | None = None
    reported_by: UUID
    reason: str
    group_id: UUID | None = None
    group_private: bool = False


@event_type("posts")
class ReplyPosted(Event):
    """A reply in a thread; `parent_id` is the post or the reply it answers."""

    personal_subject: ClassVar[str] = "real_author_id"

    reply_id: UUID
    post_id: UUID
    parent_id: UUID
    post_author_id: UUID
    parent_author_id: UUID
    author_id: UUID
    real_author_id: UUID
    group_id: UUID | None = None
    group_private: bool = False
    post_kind: PostKind = "post"
    text: Annotated[str, PersonalText]
    mentions: list[UUID] = []
    topics: list[str] = []
    # Files attached to the reply, in the order shown (ids from the files service).
    attachments: list[UUID] = []


@event_type("posts")
class Reacted(Event):
    """A person reacted to a post or reply (or changed their reaction: `previous` is set)."""

    post_id: UUID
    reply_id: UUID | None = None
    target_author_id: UUID
    user_id: UUID
    reaction: ReactionKind
    previous: ReactionKind | None = None
    group_id: UUID | None = None
    group_private: bool = False


@event_type("posts")
class Unreacted(Event):
    post_id: UUID
    reply_id: UUID | None = None
    target_author_id: UUID
    user_id: UUID
    reaction: ReactionKind
    group_id: UUID | None = None
    group_private: bool = False


@event_type("posts")
class AnswerAccepted(Event):
    """The asker or a group admin marked a reply as a question's best answer."""

    post_id: UUID
    reply_id: UUID
    reply_author_id: UUID
    question_author_id: UUID
    accepted_by: UUID
    previous_reply_id: UUID | None = None
    group_id: UUID | None = None
    group_private: bool = False


@event_type("posts")
class PollVoted(Event):
    post_id: UUID
    user_id: UUID
    option: int
    previous_option: int | None = None
    group_id: UUID | None = None
    group_private: bool = False


@event_type("posts")
class PollVoteWithdrawn(Event):
    """A voter took back their vote for one option while the poll was open."""

    post_id: UUID
    user_id: UUID
    option: int
    group_id: UUID | None = None
    group_private: bool = False


@event_type("posts")
class PollClosed(Event):
    """Its author closed the poll before its closing time; it takes no more votes."""

    post_id: UUID
    closed_by: UUID
    group_id: UUID | None = None
    group_private: bool = False
