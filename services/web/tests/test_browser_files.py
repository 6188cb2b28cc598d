"""Files in a real browser (Debian's Chromium) against a real Plein with the files service: a
person attaches a photo and a PDF to a post in a private group; a member sees the gallery and
the preview; a non-member never sees them and gets 404 for their addresses; refused files are
explained next to the file in the person's language; the form works without script."""

from __future__ import annotations

import io
import re
import uuid

import pytest
from PIL import ExifTags, Image, ImageDraw
from playwright.async_api import FilePayload, expect

from .conftest import ARTIFACTS, Demo, Visitor
from .test_browser import LIVE_S, reload_until_visible

pytestmark = pytest.mark.integration

GPS = ExifTags.IFD.GPSInfo


def photo_with_location() -> bytes:
    """A JPEG a phone might take: a picture, and where it was taken in its EXIF."""
    image = Image.new("RGB", (1600, 1200), (40, 110, 190))
    draw = ImageDraw.Draw(image)
    draw.rectangle((200, 700, 1400, 1200), fill=(90, 160, 80))
    draw.ellipse((1100, 150, 1400, 450), fill=(250, 210, 60))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PleinPhone"
    gps = exif.get_ifd(GPS)
    gps.update({1: "N", 2: (52.0, 5.0, 30.0), 3: "E", 4: (4.0, 53.0, 10.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=85)
    return out.getvalue()


def one_page_pdf() -> bytes:
    """A real one-page PDF (Pillow writes it)."""
    page = Image.new("RGB", (595, 842), "white")
    ImageDraw.Draw(page).rectangle((60, 60, 535, 200), fill=(20, 20, 20))
    out = io.BytesIO()
    page.save(out, "PDF")
    return out.getvalue()


def files(name: str, data: bytes, mime: str) -> FilePayload:
    return {"name": name, "mimeType": mime, "buffer": data}


# Each viewport shares its own post, by its own member of the private group.
SHARERS = {"desktop": ("daan", "ilse"), "phone": ("lars", "noah")}


@pytest.mark.parametrize("size", ["desktop", "phone"])
async def test_a_photo_and_a_pdf_in_a_private_group_reach_members_and_no_one_else(
    demo: Demo, visitors, size: str
) -> None:  # type: ignore[no-untyped-def]
    sharer_handle, member_handle = SHARERS[size]
    word = f"bouwplan{uuid.uuid4().hex[:8]}"
    pdf_name = f"begroting-{word}.pdf"
    leadership = demo.group("Leadership team")

    mentioned = [
        (await demo.api(h, "GET", f"/identity/users/{demo.id_of(h)}")).json()["handle"]
        for h in (member_handle, "tom")
    ]
    sharer: Visitor = await visitors(size)
    await sharer.sign_in(sharer_handle)
    page = sharer.page
    await page.get_by_label("What would you like to share?").fill(
        f"The new site {word} @{mentioned[0]} @{mentioned[1]}"
    )
    await page.locator("#compose-target").select_option(leadership)
    await page.locator(".attach-pick input[type=file]").set_input_files(
        [
            files("site.jpg", photo_with_location(), "image/jpeg"),
            files(pdf_name, one_page_pdf(), "application/pdf"),
        ]
    )
    # Each file is uploaded at once, with its progress; then it is named with its type.
    attached = page.locator(".attached input[name=attachments]")
    await expect(attached).to_have_count(2, timeout=2 * LIVE_S)  # a busy machine is slow
    await expect(page.locator(".attached")).to_contain_text(pdf_name)
    await page.get_by_label(re.compile("Describe this photo")).fill("The new site from the road")
    await page.get_by_label(re.compile("Describe this photo")).blur()
    await sharer.check("files-compose")
    await page.get_by_role("button", name="Post", exact=True).click()
    await page.wait_for_url(re.compile(r"/posts/[0-9a-f-]{36}"))
    post_path = "/posts/" + page.url.split("/posts/")[1].split("?")[0].split("#")[0]

    # Until its previews exist a file says it is being processed; then the gallery shows.
    await reload_until_visible(page, "#post .gallery img")
    await reload_until_visible(page, "#post .file-card img.file-page")
    await expect(page.locator("#post .file-card")).to_contain_text(pdf_name)
    await expect(page.locator("#post .file-card")).to_contain_text("1 page")
    await expect(page.locator("#post .gallery img")).to_have_attribute(
        "alt", "The new site from the road"
    )
    await sharer.check("files-thread")

    member: Visitor = await visitors(size)
    await member.sign_in(member_handle)
    mpage = member.page
    await reload_until_visible(mpage, "article.entry", word)
    entry = mpage.locator("article.entry", has_text=word)
    await expect(entry.locator(".gallery img")).to_be_visible()
    await expect(entry.locator(".file-card")).to_contain_text(pdf_name)
    await member.check("files-home")
    # The lightbox opens on the photo (without script it is the page's :target) and closes.
    await entry.locator(".gallery a.thumb").first.click()
    lightbox = mpage.locator(".lightbox:target")
    await expect(lightbox.locator("img")).to_be_visible()
    await member.check("files-lightbox")
    await mpage.keyboard.press("Escape")
    await expect(mpage.locator(".lightbox:target")).to_have_count(0)
    # The photo served is the picture without where it was taken.
    photo_src = await entry.locator(".gallery img").first.get_attribute("src")
    assert photo_src is not None
    file_id = photo_src.split("/")[2]
    original = await mpage.request.get(demo.base_url + f"/files/{file_id}/content")
    assert original.status == 200
    served = Image.open(io.BytesIO(await original.body()))
    assert not served.getexif().get_ifd(GPS)
    ranged = await mpage.request.get(
        demo.base_url + f"/files/{file_id}/content", headers={"Range": "bytes=0-99"}
    )
    assert ranged.status == 206 and len(await ranged.body()) == 100
    # The member was mentioned in a post that carried files: the inbox says a file was shared.
    await member.goto("/notifications")
    await reload_until_visible(mpage, ".notification", "shared a file")
    # The group's Files tab lists the PDF, also filtered to PDFs.
    await member.goto(f"/groups/{leadership}/files?kind=pdf")
    await expect(mpage.locator(".library")).to_contain_text(pdf_name)
    await member.check("files-group-tab")
    await member.goto(f"/search?q={word}")
    await expect(mpage.locator("section[aria-labelledby=file-hits]")).to_contain_text(pdf_name)

    # Someone outside the private group never sees any of it, and its addresses are 404.
    outsider: Visitor = await visitors(size)
    await outsider.sign_in("tom")
    opage = outsider.page
    await outsider.goto("/notifications")
    await reload_until_visible(opage, ".notification", "private group")
    for path in (
        "/",
        f"/groups/{leadership}",
        f"/groups/{leadership}/files",
        f"/search?q={word}",
        f"/search?q=begroting-{word}",
        "/notifications",
        post_path,
    ):
        await outsider.goto(path)
        body = await opage.inner_text("body")
        assert word not in body and "shared a file" not in body, path
        assert await opage.locator(".attachments").count() == 0, path
    for suffix in ("content", "preview?size=small", "preview?size=large"):
        answer = await opage.request.get(demo.base_url + f"/files/{file_id}/{suffix}")
        assert answer.status == 404, suffix
    assert demo.axe_findings == [], "\n".join(demo.axe_findings)


async def test_a_refused_file_is_explained_next_to_it_in_dutch(demo: Demo, visitors) -> None:  # type: ignore[no-untyped-def]
    visitor: Visitor = await visitors("phone", locale="nl-NL")
    await visitor.sign_in("bob")
    page = visitor.page
    broken = b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF" + bytes(range(256)) * 8  # no picture in it
    await page.get_by_label("Wat wil je delen?").click()  # the one-line composer opens
    await page.locator(".attach-pick input[type=file]").set_input_files(
        [
            files("setup.exe", b"MZ\x90\x00" + bytes(2000), "application/octet-stream"),
            files("kapot.jpg", broken, "image/jpeg"),
        ]
    )
    items = page.locator(".attached li")
    await expect(items.filter(has_text="setup.exe").locator(".problem")).to_contain_text(
        "Dit soort bestand neemt Plein niet aan", timeout=LIVE_S
    )
    await expect(items.filter(has_text="kapot.jpg").locator(".problem")).to_contain_text(
        "beschadigd", timeout=LIVE_S
    )
    await expect(page.locator(".attached input[name=attachments]")).to_have_count(0)
    await visitor.check("files-refused")
    # A refused file goes with its remove button.
    await items.filter(has_text="setup.exe").get_by_role("button", name="Bestand weghalen").click()
    await expect(items).to_have_count(1)


async def test_without_script_the_compose_form_sends_its_files(demo: Demo, visitors) -> None:  # type: ignore[no-untyped-def]
    word = f"zonderscript{uuid.uuid4().hex[:8]}"
    visitor: Visitor = await visitors("desktop", java_script_enabled=False)
    await visitor.sign_in("chloe")
    page = visitor.page
    await page.get_by_label("What would you like to share?").fill(f"Notes {word}")
    await page.locator("#compose-target").select_option(demo.group("Marketing"))
    await page.locator(".attach-pick input[type=file]").set_input_files(
        [files(f"notes-{word}.pdf", one_page_pdf(), "application/pdf")]
    )
    await page.get_by_role("button", name="Post", exact=True).click()
    await page.wait_for_url(re.compile(r"/posts/[0-9a-f-]{36}"))
    await expect(page.locator("#post .file-card")).to_contain_text(f"notes-{word}.pdf")
    # A screenshot only: axe's scan is a script, and this browser runs none.
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "files-without-script-desktop.png"), full_page=True)
    # A file refused on the way is named with why, above the compose box.
    await visitor.goto("/")
    await page.get_by_label("What would you like to share?").fill("Installer")
    await page.locator(".attach-pick input[type=file]").set_input_files(
        [files("setup.exe", b"MZ\x90\x00" + bytes(2000), "application/octet-stream")]
    )
    await page.get_by_role("button", name="Post", exact=True).click()
    await expect(page.locator("#compose-error")).to_contain_text("setup.exe")
    await expect(page.locator("#compose-error")).to_contain_text("does not take this type")
