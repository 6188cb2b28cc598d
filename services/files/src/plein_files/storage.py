"""Where a file's bytes live: one small interface, a local folder or an S3-compatible store.

Uploads are first streamed to a staging file on local disk (see upload.py); `put` then moves
that file into storage (a rename locally, a multipart upload to S3). Reads stream in chunks,
from any byte range, so no file passes through memory whole.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlparse

CHUNK = 256 * 1024


class Storage(Protocol):
    """What the files service asks of a store of bytes, by key ("ab/abcd.../original")."""

    async def put(self, key: str, staged: Path) -> None:
        """Store the file at `staged` under `key`; `staged` is gone afterwards."""

    def read(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        """The bytes of `key` from `start` to `end` inclusive (None: to the end), in chunks."""

    async def delete(self, key: str) -> None:
        """Remove `key` (no error when it is gone already)."""

    async def exists(self, key: str) -> bool: ...

    @contextmanager
    def local_copy(self, key: str, scratch: Path) -> Iterator[Path]:
        """A path on local disk holding `key`'s bytes for the block (processing reads it)."""
        ...


class LocalStorage:
    """Files under one folder (the embedded default: PLEIN_DATA_DIR/files)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError(f"key outside the store: {key!r}")
        return path

    async def put(self, key: str, staged: Path) -> None:
        target = self.path(key)
        await asyncio.to_thread(target.parent.mkdir, parents=True, exist_ok=True)
        # Same file system as the staging folder (both under the data dir): a rename, no copy.
        await asyncio.to_thread(shutil.move, staged, target)

    async def read(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        path = self.path(key)
        handle = await asyncio.to_thread(open, path, "rb")
        try:
            await asyncio.to_thread(handle.seek, start)
            left = None if end is None else end - start + 1
            while left is None or left > 0:
                chunk = await asyncio.to_thread(
                    handle.read, CHUNK if left is None else min(CHUNK, left)
                )
                if not chunk:
                    break
                if left is not None:
                    left -= len(chunk)
                yield chunk
        finally:
            handle.close()

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self.path(key).unlink, missing_ok=True)

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self.path(key).exists)

    @contextmanager
    def local_copy(self, key: str, scratch: Path) -> Iterator[Path]:
        yield self.path(key)


class S3Storage:
    """Objects in an S3-compatible bucket, under an optional prefix (boto3, in threads)."""

    def __init__(self, bucket: str, prefix: str, client: Any) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.client = client

    async def ensure_bucket(self) -> None:
        """Create the bucket when the store has none of that name (MinIO, Garage on first
        start); a bucket made beforehand (AWS, with its policies) is left as it is."""
        from botocore.exceptions import ClientError

        try:
            await asyncio.to_thread(self.client.head_bucket, Bucket=self.bucket)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket"):
                raise
            await asyncio.to_thread(self.client.create_bucket, Bucket=self.bucket)

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    async def put(self, key: str, staged: Path) -> None:
        # upload_file sends large files in parts, several at once, never the whole in memory.
        await asyncio.to_thread(self.client.upload_file, str(staged), self.bucket, self._key(key))
        await asyncio.to_thread(staged.unlink, missing_ok=True)

    async def read(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        wanted = f"bytes={start}-{'' if end is None else end}"
        response = await asyncio.to_thread(
            self.client.get_object, Bucket=self.bucket, Key=self._key(key), Range=wanted
        )
        body = response["Body"]
        try:
            while chunk := await asyncio.to_thread(body.read, CHUNK):
                yield chunk
        finally:
            body.close()

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self.client.delete_object, Bucket=self.bucket, Key=self._key(key))

    async def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            await asyncio.to_thread(self.client.head_object, Bucket=self.bucket, Key=self._key(key))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    @contextmanager
    def local_copy(self, key: str, scratch: Path) -> Iterator[Path]:
        scratch.mkdir(parents=True, exist_ok=True)
        target = scratch / key.replace("/", "_")
        self.client.download_file(self.bucket, self._key(key), str(target))
        try:
            yield target
        finally:
            target.unlink(missing_ok=True)


def open_storage(
    url: str,
    data_dir: Path,
    *,
    endpoint_url: str | None = None,
    region: str | None = None,
    access_key_id: str | None = None,
    secret_access_key: str | None = None,
) -> Storage:
    """The store `url` names: "" (DATA_DIR/files), file:///path or s3://bucket/prefix."""
    if not url:
        return LocalStorage(data_dir / "files")
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return LocalStorage(Path(parsed.path))
    if parsed.scheme == "s3":
        import boto3
        from botocore.config import Config

        client = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region or os.environ.get("AWS_REGION") or "us-east-1",
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            config=Config(s3={"addressing_style": "path"}, retries={"mode": "standard"}),
        )
        return S3Storage(parsed.netloc, parsed.path, client)
    raise ValueError(f"PLEIN_FILES_STORAGE_URL: unknown scheme in {url!r} (file:// or s3://)")
