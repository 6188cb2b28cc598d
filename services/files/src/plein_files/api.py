"""The files service's HTTP routes: parse, authorise, call the use cases, shape the answer."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Annotated, Any, Literal
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import StreamingResponse
from plein_events.files import FileKind, FileStatus
from plein_platform.auth import Principal
from plein_platform.caller import current_principal
from plein_platform.cursors import CursorCodec, CursorOffset
from plein_platform.errors import InvalidInput
from plein_platform.service import service_of
from plein_platform.text import StorableText
from pydantic import BaseModel, Field
from starlette.requests import ClientDisconnect

from .app import Files
from .domain import byte_range
from .upload import ClientGone, receive_upload

Caller = Annotated[Principal, Depends(current_principal)]
Sort = Literal["newest", "oldest", "name", "largest"]
Size = Literal["small", "large"]
PAGES: CursorCodec[tuple[int]] = CursorCodec(tuple[CursorOffset])
# Served bytes never run as a page: no scripts, no plugins, a sandbox with a unique origin
# (what GitHub serves raw files with).
SANDBOX = (
    "default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'unsafe-inline'; sandbox"
)
# Shown in the page (gallery, viewer, player); everything else is offered as a download.
INLINE_KINDS = {"image", "pdf", "video", "audio", "text"}


class FileOut(BaseModel):
    """A file's metadata: what every answer about a file carries."""

    id: UUID
    name: str
    media_type: str
    kind: FileKind
    size: int
    status: FileStatus
    alt: str
    width: int | None = None
    height: int | None = None
    page_count: int | None = None
    duration_s: float | None = None
    created_at: datetime
    uploader_id: UUID
    previews: list[Size] = Field(default_factory=list, description="preview sizes made so far")
    note: str = Field("", description="why there is no preview (rejected, no ffmpeg...)")


class FilePage(BaseModel):
    items: list[FileOut]
    next_cursor: str | None


class FileList(BaseModel):
    items: list[FileOut]


class AltIn(BaseModel):
    alt: Annotated[StorableText, Field(max_length=1500)]


class Link(BaseModel):
    url: str
    expires_at: datetime


def files_of(request: Request) -> Files:
    service: Any = service_of(request)
    files: Files = service.files
    return files


def out(row: dict[str, Any]) -> FileOut:
    previews: list[Size] = []
    if row["status"] == "ready" and row["kind"] in ("image", "pdf", "video"):
        previews = ["small", "large"] if row["kind"] != "video" or row["width"] else []
    return FileOut(
        id=row["id"],
        name=row["name"],
        media_type=row["media_type"],
        kind=row["kind"],
        size=row["size"],
        status=row["status"],
        alt=row["alt"],
        width=row["width"],
        height=row["height"],
        page_count=row["page_count"],
        duration_s=row["duration_s"],
        created_at=row["created_at"],
        uploader_id=row["uploader_id"],
        previews=previews,
        note=row["reason"],
    )


def page(rows: list[dict[str, Any]], offset: int, limit: int) -> FilePage:
    more = len(rows) > limit
    return FilePage(
        items=[out(r) for r in rows[:limit]],
        next_cursor=PAGES.encode((offset + limit,)) if more else None,
    )


def offset_of(cursor: str | None) -> int:
    return PAGES.decode(cursor)[0] if cursor else 0


def serve(
    request: Request,
    files: Files,
    row: dict[str, Any],
    derived: dict[str, Any] | None,
    *,
    cache: str,
) -> Response:
    """The bytes of a file (or of its preview), streamed, with ranges and validators."""
    key = derived["storage_key"] if derived else row["storage_key"]
    size = derived["bytes"] if derived else row["size"]
    media_type = derived["media_type"] if derived else row["media_type"]
    if media_type.startswith("text/"):
        media_type += "; charset=utf-8"
    # Bytes change under an id only once, when processing removes an image's metadata (and
    # its size with it): id, variant and size make a strong validator.
    etag = f'"{row["id"].hex}-{derived["size"] if derived else "original"}-{size}"'
    inline = derived is not None or row["kind"] in INLINE_KINDS
    name = row["name"] if derived is None else row["name"].rsplit(".", 1)[0] + ".webp"
    headers = {
        "ETag": etag,
        "Last-Modified": format_datetime(row["created_at"].astimezone(UTC), usegmt=True),
        "Cache-Control": cache,
        "Accept-Ranges": "bytes",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": SANDBOX,
        "Content-Disposition": (
            f'{"inline" if inline else "attachment"}; filename="{_ascii(name)}"; '
            f"filename*=UTF-8''{quote(name, safe='')}"
        ),
        "Cross-Origin-Resource-Policy": "same-origin",
    }
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    wanted = byte_range(request.headers.get("range"), size)
    if request.headers.get("if-range") not in (None, etag):
        wanted = None  # the client's copy is of other bytes: send all of them
    if wanted is None:
        headers["Content-Length"] = str(size)
        return StreamingResponse(files.bytes_of(key), media_type=media_type, headers=headers)
    first, last = wanted
    headers["Content-Length"] = str(last - first + 1)
    headers["Content-Range"] = f"bytes {first}-{last}/{size}"
    return StreamingResponse(
        files.bytes_of(key, first, last), status_code=206, media_type=media_type, headers=headers
    )


def _ascii(name: str) -> str:
    return name.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")


def routes() -> APIRouter:
    router = APIRouter(tags=["files"])

    @router.post(
        "/files",
        status_code=201,
        response_model=FileOut,
        summary="Upload a file (multipart: `file`, optional `alt`)",
        description="The body streams to storage. The type is read from the bytes: 415 for a "
        "type not allowed, 413 past the size limit or the quota, 422 for a damaged image or PDF.",
    )
    async def upload(request: Request, caller: Caller) -> FileOut:
        files = files_of(request)
        s = files.settings()
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit():
            from .domain import TooLarge

            if int(declared) > s.max_file_bytes + 64 * 1024:
                raise TooLarge(f"Files are limited to {s.max_file_bytes} bytes.")
            await files.check_quota(caller.real_user_id, int(declared) - 64 * 1024)
        try:
            received = await receive_upload(
                request.headers.get("content-type"),
                request.stream(),
                files.staging,
                s.max_file_bytes,
            )
        except (ClientDisconnect, ClientGone) as gone:
            raise InvalidInput("The upload was interrupted; nothing was stored.") from gone
        return out(await files.add(caller, received))

    @router.get(
        "/files", response_model=FileList, summary="Several files at once (those you may read)"
    )
    async def several(
        request: Request,
        caller: Caller,
        ids: Annotated[str, Query(max_length=4000, description="comma-separated file ids")],
    ) -> FileList:
        try:
            wanted = [UUID(part.strip()) for part in ids.split(",") if part.strip()]
        except ValueError as error:
            raise InvalidInput("`ids` must be file ids separated by commas.") from error
        if len(wanted) > 100:
            raise InvalidInput("Ask for at most 100 files at once.")
        rows = await files_of(request).several(caller, wanted)
        return FileList(items=[out(r) for r in rows])

    @router.get(
        "/files/signed/{token}", summary="A file's bytes through a signed link (no sign-in)"
    )
    async def signed(request: Request, token: Annotated[str, Path(max_length=200)]) -> Response:
        files = files_of(request)
        file_id, variant = files.signer.verify(token, time.time())
        row, derived = await files.content(None, file_id, variant)
        return serve(request, files, row, derived, cache="private, max-age=300")

    @router.get("/files/{file_id}", response_model=FileOut, summary="A file's metadata")
    async def one(request: Request, caller: Caller, file_id: UUID) -> FileOut:
        return out(await files_of(request).one(caller, file_id))

    @router.patch("/files/{file_id}", response_model=FileOut, summary="Change a file's alt text")
    async def describe(request: Request, caller: Caller, file_id: UUID, body: AltIn) -> FileOut:
        return out(await files_of(request).describe(caller, file_id, body.alt))

    @router.delete(
        "/files/{file_id}", status_code=204, summary="Delete a file (its uploader or a moderator)"
    )
    async def delete(request: Request, caller: Caller, file_id: UUID) -> Response:
        await files_of(request).delete(caller, file_id)
        return Response(status_code=204)

    @router.get("/files/{file_id}/content", summary="A file's bytes (HTTP ranges, validators)")
    async def content(request: Request, caller: Caller, file_id: UUID) -> Response:
        files = files_of(request)
        row, derived = await files.content(caller, file_id, "original")
        return serve(request, files, row, derived, cache="private, max-age=3600")

    @router.get("/files/{file_id}/preview", summary="A preview of an image, PDF or video (WebP)")
    async def preview(
        request: Request, caller: Caller, file_id: UUID, size: Size = "small"
    ) -> Response:
        files = files_of(request)
        row, derived = await files.content(caller, file_id, size)
        return serve(request, files, row, derived, cache="private, max-age=3600")

    @router.post("/files/{file_id}/link", response_model=Link, summary="A short-lived signed link")
    async def link(
        request: Request,
        caller: Caller,
        file_id: UUID,
        variant: Literal["original", "small", "large"] = "original",
    ) -> Link:
        files = files_of(request)
        await files.content(caller, file_id, variant)
        token, expires = files.sign(file_id, variant)
        return Link(
            url=f"{request.scope.get('root_path', '')}/files/signed/{token}", expires_at=expires
        )

    @router.get(
        "/groups/{group_id}/files", response_model=FilePage, summary="A group's files (its library)"
    )
    async def library(
        request: Request,
        caller: Caller,
        group_id: UUID,
        sort: Sort = "newest",
        kind: FileKind | None = None,
        q: Annotated[StorableText | None, Query(max_length=200)] = None,
        cursor: Annotated[str | None, Query(max_length=200)] = None,
        limit: Annotated[int, Query(ge=1, le=100)] = 30,
    ) -> FilePage:
        offset = offset_of(cursor)
        rows = await files_of(request).library(
            caller, group_id, sort=sort, kind=kind, q=q, offset=offset, limit=limit + 1
        )
        return page(rows, offset, limit)

    @router.get("/me/files", response_model=FilePage, summary="The files I uploaded")
    async def mine(
        request: Request,
        caller: Caller,
        sort: Sort = "newest",
        kind: FileKind | None = None,
        q: Annotated[StorableText | None, Query(max_length=200)] = None,
        cursor: Annotated[str | None, Query(max_length=200)] = None,
        limit: Annotated[int, Query(ge=1, le=100)] = 30,
    ) -> FilePage:
        offset = offset_of(cursor)
        rows = await files_of(request).mine(
            caller, sort=sort, kind=kind, q=q, offset=offset, limit=limit + 1
        )
        return page(rows, offset, limit)

    @router.get("/search", response_model=FilePage, summary="Files by name and by words inside")
    async def search(
        request: Request,
        caller: Caller,
        q: Annotated[StorableText, Query(min_length=1, max_length=200)],
        cursor: Annotated[str | None, Query(max_length=200)] = None,
        limit: Annotated[int, Query(ge=1, le=100)] = 30,
    ) -> FilePage:
        offset = offset_of(cursor)
        rows = await files_of(request).search(caller, q, offset, limit + 1)
        return page(rows, offset, limit)

    return router
