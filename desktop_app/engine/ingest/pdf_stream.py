"""A PDF's chapters sent as they become final, while its later pages are still being read.

Reading a 2,000-page PDF takes seconds (PDFium's text extraction alone is most of them), but a PDF whose
outline gives its chapters has its first chapter final after a few pages: :func:`stream_pdf_file` reads
the pages one by one, cleans each once its running-lines window is read (``pdf_text.RunningLines``), cuts
the outline's chapters as their pages come (``pdf_outline.OutlineChapters``) and sends them in batches.

The decisions that need the whole file are guessed from the pages read so far, and checked at the end:

- **text layer**: chapters wait until the pages read hold enough words for the whole document's check
  (the count only grows, so that guess is never wrong);
- **outline trusted**: chapters wait until :data:`EARLY_TITLES` titles were looked for on their pages and
  at least half were found (the whole outline's count decides at the end);
- **garbled text**: chapters wait unless the text read so far is clean enough (at the end, the whole
  text's share decides whether pypdf's extraction replaces PDFium's).

When the end decides otherwise, a :class:`~.stream.Restart` voids what was sent and the whole-document
parse follows, from the pages already read. A PDF without a usable outline, or that PDFium cannot open
(pypdf's fallbacks, a password), sends every chapter at the end, from the same whole-document parse
(``pdf.py``), which uses the same rules: both give the same chapters. Runs in the ingest child process.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from pathlib import Path

from desktop_app.engine.ingest.base import ParsedChapter, count_words
from desktop_app.engine.ingest.limits import IngestLimits, check_page_count
from desktop_app.engine.ingest.pdf import (
    doc_title,
    garbled_warning,
    has_enough_words,
    parse_pdf_file,
    parse_picked,
    pick_text,
)
from desktop_app.engine.ingest.pdf_backend import OutlineEntry, RawPdf, pdfium_outline, pdfium_page_texts, pdfium_raw
from desktop_app.engine.ingest.pdf_outline import OutlineChapters, TitleCheck, chosen_entries, trusted
from desktop_app.engine.ingest.pdf_text import (
    GARBLED_THRESHOLD,
    RunningLines,
    garbled_ratio,
    join_hyphenation,
    normalize_page,
    reflow,
)
from desktop_app.engine.ingest.stream import ChapterBatch, ParseEnd, ParseItem, Restart, items_of
from desktop_app.engine.ingest.text import tidy_chapters

log = logging.getLogger(__name__)

#: Outline titles looked for on their pages before chapters are sent on the strength of those found.
EARLY_TITLES = 4


def stream_pdf_file(path: Path, password: str | None, limits: IngestLimits) -> Iterator[ParseItem]:
    """The ingest child's PDF target: chapter batches as they are final, then the end (see the module docstring)."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(path, password=password)
    except pdfium.PdfiumError:  # pypdf, a rebuilt cross-reference table or the password question
        yield from items_of(parse_pdf_file(path, password, limits))
        return
    sent = False
    try:
        total = len(pdf)
        check_page_count(total, limits, path)
        outline = pdfium_outline(pdf)
        chosen = chosen_entries(outline, total)
        chapters = _OutlineStream(chosen, total, path) if chosen else None
        pages: list[str] = []
        for text in pdfium_page_texts(pdf):
            pages.append(text)
            # One chapter an item: the child sends the first alone, at once, and gathers the next ones.
            for chapter in chapters.add(text, pages) if chapters is not None else ():
                sent = True
                yield ChapterBatch((chapter,))
        raw = pdfium_raw(pdf, pages, password, outline)
    finally:
        pdf.close()
    yield from _end(raw, chapters if sent else None, path, password, limits)


def _end(
    raw: RawPdf, chapters: _OutlineStream | None, path: Path, password: str | None, limits: IngestLimits
) -> Iterator[ParseItem]:
    """The rest of the chapters and the end; or, when the whole file decides against what was sent, a restart."""
    picked, garbled = pick_text(raw, path, password, limits)
    if chapters is None or picked is not raw or not chapters.trusted():
        if chapters is not None:
            log.info("%s: the whole file decided against the chapters sent early; sending them again", path)
            yield Restart()
        yield from items_of(parse_picked(picked, garbled, path, password, limits))
        return
    rest = chapters.finish()
    if rest:
        yield ChapterBatch(tuple(rest))
    title = doc_title(raw, path, password) or path.stem
    yield ParseEnd(title, "pdf", "outline", tuple(garbled_warning(garbled)), len(raw.pages))


class _OutlineStream:
    """One PDF's outline chapters as its pages come, held back until the guesses allow sending them."""

    def __init__(self, chosen: Sequence[OutlineEntry], total: int, path: Path) -> None:
        self.chosen, self.total, self.path = chosen, total, path
        self.titles = TitleCheck(chosen, total)
        self.lines = RunningLines(total)
        self.cutter = OutlineChapters(chosen, total)
        self.words = 0
        self.held: list[ParsedChapter] = []
        self.sending = False
        self.garbled: bool | None = None

    def add(self, text: str, pages: list[str]) -> list[ParsedChapter]:
        """Take the next page's raw text (``pages`` are all read so far); return the chapters to send now."""
        normalized = normalize_page(text)
        self.words += count_words(normalized)
        self.titles.add(normalized)
        for page in self.lines.add(normalize_page(normalized)):
            self.held.extend(self.cutter.add(reflow(join_hyphenation(page))))
        if not self.held or not self._may_send(pages):
            return []
        batch, self.held = tidy_chapters(self.held, self.path), []
        return batch

    def _may_send(self, pages: list[str]) -> bool:
        if self.sending:
            return True
        if not has_enough_words(self.words, self.total):
            return False
        if not self.titles.promising(min(EARLY_TITLES, len(self.chosen))):
            return False
        if self.garbled is None:  # looked at once: the whole text's share is checked at the end
            self.garbled = garbled_ratio("\n".join(pages)) > GARBLED_THRESHOLD
        self.sending = not self.garbled  # a garbled start waits for the end, where pypdf may replace the text
        return self.sending

    def trusted(self) -> bool:
        """Whether the whole outline is trusted (every title judged, as the whole-document parse judges them)."""
        return trusted(self.titles.found, len(self.chosen))

    def finish(self) -> list[ParsedChapter]:
        return tidy_chapters(self.held + self.cutter.finish(), self.path)
