"""The single DB writer: results in, one short transaction a batch, events out after each commit.

A batch closes at ``batch_size`` rows (50), ``batch_interval_s`` after its first row (500 ms), or at once when
nothing else is in flight (the ``idle`` callback says so), whichever comes first. Each batch is one idempotent
upsert; a locked database is retried with backoff, a batch that violates a constraint (its document was
removed meanwhile) is written row by row so the other rows still land.

Document progress (a ``GROUP BY`` over the document's chapters) is read at most every
``PROGRESS_INTERVAL_S`` and whenever the writer runs out of work, not after every batch: read after each
batch it cost more than the batch itself on a 10,000-chapter document, and grew with it. The last progress
of a burst is never skipped.

Runs on one thread (``db-writer``, started through the spawn hook); ends at the poison pill after flushing.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from ..events import ChapterCommitted, DocumentFinished, DocumentProgress, EventBus
from ..messages import DocumentResult, Stop
from ..records import ChapterRecord
from ..reports import CommitTimes
from ..states import ChapterStatus
from ..store import backlog, documents
from .stats import Rate, Window

log = logging.getLogger(__name__)


Result = ChapterRecord | DocumentResult

#: Longest a document's progress event waits behind newer commits (a progress bar's refresh, no slower).
PROGRESS_INTERVAL_S = 0.25


class BatchWriter:
    """Owns every result write of the pipeline. ``run`` is the loop; ``commit`` writes one batch now."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        bus: EventBus,
        results: queue.Queue[ChapterRecord | DocumentResult | Stop],
        *,
        batch_size: int,
        batch_interval_s: float,
        idle: Callable[[], bool],
        on_document_ready: Callable[[], None],
    ) -> None:
        self.sessions = sessions
        self.bus = bus
        self.results = results
        self.batch_size = batch_size
        self.batch_interval_s = batch_interval_s
        self.idle = idle
        self.on_document_ready = on_document_ready
        self.commit_times = Window(500)
        self.throughput = Rate(60.0)
        self.committed = {"done": 0, "failed": 0, "retried": 0}
        #: Called before each batch is written (tests and benchmarks use it to slow or observe the writer).
        self.commit_hook: Callable[[list[ChapterRecord], list[DocumentResult]], None] | None = None
        self.finished = threading.Event()
        self._progress_due: dict[str, None] = {}  # documents with commits not yet in a progress event
        self._progress_at = 0.0

    def run(self) -> None:
        log.info("DB writer started")
        batch: list[Result] = []
        deadline = 0.0
        stop = False
        while not stop:
            timeout = 0.5 if not batch else max(0.0, deadline - time.monotonic())
            if self._progress_due:
                timeout = min(timeout, PROGRESS_INTERVAL_S)
            try:
                item = self.results.get(timeout=timeout)
            except queue.Empty:
                item = None
                self._flush_progress()
            if isinstance(item, Stop):
                stop = True
            elif item is not None:
                if not batch:
                    deadline = time.monotonic() + self.batch_interval_s
                batch.append(item)
            if batch and (stop or len(batch) >= self.batch_size or time.monotonic() >= deadline or self.idle()):
                self.commit(batch)
                batch = []
        self._flush_progress()
        self.finished.set()
        log.info("DB writer stopped")

    def commit(self, batch: list[Result]) -> None:
        """Write one batch in one short transaction, then publish its events. Retries a locked database."""
        chapters = [r for r in batch if isinstance(r, ChapterRecord)]
        docs = [r for r in batch if isinstance(r, DocumentResult)]
        started = time.perf_counter()
        for attempt in range(8):
            try:
                if self.commit_hook:
                    self.commit_hook(chapters, docs)
                with self.sessions.begin() as session:
                    written = backlog.upsert_chapter_results(session, chapters)
                    backlog.apply_document_results(session, docs)
                chapters = [r for r in chapters if r.id in written]
                break
            except IntegrityError as err:
                log.warning("Batch rejected (%s); writing its rows one by one", err.orig)
                chapters = self._commit_rows_one_by_one(chapters)
                break
            except OperationalError as err:
                delay = min(5.0, 0.1 * 2**attempt)
                log.warning("Database busy while committing (%s); retrying in %.1f s", err.orig, delay)
                time.sleep(delay)
        else:
            log.error("Could not commit %d results; their chapters stay in the backlog", len(batch))
            return
        elapsed_ms = (time.perf_counter() - started) * 1000.0
        self.commit_times.add(elapsed_ms)
        log.info("Committed batch of %d chapters in %.2f ms", len(chapters) + len(docs), elapsed_ms)
        self._publish(chapters, docs)

    def _commit_rows_one_by_one(self, rows: list[ChapterRecord]) -> list[ChapterRecord]:
        kept = []
        for row in rows:
            try:
                with self.sessions.begin() as session:
                    if backlog.upsert_chapter_results(session, [row]):
                        kept.append(row)
            except IntegrityError:
                log.info("Dropped the result of chapter %s: its document was removed", row.id)
        return kept

    def _publish(self, chapters: list[ChapterRecord], docs: list[DocumentResult]) -> None:
        touched: dict[str, None] = {}
        for row in chapters:
            if row.status == ChapterStatus.PENDING:
                self.committed["retried"] += 1
                continue
            self.committed["done" if row.status == ChapterStatus.DONE else "failed"] += 1
            touched[row.document_id] = None
            self.bus.publish(ChapterCommitted(row))
        self.throughput.add(sum(1 for r in chapters if r.status != ChapterStatus.PENDING))
        self._progress_due.update(touched)
        if self._progress_due and (
            time.monotonic() - self._progress_at >= PROGRESS_INTERVAL_S or self.idle()
        ):
            self._flush_progress()
        if docs:
            self._flush_progress()  # a document's last progress comes before its end
        for doc in docs:
            self.bus.publish(DocumentFinished(doc.document_id, doc.status, doc.summary, doc.error))

    def _flush_progress(self) -> None:
        """Publish the progress of every document committed to since the last progress event."""
        if not self._progress_due:
            return
        due, self._progress_due = self._progress_due, {}
        self._progress_at = time.monotonic()
        with self.sessions() as session:
            counts = documents.progress(session, due)
        for doc_id, c in counts.items():
            self.bus.publish(DocumentProgress(doc_id, c["done"], c["failed"], c["cancelled"], c["total"]))
            if c["pending"] == 0 and c["processing"] == 0:
                self.on_document_ready()  # the document is ready for its whole-document summary

    def commit_times_report(self) -> CommitTimes:
        commit = self.commit_times.percentiles()
        return CommitTimes(
            p50=commit["p50"],
            p99=commit["p99"],
            last=self.commit_times.last(),
            total=self.commit_times.total,
            recent=tuple(self.commit_times.values()),
        )
