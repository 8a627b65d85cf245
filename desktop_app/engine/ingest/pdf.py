"""PDF documents: open (decrypting when needed), extract, clean, find chapters, judge the text.

:func:`parse_pdf_file` is what the ingest child process runs (see ``sandbox.py``): it may spend
long on a hostile file, so the caller bounds it with a timeout. Thread-safe (no shared state).
"""

from __future__ import annotations

import functools
import logging
import re
from pathlib import Path

from desktop_app.engine.ingest.base import NoTextError, ParsedDocument, count_words
from desktop_app.engine.ingest.limits import IngestLimits
from desktop_app.engine.ingest.ocr import tesseract_available
from desktop_app.engine.ingest.pdf_backend import RawPdf, read_pdf, read_with_pypdf
from desktop_app.engine.ingest.pdf_fonts import first_page_title, read_font_lines
from desktop_app.engine.ingest.pdf_structure import detect_structure
from desktop_app.engine.ingest.pdf_text import (
    GARBLED_THRESHOLD,
    clean_pages,
    garbled_ratio,
    is_contents_page,
    normalize_page,
)
from desktop_app.engine.ingest.pdf_weights import read_bold_lines
from desktop_app.engine.ingest.text import finish

log = logging.getLogger(__name__)

#: A document with fewer words than this per page on average has, in practice, no text layer.
MIN_WORDS_PER_PAGE = 0.5

_UNHELPFUL_TITLE = re.compile(
    r"^(untitled|microsoft word|document\d*|\S+\.(docx?|pdf|tex|dvi)|proceedings of\b)|(\.\.\.|…)$", re.IGNORECASE
)


def doc_title(raw: RawPdf, path: Path, password: str | None) -> str:
    """The metadata title when it names the document, else the first page's largest text, else the file name.

    Metadata that names the proceedings or is cut short ("Proceedings of the...") names no document.
    """
    title = " ".join(raw.title.split())
    if title and not _UNHELPFUL_TITLE.search(title) and len(title) <= 300:
        return title
    # A first page that is the table of contents has "Contents" as its largest text: no title there.
    if raw.engine == "pdfium" and raw.pages and not is_contents_page(normalize_page(raw.pages[0])):
        largest = first_page_title(read_font_lines(path, password, 1))
        if largest:
            return largest
    return path.stem


def no_text_message(pages: int) -> tuple[str, bool]:
    """The user's message for a PDF without a text layer, and whether OCR can be offered."""
    ocr = tesseract_available()
    what = "its page is an image" if pages == 1 else "its pages are images"
    base = f"This PDF has no text layer: {what} (a scan?), so there is no text to summarize."
    if ocr:
        return base + " Tesseract is installed: run OCR on it to read the scanned text.", True
    return base + " Installing Tesseract OCR lets Chapterwise read scanned pages.", False


def pick_text(raw: RawPdf, path: Path, password: str | None, limits: IngestLimits) -> tuple[RawPdf, float]:
    """Return the extraction to use and its garbled share; try pypdf when PDFium's is garbled."""
    garbled = garbled_ratio("\n".join(raw.pages))
    if garbled > GARBLED_THRESHOLD and raw.engine == "pdfium":
        try:
            other = read_with_pypdf(path, password, limits)
        except Exception as exc:  # the fallback is a second chance, not a requirement
            log.debug("pypdf fallback for garbled %s failed: %r", path, exc)
            return raw, garbled
        other_garbled = garbled_ratio("\n".join(other.pages))
        if other_garbled < garbled:
            return other, other_garbled
    return raw, garbled


def parse_pdf_file(
    path: Path, password: str | None, limits: IngestLimits, *, use_outline: bool = True
) -> ParsedDocument:
    """Parse one PDF into chapters. Runs in the ingest child process; raises IngestError.

    ``use_outline=False`` hides the outline from the detector (``bench/structure.py`` measures the text
    cues against the outline that way). ``pdf_stream.py`` sends the same chapters as they are final.
    """
    raw = read_pdf(path, password, limits)
    return parse_picked(*pick_text(raw, path, password, limits), path, password, limits, use_outline=use_outline)


def has_enough_words(words: int, pages: int) -> bool:
    """Whether ``words`` over ``pages`` make a text layer (fewer: scanned pages, :func:`no_text_message`)."""
    return pages > 0 and words >= max(1, MIN_WORDS_PER_PAGE * pages)


def garbled_warning(garbled: float) -> list[str]:
    """The warning for a text whose garbled share is ``garbled``, if it is over the threshold."""
    if garbled <= GARBLED_THRESHOLD:
        return []
    return [
        f"About {garbled:.0%} of this PDF's text came out garbled: its fonts lack a usable "
        "character map, so summaries of the affected parts will be poor."
    ]


def parse_picked(
    raw: RawPdf, garbled: float, path: Path, password: str | None, limits: IngestLimits, *, use_outline: bool = True
) -> ParsedDocument:
    """Chapters from an extraction chosen by :func:`pick_text` (its garbled share ``garbled``)."""
    normalized = [normalize_page(p) for p in raw.pages]
    words = sum(count_words(p) for p in normalized)
    if not has_enough_words(words, len(normalized)):
        message, ocr = no_text_message(len(normalized))
        raise NoTextError(message, path=path, ocr_available=ocr)
    clean = clean_pages(normalized)
    font_lines = None
    if raw.engine == "pdfium":
        # Read once, on first need: both the heading-type and the font-size steps may ask.
        font_lines = functools.cache(functools.partial(read_font_lines, path, password, limits.max_pages))
    bold_lines = functools.partial(read_bold_lines, path, password, limits.max_pages) if font_lines else None
    structure = detect_structure(raw.outline if use_outline else [], normalized, clean, font_lines, bold_lines)
    title = doc_title(raw, path, password)
    if structure.source == "pages" and len(structure.chapters) == 1:
        structure.chapters[0].title = title
    doc = finish(
        title,
        "pdf",
        structure.chapters,
        structure=structure.source,
        path=path,
        empty_message=no_text_message(len(normalized))[0],
    )
    doc.page_count = len(raw.pages)
    doc.warnings.extend(structure.warnings)
    doc.warnings.extend(garbled_warning(garbled))
    log.debug(
        "%s: %d pages, %d chapters from %s via %s", path, len(raw.pages), len(doc.chapters), doc.structure, raw.engine
    )
    return doc
