"""Receiving an upload: the multipart body parsed as it arrives, the file part written
straight to a staging file on local disk, the limit enforced as the bytes come.

Nothing holds the file in memory: each network chunk goes to disk before the next is read.
The staging file is removed on any failure (a refused type, too many bytes, a client that
went away), so an interrupted upload leaves nothing behind.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from plein_platform.errors import InvalidInput
from python_multipart.multipart import MultipartParser, parse_options_header

from .domain import SNIFF_BYTES, FileType, TooLarge, sniff

MAX_ALT_BYTES = 8 * 1024


class ClientGone(Exception):
    """The client stopped sending before the body was complete."""


@dataclass
class Received:
    """What an upload brought: the staged file, its name as sent, its type and size, alt."""

    staged: Path
    name: str
    file_type: FileType
    size: int
    alt: str


@dataclass
class _Part:
    name: str = ""
    filename: str | None = None
    headers: dict[bytes, bytes] = field(default_factory=dict)


class _Receiver:
    def __init__(self, staging: Path, max_bytes: int) -> None:
        self.staging = staging
        self.max_bytes = max_bytes
        self.part = _Part()
        self.header_field = b""
        self.header_value = b""
        self.handle: object = None
        self.path: Path | None = None
        self.size = 0
        self.head = b""
        self.filename: str | None = None
        self.file_type: FileType | None = None
        self.alt = b""
        self.files = 0

    # -- parser callbacks (synchronous, called from inside parser.write) -----------------

    def on_part_begin(self) -> None:
        self.part = _Part()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        self.part.headers[self.header_field.lower()] = self.header_value
        self.header_field = self.header_value = b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self.part.headers.get(b"content-disposition", b""))
        self.part.name = options.get(b"name", b"").decode("utf-8", "replace")
        filename = options.get(b"filename")
        self.part.filename = filename.decode("utf-8", "replace") if filename is not None else None
        if self.part.name == "file":
            self.files += 1
            if self.files > 1:
                raise InvalidInput("Send one file per upload.")
            self.filename = self.part.filename
            fd, name = tempfile.mkstemp(dir=self.staging, prefix="upload-")
            self.path = Path(name)
            self.handle = os.fdopen(fd, "wb", buffering=0)

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if self.part.name == "file":
            self.size += len(chunk)
            if self.size > self.max_bytes:
                raise TooLarge(f"Files are limited to {self.max_bytes} bytes.")
            if self.file_type is None:
                self.head += chunk
                if len(self.head) >= SNIFF_BYTES:
                    self.file_type = sniff(self.head, self.filename or "")
            self.handle.write(chunk)  # type: ignore[attr-defined]
        elif self.part.name == "alt":
            self.alt += chunk
            if len(self.alt) > MAX_ALT_BYTES:
                raise InvalidInput("Alt text is limited to 1,500 characters.")

    def on_part_end(self) -> None:
        if self.part.name == "file" and self.handle is not None:
            self.handle.close()  # type: ignore[attr-defined]
            self.handle = None

    def discard(self) -> None:
        if self.handle is not None:
            self.handle.close()  # type: ignore[attr-defined]
            self.handle = None
        if self.path is not None:
            self.path.unlink(missing_ok=True)


async def receive_upload(
    content_type: str | None,
    body: AsyncIterator[bytes],
    staging: Path,
    max_bytes: int,
) -> Received:
    """Parse a multipart body with a `file` part (and an optional `alt`) as it streams.

    TooLarge as soon as the file passes `max_bytes`; UnsupportedType once its first bytes
    are read; InvalidInput for a body without a file; ClientGone for a body cut short."""
    kind, options = parse_options_header(content_type or "")
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise InvalidInput("Send the file as multipart/form-data, in a part named `file`.")
    staging.mkdir(parents=True, exist_ok=True)
    receiver = _Receiver(staging, max_bytes)
    callbacks = {
        name: getattr(receiver, name)
        for name in (
            "on_part_begin",
            "on_part_data",
            "on_part_end",
            "on_header_field",
            "on_header_value",
            "on_header_end",
            "on_headers_finished",
        )
    }
    parser = MultipartParser(boundary, callbacks)  # type: ignore[arg-type]
    complete = False
    try:
        async for chunk in body:
            if chunk:
                parser.write(chunk)
        parser.finalize()
        complete = receiver.path is not None and receiver.handle is None
        if receiver.path is None:
            raise InvalidInput("The upload holds no file: send it in a part named `file`.")
        if not complete:
            raise ClientGone("the upload ended before the file did")
        file_type = receiver.file_type or sniff(receiver.head, receiver.filename or "")
        return Received(
            staged=receiver.path,
            name=receiver.filename or "",
            file_type=file_type,
            size=receiver.size,
            alt=receiver.alt.decode("utf-8", "replace"),
        )
    except BaseException:
        receiver.discard()
        raise
