"""Finding a PDF's chapters: its outline first, then its headings, then groups of pages.

1. **Outline** (bookmarks, ``pdf_outline.py``). The chapter level is the top level unless that gives fewer
   than two chapters (a single "Book" root) or, on a long document, fewer than three, in which case the
   next level down is used; deeper entries fold into their parent. The chosen titles are checked
   against the text of their pages: when fewer than half are found the outline is ignored with a
   warning (bookmarks titled "First", "Second" over pages headed "Foo", "Bar"). The chapters are cut
   page by page, as a streamed parse cuts them (``pdf_stream.py``).
2. **Headings** found in the text: the numbered structure of ``numbering.py`` ("ARTICLE IV", "6. FEES",
   "2 Bar", with "6.1" as sections), joined by unnumbered headings set in the same type
   (``pdf_heading_fonts.py``); else a keyword series with word numbers. Contents pages are blanked so
   their lines are not taken for headings.
3. **Font sizes**: lines set clearly larger than the body; then **bold headings** at body size with space
   before them (``pdf_weights.py``).
4. **Page groups** of about ten pages (``pdf_pages.py``), with a warning saying so.

Chapters start at the line where their title stands when it can be found on the page, else at
the top of the page. Every chapter gets its ``page_starts``. Contents pages are dropped; index pages
and back-matter entries are kept with ``kind="back"``. Pure functions, thread-safe.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from desktop_app.engine.ingest.base import ParsedChapter, count_words
from desktop_app.engine.ingest.headings import Heading, match_heading, select_headings
from desktop_app.engine.ingest.matter import kind_of
from desktop_app.engine.ingest.numbered_chapters import (
    add_numbered_sections,
    chapters_from_structure,
    front_matter_title,
    page_starts_for,
)
from desktop_app.engine.ingest.numbering import find_structure
from desktop_app.engine.ingest.pdf_backend import OutlineEntry
from desktop_app.engine.ingest.pdf_heading_fonts import FontLines, add_unnumbered_chapters
from desktop_app.engine.ingest.pdf_outline import (
    MIN_PREAMBLE_WORDS,
    chosen_entries,
    outline_chapters,
    title_position,
    titles_found,
    trusted,
)
from desktop_app.engine.ingest.pdf_pages import joined_page_starts, page_groups
from desktop_app.engine.ingest.pdf_text import is_contents_page, is_index_page
from desktop_app.engine.ingest.pdf_weights import WeightedLine, bold_headings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Structure:
    """The chapters found, how they were found, and what the user should know."""

    chapters: list[ParsedChapter]
    source: str
    warnings: list[str]


def _split(
    text_pages: Sequence[str], starts: list[tuple[int, int, str, int, str]]
) -> tuple[ParsedChapter, list[ParsedChapter]]:
    """Cut the concatenated pages at ``(page, offset, title, level, kind)``; return (preamble, chapters).

    Every chapter gets its ``page_starts`` and the numbered sections its title's number calls for.
    """
    page_offsets = [0]
    for page in text_pages:
        page_offsets.append(page_offsets[-1] + len(page) + 1)
    whole = "\n".join(text_pages)
    cuts = sorted(
        ((page_offsets[pg] + off, pg, title, level, kind) for pg, off, title, level, kind in starts),
        key=lambda c: c[0],
    )
    chapters = []
    for i, (start, first_page, title, level, kind) in enumerate(cuts):
        end = cuts[i + 1][0] if i + 1 < len(cuts) else len(whole)
        chapter = ParsedChapter(title=title, text=whole[start:end], level=level, page=first_page + 1, kind=kind)
        chapter.page_starts = page_starts_for(start, end, page_offsets[:-1])
        add_numbered_sections(chapter)
        chapters.append(chapter)
    head = cuts[0][0] if cuts else len(whole)
    preamble = ParsedChapter(title="", text=whole[:head], page=1, kind="front")
    preamble.page_starts = page_starts_for(0, head, page_offsets[:-1])
    return preamble, chapters


def from_outline(
    outline: Sequence[OutlineEntry], raw: Sequence[str], clean: Sequence[str]
) -> tuple[list[ParsedChapter], str | None]:
    """Chapters from the outline, or ``([], reason)`` when it is missing or untrustworthy (``pdf_outline.py``)."""
    chosen = chosen_entries(outline, len(raw))
    if not chosen:
        return [], None
    found = titles_found(chosen, raw)
    if not trusted(found, len(chosen)):
        log.info("outline ignored: %d of %d titles found on their pages", found, len(chosen))
        return [], (
            f"The PDF's bookmarks do not match its page headings ({found} of {len(chosen)} found), "
            "so chapters were taken from the text instead."
        )
    return outline_chapters(chosen, clean), None


def from_headings(clean: Sequence[str], font_lines: Callable[[], FontLines] | None = None) -> list[ParsedChapter]:
    """Chapters at the document's numbered structure or a consistent series of heading lines, or [].

    Contents pages are blank in ``clean`` (the caller's doing), so their lines are never headings; index
    pages are skipped. ``font_lines``, when given, adds unnumbered chapters set in the numbered ones' type.
    """
    whole = "\n".join(clean)
    offsets = [0]
    for page in clean[:-1]:
        offsets.append(offsets[-1] + len(page) + 1)
    index_pages = [(offsets[p], offsets[p] + len(clean[p])) for p in range(len(clean)) if is_index_page(clean[p])]
    found = find_structure(whole, skip=index_pages)
    if found is not None:
        if font_lines is not None:
            found = add_unnumbered_chapters(found, whole, offsets, clean, font_lines())
        chapters = chapters_from_structure(whole, found, page_offsets=offsets, min_preamble_words=MIN_PREAMBLE_WORDS)
        for chapter in chapters:
            if chapter.kind == "body":
                chapter.kind = kind_of(chapter.title)
        return chapters
    candidates: list[tuple[tuple[int, int], Heading]] = []
    for page_no, text in enumerate(clean):
        if is_index_page(text):
            continue
        offset = 0
        for line in text.split("\n"):
            heading = match_heading(line)
            if heading is not None:
                candidates.append(((page_no, offset), heading))
            offset += len(line) + 1
    chosen = select_headings(candidates)
    if not chosen:
        return []
    starts = [(page, off, h.title, 1, "body") for (page, off), h in chosen]
    preamble, chapters = _split(clean, starts)
    _add_preamble(chapters, preamble)
    return chapters


def _add_preamble(chapters: list[ParsedChapter], preamble: ParsedChapter) -> None:
    """Text before the first chapter, as a front-matter chapter when it is long enough to matter."""
    if count_words(preamble.text) >= MIN_PREAMBLE_WORDS:
        preamble.title = front_matter_title(preamble.text)
        chapters.insert(0, preamble)


def from_font_sizes(lines: Sequence[Sequence[tuple[str, float]]], clean: Sequence[str]) -> list[ParsedChapter]:
    """Chapters at lines set clearly larger than the body text (a title font), or [] when there are none.

    The body size is the most common size by characters; a heading is a short line at least 1.25× that,
    not a sentence. The chapter level is the largest heading size found on more than one page (a size on one
    page only is a title page's), with the next sizes down until headings stand on at least three pages.
    """
    weights: dict[float, int] = {}
    for page in lines:
        for text, size in page:
            weights[round(size, 1)] = weights.get(round(size, 1), 0) + len(text)
    if not weights:
        return []
    body = max(weights, key=lambda size: weights[size])
    candidates: list[tuple[int, str, float]] = []
    for page_no, page in enumerate(lines):
        if page_no >= len(clean) or not clean[page_no]:
            continue  # contents pages were blanked by the caller
        for text, size in page:
            words = text.split()
            if (
                round(size, 1) >= 1.25 * body
                and 1 <= len(words) <= 12
                and any(ch.isalpha() for ch in text)
                and not text.endswith((".", ",", ";"))
            ):
                candidates.append((page_no, text, round(size, 1)))
    pages_of: dict[float, set[int]] = {}
    for page_no, _, size in candidates:
        pages_of.setdefault(size, set()).add(page_no)
    # A size found on one page only is a title page's; the chapter level recurs through the document.
    chosen: set[float] = set()
    for size in sorted(pages_of, reverse=True):
        if len(pages_of[size]) < 2:
            continue
        chosen.add(size)
        if len(set().union(*(pages_of[s] for s in chosen))) >= 3:
            break
    heads = [(page_no, text) for page_no, text, size in candidates if size in chosen]
    return chapters_at_lines(heads, clean)


def chapters_at_lines(heads: Sequence[tuple[int, str]], clean: Sequence[str]) -> list[ParsedChapter]:
    """Chapters at heading lines ``(page index, text)`` found by their type, or [] when they make no structure.

    They must stand on three pages or more, not crowd every page, and not leave half the text in one part
    (large or bold type in forms and figures is not a chapter structure).
    """
    if len({page for page, _ in heads}) < 3 or len(heads) > 3 * len(clean):
        return []
    starts = []
    for page_no, text in heads:
        pos = title_position(text, clean[page_no])
        if pos is not None:
            starts.append((page_no, pos, text, 1, "body"))
    if len(starts) < 2:
        return []
    preamble, chapters = _split(clean, starts)
    _add_preamble(chapters, preamble)
    chapters = [c for c in chapters if c.text.strip()]
    # Large type that leaves half the document in one part marks figures or forms, not chapters.
    sizes = [c.word_count for c in chapters]
    if len(chapters) < 3 or max(sizes) > 0.5 * sum(sizes):
        return []
    return chapters


def _split_off_index(chapters: list[ParsedChapter], clean: Sequence[str]) -> None:
    """Move trailing index pages out of the last chapter into a back-matter chapter."""
    if not chapters:
        return
    last = chapters[-1]
    if last.kind == "back":
        return  # the last chapter is the index (or other back matter) already
    first_index = None
    p = len(clean) - 1
    while p >= (last.page or 1) and is_index_page(clean[p]):
        first_index = p
        p -= 1
    if first_index is None:
        return
    index_text = "\n".join(clean[first_index:])
    head = clean[first_index][:40]
    cut = last.text.find(head) if head else -1
    if cut > 0:
        last.text = last.text[:cut]
        last.page_starts = [(off, page) for off, page in last.page_starts if off < cut]
        last.sections = [replace(s, end=min(s.end, cut)) for s in last.sections if s.start < cut]
        index = ParsedChapter(title="Index", text=index_text, page=first_index + 1, kind="back")
        index.page_starts = joined_page_starts(clean, first_index, len(clean))
        chapters.append(index)


def detect_structure(
    outline: Sequence[OutlineEntry],
    raw: Sequence[str],
    clean: Sequence[str],
    font_lines: Callable[[], Sequence[Sequence[tuple[str, float]]]] | None = None,
    bold_lines: Callable[[], list[list[WeightedLine]]] | None = None,
) -> Structure:
    """Choose outline, headings, font-size headings or page groups for one PDF (see the module docstring).

    ``font_lines`` is called only when the outline gives no chapters, ``bold_lines`` only when nothing but
    page groups is left (PDFium's files only).
    """
    warnings: list[str] = []
    chapters, reason = from_outline(outline, raw, clean)
    if chapters:
        return Structure(chapters, "outline", warnings)
    if reason:
        warnings.append(reason)
    without_contents = [("" if is_contents_page(p) else p) for p in clean]
    chapters = from_headings(without_contents, font_lines)
    source = "headings"
    if not chapters and font_lines is not None:
        chapters = from_font_sizes(font_lines(), without_contents)
        source = "font sizes"
    if not chapters and bold_lines is not None:
        chapters = chapters_at_lines(bold_headings(bold_lines()), without_contents)
        source = "bold headings"
    if not chapters:
        chapters = page_groups(without_contents)
        source = "pages"
        if len(chapters) > 1:
            size = (chapters[1].page or 1) - (chapters[0].page or 1)
            warnings.append(
                f"No chapter headings were found: the text is split into page groups of {size} pages, "
                "so chapter summaries follow the pages rather than the author's chapters."
            )
    _split_off_index(chapters, without_contents)
    return Structure(chapters, source, warnings)
