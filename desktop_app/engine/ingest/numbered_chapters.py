"""Cutting a text into chapters at a found structure, with sections, pages and named front matter.

Shared by the plain-text and PDF parsers (and the DOCX parser when its paragraphs carry no heading styles):
:func:`chapters_from_structure` turns a :class:`~desktop_app.engine.ingest.numbering.NumberedStructure` into
:class:`ParsedChapter` objects whose :attr:`~ParsedChapter.sections` and :attr:`~ParsedChapter.page_starts`
are offsets into each chapter's own text. Text before the first heading is a chapter named for what it is:
"Abstract" when it holds one, else "Front matter"; a table of contents is left out of it. Pure functions,
thread-safe.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence

from desktop_app.engine.ingest.base import ParsedChapter, Section, count_words
from desktop_app.engine.ingest.numbering import NumberedChapter, NumberedStructure, sections_in

#: Text before the first heading becomes its own chapter only when it has at least this many words.
MIN_PREAMBLE_WORDS = 30

_ABSTRACT = re.compile(r"^\s*(abstract|summary|zusammenfassung|résumé|resumen)\b[\s.:—–-]*", re.IGNORECASE | re.M)


def front_matter_title(text: str) -> str:
    """ "Abstract" for a preamble that holds one (a paper's title block and abstract), else "Front matter"."""
    head = text[:3000]
    return "Abstract" if _ABSTRACT.search(head) else "Front matter"


def page_starts_for(start: int, end: int, page_offsets: Sequence[int]) -> list[tuple[int, int]]:
    """``(offset, page)`` pairs for ``text[start:end]``, given where each page starts in the whole text.

    Offsets are relative to ``start``; pages are 1-based; the first pair is always at offset 0.
    """
    if not page_offsets:
        return []
    first = max(0, bisect.bisect_right(page_offsets, start) - 1)
    pairs = [(0, first + 1)]
    for page in range(first + 1, len(page_offsets)):
        off = page_offsets[page]
        if off >= end:
            break
        if off > start:
            pairs.append((off - start, page + 1))
    return pairs


def _sections(head: NumberedChapter, body_start: int, end: int) -> list[Section]:
    out: list[Section] = []
    for n, sec in enumerate(head.sections):
        # A section runs to the next section at its own level or above, or to the chapter's end.
        stop = next((s.start for s in head.sections[n + 1 :] if s.level <= sec.level), end)
        out.append(Section(sec.title, sec.start - body_start, stop - body_start, sec.level))
    return out


def chapters_from_structure(
    text: str,
    found: NumberedStructure,
    *,
    page_offsets: Sequence[int] = (),
    min_preamble_words: int = MIN_PREAMBLE_WORDS,
) -> list[ParsedChapter]:
    """Chapters of ``text`` at ``found``'s headings, a front-matter chapter first when there is one.

    A heading on a line of its own is the chapter's title and not part of its text; a run-in heading
    ("1. Services. At the request …") stays in the text, since its sentence goes on after it.
    ``page_offsets`` (where each page starts in ``text``) fills ``page`` and ``page_starts``.
    """
    chapters: list[ParsedChapter] = []
    heads = found.chapters
    preamble_end = heads[0].start if heads else len(text)
    # The table of contents is left out: the parts of the preamble before and after it.
    parts = [(0, preamble_end)]
    if found.contents is not None and found.contents[0] < preamble_end:
        lo, hi = found.contents
        parts = [(0, lo), (min(hi, preamble_end), preamble_end)]
    preamble = "\n\n".join(text[a:b] for a, b in parts)
    if count_words(preamble) >= min_preamble_words:
        chapter = ParsedChapter(title=front_matter_title(preamble), text=preamble, kind="front")
        if page_offsets:
            shift = 0
            for a, b in parts:
                chapter.page_starts += [(off + shift, page) for off, page in page_starts_for(a, b, page_offsets)]
                shift += b - a + 2
            chapter.page = chapter.page_starts[0][1]
        chapters.append(chapter)
    for n, head in enumerate(heads):
        end = heads[n + 1].start if n + 1 < len(heads) else len(text)
        body_start = head.title_end if head.standalone else head.start
        while body_start < end and text[body_start] in " \t\n":
            body_start += 1
        chapter = ParsedChapter(title=head.title, text=text[body_start:end])
        chapter.sections = _sections(head, body_start, end)
        if page_offsets:
            pairs = page_starts_for(body_start, end, page_offsets)
            chapter.page = pairs[0][1]
            chapter.page_starts = pairs
        chapters.append(chapter)
    return chapters


def add_numbered_sections(chapter: ParsedChapter) -> None:
    """Fill ``chapter.sections`` from numbered headings that continue its title's number, if it has none yet."""
    if chapter.sections:
        return
    found = sections_in(chapter.title, chapter.text)
    head = NumberedChapter(chapter.title, 0, 0, True, found)
    chapter.sections = _sections(head, 0, len(chapter.text))
