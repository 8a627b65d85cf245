"""Chapters from a PDF's outline (bookmarks), page by page as the pages are read.

The chapter level is the top level unless that gives fewer than two chapters (a single "Book" root) or,
on a long document, fewer than three, in which case the next level down is used; deeper entries fold into
their parent (:func:`choose_outline_level`). The chosen titles are checked against the text of their pages
(:func:`titles_found`): when fewer than half are found the outline is not trusted. Each chapter starts at
the line where its title stands on its page (or the next page's first line), else at the top of the page;
text before the first chapter is a front-matter chapter when it is long enough (contents pages left out).

:class:`OutlineChapters` cuts the chapters as the cleaned pages come: a chapter is final once the page
after the next chapter's first page is read, so a parse can send it while later pages are still being
read (``pdf_stream.py``); the whole-document parse feeds it every page, so both give the same chapters.
:class:`TitleCheck` counts the titles found so far, for a parse that must guess the outline's fate early.
Pure functions and single-parse objects (not thread-safe).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence

from desktop_app.engine.ingest.base import ParsedChapter, count_words
from desktop_app.engine.ingest.matter import kind_of
from desktop_app.engine.ingest.numbered_chapters import add_numbered_sections, front_matter_title, page_starts_for
from desktop_app.engine.ingest.pdf_backend import OutlineEntry
from desktop_app.engine.ingest.pdf_pages import nonblank_page_starts
from desktop_app.engine.ingest.pdf_text import is_contents_page

#: Share of outline titles that must be found on their pages for the outline to be trusted.
MIN_TITLE_MATCH = 0.5
#: A document of at least this many pages needs at least three outline chapters at a level.
LONG_DOCUMENT_PAGES = 40
MAX_CHAPTERS = 2000
MIN_PREAMBLE_WORDS = 50

_PREFACE_TITLES = re.compile(
    r"^\s*(vorwort|preface|foreword|introduction|einleitung|avant-propos|pr[ée]face|prefacio|pr[óo]logo|"
    r"prologue|prolog|abstract|zusammenfassung)\s*$",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"\w+", re.UNICODE)


def _tokens(text: str) -> list[str]:
    return [t.casefold() for t in _TOKEN.findall(text)]


def title_position(title: str, page_text: str) -> int | None:
    """Offset of the line of ``page_text`` that states ``title``, or None when it is not there."""
    wanted = _tokens(title)
    if not wanted:
        return None
    offset = 0
    lines = page_text.split("\n")
    for i, line in enumerate(lines):
        got = _tokens(line)
        if got and len(got) <= len(wanted) + 4:
            # The title may be split over this line and the next.
            joined = got + (_tokens(lines[i + 1]) if i + 1 < len(lines) else [])
            if joined[: len(wanted)] == wanted or got == wanted or _contains(got, wanted):
                return offset
        offset += len(line) + 1
    return None


def _contains(haystack: list[str], needle: list[str]) -> bool:
    n = len(needle)
    return any(haystack[i : i + n] == needle for i in range(len(haystack) - n + 1))


def title_found(title: str, pages: Sequence[str], page: int) -> bool:
    """Whether ``title`` stands on ``pages[page]`` or the page after it."""
    return any(title_position(title, pages[p]) is not None for p in (page, page + 1) if 0 <= p < len(pages))


def titles_found(chosen: Sequence[OutlineEntry], pages: Sequence[str]) -> int:
    """How many of the ``chosen`` entries' titles stand on their pages (raw page texts)."""
    return sum(title_found(e.title, pages, e.page) for e in chosen)


def trusted(found: int, chosen: int) -> bool:
    return found >= MIN_TITLE_MATCH * chosen


def chosen_entries(outline: Sequence[OutlineEntry], page_count: int) -> list[OutlineEntry]:
    """The entries that would make the chapters (fewer than two: the outline gives none), titles unchecked."""
    entries = [e for e in outline if e.title.strip()]
    if len(entries) < 2:
        return []
    chosen = choose_outline_level(entries, page_count)
    return chosen if len(chosen) >= 2 else []


def choose_outline_level(outline: Sequence[OutlineEntry], page_count: int) -> list[OutlineEntry]:
    """The entries that make the chapters: the shallowest level giving a sensible count."""
    levels = sorted({e.level for e in outline})
    for n, level in enumerate(levels):
        # Leaves above this level (a top-level "Index" beside "Part" roots) stay chapters too.
        chosen = [e for i, e in enumerate(outline) if e.level == level or (e.level < level and _is_leaf(outline, i))]
        enough = len(chosen) >= (3 if page_count >= LONG_DOCUMENT_PAGES else 2)
        if enough or n == len(levels) - 1:
            return chosen[:MAX_CHAPTERS]
    return []


def _is_leaf(outline: Sequence[OutlineEntry], i: int) -> bool:
    return i + 1 >= len(outline) or outline[i + 1].level <= outline[i].level


class TitleCheck:
    """The chosen titles found on their pages so far, as the raw pages come (a guess at :func:`trusted`)."""

    def __init__(self, chosen: Sequence[OutlineEntry], total: int) -> None:
        self.total = total
        self._waiting: dict[int, list[OutlineEntry]] = {}
        for e in chosen:
            self._waiting.setdefault(min(e.page + 1, total - 1), []).append(e)
        self.pages: list[str] = []
        self.found = self.judged = 0

    def add(self, page: str) -> None:
        """Take the next raw page; judge the entries whose pages are now all read."""
        self.pages.append(page)
        for e in self._waiting.pop(len(self.pages) - 1, ()):
            self.judged += 1
            self.found += title_found(e.title, self.pages, e.page)

    def promising(self, at_least: int) -> bool:
        """Whether at least ``at_least`` titles were judged and enough of them found for trust so far."""
        return self.judged >= at_least and trusted(self.found, self.judged)


class OutlineChapters:
    """The chapters of trusted outline entries, cut as the cleaned pages of a ``total``-page PDF come.

    :meth:`add` takes the next cleaned page and returns the chapters that became final (the front matter
    first, when there is one); :meth:`finish`, after the last page, returns the rest. Chapters are in the
    order of their starts in the text (bookmarks out of page order are sorted, ties kept in outline order).
    """

    def __init__(self, chosen: Sequence[OutlineEntry], total: int) -> None:
        self.total = total
        self.pages: list[str] = []
        self.offsets: list[int] = []  # where each page starts in "\n".join(pages)
        order = sorted(range(len(chosen)), key=lambda i: chosen[i].page)
        self._waiting = [(chosen[i].page, i, chosen[i]) for i in order]  # by page, not yet placed
        self._placed: list[tuple[int, int, int, int, OutlineEntry]] = []  # (offset, order, page, pos, entry)
        self._cuts: list[tuple[int, int, int, int, OutlineEntry]] = []  # placed and final, in text order
        self._sent = 0  # chapters cut so far (self._cuts[:_sent] started one)
        self._front_done = False

    def add(self, page: str) -> list[ParsedChapter]:
        self.offsets.append(self.offsets[-1] + len(self.pages[-1]) + 1 if self.pages else 0)
        self.pages.append(page)
        # An entry is placed once its page and the next are read; a later one starts at or after the last page.
        self._place(len(self.pages) - 2)
        return self._cut(self.offsets[-1])

    def finish(self) -> list[ParsedChapter]:
        self._place(len(self.pages))
        end = self.offsets[-1] + len(self.pages[-1]) if self.pages else 0
        chapters = self._cut(end + 1)
        if self._sent < len(self._cuts):
            chapters.append(self._chapter(self._sent, end))
            self._sent += 1
        return chapters

    def _place(self, last_page: int) -> None:
        while self._waiting and self._waiting[0][0] <= last_page:
            page, order, e = self._waiting.pop(0)
            pos = title_position(e.title, self.pages[page])
            if pos is None and page + 1 < len(self.pages) and title_position(e.title, self.pages[page + 1]) == 0:
                page, pos = page + 1, 0
            self._placed.append((self.offsets[page] + (pos or 0), order, page, pos or 0, e))

    def _cut(self, limit: int) -> list[ParsedChapter]:
        """Chapters whose end is final: every start before ``limit`` is known (later ones start at or after it)."""
        self._placed.sort(key=lambda c: (c[0], c[1]))
        while self._placed and self._placed[0][0] < limit:
            self._cuts.append(self._placed.pop(0))
        chapters: list[ParsedChapter] = []
        if self._cuts and not self._front_done:
            self._front_done = True
            _offset, _order, page, pos, _e = self._cuts[0]
            front = front_matter(self.pages, (page, pos))
            if front is not None:
                chapters.append(front)
        while self._sent + 1 < len(self._cuts):
            chapters.append(self._chapter(self._sent, self._cuts[self._sent + 1][0]))
            self._sent += 1
        return chapters

    def _chapter(self, n: int, end: int) -> ParsedChapter:
        start, _order, page, _pos, e = self._cuts[n]
        last = max(page, bisect.bisect_right(self.offsets, end) - 1)
        text = "\n".join(self.pages[page : last + 1])[start - self.offsets[page] : end - self.offsets[page]]
        chapter = ParsedChapter(title=e.title.strip(), text=text, level=1, page=page + 1, kind=kind_of(e.title))
        chapter.page_starts = page_starts_for(start, end, self.offsets)
        add_numbered_sections(chapter)
        return chapter


def outline_chapters(chosen: Sequence[OutlineEntry], clean: Sequence[str]) -> list[ParsedChapter]:
    """Every chapter of trusted outline entries over a whole document's cleaned pages."""
    cutter = OutlineChapters(chosen, len(clean))
    chapters = [c for page in clean for c in cutter.add(page)]
    return chapters + cutter.finish()


def front_matter(clean: Sequence[str], first: tuple[int, int]) -> ParsedChapter | None:
    """Text before the first bookmark (a preface, say) as a chapter of its own, so nothing is lost.

    Contents pages are left out; a title page alone is too short to count.
    """
    first_page, offset = first
    pages = [(p, clean[p]) for p in range(first_page) if not is_contents_page(clean[p])]
    pages.append((first_page, clean[first_page][:offset] if first_page < len(clean) else ""))
    text = "\n".join(p for _, p in pages if p.strip())
    if count_words(text) < MIN_PREAMBLE_WORDS:
        return None
    title = next((line.strip() for line in text.split("\n") if _PREFACE_TITLES.match(line)), "")
    chapter = ParsedChapter(title=title or front_matter_title(text), text=text, page=1, kind="front")
    chapter.page_starts = nonblank_page_starts(pages)
    chapter.page = chapter.page_starts[0][1] if chapter.page_starts else 1
    return chapter
