"""Threads as event-sourced aggregates, and the pure rules about who may do what with them.

A thread is one aggregate: its opening post and every reply, reaction, vote and moderation
decision in it. Rules that span a thread (one reaction per person, one vote per person, a best
answer that is a reply of this question) are then checked against one consistent state, and
the event store's optimistic concurrency serialises two people changing the same thread.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from eventsourcing.domain import Aggregate, event
from plein_events.pages import page_thread_id
from plein_events.visibility import may_read_group
from plein_platform.cursors import CursorCodec, CursorRank, CursorTime
from plein_platform.errors import Conflict, Forbidden, InvalidInput, NotFound, TooManyRequests

MAX_TEXT_CHARS = 10_000
MAX_TITLE_CHARS = 200
MAX_REASON_CHARS = 1_000
MAX_PRAISE_CHARS = 1_000
MAX_OPTION_CHARS = 200
MAX_MENTIONS = 50
REACTIONS = ("like", "love", "celebrate", "thanks", "insightful", "funny")
BADGES = ("thank_you", "team_player", "above_and_beyond", "problem_solver", "mentor", "welcome")
POLL_OPTIONS = (2, 10)
ANNOUNCEMENT_WINDOW = timedelta(days=7)
ANNOUNCEMENTS_WITHOUT_WARNING = 2  # the field's finding: a third one a week makes people leave

_TOPIC = re.compile(r"(?<![\w#])#(\w[\w-]{0,49})", re.UNICODE)


def topics_in(text: str) -> list[str]:
    """The #topics of a text, lower-cased, each once, in order of appearance."""
    seen: dict[str, None] = {}
    for match in _TOPIC.finditer(text):
        seen.setdefault(match.group(1).lower(), None)
    return list(seen)


# "@ann" mentions the person with handle "ann"; "ann@example.com" mentions nobody.
_HANDLE = re.compile(r"(?<![\w@])@([a-z0-9]{1,30})(?![\w@])", re.IGNORECASE | re.ASCII)


def handles_in(text: str) -> list[str]:
    """The @handles a text names, lower-cased, each once, in order of appearance."""
    return list(dict.fromkeys(m.group(1).lower() for m in _HANDLE.finditer(text)))


def clean_text(text: str, *, limit: int = MAX_TEXT_CHARS, what: str = "A post") -> str:
    """The text as it will be stored: stripped, non-empty, within `limit` characters.

    Text is kept verbatim otherwise (HTML included): clients show it as text, never as markup.
    """
    text = text.strip()
    if not text:
        raise InvalidInput(f"{what} needs some text.")
    if len(text) > limit:
        raise InvalidInput(f"{what} holds at most {limit} characters.", max_chars=limit)
    return text


# -- who may do what -------------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    """A group as posts knows it. One it has not heard of (`known` False: its GroupCreated not
    consumed yet, or its read model being rebuilt) counts as private: privacy fails closed."""

    id: UUID
    private: bool
    archived: bool
    all_company: bool
    known: bool = True

    @classmethod
    def unknown(cls, group_id: UUID) -> Group:
        return cls(group_id, private=True, archived=False, all_company=False, known=False)


@dataclass(frozen=True)
class Access:
    """What one request may do in one place (a group, or profiles when `group` is None).

    Permissions are always the real person's (`real_user_id`); when they act as a shared
    account, `user_id` is only the name their words appear under.
    """

    user_id: UUID
    real_user_id: UUID
    group: Group | None
    member: bool = False
    group_admin: bool = False
    community_manager: bool = False
    network_admin: bool = False
    # Filled for reading a thread: the shared accounts the reader is a delegate of, and the
    # messages of the thread with an open report (which its moderators are handling).
    delegate_of: frozenset[UUID] = frozenset()
    reported: frozenset[UUID] = frozenset()

    @property
    def may_read(self) -> bool:
        """The one rule (plein_events.visibility) for this place: a group posts does not know
        yet arrives here already marked private."""
        if self.group is None:
            return True
        return may_read_group(
            private=self.group.private, member=self.member, admin=self.group_admin
        )

    @property
    def may_contribute(self) -> bool:
        if self.group is None:
            return True
        if self.group.archived:
            return False
        return self.member or self.group_admin or self.group.all_company

    @property
    def may_moderate(self) -> bool:
        return self.may_read and (self.group_admin or self.community_manager or self.network_admin)

    @property
    def may_announce(self) -> bool:
        """Group admins in their group; community managers in any group they may read."""
        return (
            self.group is not None
            and not self.group.archived
            and self.may_read
            and (self.group_admin or self.community_manager)
        )

    def sees_real_author(self, message_id: UUID, author_id: UUID, real_author_id: UUID) -> bool:
        """Whether the person behind a shared account's message is shown to this reader.

        A shared account exists so that no individual takes the reactions to bad news
        personally: the real author is kept for accountability only. It is shown to the
        account's delegates, network admins, moderators handling a report of the message,
        and the writer themselves; everyone else sees the account alone.
        """
        return (
            author_id == real_author_id
            or real_author_id == self.real_user_id
            or self.network_admin
            or author_id in self.delegate_of
            or (message_id in self.reported and self.may_moderate)
        )

    def require_read(self) -> None:
        if not self.may_read:
            # Not 403: a non-member must not even learn that the post exists.
            raise NotFound("There is no such post.")

    def require_contribute(self) -> None:
        self.require_read()
        if self.group is not None and self.group.archived:
            raise Conflict("This group is archived: it is read-only.")
        if not self.may_contribute:
            raise Forbidden("Only members of this group may take part in it.")

    def require_announce(self) -> None:
        self.require_read()
        if self.group is not None and self.group.archived:
            raise Conflict("This group is archived: it is read-only.")
        if not self.may_announce:
            raise Forbidden("Only the group's admins and community managers may announce.")


def announcement_warning(
    recent: list[datetime], now: datetime, hard_limit: int
) -> tuple[int, str | None]:
    """How many announcements the group has had in the last week counting this one, and a
    warning from the third on; refuses one beyond `hard_limit`."""
    count = sum(1 for at in recent if now - at < ANNOUNCEMENT_WINDOW) + 1
    if count > hard_limit:
        oldest = min(at for at in recent if now - at < ANNOUNCEMENT_WINDOW)
        retry_after = oldest + ANNOUNCEMENT_WINDOW
        raise TooManyRequests(
            f"This group already had {count - 1} announcements in the last 7 days; "
            f"at most {hard_limit} are allowed.",
            limit=hard_limit,
            count=count - 1,
            retry_after=retry_after.isoformat(),
        )
    if count > ANNOUNCEMENTS_WITHOUT_WARNING:
        return count, (
            f"This is the group's announcement number {count} in 7 days; more than "
            f"{ANNOUNCEMENTS_WITHOUT_WARNING} a week makes people leave or mute a group."
        )
    return count, None


POLL_RESULTS = ("always", "after_close")  # when voters see the counts


def poll_closing(closes_at: datetime | None, now: datetime) -> datetime | None:
    """A poll's closing time as it will be stored: None (open until closed by its author) or
    a moment still to come, with its time zone."""
    if closes_at is None:
        return None
    if closes_at.tzinfo is None:
        raise InvalidInput("A poll's closing time needs a time zone (e.g. 2026-12-01T17:00Z).")
    if closes_at <= now:
        raise InvalidInput("A poll's closing time must be in the future.")
    return closes_at


def poll_options(options: list[str]) -> list[str]:
    low, high = POLL_OPTIONS
    cleaned = [clean_text(o, limit=MAX_OPTION_CHARS, what="A poll option") for o in options]
    if not low <= len(cleaned) <= high:
        raise InvalidInput(f"A poll has {low} to {high} options.")
    if len({o.casefold() for o in cleaned}) != len(cleaned):
        raise InvalidInput("A poll's options must differ from each other.")
    return cleaned


# -- the thread ------------------------------------------------------------------------------


class Message:
    """The opening post or a reply: text with its history, reactions and moderation state."""

    def __init__(
        self,
        id: UUID,
        parent_id: UUID | None,
        author_id: UUID,
        real_author_id: UUID,
        text: str,
        mentions: list[UUID],
        topics: list[str],
        at: datetime,
    ) -> None:
        self.id = id
        self.parent_id = parent_id
        self.author_id = author_id
        self.real_author_id = real_author_id
        self.text = text
        self.mentions = list(mentions)
        self.topics = list(topics)
        self.created_at = at
        self.history: list[tuple[str, datetime]] = []  # earlier texts, until when they stood
        self.deleted = False
        self.hidden = False
        self.hidden_reason = ""
        self.reactions: dict[UUID, str] = {}
        self.reports = 0


class Post(Aggregate):
    """A thread: the opening post (any kind) and its replies."""

    @staticmethod
    def create_id(group_id: UUID | None, page_url: str | None = None) -> UUID:
        """A page thread's id follows from its page and group (so it exists once); any
        other thread gets a random id."""
        return page_thread_id(page_url, group_id) if page_url else uuid4()

    @event("Created")
    def __init__(
        self,
        author_id: UUID,
        real_author_id: UUID,
        text: str,
        group_id: UUID | None,
        group_private: bool,
        kind: str,
        mentions: list[UUID],
        topics: list[str],
        title: str = "",
        praised_ids: list[UUID] | None = None,
        badge: str = "",
        options: list[str] | None = None,
        email_immediately: bool = False,
        actor_id: UUID | None = None,
        page_url: str | None = None,
        closes_at: datetime | None = None,
        results: str = "always",
        multiple: bool = False,
    ) -> None:
        self.author_id = author_id
        self.page_url = page_url
        self.real_author_id = real_author_id
        self.group_id = group_id
        self.group_private = group_private
        self.kind = kind
        self.title = title
        self.praised_ids = list(praised_ids or [])
        self.badge = badge
        self.options = list(options or [])
        # Each voter's chosen options: one, or several in a multiple-choice poll.
        self.votes: dict[UUID, list[int]] = {}
        self.closes_at = closes_at
        self.closed_at: datetime | None = None  # closed early by its author
        self.results = results
        self.multiple = multiple
        self.accepted_reply_id: UUID | None = None
        self.messages: dict[UUID, Message] = {}
        self.messages[self.id] = Message(
            self.id, None, author_id, real_author_id, text, mentions, topics, self.created_on
        )

    # -- reading helpers ---------------------------------------------------------------------

    @property
    def root(self) -> Message:
        return self.messages[self.id]

    @property
    def text(self) -> str:
        return self.root.text

    @property
    def topics(self) -> list[str]:
        return self.root.topics

    @property
    def mentions(self) -> list[UUID]:
        return self.root.mentions

    @property
    def replies(self) -> list[Message]:
        return [m for m in self.messages.values() if m.id != self.id]

    def message(self, reply_id: UUID | None) -> Message:
        """The opening post (reply_id None) or one of its replies."""
        found = self.messages.get(reply_id or self.id)
        if found is None or (reply_id is not None and found.id == self.id):
            raise NotFound(f"There is no reply {reply_id} in this thread.")
        return found

    def _context(self, access: Access) -> dict[str, Any]:
        """What every event of this thread carries for the services that consume it."""
        private = access.group.private if access.group is not None else self.group_private
        return {
            "group_id": self.group_id,
            "group_private": private,
            "actor_id": access.real_user_id,
        }

    # -- commands ----------------------------------------------------------------------------

    def reply(
        self,
        access: Access,
        reply_id: UUID,
        parent_id: UUID | None,
        text: str,
        mentions: list[UUID],
        at: datetime,
    ) -> Message:
        access.require_contribute()
        if self.root.deleted:
            raise Conflict("This post was deleted; its thread takes no new replies.")
        parent = self.message(parent_id if parent_id != self.id else None)
        self._replied(
            reply_id=reply_id,
            parent_id=parent.id,
            parent_author_id=parent.author_id,
            post_author_id=self.author_id,
            post_kind=self.kind,
            author_id=access.user_id,
            real_author_id=access.real_user_id,
            text=clean_text(text, what="A reply"),
            mentions=list(mentions),
            topics=topics_in(text),
            at=at,
            **self._context(access),
        )
        return self.messages[reply_id]

    @event("Replied")
    def _replied(
        self,
        reply_id: UUID,
        parent_id: UUID,
        parent_author_id: UUID,
        post_author_id: UUID,
        post_kind: str,
        author_id: UUID,
        real_author_id: UUID,
        text: str,
        mentions: list[UUID],
        topics: list[str],
        at: datetime,
        group_id: UUID | None,
        group_private: bool,
        actor_id: UUID,
    ) -> None:
        self.messages[reply_id] = Message(
            reply_id, parent_id, author_id, real_author_id, text, mentions, topics, at
        )

    def edit(
        self,
        access: Access,
        reply_id: UUID | None,
        text: str,
        mentions: list[UUID],
        at: datetime,
    ) -> bool:
        """Change the text of one's own post or reply; False if the text is unchanged."""
        access.require_read()
        message = self.message(reply_id)
        if message.author_id != access.user_id:
            raise Forbidden("Only the author may edit this.")
        if message.deleted:
            raise Conflict("A deleted message cannot be edited.")
        if self.group_id is not None and access.group is not None and access.group.archived:
            raise Conflict("This group is archived: it is read-only.")
        text = clean_text(text)
        if text == message.text and list(mentions) == message.mentions:
            return False
        self._edited(
            reply_id=reply_id,
            editor_id=access.user_id,
            text=text,
            mentions=list(mentions),
            topics=topics_in(text),
            at=at,
            **self._context(access),
        )
        return True

    @event("Edited")
    def _edited(
        self,
        reply_id: UUID | None,
        editor_id: UUID,
        text: str,
        mentions: list[UUID],
        topics: list[str],
        at: datetime,
        group_id: UUID | None,
        group_private: bool,
        actor_id: UUID,
    ) -> None:
        message = self.messages[reply_id or self.id]
        message.history.append((message.text, at))
        message.text, message.mentions, message.topics = text, list(mentions), list(topics)

    def delete(self, access: Access, reply_id: UUID | None, at: datetime) -> bool:
        """Delete one's own post or reply (a tombstone stays); False if already deleted."""
        access.require_read()
        message = self.message(reply_id)
        if message.author_id != access.user_id:
            raise Forbidden("Only the author may delete this.")
        if message.deleted:
            return False
        self._deleted(reply_id=reply_id, deleted_by=access.user_id, at=at, **self._context(access))
        return True

    @event("Deleted")
    def _deleted(
        self,
        reply_id: UUID | None,
        deleted_by: UUID,
        at: datetime,
        group_id: UUID | None,
        group_private: bool,
        actor_id: UUID,
    ) -> None:
        message = self.messages[reply_id or self.id]
        message.deleted = True
        message.text, message.history, message.mentions = "", [], []
        if reply_id is not None and reply_id == self.accepted_reply_id:
            self.accepted_reply_id = None

    def hide(self, access: Access, reply_id: UUID | None, reason: str, at: datetime) -> bool:
        if not access.may_moderate:
            access.require_read()
            raise Forbidden("Only a group admin or a community manager may hide messages.")
        message = self.message(reply_id)
        if message.hidden:
            return False
        self._hidden(
            reply_id=reply_id,
            hidden_by=access.real_user_id,
            reason=reason.strip()[:MAX_REASON_CHARS],
            at=at,
            **self._context(access),
        )
        return True

    @event("Hidden")
    def _hidden(
        self,
        reply_id: UUID | None,
        hidden_by: UUID,
        reason: str,
        at: datetime,
        group_id: UUID | None,
        group_private: bool,
        actor_id: UUID,
    ) -> None:
        message = self.messages[reply_id or self.id]
        message.hidden, message.hidden_reason = True, reason

    def unhide(self, access: Access, reply_id: UUID | None, at: datetime) -> bool:
        if not access.may_moderate:
            access.require_read()
            raise Forbidden("Only a group admin or a community manager may unhide messages.")
        message = self.message(reply_id)
        if not message.hidden:
            return False
        self._unhidden(
            reply_id=reply_id, unhidden_by=access.real_user_id, at=at, **self._context(access)
        )
        return True

    @event("Unhidden")
    def _unhidden(
        self,
        reply_id: UUID | None,
        unhidden_by: UUID,
        at: datetime,
        group_id: UUID | None,
        group_private: bool,
        actor_id: UUID,
    ) -> None:
        message = self.messages[reply_id or self.id]
        message.hidden, message.hidden_reason = False, ""

    def report(self, access: Access, reply_id: UUID | None, reason: str, at: datetime) -> None:
        access.require_read()
        message = self.message(reply_id)
        if message.deleted:
            raise Conflict("A deleted message cannot be reported.")
        reason = clean_text(reason, limit=MAX_REASON_CHARS, what="A report")
        self._reported(
            reply_id=reply_id,
            reported_by=access.real_user_id,
            reason=reason,
            at=at,
            **self._context(access),
        )

    @event("Reported")
    def _reported(
        self,
        reply_id: UUID | None,
        reported_by: UUID,
        reason: str,
        at: datetime,
        group_id: UUID | None,
        group_private: bool,
        actor_id: UUID,
    ) -> None:
        self.messages[reply_id or self.id].reports += 1

    def react(self, access: Access, reply_id: UUID | None, reaction: str) -> bool:
        """Set one's reaction (replacing an earlier one); False if it was already this one."""
        access.require_contribute()
        if reaction not in REACTIONS:
            raise InvalidInput(f"A reaction is one of {', '.join(REACTIONS)}.")
        message = self.message(reply_id)
        if message.deleted:
            raise Conflict("A deleted message takes no reactions.")
        previous = message.reactions.get(access.user_id)
        if previous == reaction:
            return False
        self._reacted(
            reply_id=reply_id,
            target_author_id=message.author_id,
            user_id=access.user_id,
            reaction=reaction,
            previous=previous,
            **self._context(access),
        )
        return True

    @event("Reacted")
    def _reacted(
        self,
        reply_id: UUID | None,
        target_author_id: UUID,
        user_id: UUID,
        reaction: str,
        previous: str | None,
        group_id: UUID | None,
        group_private: bool,
        actor_id: UUID,
    ) -> None:
        self.messages[reply_id or self.id].reactions[user_id] = reaction

    def unreact(self, access: Access, reply_id: UUID | None) -> bool:
        access.require_read()
        message = self.message(reply_id)
        reaction = message.reactions.get(access.user_id)
        if reaction is None:
            return False
        self._unreacted(
            reply_id=reply_id,
            target_author_id=message.author_id,
            user_id=access.user_id,
            reaction=reaction,
            **self._context(access),
        )
        return True

    @event("Unreacted")
    def _unreacted(
        self,
        reply_id: UUID | None,
        target_author_id: UUID,
        user_id: UUID,
        reaction: str,
        group_id: UUID | None,
        group_private: bool,
        actor_id: UUID,
    ) -> None:
        self.messages[reply_id or self.id].reactions.pop(user_id, None)

    def accept_answer(self, access: Access, reply_id: UUID) -> bool:
        """Mark a reply as the question's best answer (the asker or a group admin may change
        it); False if it already is."""
        access.require_read()
        if self.kind != "question":
            raise Conflict("Only a question has a best answer.")
        if access.user_id != self.author_id and not access.group_admin:
            raise Forbidden("Only the asker or a group admin may choose the best answer.")
        if access.group is not None and access.group.archived:
            raise Conflict("This group is archived: it is read-only.")
        reply = self.message(reply_id)
        if reply.deleted:
            raise Conflict("A deleted reply cannot be the best answer.")
        if reply_id == self.accepted_reply_id:
            return False
        self._answer_accepted(
            reply_id=reply_id,
            reply_author_id=reply.author_id,
            question_author_id=self.author_id,
            accepted_by=access.real_user_id,
            previous_reply_id=self.accepted_reply_id,
            **self._context(access),
        )
        return True

    @event("AnswerAccepted")
    def _answer_accepted(
        self,
        reply_id: UUID,
        reply_author_id: UUID,
        question_author_id: UUID,
        accepted_by: UUID,
        previous_reply_id: UUID | None,
        group_id: UUID | None,
        group_private: bool,
        actor_id: UUID,
    ) -> None:
        self.accepted_reply_id = reply_id

    def poll_closed(self, now: datetime) -> bool:
        return self.closed_at is not None or (self.closes_at is not None and now >= self.closes_at)

    def results_visible(self, access: Access, now: datetime) -> bool:
        """The counts show always, or after closing when the poll says so; its author sees
        them all along."""
        return self.results == "always" or self.poll_closed(now) or access.user_id == self.author_id

    def _open_poll(self, access: Access, now: datetime) -> None:
        access.require_contribute()
        if self.kind != "poll":
            raise Conflict("Only a poll takes votes.")
        if self.root.deleted:
            raise Conflict("This poll was deleted.")
        if self.poll_closed(now):
            raise Conflict("This poll is closed; it takes no more votes.")

    def vote(self, access: Access, option: int, now: datetime) -> int | None:
        """Vote for an option: in a single-choice poll this moves one's vote (returns the
        previous option); in a multiple-choice poll it adds the option to one's choices."""
        self._open_poll(access, now)
        if not 0 <= option < len(self.options):
            raise InvalidInput(f"This poll's options are numbered 0 to {len(self.options) - 1}.")
        mine = self.votes.get(access.user_id, [])
        if option in mine:
            raise Conflict("You already voted for this option.")
        previous = None if self.multiple or not mine else mine[0]
        self._voted(
            user_id=access.user_id, option=option, previous_option=previous, **self._context(access)
        )
        return previous

    @event("Voted")
    def _voted(
        self,
        user_id: UUID,
        option: int,
        previous_option: int | None,
        group_id: UUID | None,
        group_private: bool,
        actor_id: UUID,
    ) -> None:
        mine = self.votes.get(user_id, []) if self.multiple else []
        self.votes[user_id] = sorted({*mine, option})

    def withdraw_vote(self, access: Access, option: int, now: datetime) -> None:
        """Take back one's vote for an option while the poll is open."""
        self._open_poll(access, now)
        if option not in self.votes.get(access.user_id, []):
            raise NotFound("You have no vote for this option.")
        self._vote_withdrawn(user_id=access.user_id, option=option, **self._context(access))

    @event("VoteWithdrawn")
    def _vote_withdrawn(
        self,
        user_id: UUID,
        option: int,
        group_id: UUID | None,
        group_private: bool,
        actor_id: UUID,
    ) -> None:
        left = [o for o in self.votes.get(user_id, []) if o != option]
        if left:
            self.votes[user_id] = left
        else:
            self.votes.pop(user_id, None)

    def close_poll(self, access: Access, now: datetime) -> bool:
        """Its author closes the poll before its closing time; False if it was closed."""
        access.require_read()
        if self.kind != "poll":
            raise Conflict("Only a poll can be closed.")
        if access.user_id != self.author_id:
            raise Forbidden("Only the poll's author may close it.")
        if self.poll_closed(now):
            return False
        self._poll_closed(closed_by=access.user_id, at=now, **self._context(access))
        return True

    @event("PollClosed")
    def _poll_closed(
        self,
        closed_by: UUID,
        at: datetime,
        group_id: UUID | None,
        group_private: bool,
        actor_id: UUID,
    ) -> None:
        self.closed_at = at


class AnnouncementLedger(Aggregate):
    """The times of a group's recent announcements. Saved together with each announcement, so
    two admins announcing at the same moment cannot both slip under the weekly limit."""

    @staticmethod
    def create_id(group_id: UUID) -> UUID:
        return uuid5(NAMESPACE_URL, f"plein:announcements:{group_id}")

    @event("Opened")
    def __init__(self, group_id: UUID) -> None:
        self.group_id = group_id
        self.recent: list[datetime] = []

    def record(self, post_id: UUID, at: datetime, hard_limit: int) -> str | None:
        """Record an announcement at `at`; returns a warning from the third in a week on."""
        _, warning = announcement_warning(self.recent, at, hard_limit)
        self._recorded(post_id=post_id, at=at)
        return warning

    @event("Recorded")
    def _recorded(self, post_id: UUID, at: datetime) -> None:
        self.recent = [t for t in self.recent if at - t < ANNOUNCEMENT_WINDOW] + [at]


# -- paging ----------------------------------------------------------------------------------


TIME_CURSOR = CursorCodec[tuple[datetime, UUID]](tuple[CursorTime, UUID])
RANK_CURSOR = CursorCodec[tuple[float, UUID]](tuple[CursorRank, UUID])


def highlight_segments(headline: str, start: str, stop: str) -> list[dict[str, Any]]:
    """A search headline as text segments, the matching ones flagged: no markup to render."""
    segments: list[dict[str, Any]] = []
    rest = headline
    while rest:
        before, found, after = rest.partition(start)
        if before:
            segments.append({"text": before, "match": False})
        if not found:
            break
        match, _, rest = after.partition(stop)
        if match:
            segments.append({"text": match, "match": True})
    return segments
