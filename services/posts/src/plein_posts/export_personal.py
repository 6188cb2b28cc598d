"""Posts' part of a person's export: their posts and replies (with edit history), their
reactions, votes and reports, praise they gave and received, and what they wrote as a shared
account's delegate.

Another person's words never travel in it: a reaction or a vote names its target by id, and
a praise someone else wrote about the person is included only while the person may still
read it (posts' own access rule, `Access.may_read`).
"""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from plein_events import Envelope
from plein_events.posts import (
    THREAD_STARTS,
    PollVoted,
    PostReported,
    PraiseGiven,
    Reacted,
    ReplyPosted,
    ThreadStarted,
)
from plein_events.projection import Handler, Projection
from plein_platform.auth import Principal
from plein_platform.errors import NotFound
from plein_platform.personal_export import export_routes
from plein_platform.service import service_of
from psycopg import AsyncConnection
from psycopg.rows import dict_row

from . import calendar_store, store
from .domain import Message, Post

Conn = AsyncConnection[Any]

DESCRIBE = """posts.json `data`:
- messages: every post and reply you wrote (also as a shared account's delegate:
  `as_account` is then the account's id): post_id, reply_id (null for the opening post),
  group_id, kind, title, text, created_at, edited (earlier texts with `until`, oldest first),
  mentions, topics, deleted, hidden, reactions_received (counts per reaction, not who).
- reactions: your reactions (post_id, reply_id, reaction); the target by id only.
- votes: your poll votes (post_id, options: the indices of the options you chose).
- praise_given: praise you wrote (post_id, praised_ids, badge, text, created_at).
- praise_received: praise others wrote about you that you may still read (post_id,
  author_id, badge, text, created_at).
- reports: what you reported to the moderators (post_id, reply_id, reason, reported_at, closed).
- events_organised: calendar events you organise (event_id, group_id, title, description,
  place, online_url, starts_at, ends_at, timezone, cancelled).
- event_answers: your RSVPs (event_id, answer: yes, maybe or no)."""

# -- the index of touched threads (a projection of posts' own events) -----------------------


async def _touch(conn: Conn, post_id: UUID, *people: UUID | None) -> None:
    ids = sorted({p for p in people if p is not None})
    await conn.execute(
        "INSERT INTO export_touches (person_id, post_id) SELECT unnest(%s::uuid[]), %s "
        "ON CONFLICT DO NOTHING",
        (ids, post_id),
    )


async def on_thread_started(conn: Conn, event: ThreadStarted, envelope: Envelope) -> None:
    praised = event.praised_ids if isinstance(event, PraiseGiven) else []
    await _touch(conn, event.post_id, event.author_id, event.real_author_id, *praised)


async def on_reply(conn: Conn, event: ReplyPosted, _: Envelope) -> None:
    await _touch(conn, event.post_id, event.author_id, event.real_author_id)


async def on_reacted(conn: Conn, event: Reacted, _: Envelope) -> None:
    await _touch(conn, event.post_id, event.user_id)


async def on_voted(conn: Conn, event: PollVoted, _: Envelope) -> None:
    await _touch(conn, event.post_id, event.user_id)


async def on_reported(conn: Conn, event: PostReported, _: Envelope) -> None:
    await _touch(conn, event.post_id, event.reported_by)


_starts: dict[Any, Handler] = {cls: on_thread_started for cls in THREAD_STARTS}
TOUCHES = Projection(
    name="posts_export_touches",
    handlers={
        **_starts,
        ReplyPosted: on_reply,
        Reacted: on_reacted,
        PollVoted: on_voted,
        PostReported: on_reported,
    },
    tables=("export_touches",),
)

# -- the part ----------------------------------------------------------------------------------


def _message(post: Post, message: Message, person_id: UUID) -> dict[str, Any]:
    counts: dict[str, int] = {}
    for reaction in message.reactions.values():
        counts[reaction] = counts.get(reaction, 0) + 1
    root = message.id == post.id
    return {
        "post_id": post.id,
        "reply_id": None if root else message.id,
        "group_id": post.group_id,
        "kind": post.kind if root else "reply",
        "title": post.title if root else "",
        "text": message.text,
        "created_at": message.created_at,
        "edited": [{"text": text, "until": until} for text, until in message.history],
        "mentions": message.mentions,
        "topics": message.topics,
        "deleted": message.deleted,
        "hidden": message.hidden,
        "as_account": message.author_id if message.author_id != person_id else None,
        "reactions_received": counts,
        **({"options": post.options} if root and post.options else {}),
    }


def person_part(post: Post, person_id: UUID, may_read: bool) -> dict[str, list[dict[str, Any]]]:
    """What one thread holds of `person_id`: pure, so the rule is tested without servers."""
    part: dict[str, list[dict[str, Any]]] = {
        "messages": [],
        "reactions": [],
        "votes": [],
        "praise_given": [],
        "praise_received": [],
    }
    for message in post.messages.values():
        if person_id in (message.author_id, message.real_author_id):
            part["messages"].append(_message(post, message, person_id))
        if person_id in message.reactions:
            reply_id = None if message.id == post.id else message.id
            part["reactions"].append(
                {"post_id": post.id, "reply_id": reply_id, "reaction": message.reactions[person_id]}
            )
    if person_id in post.votes:
        part["votes"].append({"post_id": post.id, "options": post.votes[person_id]})
    if post.kind == "praise":
        praise = {
            "post_id": post.id,
            "badge": post.badge,
            "text": post.text,
            "created_at": post.created_on,
        }
        if person_id in (post.author_id, post.real_author_id):
            part["praise_given"].append({**praise, "praised_ids": post.praised_ids})
        elif person_id in post.praised_ids and may_read and not post.root.deleted:
            part["praise_received"].append({**praise, "author_id": post.author_id})
    return part


async def collect(request: Request, person_id: UUID) -> dict[str, Any]:
    service: Any = service_of(request)
    conversations = service.conversations
    async with service.ctx.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT post_id FROM export_touches WHERE person_id = %s ORDER BY post_id",
            (person_id,),
        )
        post_ids = [row[0] for row in await cur.fetchall()]
        reports_cur = conn.cursor(row_factory=dict_row)
        await reports_cur.execute(
            "SELECT post_id, reply_id, reason, reported_at, closed FROM reports "
            "WHERE reported_by = %s ORDER BY reported_at",
            (person_id,),
        )
        reports = await reports_cur.fetchall()
        events = await calendar_store.personal(conn, person_id)
    data: dict[str, list[dict[str, Any]]] = {
        "messages": [],
        "reactions": [],
        "votes": [],
        "praise_given": [],
        "praise_received": [],
    }
    for post_id in post_ids:
        try:
            post = await asyncio.to_thread(conversations.events.post, post_id)
        except NotFound:  # a thread that is no longer there has nothing left to export
            continue
        async with service.ctx.pool.connection() as conn:
            access = await store.access(conn, person_id, person_id, post.group_id)
        for key, rows in person_part(post, person_id, access.may_read).items():
            data[key].extend(rows)
    return {**data, "reports": reports, **events}


async def is_admin(request: Request, caller: Principal) -> bool:
    service: Any = service_of(request)
    async with service.ctx.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT 1 FROM roles WHERE user_id = %s AND role = 'network_admin'",
            (caller.real_user_id,),
        )
        return await cur.fetchone() is not None


def routes() -> APIRouter:
    return export_routes(collect, is_admin, describe=DESCRIBE)
