"""Optional OCR for scanned PDFs, through the Tesseract command-line program when it is installed.

Detected at run time (``shutil.which("tesseract")``); nothing here is required for ingestion.
Thread-safe: each call renders into its own temporary directory and runs its own process.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from pathlib import Path

from desktop_app.engine.ingest.base import (
    CorruptFileError,
    NoTextError,
    ParsedChapter,
    ParsedDocument,
    ParseTimeoutError,
)
from desktop_app.engine.ingest.limits import IngestLimits, check_page_count
from desktop_app.engine.ingest.pdf_backend import password_required, wrong_password

log = logging.getLogger(__name__)

#: Rendering scale for OCR: 300 dpi (PDF user space is 72 dpi).
OCR_SCALE = 300 / 72


def tesseract_available() -> bool:
    """Whether the ``tesseract`` program is on PATH."""
    return shutil.which("tesseract") is not None


def _write_pgm(path: Path, width: int, height: int, gray: bytes) -> None:
    path.write_bytes(b"P5\n%d %d\n255\n" % (width, height) + gray)


def ocr_pdf(path: Path, *, password: str | None = None, limits: IngestLimits | None = None) -> ParsedDocument:
    """Read a scanned PDF's pages with Tesseract; one chapter a page group of ten pages.

    Blocks the calling thread for seconds per page; bounded by ``limits.timeout_s`` overall.
    Raises NoTextError when Tesseract is missing or reads nothing.
    """
    import time

    import pypdfium2 as pdfium

    limits = limits or IngestLimits()
    exe = shutil.which("tesseract")
    if exe is None:
        raise NoTextError("OCR needs Tesseract, which is not installed on this machine.", path=path)
    deadline = time.monotonic() + limits.timeout_s
    try:
        pdf = pdfium.PdfDocument(path, password=password)
    except pdfium.PdfiumError as err:
        if "password" in str(err).lower():
            raise (wrong_password(path) if password else password_required(path)) from err
        raise CorruptFileError(f"This PDF is damaged and cannot be read for OCR ({err}).", path=path) from err
    texts: list[str] = []
    try:
        check_page_count(len(pdf), limits, path)
        with tempfile.TemporaryDirectory(prefix="chapterwise-ocr-") as tmp:
            for i in range(len(pdf)):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise ParseTimeoutError(f"OCR took longer than {limits.timeout_s:g} s.", path=path)
                page = pdf[i]
                bitmap = page.render(scale=OCR_SCALE, grayscale=True)
                image = Path(tmp) / f"page{i}.pgm"
                _write_pgm(image, bitmap.width, bitmap.height, _gray_rows(bitmap))
                proc = subprocess.run([exe, str(image), "stdout"], capture_output=True, timeout=remaining, check=False)
                texts.append(proc.stdout.decode("utf-8", "replace"))
    except subprocess.TimeoutExpired as exc:
        raise ParseTimeoutError(f"OCR took longer than {limits.timeout_s:g} s.", path=path) from exc
    finally:
        pdf.close()
    chapters = [
        ParsedChapter(title=f"Pages {i + 1}–{min(i + 10, len(texts))}", text="\n".join(texts[i : i + 10]), page=i + 1)
        for i in range(0, len(texts), 10)
    ]
    chapters = [c for c in chapters if c.text.strip()]
    if not chapters:
        raise NoTextError("OCR found no text on this PDF's pages.", path=path)
    return ParsedDocument(path.stem, "pdf", chapters, structure="ocr", page_count=len(texts))


def _gray_rows(bitmap: object) -> bytes:
    """Tightly packed 8-bit rows from a PDFium grayscale bitmap (its stride may pad each row)."""
    width = int(getattr(bitmap, "width", 0))
    height = int(getattr(bitmap, "height", 0))
    stride = int(getattr(bitmap, "stride", width))
    buffer = bytes(getattr(bitmap, "buffer", b""))
    if stride == width:
        return buffer[: width * height]
    return b"".join(buffer[r * stride : r * stride + width] for r in range(height))
