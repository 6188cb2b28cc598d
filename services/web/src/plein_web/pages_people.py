"""People (directory, search, profile, follow), groups (directory, join, request, leave, the
admins' approvals) and search of posts with highlighted matches."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile as StarletteUpload

from .cards import with_cards
from .gateway import ApiProblem
from .pages_files import search_files
from .pages_home import forget_groups, my_accounts
from .people import forget, profiles
from .visits import Acting, Person

router = APIRouter()


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


@router.get("/people")
async def people(visit: Person, q: str = "", cursor: str | None = None) -> Response:
    page = await visit.get("/identity/people", q=q.strip()[:100] or None, cursor=cursor, limit=24)
    return visit.web.renderer.page(visit, "people.html", page=page, q=q)


@router.get("/people/{user_id}")
async def profile(visit: Person, user_id: UUID) -> Response:
    person, me, feed = await asyncio.gather(
        visit.get(f"/identity/users/{user_id}"),
        visit.get("/identity/me"),
        _posts_by(visit, user_id),
    )
    if person.get("kind") == "shared_account":
        # Delegates come only to the account's delegates and network admins (identity decides).
        delegates = person.get("delegates")
        names = await profiles(visit, delegates or [])
        return visit.web.renderer.page(
            visit,
            "shared_account.html",
            account=person,
            delegates=[names[str(d)] for d in delegates] if delegates is not None else None,
            page=await with_cards(visit, feed),
        )
    manager = None
    if person.get("manager_id"):
        manager = (await profiles(visit, [person["manager_id"]]))[str(person["manager_id"])]
    following = str(user_id) in {str(f) for f in me.get("following", [])}
    return visit.web.renderer.page(
        visit,
        "profile.html",
        person=person,
        manager=manager,
        following=following,
        page=await with_cards(visit, feed),
        own=str(user_id) == visit.user_id,
    )


async def _posts_by(visit: Person, author_id: UUID) -> dict[str, Any]:
    """The author's posts I may see; none for a shared account that has not posted yet (the
    feed knows an account only from its posts)."""
    try:
        page: dict[str, Any] = await visit.get(
            f"/feed/people/{author_id}", limit=visit.web.settings.page_size
        )
    except ApiProblem as problem:
        if problem.status != 404:
            raise
        return {"entries": [], "next_cursor": None}
    return page


@router.post("/me/photo")
async def upload_photo(visit: Acting, request: Request) -> Response:
    """My new photo, passed to identity (which crops and resizes it); the page's script
    shrinks a large one first, as the body limit is a quarter megabyte."""
    form = await request.form()
    upload = form.get("photo")
    if not isinstance(upload, StarletteUpload) or not upload.filename:
        return see_other(f"/people/{visit.user_id}")
    data = await upload.read()
    media_type = upload.content_type or "application/octet-stream"
    try:
        await visit.api(
            "PUT", "/identity/me/photo", content=data, headers={"Content-Type": media_type}
        )
    except ApiProblem as problem:
        return see_other(f"/people/{visit.user_id}?photo_error={problem.status}")
    forget(visit.user_id)
    return see_other(f"/people/{visit.user_id}")


@router.get("/people/{user_id}/photo")
async def photo(visit: Person, user_id: UUID, v: str = "") -> Response:
    """A person's photo, fetched from identity with the session's token (the browser has none)."""
    image = await visit.api("GET", f"/identity/users/{user_id}/photo")
    return Response(
        image, media_type="image/webp", headers={"cache-control": "private, max-age=86400"}
    )


@router.post("/people/{user_id}/follow")
async def follow(visit: Acting, user_id: UUID) -> Response:
    await visit.api("POST", "/identity/me/following", json={"user_id": str(user_id)})
    return see_other(f"/people/{user_id}")


@router.post("/people/{user_id}/unfollow")
async def unfollow(visit: Acting, user_id: UUID) -> Response:
    await visit.api("DELETE", f"/identity/me/following/{user_id}")
    return see_other(f"/people/{user_id}")


@router.get("/groups")
async def groups(visit: Person) -> Response:
    # Private groups too, by name and description, so that a person can ask to join them.
    body = await visit.get("/identity/groups", discover="true")
    return visit.web.renderer.page(visit, "groups.html", groups=body["groups"])


@router.get("/groups/{group_id}")
async def group(
    visit: Person, group_id: UUID, cursor: str | None = None, invite_q: str = ""
) -> Response:
    try:
        info = await visit.get(f"/identity/groups/{group_id}")
    except ApiProblem as problem:
        if problem.status != 404:
            raise
        # A private group shows nothing of itself to a non-member, not even that it exists;
        # someone given its link may still ask to join (identity decides).
        return visit.web.renderer.page(
            visit, "group_closed.html", status_code=404, group_id=group_id
        )
    feed: dict[str, Any] = {"entries": [], "next_cursor": None}
    members: dict[str, Any] = {"members": [], "next_cursor": None}
    requests: list[dict[str, Any]] = []
    if info.get("is_member") or info.get("visibility") == "public":
        feed, members = await asyncio.gather(
            visit.get(
                f"/feed/groups/{group_id}", cursor=cursor, limit=visit.web.settings.page_size
            ),
            visit.get(f"/identity/groups/{group_id}/members", limit=50),
        )
    candidates: list[dict[str, Any]] = []
    if info.get("is_admin"):
        answer = await visit.get(f"/identity/groups/{group_id}/requests")
        requests = answer if isinstance(answer, list) else answer.get("requests", [])
        if invite_q.strip():
            found = await visit.get("/identity/people", q=invite_q.strip()[:100], limit=8)
            member_ids = {str(m["id"]) for m in members.get("members", [])}
            candidates = [p for p in found.get("people", []) if str(p["id"]) not in member_ids]
    # Members write here with home's composer, aimed at this group.
    composer = bool(info.get("is_member")) and not info.get("archived")
    return visit.web.renderer.page(
        visit,
        "group.html",
        composer=composer,
        groups=[info] if composer else [],
        accounts=await my_accounts(visit) if composer else [],
        form={"target": str(group_id)},
        compose_error=None,
        group=info,
        page=await with_cards(visit, feed),
        members=members,
        requests=requests,
        invite_q=invite_q,
        candidates=candidates,
    )


@router.post("/groups/{group_id}/members/{user_id}/{action}")
async def manage_member(visit: Acting, group_id: UUID, user_id: UUID, action: str) -> Response:
    """Group admins: invite a person, make a member admin, take admin away, remove a member."""
    calls = {
        "invite": ("POST", f"/identity/groups/{group_id}/invitations", {"user_id": str(user_id)}),
        "make-admin": ("PUT", f"/identity/groups/{group_id}/admins/{user_id}", None),
        "revoke-admin": ("DELETE", f"/identity/groups/{group_id}/admins/{user_id}", None),
        "remove": ("DELETE", f"/identity/groups/{group_id}/members/{user_id}", None),
    }
    if action not in calls:
        return Response(status_code=404)
    method, path, body = calls[action]
    await visit.api(method, path, json=body)
    return see_other(f"/groups/{group_id}")


@router.post("/groups/{group_id}/{action}")
async def membership(
    visit: Acting,
    group_id: UUID,
    action: str,
    message: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    paths = {"join": "join", "leave": "leave", "request": "requests", "archive": "archive"}
    if action not in paths:
        return Response(status_code=404)
    body = {"message": message} if action == "request" else None
    await visit.api("POST", f"/identity/groups/{group_id}/{paths[action]}", json=body)
    forget_groups(visit.user_id)
    return see_other(f"/groups/{group_id}" + ("?requested=true" if action == "request" else ""))


@router.post("/groups/{group_id}/requests/{user_id}/{decision}")
async def decide(visit: Acting, group_id: UUID, user_id: UUID, decision: str) -> Response:
    if decision not in ("approve", "decline"):
        return Response(status_code=404)
    await visit.api("POST", f"/identity/groups/{group_id}/requests/{user_id}/{decision}")
    return see_other(f"/groups/{group_id}")


@router.get("/search")
async def search(visit: Person, q: str = "", cursor: str | None = None) -> Response:
    hits: dict[str, Any] = {"hits": [], "next_cursor": None}
    found_people: list[dict[str, Any]] = []
    names: dict[str, dict[str, Any]] = {}
    file_hits: list[dict[str, Any]] = []
    error = None
    query = q.strip()[:200]
    if query:
        try:
            people_page: dict[str, Any]
            hits, people_page, file_hits = await asyncio.gather(
                visit.get("/posts/search", q=query, cursor=cursor, limit=20),
                visit.get("/identity/people", q=query, limit=6),
                search_files(visit, query),
            )
            found_people = people_page.get("people", [])
            names = await profiles(visit, [h["author_id"] for h in hits["hits"]])
        except ApiProblem as problem:
            error = problem.message
    return visit.web.renderer.page(
        visit,
        "search.html",
        q=q,
        hits=hits,
        people=found_people,
        names=names,
        error=error,
        file_hits=file_hits,
    )
