"""The S3 path, against a real S3 HTTP server running as a plain process: moto's server
(`moto[server]`, ThreadedMotoServer), which speaks the S3 REST API over HTTP on loopback.

Exercised: bucket creation at start, multipart-capable uploads (boto3's upload_file), ranged
GETs, HEAD, DELETE, downloads for processing, and the whole service (upload, processing,
serving, deletion) on that store. Not exercised: a real MinIO/Ceph/AWS (their own auth
and consistency quirks); moto checks signatures' form, not their keys."""

from __future__ import annotations

import io
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer
from PIL import Image
from plein_files.storage import S3Storage, open_storage
from plein_platform.embedded import free_port
from plein_testdata.servers import (
    Person,
    Plein,
    Servers,
    eventually,
    fresh_database,
    fresh_streams,
    start_plein,
)

from .conftest import jpeg_with_gps

pytestmark = pytest.mark.services("identity", "files")
BUCKET = "plein-test-files"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def client(endpoint: str) -> object:
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def objects(endpoint: str) -> list[str]:
    listed = client(endpoint).list_objects_v2(Bucket=BUCKET)  # type: ignore[attr-defined]
    return [o["Key"] for o in listed.get("Contents", [])]


async def test_s3_storage_streams_ranges_and_deletes(s3_endpoint: str, tmp_path: Path) -> None:
    storage = open_storage(
        f"s3://{BUCKET}/unit",
        tmp_path,
        endpoint_url=s3_endpoint,
        access_key_id="test",
        secret_access_key="test",
    )
    assert isinstance(storage, S3Storage)
    await storage.ensure_bucket()
    await storage.ensure_bucket()  # a second start finds it
    staged = tmp_path / "staged"
    content = os.urandom(3 * 1024 * 1024 + 17)
    staged.write_bytes(content)
    await storage.put("ab/one/original", staged)
    assert not staged.exists()
    assert "unit/ab/one/original" in objects(s3_endpoint)
    assert b"".join([c async for c in storage.read("ab/one/original")]) == content
    part = b"".join([c async for c in storage.read("ab/one/original", 1000, 1999)])
    assert part == content[1000:2000]
    with storage.local_copy("ab/one/original", tmp_path / "scratch") as path:
        assert path.read_bytes() == content
    assert await storage.exists("ab/one/original")
    await storage.delete("ab/one/original")
    assert not await storage.exists("ab/one/original")
    assert "unit/ab/one/original" not in objects(s3_endpoint)


@pytest.fixture(scope="module")
async def plein(
    servers: Servers, s3_endpoint: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Plein]:
    overrides = {
        "PLEIN_DATA_DIR": str(tmp_path_factory.mktemp("files-s3")),
        "PLEIN_FILES_STORAGE_URL": f"s3://{BUCKET}/plein",
        "PLEIN_FILES_S3_ENDPOINT_URL": s3_endpoint,
        "PLEIN_FILES_S3_ACCESS_KEY_ID": "test",
        "PLEIN_FILES_S3_SECRET_ACCESS_KEY": "test",
    }
    saved = {k: os.environ.get(k) for k in overrides}
    os.environ.update(overrides)
    try:
        database_url = await fresh_database(servers)
        await fresh_streams(servers.nats_url)
        running = await start_plein(database_url, servers.nats_url, services=["identity", "files"])
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    try:
        yield running
    finally:
        await running.http.aclose()
        await running.stop()


async def test_the_service_keeps_bytes_in_the_object_store(plein: Plein, s3_endpoint: str) -> None:
    ann: Person = await plein.register("ann")
    response = await plein.http.post(
        "/files/files", headers=ann.auth, files={"file": ("walk.jpg", jpeg_with_gps())}
    )
    assert response.status_code == 201, response.text
    file_id = response.json()["id"]

    async def processed() -> None:
        got = await plein.http.get(f"/files/files/{file_id}", headers=ann.auth)
        assert got.json()["status"] == "ready", got.text

    await eventually(processed, timeout_s=30)
    keys = [k for k in objects(s3_endpoint) if file_id in k]
    assert sorted(k.rsplit("/", 1)[-1] for k in keys) == ["large.webp", "original", "small.webp"]
    served = await plein.http.get(
        f"/files/files/{file_id}/content", headers={**ann.auth, "Range": "bytes=0-1"}
    )
    assert served.status_code == 206 and served.content == b"\xff\xd8"
    whole = await plein.http.get(f"/files/files/{file_id}/content", headers=ann.auth)
    assert not Image.open(io.BytesIO(whole.content)).getexif()

    deleted = await plein.http.delete(f"/files/files/{file_id}", headers=ann.auth)
    assert deleted.status_code == 204
    assert [k for k in objects(s3_endpoint) if file_id in k] == []
    gone = await plein.http.get(f"/files/files/{file_id}", headers=ann.auth)
    assert gone.status_code == 404
