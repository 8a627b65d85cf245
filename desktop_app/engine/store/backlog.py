"""The durable backlog: claiming chapters, writing results, handing claims back.

Pending chapters are the backlog. A claim is a single ``UPDATE … RETURNING`` guarded by the old status
(and ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several instances can share one backlog); results are
one ``INSERT … ON CONFLICT DO UPDATE`` a batch. Functions take a ``Session`` and never commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict
from typing import Any

from sqlalchemy import Table, exists, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..messages import ChapterWork, DocumentResult, DocumentWork, DoneChapter
from ..records import RESULT_FIELDS, ChapterRecord, sentences_from_json, sentences_to_json
from ..states import OPEN_CHAPTER, TERMINAL_CHAPTER, ChapterStatus, DocumentStatus
from .models import Chapter, Document, utcnow


def _with_skip_locked(session: Session, query: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True, of=Chapter)
    return query  # SQLite serializes writers; the status guard below makes the claim exact


def claim_chapters(session: Session, instance_id: str, limit: int) -> list[ChapterWork]:
    """Claim up to ``limit`` pending chapters: highest document priority first, then oldest first."""
    if limit <= 0:
        return []
    now = utcnow()
    order = (Document.priority.desc(), Document.created_at, Chapter.document_id, Chapter.index)
    ids_query = (
        select(Chapter.id)
        .join(Document, Document.id == Chapter.document_id)
        .where(Chapter.status == ChapterStatus.PENDING, or_(Chapter.retry_at.is_(None), Chapter.retry_at <= now))
        .order_by(*order)
        .limit(limit)
    )
    ids = list(session.scalars(_with_skip_locked(session, ids_query)))
    if not ids:
        return []
    claimed = session.execute(
        update(Chapter)
        .where(Chapter.id.in_(ids), Chapter.status == ChapterStatus.PENDING)
        .values(status=ChapterStatus.PROCESSING, claimed_by=instance_id, claimed_at=now, updated_at=now)
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
        )
        .join(Document, Document.id == Chapter.document_id)
        .where(Chapter.id.in_(claimed_ids))
        .order_by(*order)
    )
    return [ChapterWork(r[0], r[1], r[2], r[3], r[4], r[5], r[6]) for r in rows]


def claim_document_chapters(session: Session, instance_id: str, document_id: str) -> list[ChapterWork]:
    """Claim every pending chapter of one document, in order (synchronous mode)."""
    now = utcnow()
    ids = set(
        session.scalars(
            update(Chapter)
            .where(Chapter.document_id == document_id, Chapter.status == ChapterStatus.PENDING)
            .values(status=ChapterStatus.PROCESSING, claimed_by=instance_id, claimed_at=now)
            .returning(Chapter.id)
        )
    )
    doc = session.get(Document, document_id)
    focus = doc.focus if doc else None
    rows = session.scalars(select(Chapter).where(Chapter.document_id == document_id).order_by(Chapter.index))
    return [ChapterWork(c.id, c.document_id, c.index, c.title, c.text, c.attempts, focus) for c in rows if c.id in ids]


def claim_finished_documents(
    session: Session, instance_id: str, limit: int = 10, *, document_id: str | None = None
) -> list[DocumentWork]:
    """Claim documents (or the one ``document_id``) whose chapters are all final, for their whole-document summary."""
    open_chapters = exists().where(
        Chapter.document_id == Document.id, Chapter.status.in_([str(s) for s in OPEN_CHAPTER])
    )
    query = select(Document.id).where(Document.status == DocumentStatus.PROCESSING, ~open_chapters)
    if document_id is not None:
        query = query.where(Document.id == document_id)
    ids = list(session.scalars(query.order_by(Document.priority.desc(), Document.created_at).limit(limit)))
    if not ids:
        return []
    claimed = list(
        session.scalars(
            update(Document)
            .where(Document.id.in_(ids), Document.status == DocumentStatus.PROCESSING)
            .values(status=DocumentStatus.SUMMARIZING, claimed_by=instance_id)
            .returning(Document.id)
        )
    )
    work = []
    for doc_id in claimed:
        doc = session.get(Document, doc_id)
        assert doc is not None
        rows = session.execute(
            select(Chapter.index, Chapter.title, Chapter.status, Chapter.summary, Chapter.text, Chapter.sentences)
            .where(Chapter.document_id == doc_id)
            .order_by(Chapter.index)
        ).all()
        done = [
            DoneChapter(index, title, summary, text, sentences_from_json(sentences))
            for index, title, status, summary, text, sentences in rows
            if status == ChapterStatus.DONE and summary
        ]
        failed = sum(1 for row in rows if row[2] == ChapterStatus.FAILED)
        work.append(DocumentWork(doc_id, doc.title, doc.focus, done, failed=failed, total=len(rows)))
    return work


# --- results


def _row(record: ChapterRecord, now: Any) -> dict[str, Any]:
    row: dict[str, Any] = {name: getattr(record, name) for name in RESULT_FIELDS}
    row["status"] = str(record.status)
    row["sentences"] = sentences_to_json(record.sentences)
    row["clause_flags"] = list(record.clause_flags)
    if record.status in TERMINAL_CHAPTER:
        row["finished_at"] = record.finished_at or now
    else:
        row["finished_at"] = None
    row.update(
        id=record.id,
        document_id=record.document_id,
        index=record.index,
        title=record.title,
        claimed_by=None,
        claimed_at=None,
        created_at=now,
        updated_at=now,
    )
    return row


#: Columns a result may change; identity columns (document, index, title, text, structure) never move.
_RESULT_COLUMNS = (*RESULT_FIELDS, "claimed_by", "claimed_at", "updated_at")


def upsert_chapter_results(session: Session, results: Sequence[ChapterRecord]) -> set[str]:
    """Write results idempotently: one ``INSERT … ON CONFLICT (id) DO UPDATE`` for the whole batch.

    A result never lands on a chapter that was put back in the backlog meanwhile (re-summarized with a new
    focus, retried, or reclaimed after its instance was taken for dead): that chapter will be summarized
    again. Returns the ids of the chapters written.
    """
    if not results:
        return set()
    now = utcnow()
    # The last result for a chapter wins within a batch too (ON CONFLICT cannot touch a row twice).
    latest = {r.id: r for r in results}
    rows = [_row(r, now) for r in latest.values()]
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
            .values(
                status=r.status,
                summary=r.summary,
                summary_sentences=[asdict(s) for s in r.sentences] or None,
                error=r.error,
                finished_at=now,
                claimed_by=None,
            )
        )


# --- handing claims back


def release_chapters(session: Session, chapter_ids: Iterable[str]) -> int:
    """Hand claimed chapters back to the backlog (graceful shutdown of unstarted work)."""
    ids = list(chapter_ids)
    if not ids:
        return 0
    result = session.execute(
        update(Chapter)
        .where(Chapter.id.in_(ids), Chapter.status == ChapterStatus.PROCESSING)
        .values(status=ChapterStatus.PENDING, claimed_by=None, claimed_at=None)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def backlog_size(session: Session) -> int:
    query = select(func.count()).select_from(Chapter).where(Chapter.status == ChapterStatus.PENDING)
    return int(session.scalar(query) or 0)


def fallback_chapter_ids(session: Session, limit: int = 100) -> list[str]:
    """Done chapters whose summary came from the fallback summarizer, oldest first."""
    query = (
        select(Chapter.id)
        .where(Chapter.status == ChapterStatus.DONE, Chapter.fallback_reason.is_not(None))
        .order_by(Chapter.finished_at)
        .limit(limit)
    )
    return list(session.scalars(query))


def requeue_chapters(session: Session, chapter_ids: Iterable[str]) -> list[str]:
    """Put done chapters back in the backlog (their summaries are redone); returns their documents."""
    ids = list(chapter_ids)
    if not ids:
        return []
    docs = set(session.scalars(select(Chapter.document_id).where(Chapter.id.in_(ids))))
    session.execute(
        update(Chapter)
        .where(Chapter.id.in_(ids), Chapter.status == ChapterStatus.DONE)
        .values(status=ChapterStatus.PENDING, attempts=0, retry_at=None, updated_at=utcnow())
    )
    session.execute(
        update(Document)
        .where(Document.id.in_(docs), Document.status.in_([DocumentStatus.DONE, DocumentStatus.FAILED]))
        .values(status=DocumentStatus.PROCESSING, finished_at=None, claimed_by=None)
    )
    return sorted(docs)
