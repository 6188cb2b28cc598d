"""My data archive in a real browser: asked for on My data, collected service by service with
its progress shown, then downloaded as one zip with every part and a README; a network admin
asks for a colleague's archive the same way."""

from __future__ import annotations

import io
import json
import re
import uuid
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from playwright.async_api import Page, expect
from plein_web import exports

from .conftest import Demo, Visitor

pytestmark = pytest.mark.integration

PARTS = ("identity", "posts", "feed", "notify", "metrics", "files", "web")
LIVE_S = 30_000


async def download_archive(page: Page) -> zipfile.ZipFile:
    """Wait on the progress page for the download link, then fetch the zip it offers."""
    await expect(page.get_by_role("status")).to_contain_text(
        re.compile("Collecting|ready"), timeout=LIVE_S
    )
    link = page.get_by_role("link", name="Download the archive")
    await expect(link).to_be_visible(timeout=LIVE_S)
    for part in PARTS:
        await expect(page.locator(f'[data-part="{part}"]')).to_have_attribute("data-done", "yes")
    async with page.expect_download() as waiting:
        await link.click()
    download = await waiting.value
    path = await download.path()
    return zipfile.ZipFile(io.BytesIO(path.read_bytes()))


def parts_of(archive: zipfile.ZipFile) -> dict[str, Any]:
    """Every part's JSON; besides them the archive holds the README and, under files/, the
    originals of the files the person uploaded (each `files/<id>/<name>`)."""
    parts = {p: json.loads(archive.read(f"{p}.json")) for p in PARTS}
    originals = [f"files/{f['id']}/{f['name']}" for f in parts["files"]["data"]["files"]]
    assert sorted(archive.namelist()) == sorted(
        [*(f"{p}.json" for p in PARTS), "README.md", *originals]
    )
    return parts


async def test_my_archive_shows_progress_then_downloads_every_part_with_a_readme(
    demo: Demo, visitors: Any
) -> None:
    secret = f"Leadership only {uuid.uuid4().hex[:8]}"
    response = await demo.api(
        "ann",
        "POST",
        "/posts/posts",
        json={"text": secret, "group_id": demo.group("Leadership team")},
    )
    assert response.status_code == 201, response.text
    words = f"Bob's own words {uuid.uuid4().hex[:8]}"
    response = await demo.api("bob", "POST", "/posts/posts", json={"text": words})
    assert response.status_code == 201, response.text
    notes = f"Bob's notes {uuid.uuid4().hex}\n".encode() * 2000  # ~90 kB, several chunks
    response = await demo.api(
        "bob", "POST", "/files/files", files={"file": ("notes.txt", notes, "text/plain")}
    )
    assert response.status_code == 201, response.text
    upload = response.json()["id"]

    visitor: Visitor = await visitors("desktop")
    await visitor.sign_in("bob")
    await visitor.goto("/my-data")
    page = visitor.page
    await page.get_by_role("button", name="Prepare my archive").click()
    await expect(page).to_have_url(re.compile(r"/my-data/exports/[0-9a-f-]+$"))
    await expect(page.get_by_role("heading", name="Your data archive")).to_be_visible()
    await expect(page.locator("progress")).to_be_visible()
    archive = await download_archive(page)
    await visitor.check("my-data-archive")

    parts = parts_of(archive)
    bob = demo.id_of("bob")
    for name, part in parts.items():
        assert part["service"] == name and part["person_id"] == bob, name
        assert part["about"], name
    readme = archive.read("README.md").decode()
    for name in PARTS:
        assert f"## {name}.json" in readme
    assert parts["identity"]["data"]["person"]["display_name"] == "Bob Jansen"
    assert words in {m["text"] for m in parts["posts"]["data"]["messages"]}
    assert parts["web"]["data"]["sessions"], parts["web"]
    # The person's own files are in the archive themselves, byte for byte.
    assert archive.read(f"files/{upload}/notes.txt") == notes
    everything = b"".join(archive.read(name) for name in archive.namelist()).decode()
    assert secret not in everything
    assert "access_token" not in everything and "refresh_token" not in everything
    assert demo.axe_findings == [], "\n".join(demo.axe_findings)


async def test_a_network_admin_downloads_a_colleagues_archive_and_others_may_not(
    demo: Demo, visitors: Any
) -> None:
    admin: Visitor = await visitors("phone")
    await admin.sign_in("ann")  # the demo's network admin
    await admin.goto("/admin/exports")
    page = admin.page
    await page.get_by_label("Find the person").fill("Chloé")
    await page.get_by_role("button", name="Search").click()
    await page.get_by_role("button", name=re.compile("Export the data of Chlo")).click()
    await expect(page.get_by_role("heading", name="Data archive of a person")).to_be_visible()
    parts = parts_of(await download_archive(page))
    assert {part["person_id"] for part in parts.values()} == {demo.id_of("chloe")}
    await admin.check("admin-archive")

    colleague: Visitor = await visitors("desktop")
    await colleague.sign_in("tom")
    await colleague.goto("/admin/exports")
    await expect(colleague.page.get_by_role("alert")).to_contain_text("Only network admins")
    # The page only hides the form: each service itself refuses him a colleague's part.
    response = await demo.api("tom", "GET", f"/posts/people/{demo.id_of('chloe')}/export")
    assert response.status_code == 403
    assert demo.axe_findings == [], "\n".join(demo.axe_findings)


async def test_erasing_my_account_deletes_my_archives(demo: Demo, visitors: Any) -> None:
    handle = f"leaver{uuid.uuid4().hex[:6]}"
    person = await demo.plein.register(handle, "Lea Leaver")
    visitor: Visitor = await visitors("desktop")
    await visitor.sign_in(handle, f"{handle}-secret-pw")
    await visitor.goto("/my-data")
    page = visitor.page
    await page.get_by_role("button", name="Prepare my archive").click()
    await expect(page.get_by_role("link", name="Download the archive")).to_be_visible(
        timeout=LIVE_S
    )
    archive = exports._ARCHIVES / f"{page.url.rsplit('/', 1)[-1]}.zip"
    assert archive.is_file()

    await visitor.goto("/my-data")
    await page.get_by_label("Remove them everywhere", exact=False).check()
    await page.get_by_label('Type "erase" to confirm').fill("erase")
    await page.get_by_role("button", name="Erase my account").click()
    await expect(page).to_have_url(re.compile("/sign-in"))
    assert not archive.exists()
    async with await web_schema(demo) as conn:
        cur = await conn.execute(
            "SELECT count(*) FROM export_jobs WHERE person_id = %s", (person.id,)
        )
        assert await cur.fetchone() == (0,)


async def web_schema(demo: Demo) -> psycopg.AsyncConnection[Any]:
    return await psycopg.AsyncConnection.connect(
        demo.plein.database_url, autocommit=True, options="-c search_path=web"
    )


async def test_day_old_archives_are_swept_and_a_stalled_collection_fails(demo: Demo) -> None:
    now = datetime.now(UTC)
    async with await web_schema(demo) as conn:
        ids = {
            age: await exports.create_job(conn, uuid.uuid4(), uuid.uuid4(), now - age)
            for age in (timedelta(hours=25), timedelta(hours=2), timedelta(minutes=1))
        }
        await exports.sweep(conn, now)
        cur = await conn.execute(
            "SELECT id, state FROM export_jobs WHERE id = ANY(%s)", (list(ids.values()),)
        )
        states = dict(await cur.fetchall())
    assert states == {
        ids[timedelta(hours=2)]: "failed",
        ids[timedelta(minutes=1)]: "collecting",
    }
