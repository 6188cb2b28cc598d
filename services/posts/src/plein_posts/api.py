"""Posts' HTTP routes: parse, authorise (through the use cases), shape the response."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from plein_events.pages import MAX_PAGE_URL_CHARS
from plein_platform.auth import Principal
from plein_platform.caller import current_principal
from plein_platform.errors import NotFound
from plein_platform.service import service_of
from plein_platform.text import Storable, StorableText
from pydantic import BaseModel, ConfigDict, Field

from .app import Conversations, Started
from .domain import (
    MAX_ATTACHMENTS,
    MAX_OPTION_CHARS,
    MAX_PRAISE_CHARS,
    MAX_REASON_CHARS,
    MAX_TEXT_CHARS,
    MAX_TITLE_CHARS,
    RANK_CURSOR,
    TIME_CURSOR,
)
from .views import poll_view, thread_view

Me = Annotated[Principal, Depends(current_principal)]
Text = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_TEXT_CHARS,
        description="Plain text; stored and returned as typed, never interpreted as HTML",
    ),
    Storable,
]
Mentions = Annotated[list[UUID], Field(default_factory=list, description="people @mentioned")]
# A message may be only files: its text may then be empty.
OptionalText = Annotated[
    str,
    Field(
        default="",
        max_length=MAX_TEXT_CHARS,
        description="Plain text; may be empty when the message carries files",
    ),
    Storable,
]
Attachments = Annotated[
    list[UUID],
    Field(
        default_factory=list,
        max_length=MAX_ATTACHMENTS,
        description="ids of files uploaded to the files service, in the order shown "
        f"(at most {MAX_ATTACHMENTS})",
    ),
]
Limit = Annotated[int, Query(ge=1, le=100)]
CursorParam = Annotated[str | None, Query(max_length=300)]
WARNING_HEADER = "Plein-Warning"


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NewPost(_Body):
    text: OptionalText
    attachments: Attachments
    group_id: UUID | None = Field(default=None, description="None: on my own profile")
    kind: Literal["post", "question"] = "post"
    mentions: Mentions
    page_url: str | None = Field(
        default=None,
        max_length=MAX_PAGE_URL_CHARS,
        description="a page thread: the page (outside Plein) this thread is about. Its id "
        "follows from the page's canonical address and the group; 409 when it exists",
    )


class NewAnnouncement(_Body):
    group_id: UUID
    title: Annotated[str, Field(min_length=1, max_length=MAX_TITLE_CHARS), Storable]
    text: Text
    mentions: Mentions
    email_immediately: bool = False


class NewPraise(_Body):
    praised_ids: Annotated[list[UUID], Field(min_length=1, max_length=20)]
    badge: StorableText
    text: Annotated[str, Field(min_length=1, max_length=MAX_PRAISE_CHARS), Storable]
    group_id: UUID | None = None


class NewPoll(_Body):
    question: Text
    options: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=MAX_OPTION_CHARS), Storable]],
        Field(min_length=2, max_length=10),
    ]
    group_id: UUID | None = None
    closes_at: datetime | None = Field(
        default=None, description="when it stops taking votes (None: when its author closes it)"
    )
    results: Literal["always", "after_close"] = Field(
        default="always", description="when voters see the counts (its author always does)"
    )
    multiple: bool = Field(default=False, description="each voter may choose several options")


class NewReply(_Body):
    text: OptionalText
    attachments: Attachments
    parent_id: UUID | None = Field(default=None, description="the reply answered; None: the post")
    mentions: Mentions


class Edit(_Body):
    text: OptionalText
    mentions: Mentions
    attachments: list[UUID] | None = Field(
        default=None,
        max_length=MAX_ATTACHMENTS,
        description="the files after the edit, in order; left out: the files stay as they are",
    )


class Reaction(_Body):
    reaction: Literal["like", "love", "celebrate", "thanks", "insightful", "funny"]


class Reason(_Body):
    reason: Annotated[str, Field(max_length=MAX_REASON_CHARS), Storable] = ""


class Report(_Body):
    reason: Annotated[str, Field(min_length=1, max_length=MAX_REASON_CHARS), Storable]


class BestAnswer(_Body):
    reply_id: UUID


class Vote(_Body):
    option: Annotated[int, Field(ge=0, le=9)]


def _conversations(request: Request) -> Conversations:
    service: Any = service_of(request)
    conversations: Conversations = service.conversations
    return conversations


Use = Annotated[Conversations, Depends(_conversations)]


def _created(started: Started, request: Request, response: Response) -> dict[str, Any]:
    response.headers["Location"] = f"{request.scope.get('root_path', '')}/posts/{started.post.id}"
    # As it reads the moment it was created.
    view = thread_view(started.post, started.access, started.post.created_on)
    view["warning"] = started.warning
    if started.warning:
        response.headers[WARNING_HEADER] = started.warning
    return view


def _page(rows: list[dict[str, Any]], limit: int, cursor: Callable[[dict[str, Any]], str]) -> Any:
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (cursor(rows[-1]) if more and rows else None)


def routes() -> APIRouter:
    router = APIRouter(tags=["posts"])

    # -- starting threads --------------------------------------------------------------------

    @router.post("/posts", status_code=status.HTTP_201_CREATED, summary="Start a thread")
    async def create_post(
        body: NewPost, request: Request, response: Response, me: Me, use: Use
    ) -> dict[str, Any]:
        """A post or a question, in a group (if I am a member) or on my own profile."""
        started = await use.start_post(
            me,
            text=body.text,
            group_id=body.group_id,
            kind=body.kind,
            mentions=body.mentions,
            page_url=body.page_url,
            attachments=body.attachments,
        )
        return _created(started, request, response)

    @router.post(
        "/announcements", status_code=status.HTTP_201_CREATED, summary="Announce in a group"
    )
    async def announce(
        body: NewAnnouncement, request: Request, response: Response, me: Me, use: Use
    ) -> dict[str, Any]:
        """Group admins and community managers only. From the third announcement in 7 days
        the response carries a `warning` (and a `Plein-Warning` header); beyond the weekly
        hard limit it is refused with 429."""
        started = await use.announce(
            me,
            group_id=body.group_id,
            title=body.title,
            text=body.text,
            mentions=body.mentions,
            email_immediately=body.email_immediately,
        )
        return _created(started, request, response)

    @router.post("/praise", status_code=status.HTTP_201_CREATED, summary="Praise colleagues")
    async def praise(
        body: NewPraise, request: Request, response: Response, me: Me, use: Use
    ) -> dict[str, Any]:
        started = await use.praise(
            me,
            praised_ids=body.praised_ids,
            badge=body.badge,
            text=body.text,
            group_id=body.group_id,
        )
        return _created(started, request, response)

    @router.post("/polls", status_code=status.HTTP_201_CREATED, summary="Start a poll")
    async def poll(
        body: NewPoll, request: Request, response: Response, me: Me, use: Use
    ) -> dict[str, Any]:
        started = await use.start_poll(
            me,
            question=body.question,
            options=body.options,
            group_id=body.group_id,
            closes_at=body.closes_at,
            results=body.results,
            multiple=body.multiple,
        )
        return _created(started, request, response)

    # -- one thread --------------------------------------------------------------------------

    @router.get("/posts/{post_id}", summary="A post with its whole thread")
    async def get_thread(post_id: UUID, me: Me, use: Use) -> dict[str, Any]:
        """Read from the event store, so a change is visible in the very next request.
        Deleted messages are tombstones; hidden ones are shown to moderators only."""
        post, access = await use.thread(me, post_id)
        return thread_view(post, access, use.clock())

    @router.get("/posts/{post_id}/poll", summary="A poll's results")
    async def poll_results(post_id: UUID, me: Me, use: Use) -> dict[str, Any]:
        post, access = await use.thread(me, post_id)
        if post.kind != "poll":
            raise NotFound("This post is not a poll.")
        return poll_view(post, access, use.clock())

    @router.post("/posts/{post_id}/replies", status_code=201, summary="Reply in a thread")
    async def reply(
        post_id: UUID, body: NewReply, request: Request, response: Response, me: Me, use: Use
    ) -> dict[str, Any]:
        message = await use.reply(
            me,
            post_id,
            text=body.text,
            parent_id=body.parent_id,
            mentions=body.mentions,
            attachments=body.attachments,
        )
        post, access = await use.thread(me, post_id)
        response.headers["Location"] = (
            f"{request.scope.get('root_path', '')}/posts/{post_id}#{message.id}"
        )
        return {**thread_view(post, access, use.clock()), "reply_id": message.id}

    async def edit(
        post_id: UUID, body: Edit, me: Me, use: Use, reply_id: UUID | None = None
    ) -> dict[str, Any]:
        """The author changes the text; earlier versions stay in `history`."""
        await use.edit(
            me,
            post_id,
            reply_id,
            text=body.text,
            mentions=body.mentions,
            attachments=body.attachments,
        )
        post, access = await use.thread(me, post_id)
        return thread_view(post, access, use.clock())

    async def delete(post_id: UUID, me: Me, use: Use, reply_id: UUID | None = None) -> Response:
        """The author deletes; a tombstone keeps its place so replies stay readable."""
        await use.delete(me, post_id, reply_id)
        return Response(status_code=204)

    async def react(
        post_id: UUID, body: Reaction, me: Me, use: Use, reply_id: UUID | None = None
    ) -> dict[str, Any]:
        """One reaction per person; putting another replaces it."""
        await use.react(me, post_id, reply_id, body.reaction)
        return await _reactions(post_id, reply_id, me, use)

    async def unreact(
        post_id: UUID, me: Me, use: Use, reply_id: UUID | None = None
    ) -> dict[str, Any]:
        await use.unreact(me, post_id, reply_id)
        return await _reactions(post_id, reply_id, me, use)

    async def _reactions(
        post_id: UUID, reply_id: UUID | None, me: Principal, use: Conversations
    ) -> dict[str, Any]:
        post, access = await use.thread(me, post_id)
        view = thread_view(post, access, use.clock())
        message = view if reply_id is None else _find(view, reply_id)
        return {"reactions": message["reactions"], "my_reaction": message["my_reaction"]}

    async def hide(
        post_id: UUID, body: Reason, me: Me, use: Use, reply_id: UUID | None = None
    ) -> Response:
        """Moderation: group admins (in their group) and community managers."""
        await use.hide(me, post_id, reply_id, body.reason)
        return Response(status_code=204)

    async def unhide(post_id: UUID, me: Me, use: Use, reply_id: UUID | None = None) -> Response:
        await use.unhide(me, post_id, reply_id)
        return Response(status_code=204)

    async def report(
        post_id: UUID, body: Report, me: Me, use: Use, reply_id: UUID | None = None
    ) -> Response:
        """Queue a message for the moderators, with a reason."""
        await use.report(me, post_id, reply_id, body.reason)
        return Response(status_code=202)

    for suffix, where in (("", "post"), ("/replies/{reply_id}", "reply")):
        base = "/posts/{post_id}" + suffix
        router.add_api_route(base, edit, methods=["PATCH"], summary=f"Edit my {where}")
        router.add_api_route(
            base, delete, methods=["DELETE"], status_code=204, summary=f"Delete my {where}"
        )
        router.add_api_route(
            base + "/reaction", react, methods=["PUT"], summary=f"React to a {where}"
        )
        router.add_api_route(
            base + "/reaction",
            unreact,
            methods=["DELETE"],
            summary=f"Take back my reaction to a {where}",
        )
        router.add_api_route(
            base + "/hide", hide, methods=["POST"], status_code=204, summary=f"Hide a {where}"
        )
        router.add_api_route(
            base + "/unhide", unhide, methods=["POST"], status_code=204, summary=f"Unhide a {where}"
        )
        router.add_api_route(
            base + "/reports",
            report,
            methods=["POST"],
            status_code=202,
            summary=f"Report a {where} to the moderators",
        )

    @router.put("/posts/{post_id}/best-answer", summary="Choose a question's best answer")
    async def best_answer(post_id: UUID, body: BestAnswer, me: Me, use: Use) -> dict[str, Any]:
        """The asker or a group admin; choosing again changes it."""
        await use.accept_answer(me, post_id, body.reply_id)
        post, access = await use.thread(me, post_id)
        return thread_view(post, access, use.clock())

    @router.post("/posts/{post_id}/votes", summary="Vote in a poll (again: change my vote)")
    async def vote(post_id: UUID, body: Vote, me: Me, use: Use) -> dict[str, Any]:
        """One vote per person: voting for another option moves the vote; in a multiple-choice
        poll it adds the option. Voting for a chosen option again, or in a closed poll, is
        refused (409)."""
        await use.vote(me, post_id, body.option)
        post, access = await use.thread(me, post_id)
        return poll_view(post, access, use.clock())

    @router.delete("/posts/{post_id}/votes/{option}", summary="Take back my vote for an option")
    async def withdraw_vote(
        post_id: UUID, option: Annotated[int, Path(ge=0, le=9)], me: Me, use: Use
    ) -> dict[str, Any]:
        await use.withdraw_vote(me, post_id, option)
        post, access = await use.thread(me, post_id)
        return poll_view(post, access, use.clock())

    @router.post("/posts/{post_id}/poll/close", summary="Close my poll now (its author)")
    async def close_poll(post_id: UUID, me: Me, use: Use) -> dict[str, Any]:
        """Closing a closed poll changes nothing."""
        await use.close_poll(me, post_id)
        post, access = await use.thread(me, post_id)
        return poll_view(post, access, use.clock())

    # -- lists -------------------------------------------------------------------------------

    async def _threads(
        use: Conversations, me: Principal, limit: int, cursor: str | None, **where: Any
    ) -> dict[str, Any]:
        after = TIME_CURSOR.decode(cursor) if cursor else None
        rows = await use.threads(me, after, limit + 1, **where)
        rows, next_cursor = _page(
            rows, limit, lambda r: TIME_CURSOR.encode((r["created_at"], r["post_id"]))
        )
        return {"posts": rows, "next_cursor": next_cursor}

    @router.get("/groups/{group_id}/posts", summary="A group's threads, newest first")
    async def group_posts(
        group_id: UUID,
        me: Me,
        use: Use,
        limit: Limit = 20,
        cursor: CursorParam = None,
    ) -> dict[str, Any]:
        await _readable_group(use, me, group_id)
        return await _threads(use, me, limit, cursor, group_id=group_id)

    @router.get(
        "/groups/{group_id}/questions/unanswered",
        summary="A group's open questions (no best answer yet), newest first",
    )
    async def unanswered(
        group_id: UUID,
        me: Me,
        use: Use,
        limit: Limit = 20,
        cursor: CursorParam = None,
    ) -> dict[str, Any]:
        await _readable_group(use, me, group_id)
        return await _threads(use, me, limit, cursor, group_id=group_id, unanswered=True)

    @router.get("/people/{user_id}/posts", summary="A person's threads that I may read")
    async def person_posts(
        user_id: UUID, me: Me, use: Use, limit: Limit = 20, cursor: CursorParam = None
    ) -> dict[str, Any]:
        return await _threads(use, me, limit, cursor, author_id=user_id)

    @router.get("/topics/{topic}/posts", summary="Threads with a #topic that I may read")
    async def topic_posts(
        topic: Annotated[str, Path(min_length=1, max_length=60)],
        me: Me,
        use: Use,
        limit: Limit = 20,
        cursor: CursorParam = None,
    ) -> dict[str, Any]:
        return await _threads(use, me, limit, cursor, topic=topic.lstrip("#").lower())

    @router.get("/search", summary="Search posts and replies (Dutch and English)")
    async def search(
        me: Me,
        use: Use,
        q: Annotated[str, Query(min_length=1, max_length=200)],
        limit: Limit = 20,
        cursor: CursorParam = None,
    ) -> dict[str, Any]:
        """Best matches first. `highlight` is a list of text segments with the matching words
        flagged (no markup: a post's own HTML stays text). Private groups' hits reach their
        members only."""
        after = RANK_CURSOR.decode(cursor) if cursor else None
        rows = await use.search(me, q, after, limit + 1)
        rows, next_cursor = _page(
            rows, limit, lambda r: RANK_CURSOR.encode((r["rank"], r["doc_id"]))
        )
        hits = [
            {
                "post_id": r["post_id"],
                "reply_id": r["reply_id"],
                "group_id": r["group_id"],
                "author_id": r["author_id"],
                "kind": r["kind"],
                "created_at": r["created_at"],
                "rank": r["rank"],
                "highlight": r["highlight"],
            }
            for r in rows
        ]
        return {"hits": hits, "next_cursor": next_cursor}

    @router.get("/moderation/reports", summary="The moderators' queue of open reports")
    async def reports(me: Me, use: Use, limit: Limit = 50) -> dict[str, Any]:
        """Community managers and network admins see every report (in groups they may
        read); group admins see their groups' reports."""
        return {"reports": await use.reports(me, limit)}

    return router


async def _readable_group(use: Conversations, me: Principal, group_id: UUID) -> None:
    access = await use.access(me, group_id)
    if access.group is None or not access.group.known or not access.may_read:
        raise NotFound(f"There is no group {group_id}.")


def _find(view: dict[str, Any], message_id: UUID) -> dict[str, Any]:
    for reply in view["replies"]:
        if reply["id"] == message_id:
            return reply
        try:
            return _find(reply, message_id)
        except NotFound:
            continue
    raise NotFound(f"There is no reply {message_id} in this thread.")
