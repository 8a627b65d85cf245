"""Word documents (python-docx): chapters at Heading 1 (or Heading 2) paragraphs.

The body is read in order, paragraphs and tables interleaved as they stand (table rows become
lines with cells separated by " | "). Comments live in their own part of the package and are
never read; deleted tracked changes are not text. The chapter level is Heading 1 when it occurs
twice or more, else Heading 2 with a lone Heading 1 (or the Title style) as the document title.
Word's automatic list numbers ("1.", "6.1") are drawn before their paragraphs as Word shows them.
Without heading styles, the numbering of the paragraphs gives the chapters, as in a text file;
numbered headings inside a chapter become its sections. Runs in the ingest child process after the
zip-bomb guard; thread-safe (no shared state).
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from desktop_app.engine.ingest.base import CorruptFileError, ParsedChapter, ParsedDocument
from desktop_app.engine.ingest.docx_numbering import ListLabels
from desktop_app.engine.ingest.limits import IngestLimits, check_zip_archive
from desktop_app.engine.ingest.numbered_chapters import add_numbered_sections, front_matter_title
from desktop_app.engine.ingest.text import MIN_PREAMBLE_WORDS, finish, parts_warning, split_at_headings, tidy

log = logging.getLogger(__name__)

EMPTY = "This Word document has no text (it is empty or holds only images), so there is nothing to summarize."
_HEADING_STYLE = re.compile(r"^(heading|überschrift|titre|titolo|título|kop)\s*(\d)$", re.IGNORECASE)
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _heading_level(paragraph: Any) -> int:
    """1–9 for a heading paragraph (by style name or outline level), 0 for "Title", else -1."""
    style = paragraph.style
    names = [getattr(style, "name", "") or "", getattr(style, "style_id", "") or ""]
    for name in names:
        if name.lower() == "title":
            return 0
        m = _HEADING_STYLE.match(name.replace("Heading", "Heading "))
        if m:
            return int(m.group(2))
    ppr = paragraph._p.pPr
    if ppr is not None:
        lvl = ppr.find(f"{_W}outlineLvl")
        if lvl is not None:
            value = lvl.get(f"{_W}val")
            if value is not None and value.isdigit() and int(value) < 9:
                return int(value) + 1
    return -1


def _cell_text(cell: Any, depth: int) -> str:
    """A cell's paragraphs and nested tables, in the order they stand in the cell."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    parts: list[str] = []
    for child in cell._tc.iterchildren():
        if child.tag == f"{_W}p":
            parts.append(Paragraph(child, cell).text)
        elif child.tag == f"{_W}tbl":
            parts.extend(_table_lines(Table(child, cell), depth + 1))
    return " ".join(" ".join(parts).split())


def _table_lines(table: Any, depth: int = 0) -> Iterator[str]:
    """One line per row, cells joined by " | " (merged cells once)."""
    if depth > 5:
        return
    for row in table.rows:
        cells: list[str] = []
        seen: set[int] = set()
        for cell in row.cells:
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cells.append(_cell_text(cell, depth))
        line = " | ".join(c for c in cells if c)
        if line:
            yield line


def _blocks(document: Any) -> Iterator[tuple[int, str]]:
    """Yield ``(heading level or -1, text)`` for the body's paragraphs and tables in order."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    labels = ListLabels(document)
    for child in document.element.body.iterchildren():
        if child.tag == f"{_W}p":
            paragraph = Paragraph(child, document)
            label = labels.label(paragraph)
            yield _heading_level(paragraph), f"{label} {paragraph.text}" if label else paragraph.text
        elif child.tag == f"{_W}tbl":
            yield -1, "\n".join(_table_lines(Table(child, document)))


def parse_docx_file(path: Path, password: str | None, limits: IngestLimits) -> ParsedDocument:
    """Parse a DOCX into chapters. Runs in the ingest child process; raises IngestError."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    check_zip_archive(path, limits, kind="Word")
    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, KeyError, ValueError, OSError) as exc:
        raise CorruptFileError(f"This Word document is damaged and cannot be read: {exc}.", path=path) from exc
    blocks = [(level, text.strip()) for level, text in _blocks(document)]
    counts = Counter(level for level, text in blocks if level >= 1 and text)
    chapter_level = next((lvl for lvl in sorted(counts) if counts[lvl] >= 2), min(counts) if counts else 0)
    doc_title = str(document.core_properties.title or "").strip()
    for level, text in blocks:
        if text and (level == 0 or (0 < level < chapter_level)) and not doc_title:
            doc_title = text
            break
    chapters: list[ParsedChapter] = []
    preamble: list[str] = []
    for level, text in blocks:
        if not text:
            continue
        if chapter_level and level == chapter_level:
            chapters.append(ParsedChapter(title=text, text=""))
        elif level == 0 or 0 < level < chapter_level:
            continue  # the document title above the chapters
        elif chapters:
            chapters[-1].text += text + "\n\n"
        else:
            preamble.append(text)
    lead = "\n\n".join(preamble)
    title = doc_title or path.stem
    structure = "headings"
    if not chapters:
        # No heading styles: the numbering typed into the paragraphs ("1. Services. …") is the structure.
        chapters, structure = split_at_headings(tidy(lead), title)
    elif len(lead.split()) >= MIN_PREAMBLE_WORDS:
        chapters.insert(0, ParsedChapter(title=front_matter_title(lead), text=lead, kind="front"))
    for chapter in chapters:
        add_numbered_sections(chapter)
    log.debug("%s: %d chapters at heading level %d", path, len(chapters), chapter_level)
    doc = finish(title, "docx", chapters, structure=structure, path=path, empty_message=EMPTY)
    parts_warning(doc)
    return doc
