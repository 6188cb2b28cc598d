"""How a thread reads to one person: nested replies, tombstones, hidden messages, counts."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any
from uuid import UUID

from plein_events import REMOVED_TEXT

from .domain import REACTIONS, Access, Message, Post

DELETED = "deleted message"
HIDDEN = "hidden by a moderator"


def message_view(message: Message, access: Access) -> dict[str, Any]:
    """One message as `access` may see it: tombstones keep their place but lose their words.

    An erased writer's message is deleted ("removed") or keeps its place with REMOVED_TEXT
    ("anonymised"), also where its words were stored before they were sealed."""
    counts = Counter(message.reactions.values())
    erased = access.erased_writers.get(message.real_author_id)
    deleted = message.deleted or erased == "removed"
    concealed = deleted or (message.hidden and not access.may_moderate)
    view: dict[str, Any] = {
        "id": message.id,
        "parent_id": message.parent_id,
        "author_id": message.author_id,
        "real_author_id": message.real_author_id
        if access.sees_real_author(message.id, message.author_id, message.real_author_id)
        else None,
        "created_at": message.created_at,
        "text": None if concealed else REMOVED_TEXT if erased else message.text,
        "placeholder": DELETED if deleted else HIDDEN if concealed else None,
        "deleted": deleted,
        "hidden": message.hidden,
        "edited": bool(message.history) and not deleted,
        "history": []
        if concealed or erased
        else [{"text": text, "until": until} for text, until in message.history],
        "mentions": [] if concealed else message.mentions,
        "topics": [] if concealed else message.topics,
        "attachments": [] if concealed else message.attachments,
        "reactions": {kind: counts[kind] for kind in REACTIONS if counts[kind]},
        "my_reaction": message.reactions.get(access.user_id),
    }
    if message.hidden and access.may_moderate:
        view["hidden_reason"] = message.hidden_reason
    return view


def thread_view(
    post: Post, access: Access, now: datetime, *, with_replies: bool = True
) -> dict[str, Any]:
    """The opening post with its replies nested under their parents, oldest first, as it
    reads at `now` (a poll closes in time); without them when `with_replies` is False."""
    children: dict[UUID, list[Message]] = {}
    for reply in sorted(post.replies, key=lambda m: m.created_at) if with_replies else []:
        assert reply.parent_id is not None
        children.setdefault(reply.parent_id, []).append(reply)

    def nest(message: Message) -> dict[str, Any]:
        view = message_view(message, access)
        view["best_answer"] = message.id == post.accepted_reply_id
        view["replies"] = [nest(child) for child in children.get(message.id, [])]
        return view

    root = message_view(post.root, access)
    root.update(
        group_id=post.group_id,
        kind=post.kind,
        title=_title(post, access),
        reply_count=len(post.replies),
        replies=[nest(child) for child in children.get(post.id, [])],
        moderator=access.may_moderate,
        page_url=getattr(post, "page_url", None),
    )
    if post.kind == "question":
        root["accepted_reply_id"] = post.accepted_reply_id
    if post.kind == "praise":
        root["praise"] = {"praised_ids": post.praised_ids, "badge": post.badge}
    if post.kind == "poll":
        root["poll"] = poll_view(post, access, now)
    return root


def _title(post: Post, access: Access) -> str | None:
    erased = access.erased_writers.get(post.root.real_author_id)
    if not post.title or erased == "removed":
        return None
    return REMOVED_TEXT if erased else post.title


def poll_view(post: Post, access: Access, now: datetime) -> dict[str, Any]:
    """A poll's options and, when its setting lets this reader see them yet, their counts;
    `my_votes` are the reader's choices (`my_vote` the first of them, for single choice)."""
    visible = post.results_visible(access, now)
    tally = Counter(option for chosen in post.votes.values() for option in chosen)
    mine = post.votes.get(access.user_id, [])
    # The options are the author's words: once they are erased, the poll keeps its shape for
    # the people who voted, its words read REMOVED_TEXT (also those stored before sealing).
    erased = post.root.real_author_id in access.erased_writers
    return {
        "options": [
            {
                "option": i,
                "text": REMOVED_TEXT if erased else text,
                "votes": tally[i] if visible else None,
            }
            for i, text in enumerate(post.options)
        ],
        "total_votes": len(post.votes),
        "my_vote": mine[0] if mine else None,
        "my_votes": mine,
        "multiple": post.multiple,
        "closes_at": post.closes_at,
        "closed": post.poll_closed(now),
        "closed_at": post.closed_at,
        "results": post.results,
        "results_visible": visible,
    }


LATEST_REPLIES = 2


def card_view(
    post: Post, access: Access, now: datetime, *, every_reply: bool = False
) -> dict[str, Any]:
    """A thread as a list shows it: the opening post (reactions, poll, praise) with its last
    few replies (every reply, when the reader asked a list to "view all" in place) and its
    best answer, flat, without any history."""
    root = thread_view(post, access, now, with_replies=False)
    shown = [m for m in sorted(post.replies, key=lambda m: m.created_at) if _readable(m, access)]
    parents = {m.id: m.parent_id for m in post.replies}

    def flat(message: Message) -> dict[str, Any]:
        view = message_view(message, access)
        view.pop("history")
        view["best_answer"] = message.id == post.accepted_reply_id
        # Two levels, as lists show them: a reply to a reply belongs under its first-level reply
        # and says whom it answers (the list may not show that reply).
        view["thread_parent_id"] = _first_level(message.id, post.id, parents)
        answered = message.parent_id
        parent = post.messages.get(answered) if answered and answered != post.id else None
        view["in_reply_to"] = parent.author_id if parent is not None else None
        return view

    root.pop("replies")
    root.pop("history")
    root["latest_replies"] = [flat(m) for m in (shown if every_reply else shown[-LATEST_REPLIES:])]
    accepted = post.messages.get(post.accepted_reply_id) if post.accepted_reply_id else None
    root["best_answer_reply"] = (
        flat(accepted) if accepted is not None and _readable(accepted, access) else None
    )
    return root


def _readable(message: Message, access: Access) -> bool:
    erased = access.erased_writers.get(message.real_author_id) == "removed"
    return not (message.deleted or erased or (message.hidden and not access.may_moderate))


def _first_level(message_id: UUID, post_id: UUID, parents: dict[UUID, UUID | None]) -> UUID:
    """The reply directly under the post that `message_id` answers (itself if it is one)."""
    current = message_id
    while parents.get(current) not in (None, post_id):
        current = parents[current]  # type: ignore[assignment]
    return current
