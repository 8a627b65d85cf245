"""Chapters without a number, found by the type their numbered siblings are set in.

A book numbers its chapters "1 …" to "5 …" but not its "Lösungen der Übungsaufgaben", "Symbolverzeichnis"
or "Index", which are set in the same type at the top of their pages. Once the numbered chapters are
known, their heading size is known too, and lines in that size at the top of a page are chapters as well.
A paper sets its headings mid-column, a little larger than the body; there the lines in that size after
the last numbered section ("Acknowledgements", "References") are added. Pure functions, thread-safe;
the font lines come from :func:`~desktop_app.engine.ingest.pdf_fonts.read_font_lines`.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from desktop_app.engine.ingest.numbering import NumberedChapter, NumberedStructure

#: A chapter heading's type is at least this many times the body size (a paper's 13.6 pt over 12.3 pt).
MIN_HEADING_RATIO = 1.08
#: Sizes this close (points) are the same type.
SIZE_TOLERANCE = 0.15
#: Only the first lines of a page can open a chapter.
TOP_LINES = 3

_TOKEN = re.compile(r"\w+", re.UNICODE)

FontLines = Sequence[Sequence[tuple[str, float]]]


def _tokens(text: str) -> list[str]:
    return [t.casefold() for t in _TOKEN.findall(text)]


def _body_size(lines: FontLines) -> float:
    weights: Counter[float] = Counter()
    for page in lines:
        for text, size in page:
            weights[size] += len(text)
    return weights.most_common(1)[0][0] if weights else 0.0


def _heading_size(found: NumberedStructure, lines: FontLines, page_of: list[int]) -> tuple[float, bool] | None:
    """The size most numbered chapter titles are set in, and whether they open their pages (a book's way).

    None when they share no size that stands out from the body's.
    """
    sizes: Counter[float] = Counter()
    at_top = 0
    for head, page in zip(found.chapters, page_of, strict=True):
        want = _tokens(head.title)
        for n, (text, size) in enumerate(lines[page] if page < len(lines) else ()):
            got = _tokens(text)
            if got and want[: len(got)] == got:
                sizes[size] += 1
                at_top += n < TOP_LINES
                break
    if not sizes:
        return None
    size, count = sizes.most_common(1)[0]
    if count < max(2, len(found.chapters) // 2) or size < MIN_HEADING_RATIO * _body_size(lines):
        return None
    return size, at_top >= count / 2


def _line_offset(page_text: str, wanted: str) -> int | None:
    offset = 0
    want = _tokens(wanted)
    for line in page_text.split("\n"):
        if _tokens(line) == want:
            return offset
        offset += len(line) + 1
    return None


def add_unnumbered_chapters(
    found: NumberedStructure, whole: str, page_offsets: Sequence[int], clean: Sequence[str], lines: FontLines
) -> NumberedStructure:
    """``found`` with the lines set like its chapter titles at the top of other pages added as chapters.

    ``clean`` are the page texts joined into ``whole`` (contents pages blank), ``page_offsets`` where each
    starts in ``whole``. Returns ``found`` itself when the type gives nothing to add.
    """
    if not lines or not found.chapters:
        return found
    page_of = [max(0, bisect.bisect_right(page_offsets, h.start) - 1) for h in found.chapters]
    heading = _heading_size(found, lines, page_of)
    if heading is None:
        return found
    size, book = heading
    title_pages = set(page_of)
    extra: list[NumberedChapter] = []
    for page, page_lines in enumerate(lines):
        if page >= len(clean) or not clean[page].strip() or (book and page in title_pages):
            continue
        # A book opens its chapters at the top of a page. A paper's headings stand anywhere in a column, and
        # its unnumbered ones are the matter after the last numbered section (acknowledgements, references).
        for text, line_size in list(page_lines)[:TOP_LINES] if book else page_lines:
            words = text.split()
            if abs(line_size - size) > SIZE_TOLERANCE or not 1 <= len(words) <= 8:
                continue
            if not text[0].isupper() or sum(ch.isalpha() for ch in text) < 4 or text.endswith((".", ",", ";", ":")):
                continue
            if not book and _tokens(text)[:1] and _tokens(text)[0].isdigit():
                continue  # a numbered line in the heading type is a heading found already, or its wrapped part
            pos = _line_offset(clean[page], text)
            if pos is None:
                continue
            start = page_offsets[page] + pos
            if not book and start <= found.chapters[-1].title_end:
                continue
            extra.append(NumberedChapter(" ".join(words), start, start + len(clean[page][pos:].split("\n")[0]), True))
            if book:
                break
    if not extra:
        return found
    merged = sorted([*found.chapters, *extra], key=lambda h: h.start)
    # A numbered chapter cut short by an added one keeps only the sections before the cut.
    out: list[NumberedChapter] = []
    for n, head in enumerate(merged):
        end = merged[n + 1].start if n + 1 < len(merged) else len(whole)
        out.append(replace(head, sections=[s for s in head.sections if s.start < end]))
    return replace(found, chapters=out)
