"""Home (latest and relevant, pinned announcements, raised questions, "More"), compose, the
thread page (replies, reactions, best answer) and the seen reports that make "read" real."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal
from uuid import UUID

from cachetools import TTLCache
from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from .gateway import ApiProblem
from .people import profiles
from .visits import Acting, Person

router = APIRouter()

REACTIONS = [
    ("like", "👍"),
    ("love", "❤️"),
    ("celebrate", "🎉"),
    ("thanks", "🙏"),
    ("insightful", "💡"),
    ("funny", "😄"),
]
Order = Literal["latest", "relevant"]


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# A person's groups change rarely and every page with the compose box shows them: kept for a
# short while per process (joining or leaving here forgets them at once).
_groups: TTLCache[str, list[dict[str, Any]]] = TTLCache(maxsize=10_000, ttl=30)


async def my_groups(visit: Person) -> list[dict[str, Any]]:
    cached = _groups.get(visit.user_id)
    if cached is not None:
        return cached
    body = await visit.get("/identity/groups", mine="true")
    groups: list[dict[str, Any]] = [g for g in body["groups"] if not g.get("archived")]
    _groups[visit.user_id] = groups
    return groups


def forget_groups(user_id: str) -> None:
    _groups.pop(user_id, None)


def _without_read(page: dict[str, Any], acknowledged: str | None) -> dict[str, Any]:
    """Home as the person expects it: an announcement just marked read is gone at once (the
    feed learns it a moment later, from the event), and a pinned one is not listed twice."""
    pinned = [e for e in page.get("pinned", []) if str(e["post_id"]) != acknowledged]
    hidden = {str(e["post_id"]) for e in pinned}
    entries = [e for e in page["entries"] if str(e["post_id"]) not in hidden]
    return {**page, "pinned": pinned, "entries": entries}


@router.get("/")
async def home(
    visit: Person,
    order: Order = "latest",
    cursor: str | None = None,
    acknowledged: UUID | None = None,
) -> Response:
    size = visit.web.settings.page_size
    answer, groups = await asyncio.gather(
        visit.get("/feed/home", order=order, cursor=cursor, limit=size), my_groups(visit)
    )
    page = _without_read(answer, str(acknowledged) if acknowledged else None)
    template = (
        "_entries.html" if cursor and visit.request.headers.get("hx-request") else "home.html"
    )
    return visit.web.renderer.page(
        visit, template, page=page, order=order, groups=groups, compose_error=None, form={}
    )


def _start_request(
    kinds: list[str], text: str, target: str, title: str, options: list[str], mentions: list[str]
) -> tuple[str, dict[str, Any]]:
    """Which API starts this thread, and with what: announcement, poll, question or post."""
    group = {"group_id": target} if target else {}
    if "announcement" in kinds:
        body = {"title": title, "text": text, "mentions": mentions, "group_id": target or None}
        return "/posts/announcements", body
    if "poll" in kinds:
        return "/posts/polls", {"question": text, "options": [o for o in options if o], **group}
    kind = "question" if "question" in kinds else "post"
    return "/posts/posts", {"text": text, "kind": kind, "mentions": mentions, **group}


@router.post("/posts")
async def compose(
    visit: Acting,
    text: Annotated[str, Form(max_length=20_000)] = "",
    target: Annotated[str, Form(max_length=64)] = "",
    kind: Annotated[list[str] | None, Form()] = None,
    title: Annotated[str, Form(max_length=500)] = "",
    option: Annotated[list[str] | None, Form()] = None,
    mentions: Annotated[list[UUID] | None, Form()] = None,
) -> Response:
    kinds = kind or []
    path, body = _start_request(
        kinds,
        text,
        target,
        title.strip(),
        [o.strip() for o in option or []],
        [str(m) for m in mentions or []],
    )
    try:
        post = await visit.api("POST", path, json=body)
    except ApiProblem as problem:
        page, groups = await asyncio.gather(
            visit.get("/feed/home", limit=visit.web.settings.page_size), my_groups(visit)
        )
        return visit.web.renderer.page(
            visit,
            "home.html",
            status_code=problem.status,
            page=page,
            order="latest",
            groups=groups,
            compose_error=problem.message,
            form={
                "text": text,
                "target": target,
                "kind": kinds,
                "title": title,
                "options": option or [],
            },
        )
    # The API's weekly-guideline warning, shown on the thread in the person's language.
    warned = "?warned=true" if post.get("warning") else ""
    return see_other(f"/posts/{post['id']}{warned}")


@router.post("/announcements/{post_id}/read")
async def mark_announcement_read(visit: Acting, post_id: UUID) -> Response:
    await visit.api("POST", f"/feed/announcements/{post_id}/acknowledgement")
    return see_other(f"/?acknowledged={post_id}")


@router.post("/seen")
async def seen(visit: Acting, request: Request) -> Response:
    """The posts that were on screen (sent by the page's script, in batches)."""
    body = await request.json()
    ids = [str(UUID(str(i))) for i in (body.get("post_ids") or [])][:100]
    if ids:
        await visit.api("POST", "/feed/seen", json={"post_ids": ids})
    return Response(status_code=204)


@router.get("/people/suggest")
async def suggest(visit: Person, q: str = "") -> Response:
    """People whose name starts like `q`, for @mention autocomplete."""
    if not q.strip():
        return JSONResponse({"people": []})
    body = await visit.get("/identity/people", q=q.strip()[:100], limit=8)
    people = [
        {"id": p["id"], "name": p["display_name"], "title": p.get("job_title") or ""}
        for p in body.get("people", body.get("results", []))
    ]
    return JSONResponse({"people": people})


def _authors(message: dict[str, Any], into: set[str]) -> set[str]:
    """Everyone a thread shows by name: authors and the people they mention."""
    into.add(str(message["author_id"]))
    into.update(str(m) for m in message.get("mentions") or [])
    for reply in message.get("replies", []):
        _authors(reply, into)
    return into


@router.get("/posts/{post_id}")
async def thread(visit: Person, post_id: UUID) -> Response:
    post = await visit.get(f"/posts/posts/{post_id}")
    names = await profiles(visit, _authors(post, set()))
    group = None
    if post.get("group_id"):
        try:
            group = await visit.get(f"/identity/groups/{post['group_id']}")
        except ApiProblem:
            group = None
    return visit.web.renderer.page(
        visit,
        "thread.html",
        post=post,
        people=names,
        group=group,
        reactions=REACTIONS,
        reply_error=None,
    )


@router.post("/posts/{post_id}/replies")
async def reply(
    visit: Acting,
    post_id: UUID,
    text: Annotated[str, Form(max_length=20_000)] = "",
    parent_id: Annotated[str, Form(max_length=64)] = "",
    mentions: Annotated[list[UUID] | None, Form()] = None,
) -> Response:
    body: dict[str, Any] = {"text": text, "mentions": [str(m) for m in mentions or []]}
    if parent_id:
        body["parent_id"] = parent_id
    try:
        await visit.api("POST", f"/posts/posts/{post_id}/replies", json=body)
    except ApiProblem as problem:
        post = await visit.get(f"/posts/posts/{post_id}")
        names = await profiles(visit, _authors(post, set()))
        return visit.web.renderer.page(
            visit,
            "thread.html",
            status_code=problem.status,
            post=post,
            people=names,
            group=None,
            reactions=REACTIONS,
            reply_error=problem.message,
        )
    return see_other(f"/posts/{post_id}#replies")


@router.post("/posts/{post_id}/reaction")
async def react(
    visit: Acting,
    post_id: UUID,
    reaction: Annotated[str, Form(max_length=20)] = "like",
    reply_id: Annotated[str, Form(max_length=64)] = "",
    current: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Toggle: the reaction I already gave is taken back; another one replaces it."""
    path = f"/posts/posts/{post_id}"
    if reply_id:
        path += f"/replies/{UUID(reply_id)}"
    if current and current == reaction:
        await visit.api("DELETE", f"{path}/reaction")
    else:
        await visit.api("PUT", f"{path}/reaction", json={"reaction": reaction})
    return see_other(f"/posts/{post_id}#{reply_id or 'post'}")


@router.post("/posts/{post_id}/best-answer")
async def best_answer(visit: Acting, post_id: UUID, reply_id: Annotated[UUID, Form()]) -> Response:
    await visit.api("PUT", f"/posts/posts/{post_id}/best-answer", json={"reply_id": str(reply_id)})
    return see_other(f"/posts/{post_id}#{reply_id}")


@router.post("/posts/{post_id}/vote")
async def vote(visit: Acting, post_id: UUID, option: Annotated[int, Form(ge=0, le=9)]) -> Response:
    await visit.api("POST", f"/posts/posts/{post_id}/votes", json={"option": option})
    return see_other(f"/posts/{post_id}")


def _message_path(post_id: UUID, reply_id: str) -> str:
    path = f"/posts/posts/{post_id}"
    return f"{path}/replies/{UUID(reply_id)}" if reply_id else path


@router.post("/posts/{post_id}/edit")
async def edit(
    visit: Acting,
    post_id: UUID,
    text: Annotated[str, Form(max_length=20_000)] = "",
    reply_id: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Edit my post or reply (identity keeps the earlier texts as its history)."""
    await visit.api("PATCH", _message_path(post_id, reply_id), json={"text": text})
    return see_other(f"/posts/{post_id}#{reply_id or 'post'}")


@router.post("/posts/{post_id}/delete")
async def delete(
    visit: Acting, post_id: UUID, reply_id: Annotated[str, Form(max_length=64)] = ""
) -> Response:
    await visit.api("DELETE", _message_path(post_id, reply_id))
    return see_other(f"/posts/{post_id}#replies" if reply_id else "/")


@router.post("/posts/{post_id}/report")
async def report(
    visit: Acting,
    post_id: UUID,
    reason: Annotated[str, Form(max_length=1000)] = "",
    reply_id: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    await visit.api("POST", f"{_message_path(post_id, reply_id)}/reports", json={"reason": reason})
    return see_other(f"/posts/{post_id}?reported=true")
