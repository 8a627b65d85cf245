"""Bold headings at body size: lines set in a bold face, with space before them, standing alone.

Reports, manuals and forms often set their headings bold in the body's size: the size cue sees nothing.
:func:`read_bold_lines` reads, for every line, whether its first character's font is bold (PDFium's weight,
or a font name such as "Helvetica-Bold") and how much space stands above it; :func:`bold_headings` picks
the short bold lines that open a block. Used only when neither the outline, a numbered series nor larger
type gives chapters. Runs in the ingest child process, like the rest of PDF reading.
"""

from __future__ import annotations

import ctypes
import logging
import re
import statistics
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

#: A font weight from this value up is bold (400 is regular, 700 bold).
BOLD_WEIGHT = 600
#: A heading has at least this many times the document's usual space above it (or opens its page).
MIN_GAP_RATIO = 1.5
MAX_HEADING_WORDS = 10

_BOLD_NAME = re.compile(r"bold|black|heavy|semibold|demi", re.IGNORECASE)
_FORCE_BOLD = 1 << 18  # FPDF_FONT_FORCEBOLD in FPDFText_GetFontInfo's flags


@dataclass(frozen=True, slots=True)
class WeightedLine:
    """One line of a page: its text, whether it is bold, and the space above it in points (-1 at a page's top)."""

    text: str
    bold: bool
    gap: float


def read_bold_lines(path: Path, password: str | None, max_pages: int) -> list[list[WeightedLine]]:
    """Best effort: a file PDFium cannot open again gives no cues, not an error."""
    try:
        return _read(path, password, max_pages)
    except Exception as err:
        log.info("No font-weight cues for %s: %s", path, err)
        return []


def _is_bold(textpage: object, index: int) -> bool:
    import pypdfium2.raw as pdfium_c

    raw = textpage.raw  # type: ignore[attr-defined]
    if pdfium_c.FPDFText_GetFontWeight(raw, index) >= BOLD_WEIGHT:
        return True
    name = ctypes.create_string_buffer(128)
    flags = ctypes.c_int(0)
    pdfium_c.FPDFText_GetFontInfo(raw, index, name, len(name), ctypes.byref(flags))
    return bool(flags.value & _FORCE_BOLD) or bool(_BOLD_NAME.search(name.value.decode("latin-1", "replace")))


def _read(path: Path, password: str | None, max_pages: int) -> list[list[WeightedLine]]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(path, password=password)
    pages: list[list[WeightedLine]] = []
    try:
        for i in range(min(len(pdf), max_pages)):
            page = pdf[i]
            textpage = page.get_textpage()
            try:
                count = textpage.count_chars()
                text = textpage.get_text_range(0, count) if count else ""
                lines: list[WeightedLine] = []
                previous_bottom: float | None = None
                start = 0
                for end in [*(k for k, ch in enumerate(text) if ch == "\n"), len(text)]:
                    line = text[start:end]
                    first = next((start + k for k, ch in enumerate(line) if ch.isalnum()), None)
                    if first is not None and first < count:
                        _, bottom, _, top = textpage.get_charbox(first, loose=True)
                        gap = -1.0 if previous_bottom is None else float(previous_bottom - top)
                        lines.append(WeightedLine(" ".join(line.split()), _is_bold(textpage, first), gap))
                        previous_bottom = float(bottom)
                    start = end + 1
                pages.append(lines)
            finally:
                textpage.close()
                page.close()
    finally:
        pdf.close()
    return pages


def bold_headings(lines: list[list[WeightedLine]]) -> list[tuple[int, str]]:
    """``(page index, line)`` of the bold lines that read as headings, or [] when bold is the body's face.

    A heading is bold while most text is not, one to ten words, starts with a capital, ends without a
    sentence's punctuation, and opens its page or has clearly more space above it than lines usually do.
    """
    every = [line for page in lines for line in page]
    if not every or sum(line.bold for line in every) > 0.3 * len(every):
        return []
    gaps = [line.gap for line in every if line.gap >= 0]
    usual = statistics.median(gaps) if gaps else 0.0
    heads: list[tuple[int, str]] = []
    for page_no, page in enumerate(lines):
        for line in page:
            words = line.text.split()
            if not line.bold or not 1 <= len(words) <= MAX_HEADING_WORDS or not line.text[0].isupper():
                continue
            if line.text.endswith((".", ",", ";", ":")) or sum(ch.isalpha() for ch in line.text) < 3:
                continue
            if line.gap < 0 or line.gap >= MIN_GAP_RATIO * max(usual, 1.0):
                heads.append((page_no, line.text))
    return heads
