"""Home (latest and relevant, pinned announcements, raised questions, "More"), compose, the
thread page (replies, reactions, best answer) and the seen reports that make "read" real."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal
from uuid import UUID

from babel.numbers import format_decimal
from cachetools import TTLCache
from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from . import i18n
from .cards import cards_of, people_on, with_cards
from .compose import (
    MAX_FORM_CHARS,
    MAX_TEXT_CHARS,
    REACTIONS,
    Draft,
    NoOneToPraise,
    start_request,
)
from .files import with_files
from .gateway import ApiProblem
from .i18n import gettext
from .pages_files import upload_with_form
from .people import all_company_in_readers_language, profiles
from .visits import Acting, Person, Visit

router = APIRouter()

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
    groups: list[dict[str, Any]] = all_company_in_readers_language(
        [g for g in body["groups"] if not g.get("archived")]
    )
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
    answer, groups, accounts = await asyncio.gather(
        visit.get("/feed/home", order=order, cursor=cursor, limit=size),
        my_groups(visit),
        my_accounts(visit),
    )
    page = await with_cards(
        visit, _without_read(answer, str(acknowledged) if acknowledged else None)
    )
    template = (
        "_entries.html" if cursor and visit.request.headers.get("hx-request") else "home.html"
    )
    return visit.web.renderer.page(
        visit,
        template,
        page=page,
        order=order,
        groups=groups,
        accounts=accounts,
        compose_error=None,
        form={},
    )


async def my_accounts(visit: Person) -> list[dict[str, Any]]:
    """The shared accounts I may post as (a delegate of): [{id, display_name}]."""
    cached = _accounts.get(visit.user_id)
    if cached is not None:
        return cached
    me = await visit.get("/identity/me")
    ids = [str(i) for i in me.get("shared_accounts") or []]
    found = await profiles(visit, ids)
    accounts = [{"id": i, "display_name": found[i]["display_name"]} for i in ids]
    _accounts[visit.user_id] = accounts
    return accounts


_accounts: TTLCache[str, list[dict[str, Any]]] = TTLCache(maxsize=10_000, ttl=30)


async def _post_as_account(visit: Acting, account_id: str, path: str, body: Any) -> Any:
    """Start the thread with tokens acting as the shared account (identity checks that I am
    its delegate); their refresh token is revoked at once, the session keeps only mine."""
    token = await visit._fresh_access_token()
    gateway = visit.web.gateway
    acting = await gateway.act_as(token, account_id, visit.now)
    try:
        return await gateway.call("POST", path, acting.access_token, json=body)
    finally:
        await gateway.sign_out(acting.refresh_token)


@router.post("/posts")
async def compose(visit: Acting, draft: Annotated[Draft, Form()]) -> Response:
    try:
        problem = too_long(draft.text)
        if problem:
            raise ApiProblem(422, {"detail": problem})
        draft.attachments += [UUID(i) for i in await upload_with_form(visit, visit.request)]
        path, body = start_request(draft, visit.web.settings.time_zone)
        accounts = {a["id"] for a in await my_accounts(visit)} if draft.as_account else set()
        if draft.as_account and draft.as_account not in accounts:
            raise ApiProblem(403, {"detail": gettext("You may not post as this account.")})
        if draft.as_account:
            post = await _post_as_account(visit, draft.as_account, path, body)
        else:
            post = await visit.api("POST", path, json=body)
    except (ApiProblem, NoOneToPraise, ValueError) as problem:
        if isinstance(problem, ApiProblem):
            status, message = problem.status, problem.message
        elif isinstance(problem, NoOneToPraise):
            status, message = 422, gettext("Mention the colleagues you praise with @.")
        else:
            status, message = 422, gettext("The closing time is not a date and time.")
        return await home_again(visit, draft, status, compose_error=message)
    # The API's weekly-guideline warning, shown on the thread in the person's language.
    warned = "?warned=true" if post.get("warning") else ""
    return see_other(f"/posts/{post['id']}{warned}")


async def home_again(
    visit: Visit, draft: Draft, status_code: int, compose_error: str | None = None, **extra: Any
) -> Response:
    """Home with the composer showing the draft again (after a problem, or its preview)."""
    answer, groups, accounts_list = await asyncio.gather(
        visit.get("/feed/home", limit=visit.web.settings.page_size),
        my_groups(visit),
        my_accounts(visit),
    )
    page = await with_cards(visit, answer)
    return visit.web.renderer.page(
        visit,
        "home.html",
        status_code=status_code,
        page=page,
        order="latest",
        groups=groups,
        accounts=accounts_list,
        compose_error=compose_error,
        form=draft.form(),
        **extra,
    )


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
    into.update(str(p) for p in (message.get("praise") or {}).get("praised_ids") or [])
    for reply in message.get("replies", []):
        _authors(reply, into)
    return into


def two_levels(post: dict[str, Any]) -> dict[str, Any]:
    """The thread with each first-level reply's answers (at any depth) as `flat_replies`,
    oldest first, each saying whom it answers (`in_reply_to`) when not the first-level one."""
    authors: dict[str, str] = {}

    def below(message: dict[str, Any], top_id: str) -> list[dict[str, Any]]:
        found = []
        for child in message.get("replies") or []:
            authors[str(child["id"])] = str(child["author_id"])
            if str(message["id"]) != top_id:
                child["in_reply_to"] = authors.get(str(message["id"]))
            found += [child, *below(child, top_id)]
        return found

    for top in post.get("replies") or []:
        authors[str(top["id"])] = str(top["author_id"])
        top["flat_replies"] = sorted(below(top, str(top["id"])), key=lambda m: m["created_at"])
    return post


@router.get("/posts/{post_id}")
async def thread(visit: Person, post_id: UUID) -> Response:
    return await thread_page(visit, post_id)


async def thread_page(
    visit: Visit,
    post_id: UUID,
    *,
    status_code: int = 200,
    reply_error: str | None = None,
    **extra: Any,
) -> Response:
    """A thread's page; after a refused reply, with the API's problem next to the reply box
    (`extra`: the reply's text and preview, shown again)."""
    post = two_levels(await visit.get(f"/posts/posts/{post_id}"))
    names, _, group = await asyncio.gather(
        profiles(visit, _authors(post, set())),
        with_files(visit, [post]),
        group_or_none(visit, post.get("group_id")),
    )
    return visit.web.renderer.page(
        visit,
        "thread.html",
        status_code=status_code,
        post=post,
        people=names,
        group=group,
        reactions=REACTIONS,
        reply_error=reply_error,
        **extra,
    )


async def group_or_none(visit: Visit, group_id: str | None) -> dict[str, Any] | None:
    """The group a thread or article is in, as the reader may see it; None when it is in
    none, or the reader may not see it (the page shows without it)."""
    if not group_id:
        return None
    try:
        group: dict[str, Any] = await visit.get(f"/identity/groups/{group_id}")
    except ApiProblem:
        return None
    return group


def in_place(request: Request) -> bool:
    """An action sent by a post's block in a list (htmx): answer with that block alone."""
    return request.headers.get("hx-target", "").startswith("acts-")


def back_to(back: str, post_id: UUID, anchor: str = "") -> str:
    """Where a plain form goes after an action: the list it was sent from, at the post (a
    page of this site only), or else the thread."""
    if back.startswith("/") and not back.startswith("//") and "\\" not in back:
        return f"{back.split('#')[0]}#entry-{post_id}"
    return f"/posts/{post_id}#{anchor or 'post'}"


async def acts(
    visit: Visit,
    post_id: UUID,
    back: str,
    *,
    status_code: int = 200,
    reply_error: str | None = None,
    reply_text: str = "",
    every_reply: bool = False,
) -> Response:
    """A post's block of a list (reactions, poll, replies, reply box) as it is now."""
    cards = await cards_of(visit, [str(post_id)], every_reply=every_reply)
    card = cards.get(str(post_id))
    if card is None:
        return Response(status_code=204)  # gone meanwhile: leave the page as it is
    people = await profiles(visit, people_on(card))
    return visit.web.renderer.page(
        visit,
        "_acts.html",
        status_code=status_code,
        card=card,
        people=people,
        back=back,
        reply_error=reply_error,
        reply_text=reply_text,
    )


@router.get("/posts/{post_id}/acts")
async def every_reply_in_place(visit: Person, post_id: UUID, back: str = "") -> Response:
    """ "View all replies" in a list, in place (htmx): the post's block with every reply, so
    the reader stays where they were. Without JavaScript the link opens the thread."""
    if not visit.request.headers.get("hx-request"):
        return see_other(f"/posts/{post_id}#replies")
    return await acts(visit, post_id, back, every_reply=True)


async def done(visit: Visit, post_id: UUID, back: str, anchor: str = "") -> Response:
    if in_place(visit.request):
        return await acts(visit, post_id, back)
    return see_other(back_to(back, post_id, anchor))


def too_long(text: str) -> str | None:
    """The person's message for a text beyond the posts API's limit (never cut silently)."""
    if len(text) <= MAX_TEXT_CHARS:
        return None
    language = i18n.current_language.get()
    return gettext(
        "Your text has %(count)s characters; at most %(max)s fit. Shorten it, or split it "
        "into two posts.",
        count=format_decimal(len(text), locale=language),
        max=format_decimal(MAX_TEXT_CHARS, locale=language),
    )


@router.post("/posts/{post_id}/replies")
async def reply(
    visit: Acting,
    post_id: UUID,
    text: Annotated[str, Form(max_length=MAX_FORM_CHARS)] = "",
    parent_id: Annotated[str, Form(max_length=64)] = "",
    mentions: Annotated[list[UUID] | None, Form()] = None,
    back: Annotated[str, Form(max_length=2000)] = "",
    attachments: Annotated[list[UUID] | None, Form(max_length=100)] = None,
) -> Response:
    body: dict[str, Any] = {"text": text, "mentions": [str(m) for m in mentions or []]}
    if parent_id:
        body["parent_id"] = parent_id
    try:
        problem = too_long(text)
        if problem:
            raise ApiProblem(422, {"detail": problem})
        files = [str(a) for a in attachments or []] + await upload_with_form(visit, visit.request)
        if files:
            body["attachments"] = files
        answer = await visit.api("POST", f"/posts/posts/{post_id}/replies", json=body)
    except ApiProblem as problem:
        if in_place(visit.request):
            return await acts(
                visit,
                post_id,
                back,
                status_code=problem.status,
                reply_error=problem.message,
                reply_text=text,
            )
        return await thread_page(
            visit, post_id, status_code=problem.status, reply_error=problem.message, reply_text=text
        )
    if back:
        return await done(visit, post_id, back)
    return see_other(f"/posts/{post_id}#{answer.get('reply_id') or 'replies'}")


@router.post("/posts/{post_id}/reaction")
async def react(
    visit: Acting,
    post_id: UUID,
    reaction: Annotated[str, Form(max_length=20)] = "like",
    reply_id: Annotated[str, Form(max_length=64)] = "",
    current: Annotated[str, Form(max_length=20)] = "",
    back: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Toggle: the reaction I already gave is taken back; another one replaces it."""
    path = f"/posts/posts/{post_id}"
    if reply_id:
        path += f"/replies/{UUID(reply_id)}"
    if current and current == reaction:
        await visit.api("DELETE", f"{path}/reaction")
    else:
        await visit.api("PUT", f"{path}/reaction", json={"reaction": reaction})
    if back:
        return await done(visit, post_id, back)
    return see_other(f"/posts/{post_id}#{reply_id or 'post'}")


@router.get("/posts/{post_id}/reactions")
async def who_reacted(visit: Person, post_id: UUID, reply_id: UUID | None = None) -> Response:
    """Per reaction, the people who gave it to the post (or one of its replies)."""
    path = f"/posts/posts/{post_id}" + (f"/replies/{reply_id}" if reply_id else "")
    body = await visit.get(f"{path}/reactions")
    who: dict[str, list[str]] = body["reactions"]
    people = await profiles(visit, {p for ids in who.values() for p in ids})
    return visit.web.renderer.page(
        visit,
        "reactions.html",
        post_id=post_id,
        reply_id=reply_id,
        who=who,
        people=people,
        reactions=REACTIONS,
    )


@router.post("/posts/{post_id}/best-answer")
async def best_answer(
    visit: Acting,
    post_id: UUID,
    reply_id: Annotated[UUID, Form()],
    back: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    await visit.api("PUT", f"/posts/posts/{post_id}/best-answer", json={"reply_id": str(reply_id)})
    if back:
        return await done(visit, post_id, back)
    return see_other(f"/posts/{post_id}#{reply_id}")


@router.post("/posts/{post_id}/vote")
async def vote(
    visit: Acting,
    post_id: UUID,
    option: Annotated[list[int], Form(max_length=10)],
    back: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """One choice, or in a multiple-choice poll the boxes ticked: the options newly ticked
    are voted for, the ones no longer ticked taken back."""
    path = f"/posts/posts/{post_id}"
    poll = await visit.get(f"{path}/poll")
    chosen = {o for o in option if 0 <= o < len(poll["options"])}
    if not poll.get("multiple"):
        chosen = set(sorted(chosen)[:1])
    mine = set(poll.get("my_votes") or [])
    for o in sorted(chosen - mine):
        await visit.api("POST", f"{path}/votes", json={"option": o})
    if poll.get("multiple"):
        for o in sorted(mine - chosen):
            await visit.api("DELETE", f"{path}/votes/{o}")
    if back:
        return await done(visit, post_id, back)
    return see_other(f"/posts/{post_id}")


def _message_path(post_id: UUID, reply_id: str) -> str:
    path = f"/posts/posts/{post_id}"
    return f"{path}/replies/{UUID(reply_id)}" if reply_id else path


@router.post("/posts/{post_id}/edit")
async def edit(
    visit: Acting,
    post_id: UUID,
    text: Annotated[str, Form(max_length=MAX_FORM_CHARS)] = "",
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
