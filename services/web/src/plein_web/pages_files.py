"""Files in the browser: uploads passed through to the files service as they stream in, a
file's bytes and previews served with the person's session (Range passed through), a group's
Files tab and "My files". The browser never holds a token; the files service decides who may
read what."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import httpx
from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.background import BackgroundTask
from starlette.datastructures import UploadFile

from .files import labelled, refusal, size_label, type_label, with_files
from .gateway import ApiProblem
from .i18n import gettext
from .visits import Acting, Person, Visit

router = APIRouter()

# What a browser may ask of a file's bytes, and what of the answer it gets back.
_ASKED = ("range", "if-range", "if-none-match", "if-modified-since")
_ANSWERED = (
    "content-type",
    "content-length",
    "content-range",
    "accept-ranges",
    "etag",
    "last-modified",
    "content-disposition",
    "cache-control",
    "content-security-policy",
    "x-content-type-options",
)
SORTS = ("newest", "oldest", "name", "largest")
KINDS = ("image", "pdf", "document", "video", "audio", "text", "other")


def card(meta: dict[str, Any]) -> dict[str, Any]:
    """What the compose box's script shows of a file it uploaded (as text, never markup)."""
    return {
        "id": str(meta["id"]),
        "name": meta.get("name") or "",
        "kind": meta.get("kind") or "other",
        "status": meta.get("status") or "processing",
        "type": type_label(meta),
        "size": size_label(meta.get("size")),
        "asks_alt": meta.get("kind") == "image",
    }


@router.post("/files/upload")
async def upload(visit: Acting, request: Request) -> Response:
    """One file from the compose box's script (multipart: `file`, optional `alt`), passed
    on to the files service chunk by chunk as it arrives: never whole in memory here. The
    answer is the file's card, or `error`: why it was refused, in the person's language."""
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        return JSONResponse({"error": gettext("Choose a file to upload.")}, status_code=400)
    headers = {"Content-Type": content_type}
    if "content-length" in request.headers:
        headers["Content-Length"] = request.headers["content-length"]
    try:
        meta = await visit.api("POST", "/files/files", content=request.stream(), headers=headers)
    except ApiProblem as problem:
        return JSONResponse({"error": refusal(problem)}, status_code=problem.status)
    except httpx.HTTPError:
        # The files service stopped reading (it refuses a body too large before its end).
        return JSONResponse({"error": refusal(ApiProblem(413, {}))}, status_code=413)
    return JSONResponse(card(meta), status_code=201)


async def upload_with_form(visit: Visit, request: Request) -> list[str]:
    """The files a compose form sent without the page's script (field `files`), each passed
    on to the files service; their ids in order. The first refused one raises ApiProblem
    with its name and why, in the person's language."""
    form = await request.form()
    alt = str(form.get("alt") or "").strip()
    ids: list[str] = []
    for upload in form.getlist("files"):
        if not isinstance(upload, UploadFile) or not upload.filename:
            continue  # the empty file field of a form sent without a file
        media_type = upload.content_type or "application/octet-stream"
        data = {"alt": alt} if alt and media_type.startswith("image/") else {}
        try:
            meta = await visit.api(
                "POST",
                "/files/files",
                files={"file": (upload.filename, upload.file, media_type)},
                data=data,
            )
        except ApiProblem as problem:
            detail = f"{upload.filename}: {refusal(problem)}"
            raise ApiProblem(problem.status, {"detail": detail}) from None
        ids.append(str(meta["id"]))
    return ids


@router.post("/files/{file_id}/alt")
async def describe(
    visit: Acting, file_id: UUID, alt: Annotated[str, Form(max_length=1000)] = ""
) -> Response:
    """The words that describe an image to someone who cannot see it."""
    await visit.api("PATCH", f"/files/files/{file_id}", json={"alt": alt.strip()})
    return Response(status_code=204)


@router.post("/files/{file_id}/delete")
async def delete(visit: Acting, file_id: UUID) -> Response:
    """Remove a file (from the compose box before posting, or from My files)."""
    await visit.api("DELETE", f"/files/files/{file_id}")
    if visit.request.headers.get("x-csrf-token"):
        return Response(status_code=204)  # the compose box's script
    return RedirectResponse("/files?deleted=true", status_code=303)


async def _relay(visit: Visit, path: str, params: dict[str, str] | None = None) -> Response:
    """A file's bytes from the files service with this person's token, streamed through as
    they come; Range and the cache validators go along, so videos seek and PDFs page."""
    token = await visit._fresh_access_token()
    gateway = visit.web.gateway
    headers = {k: v for k in _ASKED if (v := visit.request.headers.get(k))}
    headers["Authorization"] = f"Bearer {token}"
    outgoing = gateway.http.build_request(
        "GET",
        gateway.url(path),
        params=params,
        headers=headers,
        timeout=httpx.Timeout(None, connect=5.0),
    )
    answer = await gateway.http.send(outgoing, stream=True)
    if answer.status_code >= 400 and answer.status_code != 416:
        await answer.aread()
        await answer.aclose()
        is_json = "json" in answer.headers.get("content-type", "")
        raise ApiProblem(answer.status_code, answer.json() if is_json else {})
    kept = {k: v for k in _ANSWERED if (v := answer.headers.get(k))}
    kept.setdefault("cache-control", "private, max-age=300")
    kept["x-content-type-options"] = "nosniff"
    return StreamingResponse(
        answer.aiter_raw(),
        status_code=answer.status_code,
        headers=kept,
        background=BackgroundTask(answer.aclose),
    )


@router.get("/files/{file_id}/content")
async def content(visit: Person, file_id: UUID) -> Response:
    return await _relay(visit, f"/files/files/{file_id}/content")


@router.get("/files/{file_id}/preview")
async def preview(visit: Person, file_id: UUID, size: str = "small") -> Response:
    size = size if size in ("small", "large") else "small"
    return await _relay(visit, f"/files/files/{file_id}/preview", {"size": size})


def _library_params(sort: str, kind: str, q: str, cursor: str | None) -> dict[str, Any]:
    return {
        "sort": sort if sort in SORTS else "newest",
        "kind": kind if kind in KINDS else None,
        "q": q.strip()[:200] or None,
        "cursor": cursor,
        "limit": 30,
    }


def _library(body: Any) -> dict[str, Any]:
    """A page of the files service's listing, each file with its type and size as read."""
    files = list(body.get("items") or [])
    for meta in files:
        labelled(meta)
    return {"files": files, "next_cursor": body.get("next_cursor")}


@router.get("/groups/{group_id}/files")
async def group_files(
    visit: Person,
    group_id: UUID,
    sort: str = "newest",
    kind: str = "",
    q: str = "",
    cursor: str | None = None,
) -> Response:
    """A group's library: every file shared in it that I may read, sorted, filtered, searched."""
    try:
        group = await visit.get(f"/identity/groups/{group_id}")
    except ApiProblem as problem:
        if problem.status != 404:
            raise
        return visit.web.renderer.page(
            visit, "group_closed.html", status_code=404, group_id=group_id
        )
    params = _library_params(sort, kind, q, cursor)
    library = _library(await visit.get(f"/files/groups/{group_id}/files", **params))
    return visit.web.renderer.page(
        visit,
        "group_files.html",
        group=group,
        library=library,
        sort=params["sort"],
        kind=params["kind"] or "",
        q=q,
        sorts=SORTS,
        kinds=KINDS,
    )


@router.get("/files")
async def my_files(
    visit: Person, sort: str = "newest", kind: str = "", q: str = "", cursor: str | None = None
) -> Response:
    """Every file I uploaded, where it is shared or not (yet)."""
    params = _library_params(sort, kind, q, cursor)
    library = _library(await visit.get("/files/me/files", **params))
    return visit.web.renderer.page(
        visit,
        "my_files.html",
        library=library,
        sort=params["sort"],
        kind=params["kind"] or "",
        q=q,
        sorts=SORTS,
        kinds=KINDS,
    )


async def search_files(visit: Visit, query: str) -> list[dict[str, Any]]:
    """Files I may read whose name or words match (for the search page); none when the
    files service cannot answer, the posts and people still show."""
    try:
        body = await visit.get("/files/search", q=query, limit=10)
    except ApiProblem:
        return []
    hits: list[dict[str, Any]] = body.get("items") or []
    for hit in hits:
        labelled(hit)
    return hits


__all__ = ["router", "search_files", "upload_with_form", "with_files"]
