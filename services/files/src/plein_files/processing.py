"""What is made from a file, off the request path: previews, metadata, words for search.

Plain functions over local paths (run in a thread by the worker): Pillow for images, PDFium
(pypdfium2) for PDF, the OOXML/OpenDocument XML for Office text, ffmpeg for video when the
machine has it. `check_*` run at upload to refuse a corrupt image or PDF with 422 at once.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from PIL import Image, ImageOps

from .domain import CorruptFile

# Preview widths (px): a card or gallery tile, and a lightbox.
SIZES = {"small": 480, "large": 1600}
MAX_TEXT_CHARS = 1_000_000  # words kept for search, per file


class Rejected(Exception):
    """The file cannot be shown: corrupt, a decompression bomb, or flagged by the scanner."""


@dataclass
class Outcome:
    """What processing found and made (previews as (size, path, media type))."""

    width: int | None = None
    height: int | None = None
    page_count: int | None = None
    duration_s: float | None = None
    text: str = ""
    previews: list[tuple[str, Path, str]] = field(default_factory=list)
    note: str = ""
    # The original re-written without its metadata (images): it replaces the uploaded bytes.
    replacement: Path | None = None


def _guard_pixels(max_pixels: int) -> None:
    # Pillow refuses images above twice this many pixels, and warns between once and twice:
    # both are errors here (see `open_image`).
    Image.MAX_IMAGE_PIXELS = max_pixels


def open_image(path: Path, max_pixels: int) -> Image.Image:
    """The image at `path`, checked: Rejected for a decompression bomb or broken bytes."""
    import warnings

    _guard_pixels(max_pixels)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(path)
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise Rejected("The image has too many pixels.") from error
    except (OSError, SyntaxError, ValueError) as error:
        raise Rejected("The image is damaged.") from error
    return image


def check_image(path: Path, max_pixels: int) -> None:
    """CorruptFile unless the image's header and structure read (cheap: no decoding)."""
    _guard_pixels(max_pixels)
    try:
        with Image.open(path) as image:
            if image.width * image.height > max_pixels:
                raise CorruptFile("The image has too many pixels to be shown.")
            image.verify()
    except (Image.DecompressionBombError, OSError, SyntaxError, ValueError) as error:
        raise CorruptFile("The image is damaged and cannot be read.") from error


def check_pdf(path: Path) -> None:
    """CorruptFile unless PDFium opens the document."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as error:
        raise CorruptFile("The PDF is damaged and cannot be read.") from error
    pdf.close()


def image_previews(path: Path, out: Path, max_pixels: int) -> Outcome:
    """WebP previews with orientation applied and no EXIF (location above all) or other
    metadata: Pillow writes only what it is given, and it is given pixels alone."""
    image = open_image(path, max_pixels)
    with image:
        upright = ImageOps.exif_transpose(image)
        outcome = Outcome(width=upright.width, height=upright.height)
        outcome.replacement = _without_metadata(image, upright, out)
        has_alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
        upright = upright.convert("RGBA" if has_alpha else "RGB")
        for size, width in SIZES.items():
            copy = upright.copy()
            copy.thumbnail((width, width * 4))
            target = out / f"{size}.webp"
            copy.save(target, "WEBP", quality=82, method=4)
            outcome.previews.append((size, target, "image/webp"))
    return outcome


# The formats whose files can carry EXIF or XMP, and how to re-write them without it.
_REWRITE: dict[str, dict[str, Any]] = {
    "JPEG": {"quality": 95, "subsampling": "keep"},
    "PNG": {"optimize": False},
    "WEBP": {"quality": 95},
    "TIFF": {"compression": "tiff_lzw"},
}


def _without_metadata(image: Image.Image, upright: Image.Image, out: Path) -> Path | None:
    """The original again, upright and with pixels only (no EXIF, XMP, GPS, comments), in
    its own format; None for formats that carry no such metadata (GIF, BMP)."""
    options = _REWRITE.get(image.format or "")
    if options is None:
        return None
    target = out / f"original.{(image.format or 'bin').lower()}"
    pixels = upright
    if image.format == "JPEG":
        pixels = upright.convert("RGB") if upright.mode not in ("RGB", "L", "CMYK") else upright
        if options.get("subsampling") == "keep" and pixels is not image:
            options = {"quality": 95}  # "keep" needs the JPEG itself, not its turned copy
    pixels.save(target, image.format, **options)
    return target


def pdf_previews(path: Path, out: Path) -> Outcome:
    """The page count, the words of every page, and the first page as WebP previews."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as error:
        raise Rejected("The PDF is damaged.") from error
    try:
        outcome = Outcome(page_count=len(pdf))
        words: list[str] = []
        length = 0
        for index in range(len(pdf)):
            page = pdf[index]
            if index == 0:
                first = page.render(scale=SIZES["large"] / max(page.get_width(), 1)).to_pil()
                outcome.width, outcome.height = first.width, first.height
                for size, width in SIZES.items():
                    copy = first.convert("RGB")
                    copy.thumbnail((width, width * 4))
                    target = out / f"{size}.webp"
                    copy.save(target, "WEBP", quality=80)
                    outcome.previews.append((size, target, "image/webp"))
            if length < MAX_TEXT_CHARS:
                text = page.get_textpage().get_text_range()
                words.append(text)
                length += len(text)
            page.close()
        outcome.text = "\n".join(words)[:MAX_TEXT_CHARS]
    finally:
        pdf.close()
    return outcome


# The XML parts that hold an Office or OpenDocument file's words.
_TEXT_PARTS = ("word/document.xml", "content.xml", "xl/sharedStrings.xml")


def office_text(path: Path) -> Outcome:
    """The words of a .docx/.xlsx/.pptx or OpenDocument file (the older binary formats keep
    no text this service reads; they are stored and served, not searched inside)."""
    if not zipfile.is_zipfile(path):
        return Outcome(note="no text read from this format")
    pieces: list[str] = []
    with zipfile.ZipFile(path) as archive:
        names = [n for n in archive.namelist() if n in _TEXT_PARTS or _slide(n)]
        for name in sorted(names):
            info = archive.getinfo(name)
            if info.file_size > 50 * 1024 * 1024:  # a zip bomb's part: not worth the words
                continue
            with archive.open(info) as part:
                try:
                    tree = ElementTree.parse(part)
                except ElementTree.ParseError:
                    continue
            pieces.append(" ".join(t.strip() for t in tree.getroot().itertext() if t.strip()))
    return Outcome(text="\n".join(pieces)[:MAX_TEXT_CHARS])


def _slide(name: str) -> bool:
    return name.startswith("ppt/slides/slide") and name.endswith(".xml")


def plain_text(path: Path) -> Outcome:
    with path.open("rb") as handle:
        raw = handle.read(MAX_TEXT_CHARS)
    return Outcome(text=raw.decode("utf-8", errors="replace").replace("\x00", ""))


def ffmpeg_available() -> bool:
    return shutil.which("ffmpeg") is not None and shutil.which("ffprobe") is not None


def video_previews(path: Path, out: Path) -> Outcome:
    """A poster frame (WebP) and the duration, with ffmpeg; without it only a note saying so."""
    if not ffmpeg_available():
        return Outcome(note="no preview: ffmpeg is not installed on this server")
    probe = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-print_format",
            "json",
            "-show_format",
            "-show_streams",
            str(path),
        ],
        capture_output=True,
        timeout=60,
        check=False,
    )
    if probe.returncode != 0:
        raise Rejected("The video is damaged.")
    info = json.loads(probe.stdout or b"{}")
    outcome = Outcome()
    duration = info.get("format", {}).get("duration")
    outcome.duration_s = float(duration) if duration else None
    video = next((s for s in info.get("streams", []) if s.get("codec_type") == "video"), None)
    if video is not None:
        outcome.width, outcome.height = video.get("width"), video.get("height")
        poster = out / "poster.png"
        at = min(1.0, (outcome.duration_s or 0) / 2)
        subprocess.run(
            [
                "ffmpeg",
                "-v",
                "error",
                "-y",
                "-ss",
                str(at),
                "-i",
                str(path),
                "-frames:v",
                "1",
                str(poster),
            ],
            capture_output=True,
            timeout=120,
            check=False,
        )
        if poster.exists():
            with Image.open(poster) as frame:
                for size, width in SIZES.items():
                    copy = frame.convert("RGB")
                    copy.thumbnail((width, width * 4))
                    target = out / f"{size}.webp"
                    copy.save(target, "WEBP", quality=80)
                    outcome.previews.append((size, target, "image/webp"))
            poster.unlink()
    return outcome


def audio_info(path: Path) -> Outcome:
    if not ffmpeg_available():
        return Outcome(note="no duration: ffmpeg is not installed on this server")
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_format", str(path)],
        capture_output=True,
        timeout=60,
        check=False,
    )
    duration = json.loads(probe.stdout or b"{}").get("format", {}).get("duration")
    return Outcome(duration_s=float(duration) if duration else None)


def process(path: Path, kind: str, out: Path, max_pixels: int) -> Outcome:
    """Everything processing makes for a file of `kind` at `path`, written under `out`."""
    out.mkdir(parents=True, exist_ok=True)
    if kind == "image":
        return image_previews(path, out, max_pixels)
    if kind == "pdf":
        return pdf_previews(path, out)
    if kind == "document":
        return office_text(path)
    if kind == "text":
        return plain_text(path)
    if kind == "video":
        return video_previews(path, out)
    if kind == "audio":
        return audio_info(path)
    return Outcome()


def clamd_scan(path: Path, address: str) -> str | None:
    """Ask ClamAV's daemon about the file (INSTREAM); the signature name when infected.

    `address` is host:port or a unix socket path. The bytes are sent in chunks."""
    if address.startswith("/"):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(address)
    else:
        host, _, port = address.rpartition(":")
        sock = socket.create_connection((host, int(port)))
    with sock, path.open("rb") as handle:
        sock.sendall(b"zINSTREAM\0")
        while chunk := handle.read(64 * 1024):
            sock.sendall(len(chunk).to_bytes(4, "big") + chunk)
        sock.sendall(b"\0\0\0\0")
        answer = b""
        while not answer.endswith(b"\0"):
            data = sock.recv(4096)
            if not data:
                break
            answer += data
    reply = answer.rstrip(b"\0").decode(errors="replace")
    if reply.endswith("FOUND"):
        return reply.split(":", 1)[-1].removesuffix("FOUND").strip()
    if not reply.endswith("OK"):
        raise RuntimeError(f"clamd answered {reply!r}")
    return None
