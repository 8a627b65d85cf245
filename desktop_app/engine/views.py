"""Plain, read-only views of documents and chapters, and their exports (Markdown, JSON).

Views are built from database rows inside a session and carry no database state, so any thread (the
GUI thread, an API handler) may hold them.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from .store.models import Chapter, Document

PRIORITY_NAMES = {0: "low", 1: "normal", 2: "high"}
PRIORITY_VALUES = {name: value for value, name in PRIORITY_NAMES.items()}


@dataclass(frozen=True, slots=True)
class ChapterView:
    id: str
    document_id: str
    index: int
    title: str
    status: str
    word_count: int
    summary: str | None
    preview: str | None
    error: str | None
    attempts: int
    backend: str | None
    model: str | None
    latency_ms: float | None
    cached: bool
    clause_flags: list[dict[str, Any]]
    text: str | None = None  # only when asked for

    @classmethod
    def of(cls, row: Chapter, *, with_text: bool = False) -> ChapterView:
        return cls(
            id=row.id,
            document_id=row.document_id,
            index=row.index,
            title=row.title,
            status=row.status,
            word_count=row.word_count,
            summary=row.summary,
            preview=row.preview,
            error=row.error,
            attempts=row.attempts,
            backend=row.backend,
            model=row.model,
            latency_ms=row.latency_ms,
            cached=row.cached,
            clause_flags=list(row.clause_flags or []),
            text=row.text if with_text else None,
        )


@dataclass(frozen=True, slots=True)
class DocumentView:
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
    chapters: list[ChapterView] = field(default_factory=list)

    @property
    def progress(self) -> float:
        """Percent of chapters that reached a final state."""
        final = self.done + self.failed + self.cancelled
        return 100.0 * final / self.chapter_count if self.chapter_count else 100.0

    @property
    def high_risk_clauses(self) -> list[dict[str, Any]]:
        flags: list[dict[str, Any]] = []
        for chapter in self.chapters:
            for flag in chapter.clause_flags:
                flags.append({**flag, "chapter_index": chapter.index, "chapter_title": chapter.title})
        return flags

    @classmethod
    def of(
        cls,
        row: Document,
        counts: dict[str, int],
        chapters: list[Chapter] | None = None,
        *,
        with_text: bool = False,
    ) -> DocumentView:
        return cls(
            id=row.id,
            file_name=row.file_name,
            title=row.title,
            format=row.format,
            status=row.status,
            priority=PRIORITY_NAMES.get(row.priority, str(row.priority)),
            chapter_count=row.chapter_count,
            done=counts.get("done", 0),
            failed=counts.get("failed", 0),
            cancelled=counts.get("cancelled", 0),
            summary=row.summary,
            focus=row.focus,
            error=row.error,
            structure=row.structure,
            warnings=list(row.warnings or []),
            created_at=row.created_at,
            finished_at=row.finished_at,
            chapters=[ChapterView.of(c, with_text=with_text) for c in chapters or []],
        )

    def to_dict(self, *, chapters: bool = True) -> dict[str, Any]:
        data = asdict(self)
        data.pop("chapters")
        data["progress"] = round(self.progress, 1)
        data["created_at"] = self.created_at.isoformat()
        data["finished_at"] = self.finished_at.isoformat() if self.finished_at else None
        data["high_risk_clauses"] = self.high_risk_clauses
        if chapters:
            data["chapters"] = [
                {k: v for k, v in asdict(c).items() if v is not None or k != "text"} for c in self.chapters
            ]
        return data


def export_json(doc: DocumentView) -> str:
    """The document and its chapters as JSON: ``{"document": {...}, "chapters": [...]}``."""
    body = doc.to_dict(chapters=False)
    chapters = [
        {
            "index": c.index,
            "title": c.title,
            "status": c.status,
            "summary": c.summary,
            "preview": c.preview,
            "error": c.error,
            "word_count": c.word_count,
            "latency_ms": c.latency_ms,
            "clause_flags": c.clause_flags,
        }
        for c in doc.chapters
    ]
    return json.dumps({"document": body, "chapters": chapters}, indent=2, ensure_ascii=False)


def export_markdown(doc: DocumentView) -> str:
    """The document as Markdown: its summary, then a section per chapter."""
    lines = [f"# {doc.title}", ""]
    meta = f"{doc.file_name} · {doc.format.upper()} · {doc.chapter_count} chapters · {doc.status}"
    lines += [f"*{meta}*", ""]
    if doc.focus:
        lines += [f"**Focus:** {doc.focus}", ""]
    if doc.summary:
        lines += ["## Summary", "", doc.summary, ""]
    flags = doc.high_risk_clauses
    if flags:
        lines += ["## High-risk clauses", ""]
        for flag in flags:
            quote = " ".join(str(flag.get("text", "")).split())
            lines.append(
                f"- **{flag['category']}** ({flag.get('severity', 'medium')}), {flag['chapter_title']}: “{quote}”"
            )
        lines.append("")
    for chapter in doc.chapters:
        lines += [f"## {chapter.index + 1}. {chapter.title}", ""]
        if chapter.status == "done":
            lines += [chapter.summary or "*(no text to summarize)*", ""]
        elif chapter.status == "failed":
            lines += [f"*Not summarized: {chapter.error or 'failed'}*", ""]
        else:
            lines += [f"*{chapter.status}*", ""]
    return "\n".join(lines).rstrip() + "\n"
