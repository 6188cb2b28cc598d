"""Shared pieces of the files service's tests: sample files made on the spot."""

from __future__ import annotations

import io

import pypdfium2 as pdfium
import pypdfium2.raw as raw
from PIL import Image


def jpeg_with_gps(width: int = 64, height: int = 48) -> bytes:
    """A JPEG whose EXIF holds a GPS position (and an orientation)."""
    image = Image.new("RGB", (width, height), (200, 40, 40))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: turned 90°
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (52.0, 22.0, 0.0)
    gps[3] = "E"
    gps[4] = (4.0, 53.0, 0.0)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def pdf_with_words(words: str, pages: int = 1) -> bytes:
    """A PDF whose pages say `words` (written with PDFium itself)."""
    pdf = pdfium.PdfDocument.new()
    for _ in range(pages):
        page = pdf.new_page(595, 842)
        text = raw.FPDFPageObj_NewTextObj(pdf.raw, b"Helvetica", 24.0)
        encoded = (words + "\x00").encode("utf-16-le")
        buffer = (raw.c_ushort * (len(encoded) // 2)).from_buffer_copy(encoded)
        raw.FPDFText_SetText(text, buffer)
        raw.FPDFPageObj_Transform(text, 1, 0, 0, 1, 50, 700)
        raw.FPDFPage_InsertObject(page.raw, text)
        raw.FPDFPage_GenerateContent(page.raw)
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()
