"""The changes a user asks of a document in the store: priority, cancel, retry, refocus, remove, purge.

Functions take a ``Session`` and never commit: the transaction belongs to the caller.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, delete, update
from sqlalchemy.orm import Session

from ..states import ChapterStatus, DocumentStatus
from .models import Chapter, Document, open_status_is, utcnow


def set_priority(session: Session, document_id: str, priority: int) -> bool:
    result = session.execute(update(Document).where(Document.id == document_id).values(priority=priority))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def cancel_document(session: Session, document_id: str, queued: Iterable[str] = ()) -> int:
    """Cancel the chapters not yet started: the backlog's and the ``queued`` ones (claimed, not started).

    Cancel is final only for work not yet done: a chapter already being summarized stays processing,
    finishes, and its summary is kept; the document's state then follows from its chapters when its
    whole-document summary is written. Returns how many chapters were cancelled.
    """
    queued_ids = list(queued)
    not_started = Chapter.status == ChapterStatus.PENDING
    if queued_ids:
        not_started = not_started | ((Chapter.status == ChapterStatus.PROCESSING) & Chapter.id.in_(queued_ids))
    result = session.execute(
        update(Chapter)
        .where(Chapter.document_id == document_id, not_started)
        .values(status=ChapterStatus.CANCELLED, claimed_by=None, claimed_at=None, updated_at=utcnow())
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def retry_failed(session: Session, document_id: str, *, fallbacks: bool = False) -> int:
    """Put failed and cancelled chapters (and, with ``fallbacks``, fallback summaries) back in the backlog."""
    again: ColumnElement[bool] = Chapter.status.in_([ChapterStatus.FAILED, ChapterStatus.CANCELLED])
    if fallbacks:
        again = again | ((Chapter.status == ChapterStatus.DONE) & Chapter.fallback_reason.is_not(None))
    result = session.execute(
        update(Chapter)
        .where(Chapter.document_id == document_id, again)
        .values(status=ChapterStatus.PENDING, attempts=0, error=None, retry_at=None, updated_at=utcnow())
    )
    count = int(result.rowcount)  # type: ignore[attr-defined]
    if count:
        reopen(session, document_id)
    return count


def reopen(session: Session, document_id: str) -> None:
    """The document has chapters in the backlog again: it is processing until they are final."""
    session.execute(
        update(Document)
        .where(Document.id == document_id)
        .values(status=DocumentStatus.PROCESSING, error=None, finished_at=None, claimed_by=None)
    )


def refocus_document(session: Session, document_id: str, focus: str | None) -> int:
    """Give a document a new focus and put every chapter back in the backlog; returns the chapter count.

    A document still being parsed, or whose file could not be read, keeps its state: it has no summaries
    to redo, and "processing" would have it summarized with no chapters.
    """
    session.execute(
        update(Document)
        .where(
            Document.id == document_id,
            Document.status != DocumentStatus.PARSING,
            Document.error_kind.is_(None),
        )
        .values(
            focus=focus,
            status=DocumentStatus.PROCESSING,
            summary=None,
            summary_sentences=None,
            error=None,
            finished_at=None,
            claimed_by=None,
        )
    )
    result = session.execute(
        update(Chapter)
        .where(Chapter.document_id == document_id)
        .values(
            status=ChapterStatus.PENDING,
            summary=None,
            preview=None,
            sentences=None,
            error=None,
            fallback_reason=None,
            clause_error=None,
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
    query = update(Chapter).where(open_status_is(ChapterStatus.PENDING))
    if document_id:
        query = query.where(Chapter.document_id == document_id)
    result = session.execute(query.values(status=ChapterStatus.CANCELLED, updated_at=utcnow()))
    return int(result.rowcount)  # type: ignore[attr-defined]
