"""Data functions: every read and write of the engine, each taking a ``Session``.

The session's lifecycle (and so the transaction) belongs to the caller, as SQLAlchemy's session FAQ
advises; these functions never commit. They are safe on SQLite and PostgreSQL alike: claims are a single
``UPDATE … RETURNING`` guarded by the old status (and ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so
several instances can share one backlog), results are ``INSERT … ON CONFLICT DO UPDATE``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, exists, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, defer

from ..ingest.base import ParsedDocument
from .models import (
    TERMINAL_CHAPTER,
    Chapter,
    ChapterStatus,
    Document,
    DocumentStatus,
    Instance,
    new_id,
    utcnow,
)

# --- value objects passed between the feeder, the workers and the writer


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


@dataclass(slots=True)
class DocumentWork:
    """A finished document whose chapter summaries are to be reduced into one summary."""

    document_id: str
    title: str
    focus: str | None
    chapters: list[tuple[str, str]]  # (title, summary) of every done chapter, in order
    failed: int = 0
    total: int = 0


@dataclass(slots=True)
class ChapterResult:
    """What a worker produced for one chapter: the row the writer upserts."""

    chapter_id: str
    document_id: str
    index: int
    title: str
    status: str
    attempts: int
    summary: str | None = None
    preview: str | None = None
    error: str | None = None
    backend: str | None = None
    model: str | None = None
    latency_ms: float | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cached: bool = False
    clause_flags: list[dict[str, Any]] = field(default_factory=list)
    retry_at: datetime | None = None
    finished_at: datetime | None = None

    def row(self) -> dict[str, Any]:
        now = utcnow()
        final = self.status in TERMINAL_CHAPTER
        return {
            "id": self.chapter_id,
            "document_id": self.document_id,
            "index": self.index,
            "title": self.title,
            "status": self.status,
            "attempts": self.attempts,
            "summary": self.summary,
            "preview": self.preview,
            "error": self.error,
            "backend": self.backend,
            "model": self.model,
            "latency_ms": self.latency_ms,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "cached": self.cached,
            "clause_flags": self.clause_flags,
            "claimed_by": None,
            "claimed_at": None,
            "retry_at": self.retry_at,
            "created_at": now,
            "updated_at": now,
            "finished_at": (self.finished_at or now) if final else None,
        }


@dataclass(slots=True)
class DocumentResult:
    """The whole-document summary (or why it could not be made)."""

    document_id: str
    status: str
    summary: str | None = None
    error: str | None = None


#: Columns a result may change; identity columns (document, index, title, text) never move.
_RESULT_COLUMNS = (
    "status",
    "attempts",
    "summary",
    "preview",
    "error",
    "backend",
    "model",
    "latency_ms",
    "prompt_tokens",
    "completion_tokens",
    "cached",
    "clause_flags",
    "claimed_by",
    "claimed_at",
    "retry_at",
    "updated_at",
    "finished_at",
)


# --- documents


def add_document(
    session: Session,
    parsed: ParsedDocument,
    *,
    file_name: str,
    sha256: str,
    priority: int = 1,
    focus: str | None = None,
) -> Document:
    """Insert a document and all of its chapters (pending) in the caller's transaction."""
    doc = Document(
        id=new_id(),
        file_name=file_name,
        file_sha256=sha256,
        title=parsed.title[:1024],
        format=parsed.format,
        priority=priority,
        status=DocumentStatus.PROCESSING.value,
        chapter_count=len(parsed.chapters),
        structure=parsed.structure,
        warnings=list(parsed.warnings),
        focus=focus,
    )
    session.add(doc)
    session.flush()
    now = utcnow()
    rows = [
        {
            "id": new_id(),
            "document_id": doc.id,
            "index": i,
            "title": (chapter.title or f"Chapter {i + 1}")[:1024],
            "text": chapter.text,
            "word_count": chapter.word_count,
            "status": ChapterStatus.PENDING.value,
            "clause_flags": [],
            "created_at": now,
            "updated_at": now,
        }
        for i, chapter in enumerate(parsed.chapters)
    ]
    for start in range(0, len(rows), 500):
        session.execute(insert(Chapter), rows[start : start + 500])
    return doc


def list_documents(session: Session, *, status: str | None = None) -> list[Document]:
    query = select(Document).order_by(Document.created_at.desc())
    if status:
        query = query.where(Document.status == status)
    return list(session.scalars(query))


def document_titles(session: Session, document_ids: Iterable[str]) -> dict[str, str]:
    ids = list(document_ids)
    rows = session.execute(select(Document.id, Document.title).where(Document.id.in_(ids)))
    return {doc_id: title for doc_id, title in rows}


def find_by_sha256(session: Session, sha256: str) -> Document | None:
    """The newest document imported from a file with this SHA-256."""
    query = select(Document).where(Document.file_sha256 == sha256).order_by(Document.created_at.desc()).limit(1)
    return session.scalars(query).first()


def find_document(session: Session, ref: str) -> Document | None:
    """A document by id, or by a unique id prefix of at least 4 characters (as git does for commits)."""
    doc = session.get(Document, ref)
    if doc is not None or len(ref) < 4:
        return doc
    matches = list(session.scalars(select(Document).where(Document.id.startswith(ref, autoescape=True)).limit(2)))
    return matches[0] if len(matches) == 1 else None


def chapters_of(session: Session, document_id: str, *, with_text: bool = True) -> list[Chapter]:
    query = select(Chapter).where(Chapter.document_id == document_id).order_by(Chapter.index)
    if not with_text:
        query = query.options(defer(Chapter.text))
    return list(session.scalars(query))


def get_chapter(session: Session, chapter_id: str) -> Chapter | None:
    return session.get(Chapter, chapter_id)


def chapter_ids(session: Session, document_id: str) -> list[str]:
    return list(session.scalars(select(Chapter.id).where(Chapter.document_id == document_id).order_by(Chapter.index)))


def progress(session: Session, document_ids: Iterable[str]) -> dict[str, dict[str, int]]:
    """Chapter counts by status for each document: ``{doc_id: {"done": n, ..., "total": n}}``."""
    ids = list(document_ids)
    out: dict[str, dict[str, int]] = {d: {s.value: 0 for s in ChapterStatus} | {"total": 0} for d in ids}
    if not ids:
        return out
    query = (
        select(Chapter.document_id, Chapter.status, func.count())
        .where(Chapter.document_id.in_(ids))
        .group_by(Chapter.document_id, Chapter.status)
    )
    for doc_id, status, count in session.execute(query):
        out[doc_id][status] = count
        out[doc_id]["total"] += count
    return out


def set_priority(session: Session, document_id: str, priority: int) -> bool:
    result = session.execute(update(Document).where(Document.id == document_id).values(priority=priority))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def cancel_document(session: Session, document_id: str) -> int:
    """Cancel the chapters not yet summarized, queued ones included; returns how many were cancelled.

    A chapter already being summarized still finishes, and its summary is kept when it is written.
    """
    result = session.execute(
        update(Chapter)
        .where(
            Chapter.document_id == document_id,
            Chapter.status.in_([ChapterStatus.PENDING.value, ChapterStatus.PROCESSING.value]),
        )
        .values(status=ChapterStatus.CANCELLED.value, claimed_by=None, updated_at=utcnow())
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def retry_failed(session: Session, document_id: str) -> int:
    """Put failed and cancelled chapters back in the backlog; the document is processed again."""
    result = session.execute(
        update(Chapter)
        .where(
            Chapter.document_id == document_id,
            Chapter.status.in_([ChapterStatus.FAILED.value, ChapterStatus.CANCELLED.value]),
        )
        .values(status=ChapterStatus.PENDING.value, attempts=0, error=None, retry_at=None, updated_at=utcnow())
    )
    count = int(result.rowcount)  # type: ignore[attr-defined]
    if count:
        session.execute(
            update(Document)
            .where(Document.id == document_id)
            .values(status=DocumentStatus.PROCESSING.value, error=None, finished_at=None, claimed_by=None)
        )
    return count


def refocus_document(session: Session, document_id: str, focus: str | None) -> int:
    """Give a document a new focus and put every chapter back in the backlog; returns the chapter count."""
    session.execute(
        update(Document)
        .where(Document.id == document_id)
        .values(
            focus=focus,
            status=DocumentStatus.PROCESSING.value,
            summary=None,
            error=None,
            finished_at=None,
            claimed_by=None,
        )
    )
    result = session.execute(
        update(Chapter)
        .where(Chapter.document_id == document_id)
        .values(
            status=ChapterStatus.PENDING.value,
            summary=None,
            preview=None,
            error=None,
            attempts=0,
            retry_at=None,
            claimed_by=None,
            claimed_at=None,
            clause_flags=[],
            cached=False,
            finished_at=None,
            updated_at=utcnow(),
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def delete_document(session: Session, document_id: str) -> bool:
    session.execute(delete(Chapter).where(Chapter.document_id == document_id))
    result = session.execute(delete(Document).where(Document.id == document_id))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def purge_pending(session: Session, document_id: str | None = None) -> int:
    """Drop pending chapters from the backlog (they become cancelled); done chapters are kept."""
    query = update(Chapter).where(Chapter.status == ChapterStatus.PENDING.value)
    if document_id:
        query = query.where(Chapter.document_id == document_id)
    result = session.execute(query.values(status=ChapterStatus.CANCELLED.value, updated_at=utcnow()))
    return int(result.rowcount)  # type: ignore[attr-defined]


# --- the backlog


def _with_skip_locked(session: Session, query: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True, of=Chapter)
    return query  # SQLite serializes writers; the status guard below makes the claim exact


def claim_chapters(session: Session, instance_id: str, limit: int) -> list[ChapterWork]:
    """Claim up to ``limit`` pending chapters: highest document priority first, then oldest first."""
    if limit <= 0:
        return []
    now = utcnow()
    ids_query = (
        select(Chapter.id)
        .join(Document, Document.id == Chapter.document_id)
        .where(
            Chapter.status == ChapterStatus.PENDING.value,
            or_(Chapter.retry_at.is_(None), Chapter.retry_at <= now),
        )
        .order_by(Document.priority.desc(), Document.created_at, Chapter.index)
        .limit(limit)
    )
    ids = list(session.scalars(_with_skip_locked(session, ids_query)))
    if not ids:
        return []
    claimed = session.execute(
        update(Chapter)
        .where(Chapter.id.in_(ids), Chapter.status == ChapterStatus.PENDING.value)
        .values(status=ChapterStatus.PROCESSING.value, claimed_by=instance_id, claimed_at=now, updated_at=now)
        .returning(Chapter.id)
    )
    claimed_ids = set(claimed.scalars())
    rows = session.execute(
        select(
            Chapter.id,
            Chapter.document_id,
            Chapter.index,
            Chapter.title,
            Chapter.text,
            Chapter.attempts,
            Document.focus,
            Document.priority,
            Document.created_at,
        )
        .join(Document, Document.id == Chapter.document_id)
        .where(Chapter.id.in_(claimed_ids))
        .order_by(Document.priority.desc(), Document.created_at, Chapter.index)
    )
    return [ChapterWork(r[0], r[1], r[2], r[3], r[4], r[5], r[6]) for r in rows]


def claim_finished_documents(session: Session, instance_id: str, limit: int = 10) -> list[DocumentWork]:
    """Claim documents whose chapters are all final, to make their whole-document summary."""
    open_chapters = exists().where(
        Chapter.document_id == Document.id,
        Chapter.status.in_([ChapterStatus.PENDING.value, ChapterStatus.PROCESSING.value]),
    )
    ids = list(
        session.scalars(
            select(Document.id)
            .where(Document.status == DocumentStatus.PROCESSING.value, ~open_chapters)
            .order_by(Document.priority.desc(), Document.created_at)
            .limit(limit)
        )
    )
    if not ids:
        return []
    claimed = list(
        session.scalars(
            update(Document)
            .where(Document.id.in_(ids), Document.status == DocumentStatus.PROCESSING.value)
            .values(status=DocumentStatus.SUMMARIZING.value, claimed_by=instance_id)
            .returning(Document.id)
        )
    )
    work = []
    for doc_id in claimed:
        doc = session.get(Document, doc_id)
        assert doc is not None
        chapters = chapters_of(session, doc_id, with_text=False)
        done = [(c.title, c.summary or "") for c in chapters if c.status == ChapterStatus.DONE.value and c.summary]
        failed = sum(1 for c in chapters if c.status == ChapterStatus.FAILED.value)
        work.append(DocumentWork(doc_id, doc.title, doc.focus, done, failed=failed, total=len(chapters)))
    return work


def upsert_chapter_results(session: Session, results: Sequence[ChapterResult]) -> set[str]:
    """Write results idempotently: one ``INSERT … ON CONFLICT (id) DO UPDATE`` for the whole batch.

    A result never lands on a chapter that was put back in the backlog meanwhile (re-summarized with a new
    focus, retried, or reclaimed after its instance was taken for dead): that chapter will be summarized
    again. Returns the ids of the chapters written.
    """
    if not results:
        return set()
    # The last result for a chapter wins within a batch too (ON CONFLICT cannot touch a row twice).
    latest = {r.chapter_id: r for r in results}
    rows = [r.row() for r in latest.values()]
    written = session.execute(_upsert_statement(session.get_bind().dialect.name), rows)
    return set(written.scalars())


_UPSERTS: dict[str, Any] = {}


def _upsert_statement(dialect: str) -> Any:
    """One compiled-once statement a dialect; executed with a list of rows (SQLAlchemy's insertmanyvalues)."""
    if dialect not in _UPSERTS:
        insert_fn = postgresql.insert if dialect == "postgresql" else sqlite.insert
        table = Chapter.__table__
        assert isinstance(table, Table)
        stmt = insert_fn(table)
        _UPSERTS[dialect] = stmt.on_conflict_do_update(
            index_elements=[table.c.id],
            set_={name: getattr(stmt.excluded, name) for name in _RESULT_COLUMNS},
            where=table.c.status != ChapterStatus.PENDING.value,
        ).returning(table.c.id)
    return _UPSERTS[dialect]


def apply_document_results(session: Session, results: Sequence[DocumentResult]) -> None:
    now = utcnow()
    for r in results:
        session.execute(
            update(Document)
            .where(Document.id == r.document_id)
            .values(status=r.status, summary=r.summary, error=r.error, finished_at=now, claimed_by=None)
        )


def release_chapters(session: Session, chapter_ids: Iterable[str]) -> int:
    """Hand claimed chapters back to the backlog (graceful shutdown of unstarted work)."""
    ids = list(chapter_ids)
    if not ids:
        return 0
    result = session.execute(
        update(Chapter)
        .where(Chapter.id.in_(ids), Chapter.status == ChapterStatus.PROCESSING.value)
        .values(status=ChapterStatus.PENDING.value, claimed_by=None, claimed_at=None)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def release_instance_claims(session: Session, instance_id: str) -> int:
    """Hand back everything ``instance_id`` still holds (chapters processing, documents summarizing)."""
    result = session.execute(
        update(Chapter)
        .where(Chapter.claimed_by == instance_id, Chapter.status == ChapterStatus.PROCESSING.value)
        .values(status=ChapterStatus.PENDING.value, claimed_by=None, claimed_at=None)
    )
    recover_orphans(session, [instance_id])
    return int(result.rowcount)  # type: ignore[attr-defined]


def claim_document_chapters(session: Session, instance_id: str, document_id: str) -> list[ChapterWork]:
    """Claim every pending chapter of one document, in order (synchronous mode)."""
    now = utcnow()
    ids = set(
        session.scalars(
            update(Chapter)
            .where(Chapter.document_id == document_id, Chapter.status == ChapterStatus.PENDING.value)
            .values(status=ChapterStatus.PROCESSING.value, claimed_by=instance_id, claimed_at=now)
            .returning(Chapter.id)
        )
    )
    doc = session.get(Document, document_id)
    focus = doc.focus if doc else None
    return [
        ChapterWork(c.id, c.document_id, c.index, c.title, c.text, c.attempts, focus)
        for c in chapters_of(session, document_id)
        if c.id in ids
    ]


# --- instances and recovery


def register_instance(session: Session, instance_id: str, host: str, pid: int) -> None:
    now = utcnow()
    session.add(Instance(id=instance_id, host=host, pid=pid, started_at=now, heartbeat_at=now))


def heartbeat(session: Session, instance_id: str) -> None:
    session.execute(update(Instance).where(Instance.id == instance_id).values(heartbeat_at=utcnow()))


def save_instance_state(session: Session, instance_id: str, state: dict[str, Any]) -> None:
    session.execute(
        update(Instance).where(Instance.id == instance_id).values(state=_jsonable(state), heartbeat_at=utcnow())
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def unregister_instance(session: Session, instance_id: str) -> None:
    session.execute(delete(Instance).where(Instance.id == instance_id))


def instances(session: Session) -> list[Instance]:
    return list(session.scalars(select(Instance)))


def recover_orphans(session: Session, dead_instance_ids: Sequence[str]) -> tuple[int, int]:
    """Return the claims of dead instances to the backlog; returns (chapters, documents) recovered.

    A chapter claimed by no instance at all (``claimed_by`` NULL while processing) is an orphan too.
    """
    dead = list(dead_instance_ids)
    owner_gone = (
        or_(Chapter.claimed_by.is_(None), Chapter.claimed_by.in_(dead)) if dead else Chapter.claimed_by.is_(None)
    )
    chapters = session.execute(
        update(Chapter)
        .where(Chapter.status == ChapterStatus.PROCESSING.value, owner_gone)
        .values(status=ChapterStatus.PENDING.value, claimed_by=None, claimed_at=None)
    )
    doc_owner_gone = (
        or_(Document.claimed_by.is_(None), Document.claimed_by.in_(dead)) if dead else Document.claimed_by.is_(None)
    )
    documents = session.execute(
        update(Document)
        .where(Document.status == DocumentStatus.SUMMARIZING.value, doc_owner_gone)
        .values(status=DocumentStatus.PROCESSING.value, claimed_by=None)
    )
    if dead:
        session.execute(delete(Instance).where(Instance.id.in_(dead)))
    return int(chapters.rowcount), int(documents.rowcount)  # type: ignore[attr-defined]


def backlog_size(session: Session) -> int:
    return int(
        session.scalar(select(func.count()).select_from(Chapter).where(Chapter.status == ChapterStatus.PENDING.value))
        or 0
    )


def status_counts(session: Session) -> dict[str, int]:
    rows = session.execute(select(Chapter.status, func.count()).group_by(Chapter.status))
    counts = {s.value: 0 for s in ChapterStatus}
    counts.update({status: int(n) for status, n in rows})
    return counts
