"""The files service's pure rules: types from bytes, safe names, ranges, signed links, and
what processing makes (no servers)."""

from __future__ import annotations

import asyncio
import io
import subprocess
import time
import zipfile
from pathlib import Path
from uuid import uuid4

import pytest
from PIL import Image
from plein_files.app import LinkSigner
from plein_files.domain import (
    CorruptFile,
    RangeNotSatisfiable,
    UnsupportedType,
    byte_range,
    safe_name,
    sniff,
)
from plein_files.processing import (
    Rejected,
    check_image,
    clamd_scan,
    image_previews,
    office_text,
    pdf_previews,
    video_previews,
)
from plein_platform.errors import NotFound

from .conftest import jpeg_with_gps, pdf_with_words


@pytest.mark.parametrize(
    ("head", "name", "media_type", "kind"),
    [
        (jpeg_with_gps(), "x.exe", "image/jpeg", "image"),  # the bytes decide, not the name
        (pdf_with_words("hello"), "x.jpg", "application/pdf", "pdf"),
        (b"name,age\nann,30\n", "people.csv", "text/csv", "text"),
        ("Grüße aus Utrecht\n".encode(), "notes", "text/plain", "text"),
    ],
)
def test_the_type_comes_from_the_bytes(head: bytes, name: str, media_type: str, kind: str) -> None:
    found = sniff(head[:8192], name)
    assert (found.media_type, found.kind) == (media_type, kind)


@pytest.mark.parametrize(
    "head",
    [
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        b"\xef\xbb\xbf  <!DOCTYPE html><p>hi",
        b"<?xml version='1.0'?><svg/>",
        b"MZ\x90\x00\x03" + bytes(100),
        b"\x7fELF" + bytes(100),
        b"",
    ],
)
def test_markup_programs_and_nothing_are_refused(head: bytes) -> None:
    with pytest.raises(UnsupportedType):
        sniff(head, "file.txt")


@pytest.mark.parametrize(
    ("given", "safe"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\ann\\plan.docx", "plan.docx"),
        ("bell\x07and\nnewline.txt", "bell_and_newline.txt"),
        ("...", "file.pdf"),
        ("", "file.pdf"),
        ("a" * 300 + ".pdf", "a" * 196 + ".pdf"),
    ],
)
def test_names_are_made_safe(given: str, safe: str) -> None:
    assert safe_name(given, "application/pdf") == safe


def test_ranges() -> None:
    assert byte_range(None, 100) is None
    assert byte_range("bytes=0-9", 100) == (0, 9)
    assert byte_range("bytes=90-", 100) == (90, 99)
    assert byte_range("bytes=-10", 100) == (90, 99)
    assert byte_range("bytes=50-500", 100) == (50, 99)
    assert byte_range("bytes=0-1,5-6", 100) is None  # several ranges: the whole file
    with pytest.raises(RangeNotSatisfiable):
        byte_range("bytes=100-", 100)


def test_signed_links_expire_and_cannot_be_forged() -> None:
    signer = LinkSigner(b"k" * 32)
    file_id = uuid4()
    token = signer.sign(file_id, "original", int(time.time()) + 60)
    assert signer.verify(token, time.time()) == (file_id, "original")
    with pytest.raises(NotFound):
        signer.verify(token, time.time() + 120)
    with pytest.raises(NotFound):
        signer.verify(token.replace("original", "large"), time.time())
    with pytest.raises(NotFound):
        LinkSigner(b"x" * 32).verify(token, time.time())


def test_image_previews_drop_exif_and_apply_orientation(tmp_path: Path) -> None:
    source = tmp_path / "in.jpg"
    source.write_bytes(jpeg_with_gps(64, 48))
    outcome = image_previews(source, tmp_path, 10_000_000)
    assert (outcome.width, outcome.height) == (48, 64)
    assert outcome.replacement is not None
    for path in [outcome.replacement, *(p for _, p, _ in outcome.previews)]:
        with Image.open(path) as image:
            assert not image.getexif() and image.size[0] < image.size[1]


def test_decompression_bombs_are_refused(tmp_path: Path) -> None:
    source = tmp_path / "bomb.png"
    Image.new("1", (5000, 5000)).save(source)  # a few kB on disk, 25 megapixels
    with pytest.raises(CorruptFile):
        check_image(source, 1_000_000)
    with pytest.raises(Rejected):
        image_previews(source, tmp_path, 1_000_000)


def test_pdf_pages_text_and_preview(tmp_path: Path) -> None:
    source = tmp_path / "in.pdf"
    source.write_bytes(pdf_with_words("Vergadering over begroting", 4))
    outcome = pdf_previews(source, tmp_path)
    assert outcome.page_count == 4
    assert "begroting" in outcome.text
    assert [size for size, _, _ in outcome.previews] == ["small", "large"]
    with Image.open(io.BytesIO(outcome.previews[0][1].read_bytes())) as preview:
        assert preview.format == "WEBP"


def test_video_poster_and_duration(tmp_path: Path) -> None:
    source = tmp_path / "clip.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=320x240:rate=10",
            "-t",
            "2",
            "-pix_fmt",
            "yuv420p",
            str(source),
        ],
        check=True,
        timeout=60,
    )
    assert sniff(source.read_bytes()[:8192], "clip.mp4").kind == "video"
    outcome = video_previews(source, tmp_path)
    assert outcome.duration_s == pytest.approx(2.0, abs=0.2)
    assert (outcome.width, outcome.height) == (320, 240)
    assert [size for size, _, _ in outcome.previews] == ["small", "large"]


def docx_with_words(words: str) -> bytes:
    """The smallest .docx Word opens: the package parts, and a paragraph of `words`."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="xml" ContentType="application/xml"/><Override '
            'PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        package.writestr(
            "word/document.xml",
            '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
            f'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>{words}</w:t></w:r></w:p>'
            "</w:body></w:document>",
        )
    return buffer.getvalue()


def test_office_documents_are_typed_and_their_words_read(tmp_path: Path) -> None:
    content = docx_with_words("Jaarplan voor de werkplaats")
    assert sniff(content[:8192], "plan.docx").kind == "document"
    source = tmp_path / "plan.docx"
    source.write_bytes(content)
    assert "werkplaats" in office_text(source).text


async def test_the_scanner_hook_speaks_clamds_instream(tmp_path: Path) -> None:
    """Against a stand-in for clamd on loopback that answers as clamd does (INSTREAM)."""
    received = bytearray()

    async def clamd(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        assert await reader.readexactly(10) == b"zINSTREAM\0"
        while size := int.from_bytes(await reader.readexactly(4), "big"):
            received.extend(await reader.readexactly(size))
        infected = b"EICAR" in received
        writer.write(b"stream: Eicar-Signature FOUND\0" if infected else b"stream: OK\0")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(clamd, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    clean, infected = tmp_path / "clean.txt", tmp_path / "bad.txt"
    clean.write_bytes(b"words " * 50_000)
    infected.write_bytes(b"X5O!P%@AP EICAR test")
    async with server:
        assert await asyncio.to_thread(clamd_scan, clean, f"127.0.0.1:{port}") is None
        assert len(received) == clean.stat().st_size
        received.clear()
        found = await asyncio.to_thread(clamd_scan, infected, f"127.0.0.1:{port}")
    assert found == "Eicar-Signature"
