"""Plain-text files: decode, then split at chapter headings or, failing that, into parts.

Also holds the small helpers every parser uses to finish a document (clean whitespace, drop empty
chapters). Pure functions of the file; safe on any thread; bounded by the caller's size limit.
"""

from __future__ import annotations

import bisect
import itertools
import logging
import re
from pathlib import Path

from desktop_app.engine.ingest.base import NoTextError, ParsedChapter, ParsedDocument, Section, count_words
from desktop_app.engine.ingest.encoding import decode_text
from desktop_app.engine.ingest.gutenberg import HEADER_TITLE, LICENCE_TITLE, GutenbergText, split_gutenberg
from desktop_app.engine.ingest.headings import match_heading, select_headings
from desktop_app.engine.ingest.matter import kind_of
from desktop_app.engine.ingest.numbered_chapters import chapters_from_structure, front_matter_title
from desktop_app.engine.ingest.numbering import find_structure
from desktop_app.engine.ingest.upper_headings import find_upper_headings

log = logging.getLogger(__name__)

#: A text without headings longer than this many words is cut into parts of about this size.
PART_WORDS = 5000
#: Text before the first heading becomes its own chapter only when it has at least this many words.
MIN_PREAMBLE_WORDS = 30

#: A paragraph that is only a page number: "4", "- 4 -", "Page -2-", "Page 3 of 12", "3/12".
_PAGE_NUMBER = re.compile(
    r"(?:page|p\.|seite)?\s*[-–—]?\s*(\d{1,4})\s*[-–—]?\s*(?:(?:of|von|/)\s*\d{1,4})?", re.IGNORECASE
)
#: The longest paragraph looked at as a page number (its spaces included): "Page 123 of 456" and room.
_PAGE_NUMBER_CHARS = 40
#: Page numbers are taken for what they are only in a series of at least this many.
MIN_PAGE_NUMBERS = 3
#: Closing punctuation: a paragraph that ends so has ended its sentence.
_ENDS_SENTENCE = re.compile(r"[.!?:;)\]\"'”’»]\s*$")

_BLANK_RUNS = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")
# From the start of a run only: tried at each of its spaces, a long run with no line end after it took
# time that grew with the square of its length.
_TRAILING_WS = re.compile(r"(?<![ \t])[ \t]+\n|\n[ \t]+")


def tidy(text: str) -> str:
    """Trim trailing spaces and collapse runs of blank lines; keep paragraph breaks."""
    text = _TRAILING_WS.sub("\n", text.replace("\u00a0", " "))
    return _BLANK_RUNS.sub("\n\n", text).strip()


def drop_page_numbers(text: str) -> str:
    """Remove the page numbers that a text saved from a paginated document keeps as paragraphs of their own.

    Text exported from a PDF or a word processor keeps each page's number as a paragraph ("4", "Page -2-"),
    often inside a sentence that ran over the page break: read as it is, the sentence is cut in two, and a
    summary or a clause quote ends at "… written notice to Shipper". A series is removed only when it proves
    itself: at least :data:`MIN_PAGE_NUMBERS` such paragraphs, their numbers rising by small steps, one of
    them at least standing inside a sentence (the text before it has no closing punctuation and the text
    after it goes on in lower case). A column of figures, or section numbers on lines of their own, stay.
    Where a number stood inside a sentence, the sentence's two halves are joined again. ``text`` is tidied
    (see :func:`tidy`): paragraphs are separated by one blank line.
    """
    paragraphs = text.split("\n\n")
    found = [
        (i, int(m.group(1)))
        for i, p in enumerate(paragraphs)
        if len(p) <= _PAGE_NUMBER_CHARS and (m := _PAGE_NUMBER.fullmatch(p.strip()))
    ]
    if len(found) < MIN_PAGE_NUMBERS:
        return text
    rising = sum(1 for (_, a), (_, b) in itertools.pairwise(found) if 0 < b - a <= 3)
    if rising < 0.8 * (len(found) - 1):
        return text
    inside = {i for i, _ in found if 0 < i < len(paragraphs) - 1 and _runs_on(paragraphs[i - 1], paragraphs[i + 1])}
    if not inside:
        return text
    dropped = {i for i, _ in found}
    out: list[str] = []
    for i, paragraph in enumerate(paragraphs):
        if i in dropped:
            continue
        if i - 1 in inside and out:
            out[-1] += " " + paragraph.lstrip()
        else:
            out.append(paragraph)
    return "\n\n".join(out)


def _runs_on(before: str, after: str) -> bool:
    """Whether ``after`` goes on with the sentence that ``before`` left open."""
    before, after = before.rstrip(), after.lstrip()
    return bool(before) and not _ENDS_SENTENCE.search(before) and after[:1].islower()


def _sub_mapped(pattern: re.Pattern[str], repl: str, text: str, offsets: list[int]) -> tuple[str, list[int]]:
    """``pattern.sub(repl, text)``, and where each offset into ``text`` lands in the result.

    An offset inside a replaced run lands at most ``len(repl)`` past the replacement's start.
    """
    out: list[str] = []
    spans: list[tuple[int, int, int]] = []  # (old start, old end, new start)
    pos = shift = 0
    for m in pattern.finditer(text):
        out.append(text[pos : m.start()])
        out.append(repl)
        spans.append((m.start(), m.end(), m.start() + shift))
        shift += len(repl) - (m.end() - m.start())
        pos = m.end()
    out.append(text[pos:])
    starts = [s for s, _, _ in spans]
    mapped: list[int] = []
    for off in offsets:
        i = bisect.bisect_right(starts, off) - 1
        if i < 0:
            mapped.append(off)
            continue
        old_start, old_end, new_start = spans[i]
        if off < old_end:
            mapped.append(new_start + min(off - old_start, len(repl)))
        else:
            mapped.append(off - old_end + new_start + len(repl))
    return "".join(out), mapped


def tidy_mapped(text: str, offsets: list[int]) -> tuple[str, list[int]]:
    """:func:`tidy`, carrying offsets into ``text`` (section and page starts) over to the tidied text."""
    text = text.replace("\u00a0", " ")
    text, offsets = _sub_mapped(_TRAILING_WS, "\n", text, offsets)
    text, offsets = _sub_mapped(_BLANK_RUNS, "\n\n", text, offsets)
    lead = len(text) - len(text.lstrip())
    text = text.strip()
    return text, [min(max(0, off - lead), len(text)) for off in offsets]


def _tidy_chapter(chapter: ParsedChapter) -> None:
    """Tidy a chapter's text and move its sections' and pages' offsets along."""
    if not chapter.sections and not chapter.page_starts:
        chapter.text = tidy(chapter.text)
        return
    offsets = [off for s in chapter.sections for off in (s.start, s.end)] + [off for off, _ in chapter.page_starts]
    chapter.text, moved = tidy_mapped(chapter.text, offsets)
    n = len(chapter.sections)
    chapter.sections = [
        Section(s.title, moved[2 * i], moved[2 * i + 1], s.level)
        for i, s in enumerate(chapter.sections)
        if moved[2 * i] < moved[2 * i + 1]
    ]
    pages: list[tuple[int, int]] = []
    for off, (_, page) in zip(moved[2 * n :], chapter.page_starts, strict=True):
        if pages and off >= len(chapter.text):
            break  # pages that left only blank lines at the end
        if pages and pages[-1][0] == off:
            pages[-1] = (off, page)  # the earlier page left no text here
        elif not pages or (off > pages[-1][0] and page > pages[-1][1]):
            pages.append((off, page))
    if pages and pages[0][0] > 0:
        pages[0] = (0, pages[0][1])
    chapter.page_starts = pages


def tidy_chapters(chapters: list[ParsedChapter], path: Path) -> list[ParsedChapter]:
    """Tidy chapter texts and titles; return those with text left (the rest are dropped).

    Chapter by chapter, so a parse that sends its chapters as they are final tidies them the same way.
    A chapter's kind (front, back or main matter, a notice) is read from its title where the parser left it
    "body".
    """
    kept: list[ParsedChapter] = []
    for chapter in chapters:
        _tidy_chapter(chapter)
        chapter.title = " ".join(chapter.title.split())[:300] or "Untitled"
        if chapter.kind == "body":  # where the parser did not find the kind itself: from the title
            chapter.kind = kind_of(chapter.title)
        if count_words(chapter.text) > 0:
            kept.append(chapter)
        else:
            log.debug("dropping chapter %r of %s: no text", chapter.title, path)
    return kept


def finish(
    title: str, fmt: str, chapters: list[ParsedChapter], *, structure: str, path: Path, empty_message: str
) -> ParsedDocument:
    """Tidy chapter texts, drop chapters left without text, raise NoTextError if none remain."""
    kept = tidy_chapters(chapters, path)
    if not kept:
        raise NoTextError(empty_message, path=path)
    return ParsedDocument(title=title or path.stem, format=fmt, chapters=kept, structure=structure)


def parts_warning(doc: ParsedDocument) -> None:
    """Say so when a document without headings was cut into parts of about :data:`PART_WORDS` words."""
    if doc.structure == "sections" and sum(1 for c in doc.chapters if c.kind == "body") > 1:
        doc.warnings.append(
            f"No chapter headings were found: the text is split into parts of about {PART_WORDS:,} words, "
            "so chapter summaries follow those parts rather than the author's chapters."
        )


def split_into_parts(text: str, title: str, part_words: int = PART_WORDS) -> list[ParsedChapter]:
    """Cut a long text without headings into parts of about ``part_words`` at paragraph breaks."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    if count_words(text) <= part_words * 1.5:
        return [ParsedChapter(title=title, text=text)]
    parts: list[ParsedChapter] = []
    current: list[str] = []
    words = 0
    for para in paragraphs:
        current.append(para)
        words += count_words(para)
        if words >= part_words:
            parts.append(ParsedChapter(title=f"Part {len(parts) + 1}", text="\n\n".join(current)))
            current, words = [], 0
    if current:
        if parts and words < part_words // 3:
            parts[-1].text += "\n\n" + "\n\n".join(current)
        else:
            parts.append(ParsedChapter(title=f"Part {len(parts) + 1}", text="\n\n".join(current)))
    return parts


def split_at_headings(text: str, fallback_title: str) -> tuple[list[ParsedChapter], str]:
    """Split ``text`` at its numbered structure or a consistent series of heading lines.

    Returns (chapters, structure). ``text`` should be tidied first: sections' offsets are into it.
    """
    found = find_structure(text)
    if found is not None:
        return chapters_from_structure(text, found), "headings"
    lines = text.split("\n")
    candidates = []
    for i, line in enumerate(lines):
        heading = match_heading(line)
        # A heading stands alone: blank (or start of text) before it.
        if heading is not None and (i == 0 or not lines[i - 1].strip()):
            candidates.append((i, heading))
    chosen = select_headings(candidates)
    if not chosen:
        upper = find_upper_headings(text)
        if upper is not None:
            return chapters_from_structure(text, upper), "headings"
        return split_into_parts(text, fallback_title), "sections"
    chapters: list[ParsedChapter] = []
    preamble = "\n".join(lines[: chosen[0][0]])
    if count_words(preamble) >= MIN_PREAMBLE_WORDS:
        chapters.append(ParsedChapter(title=front_matter_title(preamble), text=preamble, kind="front"))
    for n, (start, heading) in enumerate(chosen):
        end = chosen[n + 1][0] if n + 1 < len(chosen) else len(lines)
        chapters.append(ParsedChapter(title=heading.title, text="\n".join(lines[start + 1 : end])))
    return chapters, "headings"


def _with_header_and_licence(chapters: list[ParsedChapter], book: GutenbergText) -> list[ParsedChapter]:
    """A Project Gutenberg book's chapters, its header and its licence each a chapter of their own around them.

    Both are the publisher's notices (kind "notice"): summarized as chapters, left out of the book's own
    summary. An END line without a licence after it (too short to stand as a chapter) ends the last chapter.
    """
    chapters = list(chapters)
    header = book.header.strip()
    if header:
        chapters.insert(0, ParsedChapter(title=HEADER_TITLE, text=header, kind="notice"))
    trailer = book.trailer.strip()
    if trailer:
        if count_words(trailer) >= MIN_PREAMBLE_WORDS or not chapters:
            chapters.append(ParsedChapter(title=LICENCE_TITLE, text=trailer, kind="notice"))
        else:
            chapters[-1].text = f"{chapters[-1].text.rstrip()}\n\n{trailer}"
    return chapters


def parse_text(path: Path, data: bytes) -> ParsedDocument:
    """Parse a plain-text file's bytes. Thread-safe; raises NoTextError for an empty file."""
    text, encoding = decode_text(data)
    log.debug("%s: %s text", path, encoding)
    # A form feed ends a page (pdftotext's output): a paragraph break, so that its page number stands alone.
    text = drop_page_numbers(tidy(text.replace("\f", "\n\n")))
    title = path.stem
    gutenberg = split_gutenberg(text)
    if gutenberg is None:
        chapters, structure = split_at_headings(text, title)
    else:
        title = gutenberg.title or title
        chapters, structure = split_at_headings(gutenberg.body, title)
        chapters = _with_header_and_licence(chapters, gutenberg)
    doc = finish(
        title,
        "txt",
        chapters,
        structure=structure,
        path=path,
        empty_message="This text file is empty: there is nothing to summarize.",
    )
    parts_warning(doc)
    return doc
