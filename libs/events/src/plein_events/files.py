"""Events produced by the files service: uploads, their processing, their deletion.

They carry facts about a file (who uploaded it, its kind, size, what processing found), never
its name, its bytes or the words inside it: a file's contents may belong to a private group,
and events are read by every service. Who may read a file follows from where it is attached
(posts' `attachments`), not from these events.
"""

from __future__ import annotations

from typing import ClassVar, Literal
from uuid import UUID

from .contract import Event, event_type

FileKind = Literal["image", "pdf", "document", "video", "audio", "text", "other"]
FileStatus = Literal["processing", "ready", "rejected"]


@event_type("files")
class FileUploaded(Event):
    """A person uploaded a file; it is being processed (previews, text for search)."""

    personal_subject: ClassVar[str] = "uploader_id"

    file_id: UUID
    uploader_id: UUID
    media_type: str
    kind: FileKind
    size: int


@event_type("files")
class FileProcessed(Event):
    """Processing finished: `ready` (previews made, metadata read) or `rejected` (corrupt,
    a decompression bomb, or flagged by the malware scanner; `reason` says which)."""

    personal_subject: ClassVar[str] = "uploader_id"

    file_id: UUID
    uploader_id: UUID
    status: FileStatus
    reason: str = ""
    width: int | None = None
    height: int | None = None
    page_count: int | None = None
    duration_s: float | None = None


@event_type("files")
class FileDeleted(Event):
    """A file was deleted (by its uploader, a moderator, or the sweep of unattached uploads):
    its original and derivatives are gone. An erased person's files go with identity's
    UserErased, without an event of their own ("erased" is kept for a later bulk path)."""

    personal_subject: ClassVar[str] = "uploader_id"

    file_id: UUID
    uploader_id: UUID
    deleted_by: UUID | None = None
    reason: Literal["deleted", "unattached", "erased"] = "deleted"
