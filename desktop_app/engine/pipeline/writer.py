"""The single DB writer: results in, one short transaction a batch, events out after each commit.

A batch closes at ``batch_size`` rows (50), ``batch_interval_s`` after its first row (500 ms), or at once when
nothing else is in flight (the ``idle`` callback says so), whichever comes first. Each batch is one idempotent
upsert; a locked, unreachable or full database is retried with capped, jittered backoff for as long as it
takes (the batch is kept; the write queue behind it fills and blocks the workers), a batch that violates a
constraint (its document was removed meanwhile) is written row by row so the other rows still land. The
same transaction derives the state of the documents it touches (:func:`~..store.backlog.apply_document_results`).

Document progress (:func:`~..store.documents.progress`, counts read from the chapters' indexes) is read at
most every ``PROGRESS_INTERVAL_S`` and whenever the writer runs out of work, not after every batch: read
after each batch (then a ``GROUP BY`` over the document's chapters) it cost more than the batch itself on a
10,000-chapter document, and grew with it. The last progress of a burst is never skipped. Where the pipeline
has a connection of its own for the claims and the batches (SQLite), progress is read on another one
(``read_sessions``), outside the write lock: the feeder's claims do not wait for it.

Results are taken from the write queue as many at a time as are queued (up to the batch's room), under one
round of the queue's lock (:meth:`~.queues.BatchQueue.get_many`): in a burst the queue is full and each
batch is one take.

Runs on one thread (``db-writer``, started through the spawn hook); ends at the poison pill after flushing.
"""

from __future__ import annotations

import functools
import logging
import queue
import random
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ..events import ChapterCommitted, DocumentFinished, DocumentProgress, EventBus
from ..messages import DocumentResult, Stop
from ..records import ChapterRecord
from ..reports import CommitTimes
from ..states import ChapterStatus
from ..store import backlog, documents
from ..store.db import engine_of
from .queues import BatchQueue
from .stats import Rate, Window

log = logging.getLogger(__name__)


Result = ChapterRecord | DocumentResult


def _is_stop(item: object) -> bool:
    return isinstance(item, Stop)


#: Chapter results that reopen a document already summarizing or final (a cancelled one changes nothing).
_REOPENING = frozenset({ChapterStatus.DONE, ChapterStatus.FAILED})

#: Commit retries back off from ``RETRY_BASE_S`` doubling up to ``RETRY_CAP_S``, with jitter.
RETRY_BASE_S = 0.1
RETRY_CAP_S = 10.0


def backoff_delay(attempt: int) -> float:
    """Capped exponential backoff with "equal jitter": half the step fixed, half random.

    Several instances that lost the same database do not come back in lock-step, and none waits
    longer than ``RETRY_CAP_S`` once the database is back.
    """
    step: float = min(RETRY_CAP_S, RETRY_BASE_S * 2.0 ** min(attempt - 1, 30))
    return step / 2 + random.uniform(0, step / 2)


#: Longest a document's progress event waits behind newer commits (a progress bar's refresh, no slower).
PROGRESS_INTERVAL_S = 0.25


class BatchWriter:
    """Owns every result write of the pipeline. ``run`` is the loop; ``commit`` writes one batch now."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        bus: EventBus,
        results: BatchQueue[ChapterRecord | DocumentResult | Stop],
        *,
        batch_size: int,
        batch_interval_s: float,
        idle: Callable[[], bool],
        on_document_ready: Callable[[], None],
        write_lock: AbstractContextManager[Any] | None = None,
        read_sessions: sessionmaker[Session] | None = None,
    ) -> None:
        self.sessions = sessions
        #: Where progress is read (by default on ``sessions``, under the write lock): on another connection of
        #: the same database it needs no lock, and the feeder's claims do not wait for it.
        self.read_sessions = read_sessions or sessions
        self.bus = bus
        self.results = results
        self.batch_size = batch_size
        self.batch_interval_s = batch_interval_s
        self.idle = idle
        self.on_document_ready = on_document_ready
        #: Held around each batch's transaction; the pipeline shares it with its feeder's claims.
        self.write_lock = write_lock or nullcontext()
        self.commit_times = Window(500)
        self.throughput = Rate(60.0)
        self.committed = {"done": 0, "failed": 0, "retried": 0}
        #: Called before each batch is written (tests and benchmarks use it to slow or observe the writer).
        self.commit_hook: Callable[[list[ChapterRecord], list[DocumentResult]], None] | None = None
        self.finished = threading.Event()
        self._abandon = threading.Event()
        self._state_lock = threading.Lock()
        #: Why the database cannot be written now (None while it can), and since when (epoch seconds).
        self.unavailable: str | None = None
        self.unavailable_since: float | None = None
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
                items = self.results.get_many(self.batch_size - len(batch), timeout, last=_is_stop)
            except queue.Empty:
                items = []
                self._flush_progress()
            if items and not batch:
                deadline = time.monotonic() + self.batch_interval_s
            for item in items:
                if isinstance(item, Stop):
                    stop = True  # the pill comes last: what is queued behind it stays queued
                else:
                    batch.append(item)
            if batch and (stop or len(batch) >= self.batch_size or time.monotonic() >= deadline or self.idle()):
                self.commit(batch)
                batch = []
        self._flush_progress()
        self.finished.set()
        log.info("DB writer stopped")

    def commit(self, batch: list[Result]) -> None:
        """Write one batch in one short transaction, then publish its events.

        Never gives up on a batch while the pipeline runs: a locked, unreachable or full database is retried
        with capped exponential backoff and jitter, the batch kept in memory (the write queue behind it fills
        and blocks the workers: backpressure, not loss), and :attr:`unavailable` says why meanwhile, for the
        status, the window and ``/health``. Only :meth:`abandon` (a stop whose deadline passed) ends the
        retries; the batch's chapters then stay claimed until their lease expires and any instance redoes them.
        """
        chapters = [r for r in batch if isinstance(r, ChapterRecord)]
        docs = [r for r in batch if isinstance(r, DocumentResult)]
        started = time.perf_counter()
        attempt = 0
        while True:
            try:
                if self.commit_hook:
                    self.commit_hook(chapters, docs)
                chapters, docs = self._write(chapters, docs)
                break
            except IntegrityError as err:
                log.warning("Batch rejected (%s); writing its rows one by one", err.orig)
                chapters, docs = self._commit_rows_one_by_one(chapters, docs)
                break
            except (DBAPIError, OSError) as err:
                attempt += 1
                delay = backoff_delay(attempt)
                reason = str(getattr(err, "orig", None) or err).strip().splitlines()[0]
                self._set_unavailable(reason)
                log.warning(
                    "Database unavailable while committing %d results (%s); retry %d in %.1f s",
                    len(batch),
                    reason,
                    attempt,
                    delay,
                )
                if self._abandon.wait(delay):
                    log.error("Stopping with %d results not committed; their chapters are redone later", len(batch))
                    return
        if self.unavailable is not None:
            log.warning("Database available again after %d retries", attempt)
            self._set_unavailable(None)
        elapsed_ms = (time.perf_counter() - started) * 1000.0
        self.commit_times.add(elapsed_ms)
        log.info("Committed batch of %d chapters in %.2f ms", len(chapters) + len(docs), elapsed_ms)
        self._publish(chapters, docs)

    def abandon(self) -> None:
        """Stop retrying an unwritable batch (the pipeline's stop deadline passed)."""
        self._abandon.set()

    def _set_unavailable(self, reason: str | None) -> None:
        with self._state_lock:
            self.unavailable = reason
            self.unavailable_since = (self.unavailable_since or time.time()) if reason else None

    @functools.cached_property
    def _engine(self) -> Engine:
        """The engine of the batches' sessions, for a Core connection's transaction (see store.driver)."""
        return engine_of(self.sessions)

    @functools.cached_property
    def _read_engine(self) -> Engine:
        """The engine progress is read on."""
        return engine_of(self.read_sessions)

    def _write(
        self, chapters: list[ChapterRecord], docs: list[DocumentResult]
    ) -> tuple[list[ChapterRecord], list[DocumentResult]]:
        # Made ready before the connection is taken: the feeder's claims wait only for the database's own work.
        prepared = backlog.prepare_chapter_results(self._engine.dialect, chapters)
        # A Core connection's transaction, not a session's: see store.driver.
        with self.write_lock, self._engine.begin() as connection:
            written = backlog.write_prepared(connection, prepared)
            landed = [r for r in chapters if r.id in written]
            # A summary (or a failure) that lands on a finished document changes what it holds: redo its reduce.
            backlog.reopen_documents(connection, {r.document_id for r in landed if r.status in _REOPENING})
            applied = backlog.apply_document_results(connection, docs)
        return landed, applied

    def _commit_rows_one_by_one(
        self, rows: list[ChapterRecord], docs: list[DocumentResult]
    ) -> tuple[list[ChapterRecord], list[DocumentResult]]:
        kept: list[ChapterRecord] = []
        for row in rows:
            try:
                landed, _ = self._write([row], [])
                kept.extend(landed)
            except IntegrityError:
                log.info("Dropped the result of chapter %s: its document was removed", row.id)
        _, applied = self._write([], docs)
        return kept, applied

    def _publish(self, chapters: list[ChapterRecord], docs: list[DocumentResult]) -> None:
        touched: dict[str, None] = {}
        for row in chapters:
            if row.status == ChapterStatus.PENDING:
                self.committed["retried"] += 1
                continue
            if row.status != ChapterStatus.CANCELLED:
                self.committed["done" if row.status == ChapterStatus.DONE else "failed"] += 1
            touched[row.document_id] = None
            self.bus.publish(ChapterCommitted(row))
        self.throughput.add(sum(1 for r in chapters if r.status != ChapterStatus.PENDING))
        self._progress_due.update(touched)
        if self._progress_due and (time.monotonic() - self._progress_at >= PROGRESS_INTERVAL_S or self.idle()):
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
        apart = self.read_sessions is not self.sessions
        try:
            with nullcontext() if apart else self.write_lock, self._read_engine.connect() as connection:
                counts = documents.progress(connection, due)
        except DBAPIError as err:  # lost right after the commit: the next batch's events carry the counts
            log.warning("Could not read the progress of %d documents: %s", len(due), err.orig)
            self._progress_due.update(due)
            self.on_document_ready()  # the feeder looks for finished documents itself
            return
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
