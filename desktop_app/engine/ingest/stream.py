"""What a parse sends while it runs: chapter batches as they become final, then the document's end.

A parse of a long PDF takes seconds, and its first chapters are final long before its last page is read
(see ``pdf_stream.py``). So a parser target may yield :data:`ParseItem` objects instead of returning one
:class:`~.base.ParsedDocument`: :class:`ChapterBatch` es in reading order, perhaps a :class:`Restart`
(the chapters sent so far are void: a decision only the whole file could make went the other way), and
one :class:`ParseEnd` with what only the end knows (title, structure, warnings). Formats that need their
whole text send everything at the end (:func:`items_of`). :func:`collect` turns a stream back into the
``ParsedDocument`` a whole-document parse returns, for callers that want that.

Pure data and functions; thread-safe.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from desktop_app.engine.ingest.base import ParsedChapter, ParsedDocument


@dataclass(frozen=True, slots=True)
class ChapterBatch:
    """Chapters that are final, in reading order, following those sent before."""

    chapters: tuple[ParsedChapter, ...]


@dataclass(frozen=True, slots=True)
class Restart:
    """The chapters sent so far are void; the batches that follow replace them from the first chapter."""


@dataclass(frozen=True, slots=True)
class ParseEnd:
    """The parse is over: what only the whole document tells (its title, how its chapters were found)."""

    title: str
    format: str
    structure: str = ""
    warnings: tuple[str, ...] = ()
    page_count: int | None = None

    @classmethod
    def of(cls, doc: ParsedDocument) -> ParseEnd:
        return cls(doc.title, doc.format, doc.structure, tuple(doc.warnings), doc.page_count)

    def document(self, chapters: list[ParsedChapter]) -> ParsedDocument:
        """The whole-document result with ``chapters``."""
        return ParsedDocument(
            self.title, self.format, chapters, self.structure, list(self.warnings), page_count=self.page_count
        )


ParseItem = ChapterBatch | Restart | ParseEnd


def items_of(doc: ParsedDocument) -> Iterator[ParseItem]:
    """A whole-document result as a stream: every chapter in one batch, then the end."""
    yield ChapterBatch(tuple(doc.chapters))
    yield ParseEnd.of(doc)


def collect(items: Iterable[ParseItem]) -> ParsedDocument:
    """The ``ParsedDocument`` a stream describes (what a whole-document parse returns)."""
    chapters: list[ParsedChapter] = []
    for item in items:
        if isinstance(item, ChapterBatch):
            chapters.extend(item.chapters)
        elif isinstance(item, Restart):
            chapters.clear()
        else:
            return item.document(chapters)
    raise ValueError("a parse stream ended without its end")
