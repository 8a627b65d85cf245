"""The changes a user asks of a document: cancel, retry, refocus, priority, remove, purge, redo fallbacks.

A part of the :class:`~.service.Engine` facade (it is a base class of ``Engine``, so these stay ``Engine``
methods): each change is one transaction in the store, then the pipeline is told (dropped from or put
back in its queues) and a ``DocumentChanged`` event says what happened. Thread-safe.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from .events import BackendHealth, DocumentChanged, EventBus
from .states import Priority
from .store import backlog, edits

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from desktop_app.config import Settings

    from .pipeline.pipeline import Pipeline
    from .records import DocumentView

log = logging.getLogger(__name__)


class DocumentChanges:
    """The changing half of the engine facade; the engine gives it its store, pipeline and bus."""

    settings: Settings
    bus: EventBus
    _sessions: sessionmaker[Session]
    _pipeline: Pipeline
    _sync_lock: threading.Lock
    _running: bool

    if TYPE_CHECKING:  # the engine's own, declared here for the type checker

        @property
        def async_enabled(self) -> bool: ...

        def document(self, ref: str, *, chapters: bool = True, with_text: bool = False) -> DocumentView: ...

    def _change(self, doc_id: str, change: str, **detail: object) -> None:
        self.bus.publish(DocumentChanged(doc_id, change, dict(detail)))

    def _resolve(self, ref: str) -> str:
        return self.document(ref, chapters=False).id

    def cancel(self, ref: str) -> int:
        """Cancel the chapters not yet started, queued ones included; those being summarized finish and count.

        The document ends cancelled if any chapter stays cancelled, done if every chapter ended done.
        """
        doc_id = self._resolve(ref)
        queued = self._pipeline.cancel(doc_id) if self._running else []
        with self._sessions.begin() as session:
            count = edits.cancel_document(session, doc_id, queued)
        self._change(doc_id, "cancelled", chapters=count)
        return count

    def retry(self, ref: str, *, fallbacks: bool = False) -> int:
        """Queue the failed and cancelled chapters again (and, with ``fallbacks``, the fallback summaries)."""
        doc_id = self._resolve(ref)
        self._pipeline.resume(doc_id)
        with self._sessions.begin() as session:
            count = edits.retry_failed(session, doc_id, fallbacks=fallbacks)
        self._change(doc_id, "retried", chapters=count)
        self._run_if_synchronous(doc_id, count)
        return count

    def refocus(self, ref: str, focus: str | None) -> int:
        """Summarize a document again with a new focus (or none): every chapter goes back to the backlog.

        Results of the old run still in flight are not written over the new one.
        """
        focus = (focus or "").strip() or None
        doc_id = self._resolve(ref)
        self._pipeline.resume(doc_id)
        with self._sessions.begin() as session:
            count = edits.refocus_document(session, doc_id, focus)
        self._change(doc_id, "refocused", focus=focus)
        self._run_if_synchronous(doc_id, count)
        return count

    def _run_if_synchronous(self, doc_id: str, count: int) -> None:
        if count and not self.async_enabled and not self.settings.skip_pipeline_init:
            with self._sync_lock:
                self._pipeline.run_inline(doc_id)
        self._pipeline.wake()

    def redo_fallbacks(self, limit: int = 100) -> int:
        """Put chapters summarized by the fallback back in the backlog (the configured backend is healthy)."""
        with self._sessions.begin() as session:
            ids = backlog.fallback_chapter_ids(session, limit)
            docs = backlog.requeue_chapters(session, ids)
        for doc_id in docs:
            self._pipeline.resume(doc_id)
            self._change(doc_id, "retried", chapters=len(ids), fallbacks=True)
        if ids:
            log.info("The summarizer is back: summarizing %d fallback chapters again", len(ids))
            self._pipeline.wake()
        return len(ids)

    def _after_health_check(self, health: BackendHealth) -> None:
        """Health loop thread: while an endpoint answers, chapters the fallback wrote are done again."""
        if self._running and any(e.state in ("up", "slow") for e in health.endpoints):
            self.redo_fallbacks()

    def set_priority(self, ref: str, priority: int | str) -> None:
        level = Priority.parse(priority)
        doc_id = self._resolve(ref)
        with self._sessions.begin() as session:
            edits.set_priority(session, doc_id, level)
        self._change(doc_id, "priority", priority=int(level))

    def remove(self, ref: str) -> None:
        doc_id = self._resolve(ref)
        with self._sessions.begin() as session:
            edits.delete_document(session, doc_id)
        self._change(doc_id, "removed")

    def purge(self, ref: str | None = None) -> int:
        """Drop pending chapters from the backlog (of one document, or all); done chapters are kept."""
        doc_id = self._resolve(ref) if ref else None
        with self._sessions.begin() as session:
            return edits.purge_pending(session, doc_id)
