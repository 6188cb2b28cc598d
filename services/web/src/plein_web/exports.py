"""A person's data archive: every service's part, gathered over the public APIs with the
asking person's token, written one part at a time into a zip (on disk, so a large export never
sits in memory whole), with a README that explains each file. The collection runs in the
background; its progress lives in `export_jobs` (web's schema) for the progress page."""

from __future__ import annotations

import asyncio
import json
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

import structlog
from fastapi import Request
from psycopg import AsyncConnection
from psycopg.rows import dict_row

from . import store
from .gateway import ApiProblem, SignInNeeded
from .i18n import N_, gettext
from .visits import Visit

if TYPE_CHECKING:
    from .service import WebService

log = structlog.get_logger(__name__)
Conn = AsyncConnection[Any]

# The services that answer for a part, in the order they are collected; then web's own.
SERVICES = ("identity", "posts", "feed", "notify", "metrics", "files")
PARTS = (*SERVICES, "web")
FORMAT = 1
_ARCHIVES = Path(tempfile.gettempdir()) / "plein-web-exports"
_RUNNING: set[asyncio.Task[None]] = set()  # kept so the collections are not garbage-collected
KEEP_ARCHIVES = timedelta(hours=24)  # then the zip and its row are deleted
GIVE_UP_AFTER = timedelta(hours=1)  # a collection still "collecting" then died with its process

WEB_ABOUT = """web.json `data`:
- sessions: your browser sessions with the web client (created_at, expires_at, language);
  the session cookies and tokens themselves are never exported.
- exports: the data archives asked for you (created_at, requested_by, state)."""

# What each part holds, as a person calls it (not the service's name).
PART_NAMES = {
    "identity": N_("Profile, people you follow and groups"),
    "posts": N_("Posts, replies, reactions and votes"),
    "feed": N_("Your timeline and what you have seen"),
    "notify": N_("Notifications and their settings"),
    "metrics": N_("Activity figures about you"),
    "files": N_("Files you uploaded, with their originals"),
    "web": N_("Browser sessions and archives"),
}

README_TITLE = N_("# Your data in Plein")
README_INTRO = N_(
    "This archive holds everything Plein keeps about one person (GDPR articles 15 and 20), "
    "one JSON file per part of Plein:"
)
README_ENVELOPE = N_(
    "Every file has the same envelope: `service` (which part of Plein wrote it), `format` "
    "(the version of its shape, %(format)s; raised when a field changes meaning), `person_id` "
    "(whose data it is), `exported_at` (when it was written, UTC), `about` (what `data` holds, "
    "field by field) and `data` (the data itself)."
)
README_IDS = N_(
    "Ids (UUIDs) name people, groups and posts. Your own words are in full; other people's "
    "posts appear only by id (a reaction, a vote), and nothing of a group you are no longer in "
    "that you may not read any more is included."
)
README_FIELDS = N_("## The fields of each file")
README_FIELDS_NOTE = N_(
    "The field names below are technical names, the same in every language; each file's "
    "`about` repeats its part."
)


def part_name(part: str) -> str:
    """A part of the archive as the page and the README call it, in the current language."""
    return gettext(PART_NAMES[part]) if part in PART_NAMES else part


@dataclass(frozen=True)
class Job:
    id: UUID
    requested_by: UUID
    person_id: UUID
    parts_done: list[str]
    state: str
    problem: str | None
    archive_path: str | None
    created_at: datetime

    @property
    def progress(self) -> list[tuple[str, bool]]:
        return [(part, part in self.parts_done) for part in PARTS]


# -- the jobs' rows ----------------------------------------------------------------------------


async def create_job(conn: Conn, requested_by: UUID, person_id: UUID, now: datetime) -> UUID:
    job_id = uuid4()
    await conn.execute(
        "INSERT INTO export_jobs (id, requested_by, person_id, created_at) VALUES (%s, %s, %s, %s)",
        (job_id, requested_by, person_id, now),
    )
    return job_id


async def find_job(conn: Conn, job_id: UUID, requested_by: UUID) -> Job | None:
    """The job, only for the one who asked for it."""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            "SELECT id, requested_by, person_id, parts_done, state, problem, archive_path, "
            "created_at FROM export_jobs WHERE id = %s AND requested_by = %s",
            (job_id, requested_by),
        )
        row = await cur.fetchone()
    return None if row is None else Job(**row)


async def _part_done(conn: Conn, job_id: UUID, part: str) -> None:
    await conn.execute(
        "UPDATE export_jobs SET parts_done = array_append(parts_done, %s) WHERE id = %s",
        (part, job_id),
    )


async def _finish(
    conn: Conn, job_id: UUID, now: datetime, *, path: str | None, problem: str | None
) -> None:
    await conn.execute(
        "UPDATE export_jobs SET state = %s, archive_path = %s, problem = %s, finished_at = %s "
        "WHERE id = %s",
        ("failed" if problem else "ready", path, problem, now, job_id),
    )


async def web_part(conn: Conn, person_id: UUID, now: datetime) -> dict[str, Any]:
    """Web's own part: what its schema keeps about the person."""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            "SELECT created_at, expires_at, language FROM sessions WHERE user_id = %s "
            "ORDER BY created_at",
            (person_id,),
        )
        sessions = await cur.fetchall()
        await cur.execute(
            "SELECT created_at, requested_by, state FROM export_jobs WHERE person_id = %s "
            "ORDER BY created_at",
            (person_id,),
        )
        jobs = await cur.fetchall()
    return {
        "service": "web",
        "format": FORMAT,
        "person_id": person_id,
        "exported_at": now,
        "about": WEB_ABOUT,
        "data": {"sessions": sessions, "exports": jobs},
    }


async def forget_archives(conn: Conn, person_id: UUID) -> None:
    """Delete every archive of `person_id` (they were erased: no copy of their data stays)."""
    cur = await conn.execute(
        "DELETE FROM export_jobs WHERE person_id = %s RETURNING archive_path", (person_id,)
    )
    for (path,) in await cur.fetchall():
        if path:
            Path(path).unlink(missing_ok=True)


async def sweep(conn: Conn, now: datetime) -> int:
    """Delete archives older than KEEP_ARCHIVES; fail collections that stopped with their
    process. Returns how many archives went."""
    await conn.execute(
        "UPDATE export_jobs SET state = 'failed', problem = %s, finished_at = %s "
        "WHERE state = 'collecting' AND created_at < %s",
        ("The collection stopped; ask again.", now, now - GIVE_UP_AFTER),
    )
    cur = await conn.execute(
        "DELETE FROM export_jobs WHERE created_at < %s RETURNING archive_path",
        (now - KEEP_ARCHIVES,),
    )
    gone = await cur.fetchall()
    for (path,) in gone:
        if path:
            Path(path).unlink(missing_ok=True)
    return len(gone)


# -- collecting --------------------------------------------------------------------------------


def readme(parts: dict[str, str]) -> str:
    """The archive's README.md from each part's `about`, in the current language."""
    files = "\n".join(f"- `{name}.json`: {part_name(name)}" for name in parts)
    abouts = "\n\n".join(
        f"### {name}.json ({part_name(name)})\n\n{about.strip()}" for name, about in parts.items()
    )
    return (
        "\n\n".join(
            [
                gettext(README_TITLE),
                gettext(README_INTRO),
                files,
                gettext(README_ENVELOPE, format=FORMAT),
                gettext(README_IDS),
                gettext(README_FIELDS),
                gettext(README_FIELDS_NOTE),
                abouts,
            ]
        )
        + "\n"
    )


def _write(archive: zipfile.ZipFile, name: str, text: str) -> None:
    archive.writestr(name, text)


def _dumps(body: Any) -> str:
    return json.dumps(body, indent=2, ensure_ascii=False, default=str)


async def _api_part(web: WebService, request: Request, session_id: str, path: str) -> Any:
    """One service's part, asked with the session's token, refreshed if it ran out meanwhile."""
    now = datetime.now(UTC)
    async with web.ctx.pool.connection() as conn:
        session = await store.find_session(conn, session_id, now, web.seal)
    if session is None or not session.signed_in:
        raise SignInNeeded()
    return await Visit(request, web, session, now).api("GET", path)


async def _originals(web: WebService, archive: zipfile.ZipFile, part: dict[str, Any]) -> None:
    """The person's uploaded files themselves, as `files/<id>/<name>`: each fetched from the
    short-lived signed link the files part gives (no token needed), streamed to a temporary
    file and added from there, so a large file never sits in memory."""
    for item in (part.get("data") or {}).get("files") or []:
        link = str(item.get("original") or "")
        if not link.startswith("/api/files/"):
            continue
        name = Path(str(item.get("name") or "file")).name or "file"
        with tempfile.NamedTemporaryFile(dir=_ARCHIVES) as copy:
            async with web.gateway.http.stream(
                "GET", web.gateway.url(link.removeprefix("/api")), timeout=None
            ) as response:
                if response.status_code != 200:
                    log.warning("export: an original could not be fetched", file=item.get("id"))
                    continue
                async for chunk in response.aiter_bytes(1 << 20):
                    await asyncio.to_thread(copy.write, chunk)
            await asyncio.to_thread(copy.flush)
            arcname = f"files/{item.get('id')}/{name}"
            await asyncio.to_thread(archive.write, copy.name, arcname)


async def collect(
    web: WebService, request: Request, session_id: str, job_id: UUID, person_id: UUID, own: bool
) -> None:
    """Gather every part into `<job>.zip`, recording progress part by part."""
    _ARCHIVES.mkdir(mode=0o700, exist_ok=True)
    path = _ARCHIVES / f"{job_id}.zip"
    abouts: dict[str, str] = {}
    problem: str | None = None
    try:
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for service in SERVICES:
                where = "me" if own else f"people/{person_id}"
                body = await _api_part(web, request, session_id, f"/{service}/{where}/export")
                abouts[service] = str(body.get("about", ""))
                await asyncio.to_thread(_write, archive, f"{service}.json", _dumps(body))
                if service == "files":
                    await _originals(web, archive, body)
                async with web.ctx.pool.connection() as conn:
                    await _part_done(conn, job_id, service)
            async with web.ctx.pool.connection() as conn:
                body = await web_part(conn, person_id, datetime.now(UTC))
                abouts["web"] = WEB_ABOUT
                await asyncio.to_thread(_write, archive, "web.json", _dumps(body))
                await _part_done(conn, job_id, "web")
            await asyncio.to_thread(_write, archive, "README.md", readme(abouts))
    except ApiProblem as error:
        problem = error.message
    except SignInNeeded:
        problem = gettext("The session ended before the archive was complete.")
    except Exception as error:  # the person sees that it failed, the log says why
        log.exception("export failed", job_id=str(job_id), error=repr(error))
        problem = gettext("The archive could not be made; try again later.")
    if problem is not None:
        path.unlink(missing_ok=True)
    async with web.ctx.pool.connection() as conn:
        await _finish(
            conn,
            job_id,
            datetime.now(UTC),
            path=None if problem else str(path),
            problem=problem,
        )


async def start(visit: Visit, person_id: UUID) -> UUID:
    """Start collecting `person_id`'s archive for the visit's person; returns the job's id."""
    requested_by = UUID(visit.user_id)
    async with visit.web.ctx.pool.connection() as conn:
        job_id = await create_job(conn, requested_by, person_id, visit.now)
    own = person_id == requested_by
    task = asyncio.create_task(
        collect(visit.web, visit.request, visit.session.id, job_id, person_id, own)
    )
    _RUNNING.add(task)
    task.add_done_callback(_RUNNING.discard)
    return job_id
