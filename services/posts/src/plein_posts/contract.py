"""Which of posts' domain events leave the service, and as which contract event."""

from __future__ import annotations

from typing import Any

from plein_events import Event
from plein_events.posts import (
    AnnouncementPosted,
    AnswerAccepted,
    PollClosed,
    PollCreated,
    PollVoted,
    PollVoteWithdrawn,
    PostCreated,
    PostDeleted,
    PostEdited,
    PostHidden,
    PostReported,
    PostUnhidden,
    PraiseGiven,
    Reacted,
    ReplyPosted,
    Unreacted,
)

from .calendar_contract import to_contract as gathering_contract
from .contract_articles import article_to_contract
from .domain import Post
from .domain.article import Article


def _thread_started(e: Any) -> Event:
    common = {
        "post_id": e.originator_id,
        "author_id": e.author_id,
        "real_author_id": e.real_author_id,
        "group_id": e.group_id,
        "group_private": e.group_private,
        "kind": e.kind,
        "text": e.text,
        "mentions": e.mentions,
        "topics": e.topics,
    }
    match e.kind:
        case "announcement":
            return AnnouncementPosted(
                **common, title=e.title, email_immediately=e.email_immediately
            )
        case "praise":
            return PraiseGiven(**common, praised_ids=e.praised_ids, badge=e.badge)
        case "poll":
            # Polls started before closing times and multiple choice existed lack these.
            return PollCreated(
                **common,
                options=e.options,
                closes_at=getattr(e, "closes_at", None),
                results=getattr(e, "results", "always"),
                multiple=getattr(e, "multiple", False),
            )
    return PostCreated(
        **common,
        page_url=getattr(e, "page_url", None),
        attachments=getattr(e, "attachments", None) or [],
    )


def to_contract(e: Any) -> Event | None:
    """The contract event for a stored domain event; None for events that stay inside posts."""
    if (gathering := gathering_contract(e)) is not None:  # calendar events
        return gathering
    where: dict[str, Any] = {"group_id": getattr(e, "group_id", None)}
    private: dict[str, Any] = {**where, "group_private": getattr(e, "group_private", False)}
    if isinstance(e, Article.Event):
        return article_to_contract(e)
    match e:
        case Post.Created():
            return _thread_started(e)
        case Post.Replied():
            return ReplyPosted(
                reply_id=e.reply_id,
                post_id=e.originator_id,
                parent_id=e.parent_id,
                post_author_id=e.post_author_id,
                parent_author_id=e.parent_author_id,
                author_id=e.author_id,
                real_author_id=e.real_author_id,
                post_kind=e.post_kind,
                text=e.text,
                mentions=e.mentions,
                topics=e.topics,
                attachments=getattr(e, "attachments", None) or [],
                **private,
            )
        case Post.Edited():
            return PostEdited(
                post_id=e.originator_id,
                reply_id=e.reply_id,
                editor_id=e.editor_id,
                real_editor_id=getattr(e, "real_editor_id", None),
                text=e.text,
                mentions=e.mentions,
                topics=e.topics,
                # Edits stored before files carried none (nor could their message have any).
                attachments=getattr(e, "attachments", None) or [],
                **private,
            )
        case Post.Deleted():
            return PostDeleted(
                post_id=e.originator_id, reply_id=e.reply_id, deleted_by=e.deleted_by, **where
            )
        case Post.Hidden():
            return PostHidden(
                post_id=e.originator_id,
                reply_id=e.reply_id,
                hidden_by=e.hidden_by,
                reason=e.reason,
                **where,
            )
        case Post.Unhidden():
            return PostUnhidden(
                post_id=e.originator_id, reply_id=e.reply_id, unhidden_by=e.unhidden_by, **where
            )
        case Post.Reported():
            return PostReported(
                post_id=e.originator_id,
                reply_id=e.reply_id,
                reported_by=e.reported_by,
                reason=e.reason,
                **private,
            )
        case Post.Reacted():
            return Reacted(
                post_id=e.originator_id,
                reply_id=e.reply_id,
                target_author_id=e.target_author_id,
                user_id=e.user_id,
                reaction=e.reaction,
                previous=e.previous,
                **private,
            )
        case Post.Unreacted():
            return Unreacted(
                post_id=e.originator_id,
                reply_id=e.reply_id,
                target_author_id=e.target_author_id,
                user_id=e.user_id,
                reaction=e.reaction,
                **private,
            )
        case Post.AnswerAccepted():
            return AnswerAccepted(
                post_id=e.originator_id,
                reply_id=e.reply_id,
                reply_author_id=e.reply_author_id,
                question_author_id=e.question_author_id,
                accepted_by=e.accepted_by,
                previous_reply_id=e.previous_reply_id,
                **private,
            )
        case Post.Voted():
            return PollVoted(
                post_id=e.originator_id,
                user_id=e.user_id,
                option=e.option,
                previous_option=e.previous_option,
                **private,
            )
        case Post.VoteWithdrawn():
            return PollVoteWithdrawn(
                post_id=e.originator_id, user_id=e.user_id, option=e.option, **private
            )
        case Post.PollClosed():
            return PollClosed(post_id=e.originator_id, closed_by=e.closed_by, **private)
    return None
