"""Threads as event-sourced aggregates.

A thread is one aggregate: its opening post and every reply, reaction, vote and moderation
decision in it. Rules that span a thread (one reaction per person, one vote per person, a best
answer that is a reply of this question) are then checked against one consistent state, and
the event store's optimistic concurrency serialises two people changing the same thread.
The aggregate is one class on purpose (its events are named `Post.<Event>` in the event store),
which is why this module is longer than the others.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event
from plein_events.pages import page_thread_id
from plein_platform.errors import Conflict, Forbidden, InvalidInput, NotFound

from .access import Access
from .attachments import clean_attachments, require_words_or_files
from .text import MAX_REASON_CHARS, clean_text, topics_in

REACTIONS = ("like", "love", "celebrate", "thanks", "insightful", "funny")
BADGES = ("thank_you", "team_player", "above_and_beyond", "problem_solver", "mentor", "welcome")


class Message:
    """The opening post or a reply: text (and files) with its history, reactions and
    moderation state."""

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
        attachments: list[UUID] | None = None,
    ) -> None:
        self.id = id
        self.parent_id = parent_id
        self.author_id = author_id
        self.real_author_id = real_author_id
        self.text = text
        self.mentions = list(mentions)
        self.topics = list(topics)
        self.attachments = list(attachments or [])  # file ids, in the order shown
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
        attachments: list[UUID] | None = None,  # threads started before files lack it
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
            self.id,
            None,
            author_id,
            real_author_id,
            text,
            mentions,
            topics,
            self.created_on,
            attachments,
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
    def attachments(self) -> list[UUID]:
        return self.root.attachments

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
        attachments: list[UUID] | None = None,
    ) -> Message:
        access.require_contribute()
        if self.root.deleted:
            raise Conflict("This post was deleted; its thread takes no new replies.")
        parent = self.message(parent_id if parent_id != self.id else None)
        files = clean_attachments(attachments or [])
        require_words_or_files(text, files, what="A reply")
        self._replied(
            reply_id=reply_id,
            parent_id=parent.id,
            parent_author_id=parent.author_id,
            post_author_id=self.author_id,
            post_kind=self.kind,
            author_id=access.user_id,
            real_author_id=access.real_user_id,
            text=clean_text(text, what="A reply", required=not files),
            mentions=list(mentions),
            topics=topics_in(text),
            at=at,
            attachments=files,
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
        attachments: list[UUID] | None = None,  # replies stored before files lack it
    ) -> None:
        self.messages[reply_id] = Message(
            reply_id, parent_id, author_id, real_author_id, text, mentions, topics, at, attachments
        )

    def edit(
        self,
        access: Access,
        reply_id: UUID | None,
        text: str,
        mentions: list[UUID],
        at: datetime,
        attachments: list[UUID] | None = None,
    ) -> bool:
        """Change the text (and, given `attachments`, the files) of one's own post or reply;
        False if nothing changed. The edit event carries the whole list of files after it."""
        access.require_read()
        message = self.message(reply_id)
        if message.author_id != access.user_id:
            raise Forbidden("Only the author may edit this.")
        if message.deleted:
            raise Conflict("A deleted message cannot be edited.")
        if self.group_id is not None and access.group is not None and access.group.archived:
            raise Conflict("This group is archived: it is read-only.")
        files = message.attachments if attachments is None else clean_attachments(attachments)
        require_words_or_files(text, files)
        text = clean_text(text, required=not files)
        if (
            text == message.text
            and list(mentions) == message.mentions
            and files == message.attachments
        ):
            return False
        self._edited(
            reply_id=reply_id,
            editor_id=access.user_id,
            real_editor_id=access.real_user_id,
            text=text,
            mentions=list(mentions),
            topics=topics_in(text),
            at=at,
            attachments=files,
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
        real_editor_id: UUID | None = None,  # edits stored before it existed lack it
        attachments: list[UUID] | None = None,  # None: stored before files, files unchanged
    ) -> None:
        message = self.messages[reply_id or self.id]
        message.history.append((message.text, at))
        message.text, message.mentions, message.topics = text, list(mentions), list(topics)
        if attachments is not None:
            message.attachments = list(attachments)

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
        message.attachments = []
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
