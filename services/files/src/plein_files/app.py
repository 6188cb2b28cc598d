"""The files service's use cases, in the product's words: upload, read, describe, delete,
sign a link, list a library, search, process, sweep, erase."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import structlog
from plein_events.eventstore import PleinApplication
from plein_platform.auth import Principal
from plein_platform.errors import Forbidden, InvalidInput, NotFound
from psycopg_pool import AsyncConnectionPool

from . import processing, store
from .domain import MODERATOR_ROLES, QuotaExceeded, StoredFile, clean_alt, safe_name
from .settings import FilesSettings
from .storage import Storage
from .upload import Received

log = structlog.get_logger(__name__)


class FilesApplication(PleinApplication):
    """The event store of files: one StoredFile aggregate per upload."""

    name = "files"


def original_key(file_id: UUID) -> str:
    """Where a file's bytes are stored: fanned out by its id's first two characters."""
    text = str(file_id)
    return f"{text[:2]}/{text}/original"


def derivative_key(file_id: UUID, size: str) -> str:
    text = str(file_id)
    return f"{text[:2]}/{text}/{size}.webp"


class LinkSigner:
    """Short-lived links to a file's bytes: `<file>.<expiry>.<variant>.<hmac>`, unguessable
    without the service's secret, valid until the expiry (seconds since the epoch)."""

    def __init__(self, secret: bytes) -> None:
        self.secret = secret

    def sign(self, file_id: UUID, variant: str, expires: int) -> str:
        body = f"{file_id.hex}.{expires}.{variant}"
        mac = hmac.new(self.secret, body.encode(), hashlib.sha256).digest()
        return f"{body}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"

    def verify(self, token: str, now: float) -> tuple[UUID, str]:
        """(file, variant) of a valid, unexpired token; NotFound for any other."""
        try:
            file_hex, expires, variant, _ = token.split(".")
            expected = self.sign(UUID(hex=file_hex), variant, int(expires))
        except ValueError as error:
            raise NotFound("This link is not valid.") from error
        if not hmac.compare_digest(expected, token) or int(expires) < now:
            raise NotFound("This link is not valid or has expired.")
        return UUID(hex=file_hex), variant


Clock = Callable[[], datetime]


class Files:
    """What people do with files, over the event store, the schema and the storage."""

    def __init__(
        self,
        application: PleinApplication,
        pool: AsyncConnectionPool,
        storage: Storage,
        settings: Callable[[], FilesSettings],
        clock: Clock,
        staging: Path,
        signer: LinkSigner,
    ) -> None:
        self.application = application
        self.pool = pool
        self.storage = storage
        self.settings = settings
        self.clock = clock
        self.staging = staging
        self.signer = signer

    def access(self, caller: Principal) -> dict[str, Any]:
        """Who reads: the person (also when acting as a shared account: their own standing)."""
        return store.access(caller.real_user_id, bool(caller.roles & MODERATOR_ROLES))

    # -- upload -------------------------------------------------------------------------------

    async def check_quota(self, uploader: UUID, incoming: int) -> None:
        quota = self.settings().quota_bytes
        async with self.pool.connection() as conn:
            used = await store.used_bytes(conn, uploader)
        if used + incoming > quota:
            raise QuotaExceeded(
                f"Your files would take more than your {quota // (1024 * 1024)} MB.",
                used=used,
                quota=quota,
            )

    async def add(self, caller: Principal, received: Received) -> dict[str, Any]:
        """Store a received upload: checked (422 for a corrupt image or PDF), within the
        quota, moved into storage, recorded, FileUploaded saved for processing."""
        try:
            s = self.settings()
            alt = clean_alt(received.alt)
            kind = received.file_type.kind
            if kind == "image":
                await asyncio.to_thread(processing.check_image, received.staged, s.max_image_pixels)
            elif kind == "pdf":
                await asyncio.to_thread(processing.check_pdf, received.staged)
            uploader = caller.real_user_id
            await self.check_quota(uploader, received.size)
            file_id = uuid4()
            key = original_key(file_id)
            await self.storage.put(key, received.staged)
        finally:
            received.staged.unlink(missing_ok=True)
        now = self.clock()
        row: dict[str, Any] = {
            "file_id": file_id,
            "uploader_id": uploader,
            "name": safe_name(received.name, received.file_type.media_type),
            "media_type": received.file_type.media_type,
            "kind": kind,
            "size": received.size,
            "storage_key": key,
            "alt": alt,
            "at": now,
        }
        try:
            async with self.pool.connection() as conn, conn.transaction():
                await store.add_file(conn, row)
                stored = StoredFile(
                    uploader_id=uploader,
                    media_type=row["media_type"],
                    kind=kind,
                    size=received.size,
                    id=file_id,
                )
                await asyncio.to_thread(self.application.save, stored)
        except BaseException:
            await self.storage.delete(key)
            raise
        found = await self.one(caller, file_id)
        return found

    # -- read ---------------------------------------------------------------------------------

    async def one(self, caller: Principal, file_id: UUID) -> dict[str, Any]:
        """The file's row if the caller may read it; NotFound otherwise (never 403: whether
        a file exists is itself private)."""
        async with self.pool.connection() as conn:
            rows = await store.readable_files(conn, [file_id], self.access(caller))
        if not rows:
            raise NotFound("No such file.")
        return rows[0]

    async def several(self, caller: Principal, file_ids: list[UUID]) -> list[dict[str, Any]]:
        async with self.pool.connection() as conn:
            return await store.readable_files(conn, file_ids, self.access(caller))

    async def describe(self, caller: Principal, file_id: UUID, alt: str) -> dict[str, Any]:
        row = await self.one(caller, file_id)
        if row["uploader_id"] != caller.real_user_id:
            raise Forbidden("Only the person who uploaded a file may change its alt text.")
        async with self.pool.connection() as conn:
            await store.set_alt(conn, file_id, clean_alt(alt), self.clock())
        return await self.one(caller, file_id)

    async def delete(self, caller: Principal, file_id: UUID) -> None:
        row = await self.one(caller, file_id)
        moderator = bool(caller.roles & MODERATOR_ROLES)
        if row["uploader_id"] != caller.real_user_id and not moderator:
            raise Forbidden("Only the person who uploaded a file, or a moderator, may delete it.")
        await self.remove([file_id], caller.real_user_id, "deleted")

    async def remove(self, file_ids: list[UUID], by: UUID | None, reason: str) -> None:
        """Delete files: rows first (with FileDeleted), then every object of theirs."""
        if not file_ids:
            return
        async with self.pool.connection() as conn, conn.transaction():
            keys = await store.remove_files(conn, file_ids)
            for file_id in file_ids:
                stored: StoredFile = await asyncio.to_thread(
                    self.application.repository.get, file_id
                )
                if not stored.deleted:
                    stored.delete(by, reason)
                    await asyncio.to_thread(self.application.save, stored)
        await self.delete_objects(keys)

    async def delete_objects(self, keys: list[str]) -> None:
        """Delete doomed objects from storage; those that fail stay doomed for the sweep."""
        gone: list[str] = []
        for key in keys:
            try:
                await self.storage.delete(key)
                gone.append(key)
            except Exception as error:
                log.warning("object not deleted yet", key=key, error=repr(error))
        if gone:
            async with self.pool.connection() as conn:
                await store.forget_doomed(conn, gone)

    async def content(
        self, caller: Principal | None, file_id: UUID, variant: str
    ) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """The file's row and, for a preview, the derivative's row (None: the original).

        `caller` None: a signed link already vouched for the reader."""
        if caller is not None:
            row = await self.one(caller, file_id)
        else:
            async with self.pool.connection() as conn:
                found = await store.file_row(conn, file_id)
            if found is None or found["status"] == "rejected":
                raise NotFound("No such file.")
            row = found
        if variant == "original":
            return row, None
        async with self.pool.connection() as conn:
            derived = await store.derivative(conn, file_id, variant)
        if derived is None:
            raise NotFound("This file has no preview (yet).")
        return row, derived

    def bytes_of(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        return self.storage.read(key, start, end)

    def sign(self, file_id: UUID, variant: str) -> tuple[str, datetime]:
        ttl = self.settings().signed_url_ttl_s
        expires = int(time.time()) + ttl
        return self.signer.sign(file_id, variant, expires), datetime.fromtimestamp(
            expires, tz=self.clock().tzinfo
        )

    # -- lists ---------------------------------------------------------------------------------

    async def library(
        self, caller: Principal, group_id: UUID, **query: Any
    ) -> list[dict[str, Any]]:
        async with self.pool.connection() as conn:
            return await store.group_library(conn, group_id, self.access(caller), **query)

    async def mine(self, caller: Principal, **query: Any) -> list[dict[str, Any]]:
        async with self.pool.connection() as conn:
            return await store.my_files(conn, self.access(caller), **query)

    async def search(
        self, caller: Principal, q: str, offset: int, limit: int
    ) -> list[dict[str, Any]]:
        if not q.strip():
            raise InvalidInput("Say what to search for.")
        async with self.pool.connection() as conn:
            return await store.search(conn, self.access(caller), q, offset, limit)

    # -- processing (the worker) -------------------------------------------------------------

    async def process_next(self) -> bool:
        """Process one queued file; False when none is waiting."""
        s = self.settings()
        async with self.pool.connection() as conn, conn.transaction():
            file_id = await store.next_queued(conn)
            if file_id is None:
                return False
            row = await store.file_row(conn, file_id)
            if row is None:  # deleted before its turn
                await store.dequeue(conn, file_id)
                return True
            scratch = Path(tempfile.mkdtemp(dir=self.staging, prefix="process-"))
            try:
                outcome, status, reason = await asyncio.to_thread(self._process, row, scratch, s)
                if outcome.replacement is not None:
                    # Only the uploader has read the file so far (it is not ready): the bytes
                    # with the location in them are replaced before anyone else can.
                    length = outcome.replacement.stat().st_size
                    await self.storage.put(row["storage_key"], outcome.replacement)
                    await store.set_size(conn, file_id, length)
                for size, path, media_type in outcome.previews:
                    key = derivative_key(file_id, size)
                    length = path.stat().st_size
                    await self.storage.put(key, path)
                    await store.add_derivative(conn, file_id, size, media_type, length, key)
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
            await store.record_outcome(
                conn,
                file_id,
                status=status,
                reason=reason or outcome.note,
                width=outcome.width,
                height=outcome.height,
                page_count=outcome.page_count,
                duration_s=outcome.duration_s,
                text=outcome.text,
                at=self.clock(),
            )
            await store.dequeue(conn, file_id)
            stored: StoredFile = await asyncio.to_thread(self.application.repository.get, file_id)
            stored.finish(
                status,
                reason,
                outcome.width,
                outcome.height,
                outcome.page_count,
                outcome.duration_s,
            )
            await asyncio.to_thread(self.application.save, stored)
        return True

    def _process(
        self, row: dict[str, Any], scratch: Path, s: FilesSettings
    ) -> tuple[processing.Outcome, str, str]:
        with self.storage.local_copy(row["storage_key"], scratch / "in") as path:
            if s.clamd_address:
                found = processing.clamd_scan(path, s.clamd_address)
                if found:
                    return processing.Outcome(), "rejected", f"malware: {found}"
            try:
                outcome = processing.process(path, row["kind"], scratch / "out", s.max_image_pixels)
            except processing.Rejected as rejected:
                return processing.Outcome(), "rejected", str(rejected)
            except Exception as error:
                # A file no library can make sense of (or ffmpeg timing out) must not come
                # back to the queue forever: it is rejected, and the reason logged.
                log.warning("file not processed", file_id=str(row["id"]), error=repr(error))
                return processing.Outcome(), "rejected", "The file could not be processed."
        return outcome, "ready", ""

    # -- the sweep -----------------------------------------------------------------------------

    async def sweep(self) -> None:
        """Remove uploads attached nowhere after a day, and objects still doomed."""
        before = self.clock() - timedelta(seconds=self.settings().unattached_ttl_s)
        async with self.pool.connection() as conn:
            stale = await store.unattached_before(conn, before)
        for file_id, _ in stale:
            await self.remove([file_id], None, "unattached")
        async with self.pool.connection() as conn:
            keys = await store.doomed(conn)
        await self.delete_objects(keys)

    async def erase(self, person: UUID) -> None:
        """Erasure: every file the person uploaded, original and derivatives, everywhere."""
        async with self.pool.connection() as conn:
            rows = await store.files_of(conn, person)
        await self.remove([row["id"] for row in rows], None, "erased")
