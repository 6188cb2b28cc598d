"""Which of the files service's domain events leave it, and as which contract event."""

from __future__ import annotations

from typing import Any

from plein_events import Event
from plein_events.files import FileDeleted, FileProcessed, FileUploaded

from .domain import StoredFile


def to_contract(domain_event: Any) -> Event | None:
    match domain_event:
        case StoredFile.Uploaded():
            return FileUploaded(
                file_id=domain_event.originator_id,
                uploader_id=domain_event.uploader_id,
                media_type=domain_event.media_type,
                kind=domain_event.kind,
                size=domain_event.size,
            )
        case StoredFile.Processed():
            return FileProcessed(
                file_id=domain_event.originator_id,
                uploader_id=domain_event.uploader_id,
                status=domain_event.status,
                reason=domain_event.reason,
                width=domain_event.width,
                height=domain_event.height,
                page_count=domain_event.page_count,
                duration_s=domain_event.duration_s,
            )
        case StoredFile.Deleted():
            return FileDeleted(
                file_id=domain_event.originator_id,
                uploader_id=domain_event.uploader_id,
                deleted_by=domain_event.deleted_by,
                reason=domain_event.reason,
            )
    return None
