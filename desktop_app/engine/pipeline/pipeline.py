"""The async chapter pipeline: feeder → summary queue → worker pool → write queue → DB writer.

::

    backlog (pending chapters in the database)
        │  feeder (.feeder): claims by document priority, then FIFO, only as many as the queue has room for
    summary queue (bounded, 200)
        │  workers (.pool, 3–16, adaptive): summarize, then put the result on the write queue
    write queue (bounded, 500; a full queue blocks the workers: backpressure)
        │  DB writer (.writer, one thread): a batch every 50 rows or 500 ms, one idempotent upsert a batch
    events, after each commit

:class:`Pipeline` is the coordinator: it owns the two queues, starts the loops through the spawn hook
(``db-writer``, ``feeder``, ``monitor`` for gauges and scaling, ``summary-worker-N``), and stops them in order
with poison pills, flushing the last batch and handing unstarted chapters back (.lease).
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from ..events import ChapterProgress, EventBus, PipelineStats
from ..messages import STOP, ChapterWork, DocumentResult, WorkItem, WriteItem
from ..records import ChapterRecord
from ..reports import Gauges, InstanceState, Percentiles, PipelineStatus
from ..states import ChapterStatus
from ..store import backlog
from ..summarize.base import Summarizer
from .feeder import Feeder
from .lease import InstanceLease, OrphanedParses
from .pool import PoolBounds, WorkerPool
from .queues import BatchQueue
from .spawn import Handle, Spawn, thread_spawn
from .work import summarize_document
from .writer import BatchWriter

log = logging.getLogger(__name__)


#: Claims hold at most the work of this many seconds (see :meth:`Pipeline._claim_capacity`).
CLAIM_HORIZON_S = 0.5


@dataclass(frozen=True, slots=True)
class PipelineConfig:
    """The knobs of the pipeline (taken from :class:`~desktop_app.config.Settings`)."""

    initial_workers: int = 3
    min_workers: int = 3
    max_workers: int = 16
    summary_queue_size: int = 200
    write_queue_size: int = 500
    batch_size: int = 50
    batch_interval_s: float = 0.5
    max_attempts: int = 3
    summary_sentences: int = 5
    lease_s: float = 60.0
    heartbeat_s: float = 5.0
    scale_interval_s: float = 2.0
    stats_interval_s: float = 1.0
    cores: int = os.cpu_count() or 2


class Pipeline:
    """Runs summaries for the backlog of one database. Thread-safe; one per engine."""

    def __init__(
        self,
        config: PipelineConfig,
        sessions: sessionmaker[Session],
        summarizer: Summarizer,
        bus: EventBus,
        *,
        spawn: Spawn = thread_spawn,
        instance_id: str,
        writes: sessionmaker[Session] | None = None,
        parses: OrphanedParses | None = None,
    ) -> None:
        """``writes``: sessions on one connection for the claims and the result batches (see
        :func:`~..store.db.serial_sessions`); without it they use ``sessions``, each on a connection of its own.
        ``parses``: the engine's parser, which parses again the orphaned uploads it still has (see :mod:`.lease`)."""
        self.config = config
        self.sessions = sessions
        self.summarizer = summarizer
        self.bus = bus
        self.spawn = spawn
        self.instance_id = instance_id
        self.summary_queue: BatchQueue[WorkItem] = BatchQueue(config.summary_queue_size)
        self.write_queue: BatchQueue[WriteItem] = BatchQueue(config.write_queue_size)
        self._lock = threading.Lock()
        self._cancelled: set[str] = set()  # documents whose queued chapters are dropped, not summarized
        self._stopping = threading.Event()
        self._handles: list[Handle] = []
        self._backlog = 0
        self._started = False
        self.lease = InstanceLease(sessions, instance_id, lease_s=config.lease_s, parses=parses)
        # On one SQLite connection (``writes``) the feeder's claims and the writer's batches take turns here;
        # on two they took turns in SQLite's busy handler, which sleeps 1, 2, 5, 10… ms between tries.
        write_lock: AbstractContextManager[Any] = threading.Lock() if writes is not None else nullcontext()
        writes = writes or sessions
        self.feeder = Feeder(
            writes,
            self.summary_queue,
            self.lease,
            # Several renewals within one lease, so a live instance's claims never expire under it.
            heartbeat_s=min(config.heartbeat_s, config.lease_s / 3),
            instance_state=lambda: self.instance_state().to_dict(),
            capacity=self._claim_capacity,
            write_lock=write_lock,
            read_sessions=sessions,
        )
        self.pool = WorkerPool(
            PoolBounds(
                config.min_workers, config.max_workers, config.max_attempts, config.summary_sentences, config.cores
            ),
            summarizer,
            self.summary_queue,
            self.write_queue,
            spawn=spawn,
            is_cancelled=self._is_cancelled,
            on_item_taken=self.feeder.item_taken,
            on_parts=lambda item, done, total: bus.publish(
                ChapterProgress(item.document_id, item.chapter_id, done, total)
            ),
        )
        self.writer = BatchWriter(
            writes,
            bus,
            self.write_queue,
            batch_size=config.batch_size,
            batch_interval_s=config.batch_interval_s,
            idle=self._idle,
            on_document_ready=self.feeder.wake,
            write_lock=write_lock,
            read_sessions=sessions,
        )

    # --- lifecycle

    def start(self) -> None:
        """Register this instance, recover orphaned claims and start the loops."""
        if self._started:
            return
        self._started = True
        self.lease.register()
        if self.lease.recover():
            self.feeder.wake()
        self._handles.append(self.spawn("db-writer", self.writer.run))
        workers = self.pool.start(self.config.initial_workers)
        self._handles.append(self.spawn("feeder", self.feeder.run))
        self._handles.append(self.spawn("monitor", self._monitor_loop))
        log.info("Pipeline initialized with %d workers", workers)

    def wake(self) -> None:
        """New work is in the backlog (an upload, a retry): claim it now instead of at the next poll."""
        self.feeder.wake()

    def cancel(self, document_id: str) -> list[str]:
        """Drop the document's queued chapters instead of summarizing them; returns the queued chapter ids.

        Workers write a queued chapter they drop as cancelled, so one taken between this call and the
        database's update is never left claimed; chapters already being summarized finish.
        """
        with self._lock:
            self._cancelled.add(document_id)
        self.feeder.wake()
        return self.queued_chapters(document_id)

    def resume(self, document_id: str) -> None:
        """The document is wanted again (retried or re-focused)."""
        with self._lock:
            self._cancelled.discard(document_id)
        self.feeder.wake()

    def _claim_capacity(self) -> int:
        """How many more chapters this instance may claim: what its workers finish in ``CLAIM_HORIZON_S``.

        Twice the workers until an item's time on a worker is known, then workers × horizon ÷ that time; what is
        queued or being summarized counts against it. The horizon is far inside the lease, so a claim never
        outlives what the instance can do within it, and short enough that instances sharing one database
        share a backlog in proportion to their speed instead of the first one taking the whole window.
        """
        workers, busy = self.pool.counts()
        workers = max(workers, 1)
        item_s = self.pool.item_s
        horizon_s = min(CLAIM_HORIZON_S, self.config.lease_s / 3)
        per_horizon = int(workers * horizon_s / max(item_s, 1e-4)) if item_s else 0
        return max(0, max(2 * workers, per_horizon) - self.summary_queue.qsize() - busy)

    def _is_cancelled(self, document_id: str) -> bool:
        return document_id in self._cancelled

    def stop(self, timeout: float = 5.0) -> bool:
        """Stop gracefully within ``timeout`` seconds; returns True if every loop ended in time."""
        if not self._started or self._stopping.is_set():
            return True
        deadline = time.monotonic() + timeout
        self._stopping.set()
        self.feeder.stop()
        for handle in self._handles:
            if handle.name in ("feeder", "monitor"):
                handle.join(max(0.0, deadline - time.monotonic()))
        unstarted = self._drain_summary_queue()
        ok = self.pool.stop(deadline - 0.5)
        try:
            self.write_queue.put(STOP, timeout=max(0.1, deadline - time.monotonic()))
        except queue.Full:
            ok = False
        if not self.writer.finished.wait(max(0.1, deadline - time.monotonic())):
            ok = False
            self.writer.abandon()  # a database still unavailable: the leases hand the work back later
        released = self.lease.release(unstarted)
        log.info("Pipeline stopped (%d queued chapters returned to the backlog)", released)
        return ok

    def queued_chapters(self, document_id: str) -> list[str]:
        """Chapters of the document claimed by this instance and waiting in the summary queue (not started)."""
        with self.summary_queue.mutex:
            items = list(self.summary_queue.queue)
        return [i.chapter_id for i in items if isinstance(i, ChapterWork) and i.document_id == document_id]

    def _drain_summary_queue(self) -> list[str]:
        ids: list[str] = []
        while True:
            try:
                item = self.summary_queue.get_nowait()
            except queue.Empty:
                return ids
            if isinstance(item, ChapterWork):
                ids.append(item.chapter_id)

    # --- writer

    def _idle(self) -> bool:
        """Nothing else can join the writer's open batch: waiting out the interval would only delay the views."""
        return self.write_queue.empty() and self.summary_queue.empty() and not self.pool.busy()

    def commit(self, batch: list[ChapterRecord | DocumentResult]) -> None:
        """Write one batch now (the writer's own path; also synchronous mode)."""
        self.writer.commit(batch)

    def set_commit_hook(self, hook: Callable[[list[ChapterRecord], list[DocumentResult]], None] | None) -> None:
        """Called before each batch is written (benchmarks and fault tests use it to slow or observe the writer)."""
        self.writer.commit_hook = hook

    # --- synchronous mode

    def run_inline(self, document_id: str) -> None:
        """Summarize one document's pending chapters on the calling thread (``USE_ASYNC_SUMMARIZATION=false``).

        Without the pipeline's loops this instance registers for the run and renews its lease after each
        chapter, so an async instance on the same database never takes its claims for abandoned ones.
        """
        registered = not self._started
        if registered:
            self.lease.register()
        try:
            self._run_inline(document_id)
        finally:
            if registered:
                self.lease.release(())

    def _run_inline(self, document_id: str) -> None:
        with self.sessions.begin() as session:
            pending = backlog.claim_document_chapters(session, self.instance_id, document_id)
        batch: list[ChapterRecord | DocumentResult] = []
        last_renewal = time.monotonic()
        while pending:
            if time.monotonic() - last_renewal >= self.feeder.heartbeat_s:
                self.lease.renew()
                last_renewal = time.monotonic()
            item = pending.pop(0)
            row = self.pool.process(item)
            assert isinstance(row, ChapterRecord)
            if row.status == ChapterStatus.PENDING:
                # Synchronous mode retries at once (after the backend's own backoff), up to max_attempts.
                pending.append(item.again(row.attempts))
                continue
            batch.append(row)
            if len(batch) >= self.config.batch_size:
                self.commit(batch)
                batch = []
        if batch:
            self.commit(batch)
        with self.sessions.begin() as session:
            claimed = backlog.claim_finished_documents(session, self.instance_id, 1, document_id=document_id)
        for doc in claimed:
            self.commit([summarize_document(doc, self.summarizer, max_sentences=self.config.summary_sentences)])

    # --- monitor: gauges and scaling

    def _monitor_loop(self) -> None:
        last_scale = last_backlog = time.monotonic()
        while not self._stopping.wait(self.config.stats_interval_s):
            now = time.monotonic()
            try:
                if now - last_backlog >= 2.0:
                    with self.sessions() as session:
                        self._backlog = backlog.backlog_size(session)
                    last_backlog = now
            except DBAPIError:
                pass
            if now - last_scale >= self.config.scale_interval_s:
                self.pool.rescale(backlog=self._backlog)
                last_scale = now
                self._save_state()
            self.bus.publish(PipelineStats(self.status()))

    def _save_state(self) -> None:
        """Renew the lease with what this engine is doing, so ``inspect`` in another process sees it."""
        try:
            self.lease.renew(lambda: self.instance_state().to_dict())
        except DBAPIError as err:
            log.debug("Could not save the instance state: %s", err)

    # --- status

    def gauges(self) -> Gauges:
        workers, busy = self.pool.counts()
        return Gauges(
            summary_queue_size=self.summary_queue.qsize(),
            summary_queue_maxsize=self.summary_queue.maxsize,
            write_queue_size=self.write_queue.qsize(),
            write_queue_maxsize=self.write_queue.maxsize,
            workers=workers,
            workers_busy=busy,
            database_available=self.writer.unavailable is None,
            database_error=self.database_error(),
            concurrency_limit=self.pool.controller.limit if self.pool.controller is not None else None,
        )

    def database_error(self) -> str | None:
        """ "database unavailable: <why>" while the writer cannot commit, else None (memory only)."""
        reason = self.writer.unavailable
        return f"database unavailable: {reason}" if reason is not None else None

    def status(self) -> PipelineStatus:
        """The gauges, with the seed's field names first."""
        gauges = self.gauges()
        committed = self.writer.committed
        return PipelineStatus(
            async_enabled=True,
            summary_queue_size=gauges.summary_queue_size,
            write_queue_size=gauges.write_queue_size,
            summary_queue_maxsize=gauges.summary_queue_maxsize,
            write_queue_maxsize=gauges.write_queue_maxsize,
            workers=gauges.workers,
            workers_busy=gauges.workers_busy,
            workers_min=self.config.min_workers,
            workers_max=self.config.max_workers,
            concurrency_limit=gauges.concurrency_limit,
            backlog=self._backlog,
            llm_latency_ms=Percentiles.from_dict(self.pool.llm_latency.percentiles(since_s=300)),
            batch_commit_ms=self.writer.commit_times_report(),
            throughput_per_minute=round(self.writer.throughput.per_second() * 60.0, 1),
            chapters_done=committed["done"],
            chapters_failed=committed["failed"],
            database_available=gauges.database_available,
            database_error=gauges.database_error,
            backend=self.summarizer.name,
            model=self.summarizer.model,
            summarizer=self.summarizer.stats(),
        )

    def instance_state(self) -> InstanceState:
        """What ``inspect`` shows of this instance: chapters in flight, workers, endpoints."""
        return InstanceState(
            in_flight=tuple(self.pool.in_flight()),
            workers=tuple(self.pool.worker_stats()),
            endpoints=self.summarizer.stats().endpoints,
        )
