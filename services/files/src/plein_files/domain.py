"""The files service's rules, free of I/O: which types are welcome and what kind they are,
safe file names, ranges, and the aggregate whose events leave the service."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from uuid import UUID

import filetype
from eventsourcing.domain import Aggregate, event
from plein_events.files import FileKind
from plein_platform.errors import DomainError, InvalidInput

# How many bytes of a file decide its type (what filetype reads for its own checks).
SNIFF_BYTES = 8192

# The allow-list, by the type read from the bytes: anything else is refused with 415.
IMAGE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp", "image/tiff"}
OFFICE_TYPES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
    "application/rtf",
}
VIDEO_TYPES = {"video/mp4", "video/webm", "video/quicktime", "video/x-m4v", "video/x-matroska"}
AUDIO_TYPES = {"audio/mpeg", "audio/mp4", "audio/ogg", "audio/x-wav", "audio/x-flac", "audio/aac"}
# Text that a browser would run or render as a page is never accepted: it cannot be served
# safely inline, and there is no preview worth the risk.
MARKUP = re.compile(rb"^\s*(<\?xml|<!doctype|<html|<svg|<script|<!--|<head|<body)", re.IGNORECASE)

MODERATOR_ROLES = frozenset({"network_admin", "community_manager"})


class UnsupportedType(DomainError):
    status = 415
    title = "Unsupported file type"


class TooLarge(DomainError):
    status = 413
    title = "File too large"


class QuotaExceeded(DomainError):
    status = 413
    title = "Storage quota exceeded"


class CorruptFile(DomainError):
    status = 422
    title = "Corrupt file"


class RangeNotSatisfiable(DomainError):
    status = 416
    title = "Range not satisfiable"


@dataclass(frozen=True)
class FileType:
    media_type: str
    kind: FileKind


def sniff(head: bytes, name: str) -> FileType:
    """The type of a file from its first bytes (the name only tells CSV from plain text).

    UnsupportedType when the bytes are of no type on the allow-list, or are markup."""
    if not head:
        raise UnsupportedType("The file is empty.")
    guess = filetype.guess(head)
    mime = guess.mime if guess is not None else None
    if mime in IMAGE_TYPES:
        return FileType(mime, "image")
    if mime == "application/pdf":
        return FileType(mime, "pdf")
    if mime in OFFICE_TYPES:
        return FileType(mime, "document")
    if mime in VIDEO_TYPES:
        return FileType(mime, "video")
    if mime in AUDIO_TYPES:
        return FileType(mime, "audio")
    if mime is None and _plain_text(head):
        if MARKUP.match(head.lstrip(b"\xef\xbb\xbf")):
            raise UnsupportedType("HTML, SVG and XML files cannot be shared: they could run code.")
        csv = name.lower().endswith((".csv", ".tsv"))
        return FileType("text/csv" if csv else "text/plain", "text")
    raise UnsupportedType(
        "This type of file cannot be shared. Images, PDF, Office and OpenDocument files, "
        "text, CSV, video and audio can."
    )


def _plain_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # The sniffed bytes may end inside a character: only a bad byte before that counts.
        if error.start < len(head) - 3:
            return False
    return True


_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def safe_name(name: str | None, media_type: str) -> str:
    """A file name fit to show and to send back in Content-Disposition: no folders, no
    control or reserved characters, no leading dots, at most 200 characters."""
    raw = unicodedata.normalize("NFC", name or "")
    raw = raw.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = _UNSAFE.sub("_", raw).strip(" .")
    if len(cleaned) > 200:
        stem, dot, ext = cleaned.rpartition(".")
        cleaned = (
            (stem[: 200 - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 else cleaned[:200]
        )
    if not cleaned:
        extension = filetype.get_type(media_type)
        cleaned = "file" + (f".{extension.extension}" if extension else "")
    return cleaned


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The (first, last) byte of a `Range: bytes=...` header over a file of `size` bytes;
    None for no range or one this service ignores (several ranges: the whole file is sent)."""
    if not header:
        return None
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first, dash, last = spec.strip().partition("-")
    if not dash:
        return None
    try:
        if first == "":
            length = int(last)
            if length <= 0:
                raise RangeNotSatisfiable(f"The file has {size} bytes.")
            return max(0, size - length), size - 1
        start = int(first)
        end = int(last) if last else size - 1
    except ValueError:
        return None
    if start >= size or end < start:
        raise RangeNotSatisfiable(f"The file has {size} bytes.")
    return start, min(end, size - 1)


def clean_alt(alt: str | None) -> str:
    """Alt text as stored: trimmed, at most 1,500 characters, no control characters."""
    value = (alt or "").strip()
    if len(value) > 1500:
        raise InvalidInput("Alt text is limited to 1,500 characters.")
    if any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in value):
        raise InvalidInput("Alt text may not contain control characters.")
    return value


class StoredFile(Aggregate):
    """A file someone uploaded: its life as events (uploaded, processed, deleted)."""

    @event("Uploaded")
    def __init__(self, id: UUID, uploader_id: UUID, media_type: str, kind: str, size: int) -> None:
        # `id` is chosen before the bytes are stored, so that storage keys and rows agree.
        self.uploader_id = uploader_id
        self.media_type = media_type
        self.kind = kind
        self.size = size
        self.status = "processing"
        self.deleted = False

    def finish(
        self,
        status: str,
        reason: str = "",
        width: int | None = None,
        height: int | None = None,
        page_count: int | None = None,
        duration_s: float | None = None,
    ) -> None:
        """Record what processing found: ready, or rejected with a reason."""
        self._processed(
            uploader_id=self.uploader_id,
            status=status,
            reason=reason,
            width=width,
            height=height,
            page_count=page_count,
            duration_s=duration_s,
        )

    def delete(self, deleted_by: UUID | None, reason: str) -> None:
        self._deleted(uploader_id=self.uploader_id, deleted_by=deleted_by, reason=reason)

    # The events carry the uploader so that each leaves the service on its own.
    @event("Processed")
    def _processed(
        self,
        uploader_id: UUID,
        status: str,
        reason: str,
        width: int | None,
        height: int | None,
        page_count: int | None,
        duration_s: float | None,
    ) -> None:
        self.status = status

    @event("Deleted")
    def _deleted(self, uploader_id: UUID, deleted_by: UUID | None, reason: str) -> None:
        self.deleted = True
