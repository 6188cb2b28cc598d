"""My data archive: ask for it, watch it being collected service by service (htmx polls the
progress fragment; without JavaScript a link reloads it), download the zip. Network admins ask
for a person's archive on request from /admin/exports; every service checks that right."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Form
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from . import exports
from .rendering import network_admin as is_network_admin
from .visits import Acting, Person, Visit

router = APIRouter()


def network_admin(visit: Visit) -> bool:
    """Whether the session's token names the network admin role (see rendering)."""
    return is_network_admin(visit.session)


async def _job(visit: Visit, job_id: UUID) -> exports.Job:
    async with visit.web.ctx.pool.connection() as conn:
        job = await exports.find_job(conn, job_id, UUID(visit.user_id))
    if job is None:
        raise HTTPException(404)
    return job


def _context(visit: Visit, job: exports.Job) -> dict[str, Any]:
    return {
        "job": job,
        "own": str(job.person_id) == visit.user_id,
        "done": len(job.parts_done),
        "total": len(exports.PARTS),
    }


@router.post("/my-data/exports")
async def ask_for_my_archive(visit: Acting) -> Response:
    job_id = await exports.start(visit, UUID(visit.user_id))
    return RedirectResponse(f"/my-data/exports/{job_id}", status_code=303)


@router.get("/my-data/exports/{job_id}")
async def archive_page(visit: Person, job_id: UUID) -> Response:
    job = await _job(visit, job_id)
    return visit.web.renderer.page(visit, "export_job.html", **_context(visit, job))


@router.get("/my-data/exports/{job_id}/progress")
async def archive_progress(visit: Person, job_id: UUID) -> Response:
    """The progress fragment that the page polls (htmx swaps it in place)."""
    job = await _job(visit, job_id)
    html = visit.web.renderer.render(visit, "_export_progress.html", **_context(visit, job))
    return HTMLResponse(html)


@router.get("/my-data/exports/{job_id}/download")
async def download_archive(visit: Person, job_id: UUID) -> Response:
    job = await _job(visit, job_id)
    if job.state != "ready" or not job.archive_path:
        raise HTTPException(404)
    day = job.created_at.date().isoformat()
    return FileResponse(
        job.archive_path,
        media_type="application/zip",
        filename=f"plein-data-{job.person_id}-{day}.zip",
        headers={"cache-control": "no-store"},
    )


@router.get("/admin/exports")
async def admin_exports(visit: Person, q: str = "") -> Response:
    found = None
    if q.strip() and network_admin(visit):
        found = await visit.get("/identity/people", q=q.strip()[:100], limit=20)
    return visit.web.renderer.page(
        visit, "admin_exports.html", q=q, found=found, admin=network_admin(visit)
    )


@router.post("/admin/exports")
async def ask_for_an_archive(visit: Acting, person_id: Annotated[UUID, Form()]) -> Response:
    job_id = await exports.start(visit, person_id)
    return RedirectResponse(f"/my-data/exports/{job_id}", status_code=303)
