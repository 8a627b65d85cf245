"""The chapter record and the document view: the one shape of a chapter from the writer to the screen.

A :class:`ChapterRecord` is what a summary worker produces, what the DB writer upserts, what the
``ChapterCommitted`` event carries, what the window's chapter rows hold and what the API and the exports
serialize. A new chapter field is one edit here (plus its column in ``store/models.py`` and a migration).

Records are frozen: a consumer that keeps one up to date replaces it (:meth:`ChapterRecord.with_result`).
They hold no database state, so any thread may keep them. No SQLAlchemy or Qt import: every layer may use
this module.
"""

from __future__ import annotations

import bisect
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime
from typing import Any

from .ingest.base import Section
from .states import ChapterStatus, DocumentStatus, ParseFailure, Priority
from .summarize.base import SummarySentence

#: The fields a summary result sets; the identity and structure fields (document, index, title, text,
#: word count, sections, pages) are written once, when the document is added.
RESULT_FIELDS = (
    "status",
    "attempts",
    "summary",
    "preview",
    "error",
    "sentences",
    "backend",
    "model",
    "fallback_reason",
    "latency_ms",
    "prompt_tokens",
    "completion_tokens",
    "cached",
    "clause_flags",
    "clause_error",
    "retry_at",
    "finished_at",
)


#: Chapter kinds the whole-document summary leaves out: back matter and a publisher's notices.
OUTSIDE_DOCUMENT_SUMMARY = frozenset({"back", "notice"})


@dataclass(frozen=True, slots=True)
class ChapterRecord:
    """One chapter: identity, state, summary with its grounded sentences, provenance and cost."""

    id: str
    document_id: str
    index: int
    title: str
    status: str = ChapterStatus.PENDING
    attempts: int = 0
    word_count: int = 0
    #: "body" (main text), "front" or "back" matter, or a publisher's "notice" (see ``ParsedChapter.kind``).
    kind: str = "body"
    summary: str | None = None
    preview: str | None = None
    #: Why the chapter failed, or why it waits for another attempt.
    error: str | None = None
    #: The summary sentence by sentence, with spans into the chapter's text.
    sentences: tuple[SummarySentence, ...] = ()
    backend: str | None = None
    model: str | None = None
    #: Set when the built-in summarizer answered instead of the configured backend: why.
    fallback_reason: str | None = None
    latency_ms: float | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cached: bool = False
    clause_flags: tuple[dict[str, Any], ...] = ()
    #: Set when the summary is done but the clause step failed: why.
    clause_error: str | None = None
    sections: tuple[Section, ...] = ()
    #: ``(offset, page)`` pairs: ``text[offset:]`` starts on ``page`` (1-based). Empty without pages.
    page_starts: tuple[tuple[int, int], ...] = ()
    retry_at: datetime | None = None
    finished_at: datetime | None = None
    #: The chapter's original text, only where it was asked for.
    text: str | None = None

    # --- derived

    @property
    def chapter_id(self) -> str:
        return self.id

    @property
    def in_document_summary(self) -> bool:
        """Whether the whole-document summary draws on this chapter (main text and front matter do)."""
        return self.kind not in OUTSIDE_DOCUMENT_SUMMARY

    @property
    def fallback(self) -> bool:
        return self.fallback_reason is not None

    @property
    def summarized_by(self) -> dict[str, Any] | None:
        """Who wrote the summary: ``{"backend", "model", "fallback", "reason"}`` (None before it is done)."""
        if self.status != ChapterStatus.DONE or self.backend is None:
            return None
        return {
            "backend": self.backend,
            "model": self.model,
            "fallback": self.fallback,
            "reason": self.fallback_reason,
        }

    def page_at(self, offset: int | None) -> int | None:
        """The page (1-based) that holds character ``offset`` of the text, or None without pages."""
        if offset is None or not self.page_starts:
            return None
        i = bisect.bisect_right([start for start, _ in self.page_starts], offset) - 1
        return self.page_starts[max(i, 0)][1]

    @property
    def first_page(self) -> int | None:
        return self.page_starts[0][1] if self.page_starts else None

    def sentence_dicts(self) -> list[dict[str, Any]]:
        """The summary sentences as JSON objects: ``{"text", "start", "end", "page", "support"}``."""
        return [sentence_dict(s, self.page_at(s.start)) for s in self.sentences]

    def with_result(self, result: ChapterRecord) -> ChapterRecord:
        """This record with the result fields of ``result`` (a committed summary) applied."""
        return replace(self, **{name: getattr(result, name) for name in RESULT_FIELDS})

    def to_dict(self, *, with_text: bool = False) -> dict[str, Any]:
        """The chapter as JSON (the API's and the exports' shape)."""
        data: dict[str, Any] = {
            name: getattr(self, name)
            for name in (
                "id",
                "document_id",
                "index",
                "title",
                "status",
                "word_count",
                "kind",
                "summary",
                "preview",
                "error",
                "attempts",
                "backend",
                "model",
                "latency_ms",
                "prompt_tokens",
                "completion_tokens",
                "cached",
                "clause_error",
            )
        }
        data["status"] = str(self.status)
        data["page"] = self.first_page
        data["summary_sentences"] = self.sentence_dicts()
        data["summarized_by"] = self.summarized_by
        data["clause_flags"] = [self.flag_dict(flag) for flag in self.clause_flags]
        data["sections"] = [asdict(s) for s in self.sections]
        data["finished_at"] = self.finished_at.isoformat() if self.finished_at else None
        if with_text:
            data["text"] = self.text
        return data

    def flag_dict(self, flag: dict[str, Any]) -> dict[str, Any]:
        """A clause flag with its span's page."""
        out = dict(flag)
        start = flag.get("start")
        if start is not None and "end" not in out:
            out["end"] = int(start) + len(str(flag.get("text", "")))
        out["page"] = self.page_at(start if isinstance(start, int) else None)
        return out


def sentence_dict(sentence: SummarySentence, page: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "text": sentence.text,
        "start": sentence.start,
        "end": sentence.end,
        "page": page,
        "support": sentence.support,
    }
    if sentence.chapter is not None:
        out["chapter"] = sentence.chapter
    return out


def sentences_to_json(sentences: tuple[SummarySentence, ...] | list[SummarySentence]) -> list[dict[str, Any]]:
    """Sentences as stored in the database (no page: it is derived from the chapter's page starts)."""
    # Field by field, not dataclasses.asdict (which deep-copies): the writer calls this for every result.
    out = []
    for s in sentences:
        data: dict[str, Any] = {"text": s.text, "start": s.start, "end": s.end, "support": s.support}
        if s.chapter is not None:
            data["chapter"] = s.chapter
        out.append(data)
    return out


def sentences_from_json(data: list[dict[str, Any]] | None) -> tuple[SummarySentence, ...]:
    return tuple(
        SummarySentence(
            text=str(d.get("text", "")),
            start=d.get("start"),
            end=d.get("end"),
            support=d.get("support"),
            chapter=d.get("chapter"),
        )
        for d in data or []
        if isinstance(d, dict)
    )


def sections_from_json(data: list[dict[str, Any]] | None) -> tuple[Section, ...]:
    return tuple(
        Section(str(d["title"]), int(d["start"]), int(d["end"]), int(d.get("level", 2)))
        for d in data or []
        if isinstance(d, dict) and "title" in d
    )


def record_fields() -> tuple[str, ...]:
    return tuple(f.name for f in fields(ChapterRecord))


@dataclass(frozen=True, slots=True)
class DocumentView:
    """A document with its chapter counts and, where asked for, its chapters."""

    id: str
    file_name: str
    title: str
    format: str
    status: str
    priority: str
    chapter_count: int
    done: int
    failed: int
    cancelled: int
    summary: str | None
    focus: str | None
    error: str | None
    structure: str
    warnings: list[str]
    created_at: datetime
    finished_at: datetime | None
    chapters: list[ChapterRecord] = field(default_factory=list)
    #: The whole-document summary sentence by sentence, each with its chapter index and span.
    summary_sentences: tuple[SummarySentence, ...] = ()
    backend: str | None = None
    model: str | None = None
    page_count: int | None = None
    #: Chapters done by the fallback summarizer (redone when the configured backend is back).
    fallbacks: int = 0
    #: Why the file could not be read, when the parse failed after the upload answered (status failed).
    error_kind: ParseFailure | None = None
    #: With ``error_kind`` NO_TEXT: OCR (Tesseract) is installed, so the file may be added again with OCR.
    ocr_available: bool = False

    @property
    def progress(self) -> float:
        """Percent of chapters that reached a final state."""
        final = self.done + self.failed + self.cancelled
        if not self.chapter_count:  # none yet while the file is parsed; none ever, once it could not be
            return 0.0 if self.status == DocumentStatus.PARSING else 100.0
        return 100.0 * final / self.chapter_count

    @property
    def high_risk_clauses(self) -> list[dict[str, Any]]:
        flags: list[dict[str, Any]] = []
        for chapter in self.chapters:
            for flag in chapter.clause_flags:
                flags.append(
                    {**chapter.flag_dict(flag), "chapter_index": chapter.index, "chapter_title": chapter.title}
                )
        return flags

    def summary_sentence_dicts(self) -> list[dict[str, Any]]:
        by_index = {c.index: c for c in self.chapters}
        out = []
        for s in self.summary_sentences:
            chapter = by_index.get(s.chapter) if s.chapter is not None else None
            out.append(sentence_dict(s, chapter.page_at(s.start) if chapter else None))
        return out

    def to_dict(self, *, chapters: bool = True, with_text: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            name: getattr(self, name)
            for name in (
                "id",
                "file_name",
                "title",
                "format",
                "status",
                "priority",
                "chapter_count",
                "done",
                "failed",
                "cancelled",
                "summary",
                "focus",
                "error",
                "structure",
                "warnings",
                "backend",
                "model",
                "page_count",
                "fallbacks",
                "ocr_available",
            )
        }
        data["status"] = str(self.status)
        data["error_kind"] = str(self.error_kind) if self.error_kind else None
        data["warnings"] = list(self.warnings)
        data["progress"] = round(self.progress, 1)
        data["created_at"] = self.created_at.isoformat()
        data["finished_at"] = self.finished_at.isoformat() if self.finished_at else None
        data["summary_sentences"] = self.summary_sentence_dicts()
        data["high_risk_clauses"] = self.high_risk_clauses
        if chapters:
            data["chapters"] = [c.to_dict(with_text=with_text) for c in self.chapters]
        return data


def priority_label(value: int) -> str:
    try:
        return Priority(value).label
    except ValueError:
        return str(value)
