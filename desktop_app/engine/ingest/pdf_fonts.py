"""Font-size cues: each text line of a PDF with the size of its type, for finding headings set larger.

Only used when a PDF has neither a usable outline nor a series of numbered headings. One character a line is
sampled (the first letter or digit), so a 300-page file costs a few thousand calls into PDFium, not one per
character. Runs in the ingest child process, like the rest of PDF reading.
"""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger(__name__)

#: (line text, font size in points) for every non-empty line, page by page.
FontLines = list[list[tuple[str, float]]]


def read_font_lines(path: Path, password: str | None, max_pages: int) -> FontLines:
    """Best effort: a file PDFium cannot open again (one repaired in memory, say) gives no cues, not an error."""
    try:
        return _read(path, password, max_pages)
    except Exception as err:
        log.info("No font-size cues for %s: %s", path, err)
        return []


def _read(path: Path, password: str | None, max_pages: int) -> FontLines:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(path, password=password)
    pages: FontLines = []
    try:
        for i in range(min(len(pdf), max_pages)):
            page = pdf[i]
            textpage = page.get_textpage()
            try:
                count = textpage.count_chars()
                text = textpage.get_text_range(0, count) if count else ""
                lines: list[tuple[str, float]] = []
                start = 0
                for end in [*(k for k, ch in enumerate(text) if ch == "\n"), len(text)]:
                    line = text[start:end]
                    first = next((start + k for k, ch in enumerate(line) if ch.isalnum()), None)
                    if first is not None and first < count:
                        # The loose box spans the font's ascent to descent as rendered, so it reflects the real
                        # size even where the nominal size is 1 and the text matrix scales it.
                        _, bottom, _, top = textpage.get_charbox(first, loose=True)
                        lines.append((" ".join(line.split()), round(float(top - bottom), 1)))
                    start = end + 1
                pages.append(lines)
            finally:
                textpage.close()
                page.close()
    finally:
        pdf.close()
    return pages


#: The title's type must be at least this many times the first page's body size.
TITLE_SIZE_RATIO = 1.2


def first_page_title(lines: FontLines) -> str:
    """The first page's largest text (a paper's title), or "" when nothing on it stands out.

    ``lines`` is :func:`read_font_lines`' answer (only its first page is looked at). The lines set in the
    largest size that follow one another are joined: a title often takes two lines.
    """
    if not lines or not lines[0]:
        return ""
    page = [(text.replace("\ufffe", "").replace("\x02", ""), size) for text, size in lines[0]]
    weights: dict[float, int] = {}
    for text, size in page:
        weights[size] = weights.get(size, 0) + len(text)
    body = max(weights, key=lambda size: weights[size])
    readable = [(text, size) for text, size in page if sum(ch.isalpha() for ch in text) >= 2]
    if not readable:
        return ""
    largest = max(size for _, size in readable)
    if largest < TITLE_SIZE_RATIO * body:
        return ""
    parts: list[str] = []
    for text, size in page:
        if abs(size - largest) <= 0.3:
            parts.append(text)
        elif parts:
            break
    return " ".join(" ".join(parts).split())[:300]
