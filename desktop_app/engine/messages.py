"""What travels through the pipeline's queues.

::

    feeder ──ChapterWork / DocumentWork──▶ summary queue ──▶ workers
    workers ──ChapterRecord / DocumentResult──▶ write queue ──▶ DB writer

``STOP`` (a :class:`Stop`) is the poison pill on both queues. A chapter's result is the engine's one
chapter record (:class:`~desktop_app.engine.records.ChapterRecord`); these are the other messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .records import ChapterRecord
from .summarize.base import SummarySentence


@dataclass(slots=True)
class ChapterWork:
    """A claimed chapter on its way to a worker."""

    chapter_id: str
    document_id: str
    index: int
    title: str
    text: str
    attempts: int
    focus: str | None = None

    def again(self, attempts: int) -> ChapterWork:
        """The same chapter for another attempt (synchronous mode retries at once)."""
        return ChapterWork(self.chapter_id, self.document_id, self.index, self.title, self.text, attempts, self.focus)


@dataclass(frozen=True, slots=True)
class DoneChapter:
    """A done chapter of a finished document, for the whole-document summary."""

    index: int
    title: str
    summary: str
    text: str = ""
    sentences: tuple[SummarySentence, ...] = ()
    #: "body", "front", "back" or "notice" (see ``ParsedChapter.kind``).
    kind: str = "body"


@dataclass(slots=True)
class DocumentWork:
    """A finished document whose chapter summaries are to be reduced into one summary."""

    document_id: str
    title: str
    focus: str | None
    chapters: list[DoneChapter]  # every done chapter with a summary, in order
    failed: int = 0
    total: int = 0


@dataclass(slots=True)
class DocumentResult:
    """The whole-document summary (or why it could not be made)."""

    document_id: str
    status: str
    summary: str | None = None
    error: str | None = None
    sentences: list[SummarySentence] = field(default_factory=list)


class Stop:
    """Poison pill."""


STOP = Stop()

WorkItem = ChapterWork | DocumentWork | Stop
WriteItem = ChapterRecord | DocumentResult | Stop
