"""The files service's part of a person's export: every file they uploaded, with a
short-lived signed link to its original (the web client puts the originals in the archive)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from plein_platform.personal_export import admin_by_token, export_routes
from plein_platform.service import service_of

from . import store

DESCRIBE = (
    "`files`: every file the person uploaded, newest first: `id`, `name`, `media_type`, "
    "`kind`, `size`, `alt`, `status`, `created_at`, and `original`, a link (valid for "
    "minutes, no sign-in needed) from which the original bytes are fetched into the archive "
    "as `files/<id>/<name>`. Previews made from them are not included: they are copies."
)


async def collect(request: Request, person: UUID) -> dict[str, Any]:
    service: Any = service_of(request)
    files = service.files
    async with files.pool.connection() as conn:
        rows = await store.files_of(conn, person)
    out = []
    for row in rows:
        token, expires = files.sign(row["id"], "original")
        out.append(
            {
                "id": str(row["id"]),
                "name": row["name"],
                "media_type": row["media_type"],
                "kind": row["kind"],
                "size": row["size"],
                "alt": row["alt"],
                "status": row["status"],
                "created_at": row["created_at"].isoformat(),
                "original": f"/api/files/files/signed/{token}",
                "original_expires_at": expires.isoformat(),
            }
        )
    return {"files": out}


def routes() -> APIRouter:
    return export_routes(collect, admin_by_token, describe=DESCRIBE)
