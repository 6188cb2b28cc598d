"""The files service through HTTP, on real PostgreSQL, NATS and the local file system.

Posts' side is stood in for by publishing its contract events (posts learns to attach files
in its own branch); identity is the real service, so groups and members are real."""

from __future__ import annotations

import asyncio
import io
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from PIL import Image
from plein_events.posts import PostCreated, PostDeleted
from plein_files.processing import ffmpeg_available
from plein_testdata.servers import (
    Person,
    Plein,
    Servers,
    eventually,
    fresh_streams,
    migrated_database,
    publish,
    start_plein,
)

from .conftest import jpeg_with_gps, pdf_with_words

pytestmark = pytest.mark.services("identity", "files")


@pytest.fixture(scope="module")
async def plein(servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Plein]:
    data_dir = tmp_path_factory.mktemp("files-data")
    saved = {k: os.environ.get(k) for k in ("PLEIN_DATA_DIR", "PLEIN_FILES_MAX_FILE_BYTES")}
    os.environ["PLEIN_DATA_DIR"] = str(data_dir)
    os.environ["PLEIN_FILES_MAX_FILE_BYTES"] = str(2 * 1024 * 1024)
    try:
        database_url = await migrated_database(servers)
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


@pytest.fixture(scope="module")
async def people(plein: Plein) -> dict[str, Person]:
    for handle in ("admin", "ann", "bob", "cas"):
        await plein.register(handle)
    return plein.people


def data_dir(plein: Plein) -> Path:
    return Path(plein.settings.data_dir)


async def upload(
    plein: Plein, person: Person, name: str, content: bytes, alt: str | None = None
) -> httpx.Response:
    data = {"alt": alt} if alt is not None else None
    return await plein.http.post(
        "/files/files", headers=person.auth, files={"file": (name, content)}, data=data
    )


async def ready(plein: Plein, person: Person, file_id: str) -> dict[str, Any]:
    async def check() -> dict[str, Any]:
        response = await plein.http.get(f"/files/files/{file_id}", headers=person.auth)
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "ready", response.json()
        return dict(response.json())

    return await eventually(check, timeout_s=30)


async def private_group(plein: Plein, owner: Person, *members: Person) -> str:
    response = await plein.http.post(
        "/identity/groups",
        headers=owner.auth,
        json={"name": f"Private {uuid4().hex[:6]}", "visibility": "private"},
    )
    assert response.status_code == 201, response.text
    group_id = str(response.json()["id"])
    for member in members:
        response = await plein.http.post(
            f"/identity/groups/{group_id}/invitations",
            headers=owner.auth,
            json={"user_id": member.id},
        )
        assert response.status_code == 200, response.text
        response = await plein.http.post(f"/identity/groups/{group_id}/join", headers=member.auth)
        assert response.status_code in (200, 201, 204), response.text
    return group_id


async def attach(plein: Plein, author: Person, file_ids: list[str], group_id: str | None) -> str:
    """What posts publishes when `author` starts a thread with these files attached."""
    post_id = uuid4()
    js = plein.runtime.nc.jetstream()  # type: ignore[union-attr]
    await publish(
        js,
        PostCreated(
            post_id=post_id,
            author_id=UUID(author.id),
            real_author_id=UUID(author.id),
            group_id=UUID(group_id) if group_id else None,
            group_private=group_id is not None,
            text="Look at this",
            attachments=[UUID(f) for f in file_ids],
        ),
    )
    return str(post_id)


async def test_served_photo_has_no_exif_and_is_upright(
    plein: Plein, people: dict[str, Person]
) -> None:
    ann = people["ann"]
    response = await upload(plein, ann, "holiday.jpg", jpeg_with_gps(64, 48), alt="A red wall")
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["kind"] == "image" and created["media_type"] == "image/jpeg"
    assert created["alt"] == "A red wall" and created["uploader_id"] == ann.id
    file = await ready(plein, ann, created["id"])
    assert (file["width"], file["height"]) == (48, 64)  # orientation 6 applied
    for path in ("content", "preview?size=small", "preview?size=large"):
        served = await plein.http.get(f"/files/files/{file['id']}/{path}", headers=ann.auth)
        assert served.status_code == 200, served.text
        assert served.headers["x-content-type-options"] == "nosniff"
        assert "sandbox" in served.headers["content-security-policy"]
        image = Image.open(io.BytesIO(served.content))
        assert not image.getexif(), path
        assert b"Exif" not in served.content[:4096], path
        assert image.size[0] < image.size[1], path


async def test_pdf_in_a_private_group_reaches_members_only(
    plein: Plein, people: dict[str, Person]
) -> None:
    ann, bob, cas = people["ann"], people["bob"], people["cas"]
    group = await private_group(plein, ann, bob)
    response = await upload(
        plein, ann, "../../plan:2027*.pdf", pdf_with_words("Quarterly zebrafinch budget", 3)
    )
    assert response.status_code == 201, response.text
    file_id = response.json()["id"]
    assert response.json()["name"] == "plan_2027_.pdf"
    # Before it is attached anywhere, only its uploader reads it.
    assert (await plein.http.get(f"/files/files/{file_id}", headers=bob.auth)).status_code == 404
    file = await ready(plein, ann, file_id)
    assert file["page_count"] == 3
    await attach(plein, ann, [file_id], group)

    async def member_reads() -> None:
        response = await plein.http.get(f"/files/files/{file_id}/content", headers=bob.auth)
        assert response.status_code == 200, response.text

    await eventually(member_reads)
    for path in ("", "/content", "/preview?size=small"):
        outsider = await plein.http.get(f"/files/files/{file_id}{path}", headers=cas.auth)
        assert outsider.status_code == 404, (path, outsider.text)
    batch = await plein.http.get(f"/files/files?ids={file_id}", headers=cas.auth)
    assert batch.json()["items"] == []

    # Search finds it by a word inside, for a member, in another form of the word.
    found = await plein.http.get("/files/search", params={"q": "zebrafinches"}, headers=bob.auth)
    assert [f["id"] for f in found.json()["items"]] == [file_id]
    hidden = await plein.http.get("/files/search", params={"q": "zebrafinch"}, headers=cas.auth)
    assert hidden.json()["items"] == []
    library = await plein.http.get(f"/files/groups/{group}/files?kind=pdf", headers=bob.auth)
    assert [f["id"] for f in library.json()["items"]] == [file_id]
    assert (await plein.http.get(f"/files/groups/{group}/files", headers=cas.auth)).json()[
        "items"
    ] == []

    # Ranges and validators.
    whole = await plein.http.get(f"/files/files/{file_id}/content", headers=bob.auth)
    part = await plein.http.get(
        f"/files/files/{file_id}/content", headers={**bob.auth, "Range": "bytes=0-9"}
    )
    assert part.status_code == 206 and part.content == whole.content[:10]
    assert part.headers["content-range"] == f"bytes 0-9/{len(whole.content)}"
    again = await plein.http.get(
        f"/files/files/{file_id}/content",
        headers={**bob.auth, "If-None-Match": whole.headers["etag"]},
    )
    assert again.status_code == 304
    assert whole.headers["content-disposition"].startswith("inline")

    # A signed link serves it without a session; a forged one does not.
    link = await plein.http.post(f"/files/files/{file_id}/link", headers=bob.auth)
    assert link.status_code == 200, link.text
    url = link.json()["url"]
    async with httpx.AsyncClient(base_url=plein.base_url) as anonymous:
        assert (await anonymous.get(url)).content == whole.content
        forged = url[:-3] + ("AAA" if not url.endswith("AAA") else "BBB")
        assert (await anonymous.get(forged)).status_code == 404
    assert (
        await plein.http.post(f"/files/files/{file_id}/link", headers=cas.auth)
    ).status_code == 404


async def test_a_file_in_a_deleted_post_is_for_moderators_only(
    plein: Plein, people: dict[str, Person]
) -> None:
    admin, ann, bob = people["admin"], people["ann"], people["bob"]
    response = await upload(plein, ann, "notes.txt", b"plain words about herons\n")
    file_id = response.json()["id"]
    await ready(plein, ann, file_id)
    post_id = await attach(plein, ann, [file_id], None)

    async def public() -> None:
        assert (
            await plein.http.get(f"/files/files/{file_id}", headers=bob.auth)
        ).status_code == 200

    await eventually(public)
    js = plein.runtime.nc.jetstream()  # type: ignore[union-attr]
    await publish(js, PostDeleted(post_id=UUID(post_id), deleted_by=UUID(ann.id)))

    async def gone() -> None:
        assert (
            await plein.http.get(f"/files/files/{file_id}", headers=bob.auth)
        ).status_code == 404

    await eventually(gone)
    assert (await plein.http.get(f"/files/files/{file_id}", headers=ann.auth)).status_code == 404
    assert (await plein.http.get(f"/files/files/{file_id}", headers=admin.auth)).status_code == 200


@pytest.mark.parametrize(
    ("name", "content", "status"),
    [
        ("page.html", b"<!DOCTYPE html><html><script>alert(1)</script></html>", 415),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>', 415),
        ("tool.exe", b"MZ\x90\x00" + bytes(200), 415),
        ("photo.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(100), 422),
        ("report.pdf", b"%PDF-1.7\n" + b"garbage" * 50, 422),
        ("big.txt", b"a" * (2 * 1024 * 1024 + 1), 413),
    ],
)
async def test_bad_files_are_refused_and_nothing_is_stored(
    plein: Plein, people: dict[str, Person], name: str, content: bytes, status: int
) -> None:
    bob = people["bob"]
    before = await plein.http.get("/files/me/files", headers=bob.auth)
    response = await upload(plein, bob, name, content)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"]
    after = await plein.http.get("/files/me/files", headers=bob.auth)
    assert after.json()["items"] == before.json()["items"]
    assert list((data_dir(plein) / "files-staging").glob("upload-*")) == []


async def test_an_interrupted_upload_leaves_nothing(
    plein: Plein, people: dict[str, Person]
) -> None:
    bob = people["bob"]
    boundary = "plein-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n'
        "Content-Type: text/plain\r\n\r\n"
    ).encode() + b"words " * 20_000
    # A client that promises a megabyte, sends a part of it and hangs up.
    reader, writer = await asyncio.open_connection(plein.settings.host, plein.settings.port)
    writer.write(
        (
            "POST /api/files/files HTTP/1.1\r\n"
            f"Host: {plein.settings.host}\r\nAuthorization: Bearer {bob.token}\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
            f"Content-Length: {1024 * 1024}\r\n\r\n"
        ).encode()
        + head
    )
    await writer.drain()
    writer.close()
    await writer.wait_closed()

    async def nothing_staged() -> None:
        assert list((data_dir(plein) / "files-staging").glob("upload-*")) == []

    await eventually(nothing_staged)
    assert (await plein.http.get("/files/me/files", headers=bob.auth)).json()["items"] == []


async def test_erasure_removes_every_byte(plein: Plein, people: dict[str, Person]) -> None:
    cas = people["cas"]
    response = await upload(plein, cas, "me.jpg", jpeg_with_gps())
    file_id = response.json()["id"]
    await ready(plein, cas, file_id)
    stored = [
        p for p in (data_dir(plein) / "files").rglob("*") if file_id in str(p) and p.is_file()
    ]
    assert len(stored) == 3  # the original and two previews
    export = await plein.http.get("/files/me/export", headers=cas.auth)
    assert export.status_code == 200, export.text
    [entry] = export.json()["data"]["files"]
    async with httpx.AsyncClient(base_url=plein.base_url) as anonymous:
        original = await anonymous.get(entry["original"])
    assert original.status_code == 200 and Image.open(io.BytesIO(original.content)).format == "JPEG"

    erased = await plein.http.delete(f"/identity/users/{cas.id}", headers=people["admin"].auth)
    assert erased.status_code in (200, 202, 204), erased.text

    async def no_bytes_left() -> None:
        left = [
            p for p in (data_dir(plein) / "files").rglob("*") if file_id in str(p) and p.is_file()
        ]
        assert left == []

    await eventually(no_bytes_left, timeout_s=30)


async def test_alt_text_and_deletion_belong_to_the_uploader(
    plein: Plein, people: dict[str, Person]
) -> None:
    ann, bob = people["ann"], people["bob"]
    response = await upload(plein, ann, "wall.jpg", jpeg_with_gps())
    file_id = response.json()["id"]
    await ready(plein, ann, file_id)
    await attach(plein, ann, [file_id], None)

    async def bob_reads() -> None:
        assert (
            await plein.http.get(f"/files/files/{file_id}", headers=bob.auth)
        ).status_code == 200

    await eventually(bob_reads)
    path = f"/files/files/{file_id}"
    assert (await plein.http.patch(path, headers=bob.auth, json={"alt": "x"})).status_code == 403
    changed = await plein.http.patch(path, headers=ann.auth, json={"alt": "A red wall"})
    assert changed.status_code == 200 and changed.json()["alt"] == "A red wall"
    assert (await plein.http.delete(path, headers=bob.auth)).status_code == 403
    assert (await plein.http.delete(path, headers=ann.auth)).status_code == 204
    assert (await plein.http.get(path, headers=ann.auth)).status_code == 404
    left = [p for p in (data_dir(plein) / "files").rglob("*") if file_id in str(p) and p.is_file()]
    assert left == []


async def test_unattached_uploads_are_swept_and_quotas_hold(
    plein: Plein, people: dict[str, Person]
) -> None:
    ann = people["ann"]
    service: Any = plein.runtime.service("files")
    kept = (await upload(plein, ann, "kept.txt", b"attached words\n")).json()["id"]
    stale = (await upload(plein, ann, "stale.txt", b"forgotten words\n")).json()["id"]
    await ready(plein, ann, kept)
    await ready(plein, ann, stale)
    await attach(plein, ann, [kept], None)

    async def attached() -> None:
        assert (
            await plein.http.get(f"/files/files/{kept}", headers=people["bob"].auth)
        ).status_code == 200

    await eventually(attached)
    settings = service.settings
    try:
        service.settings = settings.model_copy(update={"unattached_ttl_s": 0.001})
        await service.files.sweep()
        assert (await plein.http.get(f"/files/files/{stale}", headers=ann.auth)).status_code == 404
        assert (await plein.http.get(f"/files/files/{kept}", headers=ann.auth)).status_code == 200
        service.settings = settings.model_copy(update={"quota_bytes": 1024})
        refused = await upload(plein, ann, "more.txt", b"x" * 2000)
        assert refused.status_code == 413 and "quota" in refused.json()["title"].lower()
    finally:
        service.settings = settings


async def test_a_video_is_processed_or_says_why_not(
    plein: Plein, people: dict[str, Person]
) -> None:
    """A damaged MP4 (the right first bytes, nothing playable): with ffmpeg it is rejected
    with a reason; without it, it is stored and served with a note saying ffmpeg is missing."""
    ann = people["ann"]
    broken = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 4000
    response = await upload(plein, ann, "townhall.mp4", broken)
    assert response.status_code == 201, response.text
    assert response.json()["kind"] == "video"
    file_id = response.json()["id"]

    async def settled() -> dict[str, Any]:
        got = (await plein.http.get(f"/files/files/{file_id}", headers=ann.auth)).json()
        assert got["status"] != "processing", got
        return dict(got)

    file = await eventually(settled, timeout_s=30)
    if ffmpeg_available():
        assert (file["status"], file["note"]) == ("rejected", "The video is damaged.")
        content = await plein.http.get(f"/files/files/{file_id}/content", headers=ann.auth)
        assert content.status_code == 200  # its uploader still has their bytes
    else:
        assert file["status"] == "ready" and "ffmpeg is not installed" in file["note"]
