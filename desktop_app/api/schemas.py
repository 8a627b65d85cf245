"""Response shapes, for the OpenAPI schema and to keep the seeds' field names fixed.

The seed models list the seeds' fields first; every model allows extra fields, so the engine can add
gauges without breaking a client that validates.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from desktop_app.engine.records import ChapterRecord, DocumentView
from desktop_app.engine.states import TERMINAL_CHAPTER, ChapterStatus, DocumentStatus

SessionState = Literal["pending", "processing", "completed", "failed"]


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class ErrorBody(BaseModel):
    """Every error answer."""

    error: str = Field(description="a stable code: unauthorized, not_found, too_large, password_required, ...")
    message: str = Field(description="what went wrong, written for a person")
    status: int


class ChapterBrief(_Open):
    """A chapter as the first seed's upload answer shows it."""

    id: str
    title: str
    summary: str | None
    preview: str | None
    status: str
    index: int
    error: str | None = None


class UploadResponse(_Open):
    """``POST /api/upload`` (first seed)."""

    message: str
    document_id: str
    chapters: list[ChapterBrief]
    status: str
    summary_queue_size: int
    write_queue_size: int
    title: str
    progress: float
    summary: str | None = None
    error: str | None = Field(default=None, description="why the file could not be read (status failed)")
    error_kind: str | None = Field(
        default=None, description="no_text, password_required, wrong_password, too_large, damaged, timeout, ..."
    )
    ocr_available: bool = Field(default=False, description="with no_text: upload again with ocr=true")


class PipelineStatus(_Open):
    """``GET /api/pipeline/status``: the first seed's five fields, then the engine's other gauges."""

    async_enabled: bool
    summary_queue_size: int
    write_queue_size: int
    summary_queue_maxsize: int
    write_queue_maxsize: int
    workers: int
    workers_busy: int = 0
    llm_latency_ms: dict[str, Any] = Field(default_factory=dict)
    summarizer: dict[str, Any] = Field(default_factory=dict)
    cache: dict[str, Any] | None = Field(default=None, description="entries, bytes, hit_rate, oldest_entry, limits")
    active: list[dict[str, Any]] = Field(
        default_factory=list, description="chapters in flight: document, chapter, worker, endpoint, seconds so far"
    )
    worker_stats: list[dict[str, Any]] = Field(
        default_factory=list, description="per worker: chapters done and failed, mean and p95 latency"
    )
    endpoints: list[dict[str, Any]] = Field(
        default_factory=list, description="per LLM endpoint: requests in flight, parallel limit, circuit state"
    )
    backend_health: list[dict[str, Any]] | None = Field(
        default=None, description="per endpoint: up, slow, down, loading or circuit_open, with the reason"
    )


class SessionStatus(_Open):
    """The second seed's session: ``status``, ``progress`` %, ``message``; results once completed."""

    session_id: str
    status: SessionState
    progress: float
    message: str
    summary: str | None = None
    high_risk_clauses: list[dict[str, Any]] | None = None


class DocumentList(BaseModel):
    documents: list[dict[str, Any]]


class ChangeResponse(_Open):
    document_id: str
    message: str


class PriorityChange(BaseModel):
    priority: Literal["high", "normal", "low"]


class FocusChange(BaseModel):
    """A new focus for a document's summaries; empty or null for none."""

    focus: str | None = Field(default=None, max_length=2000)


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "Unreadable request body"},
    401: {"model": ErrorBody, "description": "Missing or wrong Bearer token"},
    421: {"model": ErrorBody, "description": "Host header is not a local name"},
    422: {"model": ErrorBody, "description": "Invalid request"},
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody, "description": "No such document"}}
UPLOAD_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "Unreadable request body"},
    413: {"model": ErrorBody, "description": "File over CHAPTERWISE_MAX_FILE_MB (or too many pages)"},
    415: {"model": ErrorBody, "description": "Not a PDF, EPUB, DOCX, Markdown or text file"},
    422: {
        "model": ErrorBody,
        "description": "Invalid form, empty file, password required or wrong; an unreadable file when parsed first",
    },
}


# --- building the shapes


def seed_chapter_status(status: str) -> str:
    """The first seed called every unfinished chapter ``processing``."""
    return status if status in TERMINAL_CHAPTER else ChapterStatus.PROCESSING


def chapter_brief(chapter: ChapterRecord) -> dict[str, Any]:
    return {
        "id": chapter.id,
        "title": chapter.title,
        "summary": chapter.summary,
        "preview": chapter.preview,
        "status": seed_chapter_status(chapter.status),
        "index": chapter.index,
        "error": chapter.error,
    }


def parse_failure(view: DocumentView) -> dict[str, Any]:
    """Why the file could not be read, for an answer given before the parse ended: ``error``,
    ``error_kind`` (the 4xx code a parse-first upload answers) and ``ocr_available``."""
    return {
        "error": view.error if view.error_kind else None,
        "error_kind": str(view.error_kind) if view.error_kind else None,
        "ocr_available": view.ocr_available,
    }


def session_state(view: DocumentView) -> SessionState:
    if view.status == DocumentStatus.PARSING:
        return "pending"
    if view.status == DocumentStatus.DONE:
        return "completed"
    if view.status in (DocumentStatus.FAILED, DocumentStatus.CANCELLED):
        return "failed"
    if view.status == DocumentStatus.PROCESSING and view.done + view.failed + view.cancelled == 0:
        return "pending"
    return "processing"


def session_message(view: DocumentView) -> str:
    state = session_state(view)
    total = view.chapter_count
    if state == "completed":
        return f"Analysis complete: {total} chapters summarized."
    if view.status == DocumentStatus.CANCELLED:
        return f"Cancelled: {view.cancelled} of {total} chapters were not summarized."
    if view.error_kind is not None:
        return f"The file could not be read: {view.error}"
    if view.status == DocumentStatus.PARSING:
        return "Reading the file: its chapters are being parsed."
    if state == "failed":
        first = next((c.error for c in view.chapters if c.status == ChapterStatus.FAILED and c.error), None)
        reason = first or view.error or "see the chapters' errors"
        return f"{view.failed} of {total} chapters could not be summarized: {reason}"
    if view.status == DocumentStatus.SUMMARIZING:
        return "Every chapter is summarized; writing the whole-document summary."
    if state == "pending":
        return f"Waiting for a summary worker: 0 of {total} chapters done."
    return f"Summarizing: {view.done + view.failed + view.cancelled} of {total} chapters done."


def session_status(view: DocumentView) -> dict[str, Any]:
    """The second seed's status answer for a document (``view`` with chapters, for errors and clauses)."""
    state = session_state(view)
    body: dict[str, Any] = {
        "session_id": view.id,
        "document_id": view.id,
        "status": state,
        "progress": round(view.progress, 1),
        "message": session_message(view),
        "title": view.title,
        "chapters_done": view.done,
        "chapters_total": view.chapter_count,
    }
    if view.error_kind is not None:
        body.update(parse_failure(view))
    if state == "completed":
        body["summary"] = view.summary
        body["high_risk_clauses"] = view.high_risk_clauses
        body["chapters"] = [chapter_brief(c) for c in view.chapters]
    return body
