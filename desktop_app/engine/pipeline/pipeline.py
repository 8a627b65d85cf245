"""The async chapter pipeline: feeder → summary queue → worker pool → write queue → DB writer.

::

    backlog (pending chapters in the database)
        │  feeder: claims by document priority, then FIFO, only as many as the queue has room for
    summary queue (bounded, 200)
        │  workers (3–16, adaptive): summarize, then put the result on the write queue
    write queue (bounded, 500; a full queue blocks the workers: backpressure)
        │  DB writer (one thread): a batch every 50 rows or 500 ms, one idempotent upsert a batch
    events, after each commit

Threads (all started through the spawn hook): ``feeder``, ``monitor`` (gauges and scaling),
``summary-worker-N`` and ``db-writer``. :meth:`Pipeline.stop` ends them in order with poison pills,
flushing the last batch and handing unstarted chapters back to the backlog. The writer is in :mod:`.writer`.
"""

from __future__ import annotations

import logging
import os
import queue
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from ..events import EventBus, PipelineStats
from ..store import repo
from ..store.models import ChapterStatus, utcnow
from ..store.repo import ChapterResult, ChapterWork, DocumentResult, DocumentWork
from ..summarize.base import RateLimitedError, ServerBusyError, Summarizer
from .scaler import ScaleInputs, decide
from .spawn import Handle, Spawn, thread_spawn
from .stats import Window
from .work import summarize_chapter, summarize_document
from .writer import STOP, BatchWriter, Stop

log = logging.getLogger(__name__)


WorkItem = ChapterWork | DocumentWork | Stop
WriteItem = ChapterResult | DocumentResult | Stop


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


@dataclass(slots=True)
class _Worker:
    id: int
    handle: Handle | None = None
    retire: bool = False
    item: ChapterWork | DocumentWork | None = None
    started: float = 0.0
    done: int = 0
    failed: int = 0
    latency: Window | None = None
    thread: int | None = None


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
    ) -> None:
        self.config = config
        self.sessions = sessions
        self.summarizer = summarizer
        self.bus = bus
        self.spawn = spawn
        self.instance_id = instance_id
        self.summary_queue: queue.Queue[WorkItem] = queue.Queue(config.summary_queue_size)
        self.write_queue: queue.Queue[WriteItem] = queue.Queue(config.write_queue_size)
        self.llm_latency = Window()
        self._lock = threading.Lock()
        self._workers: dict[int, _Worker] = {}
        self._next_worker = 0
        self._wake = threading.Event()
        self._cancelled: set[str] = set()  # documents whose queued chapters are dropped, not summarized
        self._stopping = threading.Event()
        self._handles: list[Handle] = []
        self._overload = 0
        self._backlog = 0
        self._latency_history: list[float] = []
        self._started = False
        self.writer = BatchWriter(
            sessions,
            bus,
            self.write_queue,
            batch_size=config.batch_size,
            batch_interval_s=config.batch_interval_s,
            idle=self._idle,
            on_document_ready=self._wake.set,
        )
        self.commit_times = self.writer.commit_times
        self.throughput = self.writer.throughput
        self.committed = self.writer.committed

    # --- lifecycle

    def start(self) -> None:
        """Register this instance, recover orphaned claims and start the loops."""
        if self._started:
            return
        self._started = True
        with self.sessions.begin() as session:
            repo.register_instance(session, self.instance_id, socket.gethostname(), os.getpid())
        self.recover()
        self._handles.append(self.spawn("db-writer", self.writer.run))

        with self._lock:
            for _ in range(self.config.initial_workers):
                self._spawn_worker()
        self._handles.append(self.spawn("feeder", self._feeder_loop))
        self._handles.append(self.spawn("monitor", self._monitor_loop))
        log.info("Pipeline initialized with %d workers", self.config.initial_workers)

    def wake(self) -> None:
        """New work is in the backlog (an upload, a retry): claim it now instead of at the next poll."""
        self._wake.set()

    def cancel(self, document_id: str) -> None:
        """Drop the document's queued chapters instead of summarizing them (after the database says cancelled)."""
        with self._lock:
            self._cancelled.add(document_id)
        self._wake.set()

    def resume(self, document_id: str) -> None:
        """The document is wanted again (retried or re-focused)."""
        with self._lock:
            self._cancelled.discard(document_id)
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> bool:
        """Stop gracefully within ``timeout`` seconds; returns True if every loop ended in time."""
        if not self._started or self._stopping.is_set():
            return True
        deadline = time.monotonic() + timeout
        self._stopping.set()
        self._wake.set()
        for handle in self._handles:
            if handle.name in ("feeder", "monitor"):
                handle.join(max(0.0, deadline - time.monotonic()))
        unstarted = self._drain_summary_queue()
        with self._lock:
            workers = list(self._workers.values())
        for _ in workers:
            self.summary_queue.put(STOP)
        ok = True
        for worker in workers:
            if worker.handle is not None:
                ok &= worker.handle.join(max(0.0, deadline - time.monotonic() - 0.5))
        try:
            self.write_queue.put(STOP, timeout=max(0.1, deadline - time.monotonic()))
        except queue.Full:
            ok = False
        ok &= self.writer.finished.wait(max(0.1, deadline - time.monotonic()))
        try:
            with self.sessions.begin() as session:
                released = repo.release_chapters(session, unstarted)
                repo.release_instance_claims(session, self.instance_id)
                repo.unregister_instance(session, self.instance_id)
        except DBAPIError:
            log.exception("Could not hand unfinished chapters back to the backlog; the next start will")
            released = 0
        log.info("Pipeline stopped (%d queued chapters returned to the backlog)", released)
        return ok

    def _drain_summary_queue(self) -> list[str]:
        ids: list[str] = []
        while True:
            try:
                item = self.summary_queue.get_nowait()
            except queue.Empty:
                return ids
            if isinstance(item, ChapterWork):
                ids.append(item.chapter_id)

    # --- recovery

    def recover(self) -> None:
        """Return the claims of dead instances (and unowned claims) to the backlog."""
        now = utcnow()
        stale = now - timedelta(seconds=self.config.lease_s)
        host = socket.gethostname()
        with self.sessions.begin() as session:
            dead = []
            for inst in repo.instances(session):
                if inst.id == self.instance_id:
                    continue
                heartbeat = (
                    inst.heartbeat_at if inst.heartbeat_at.tzinfo else inst.heartbeat_at.replace(tzinfo=now.tzinfo)
                )
                if heartbeat < stale or (inst.host == host and not _pid_alive(inst.pid)):
                    dead.append(inst.id)
            chapters, documents = repo.recover_orphans(session, dead)
        if chapters or documents:
            log.info("Resuming %d unfinished chapters and %d documents", chapters, documents)
            self._wake.set()

    # --- feeder

    def _feeder_loop(self) -> None:
        last_heartbeat = last_recover = time.monotonic()
        while not self._stopping.is_set():
            now = time.monotonic()
            try:
                if now - last_heartbeat >= self.config.heartbeat_s:
                    with self.sessions.begin() as session:
                        repo.heartbeat(session, self.instance_id)
                    last_heartbeat = now
                if now - last_recover >= self.config.lease_s / 2:
                    self.recover()
                    last_recover = now
                fed = self._feed_once()
            except DBAPIError as err:
                log.warning("Feeder could not read the backlog (will retry): %s", err.orig)
                fed = 0
            if not fed:
                self._wake.wait(0.5)
                self._wake.clear()

    def _feed_once(self) -> int:
        room = self.summary_queue.maxsize - self.summary_queue.qsize()
        if room <= 0:
            return 0
        with self.sessions.begin() as session:
            documents = repo.claim_finished_documents(session, self.instance_id, limit=min(room, 10))
            chapters = repo.claim_chapters(session, self.instance_id, min(room - len(documents), 100))
        items: list[WorkItem] = [*documents, *chapters]
        for item in items:
            self.summary_queue.put(item)  # never blocks: only this thread puts, and there was room
        if chapters:
            log.debug("Enqueued %d chapters for summary generation", len(chapters))
        return len(documents) + len(chapters)

    # --- workers

    def _spawn_worker(self) -> None:
        worker = _Worker(self._next_worker, latency=Window(200))
        self._next_worker += 1
        self._workers[worker.id] = worker
        worker.handle = self.spawn(f"summary-worker-{worker.id}", lambda: self._worker_loop(worker))

    def _worker_loop(self, worker: _Worker) -> None:
        log.info("Summary worker %d started", worker.id)
        worker.thread = threading.get_ident()
        try:
            while not worker.retire:
                try:
                    item = self.summary_queue.get(timeout=0.5)
                except queue.Empty:
                    continue
                if isinstance(item, Stop):
                    break
                if isinstance(item, ChapterWork) and item.document_id in self._cancelled:
                    continue  # cancelled while queued: the database already says so
                worker.item, worker.started = item, time.monotonic()
                self._wake.set()  # there is room in the queue now
                result = self._process(item, worker)
                self.write_queue.put(result)  # blocks when the writer falls behind: backpressure
                worker.item = None
        finally:
            with self._lock:
                self._workers.pop(worker.id, None)
            log.info("Summary worker %d stopped", worker.id)

    def _process(self, item: ChapterWork | DocumentWork, worker: _Worker | None = None) -> WriteItem:
        if isinstance(item, DocumentWork):
            return summarize_document(item, self.summarizer, max_sentences=self.config.summary_sentences)
        row, result, error = summarize_chapter(
            item, self.summarizer, max_sentences=self.config.summary_sentences, max_attempts=self.config.max_attempts
        )
        if result is not None and not result.cached:
            self.llm_latency.add(result.latency_ms)
            if worker and worker.latency:
                worker.latency.add(result.latency_ms)
        if isinstance(error, RateLimitedError | ServerBusyError):
            with self._lock:
                self._overload += 1
        if worker:
            if row.status == ChapterStatus.DONE.value:
                worker.done += 1
            elif row.status == ChapterStatus.FAILED.value:
                worker.failed += 1
        return row

    # --- writer

    def _idle(self) -> bool:
        """Nothing else can join the writer's open batch: waiting out the interval would only delay the views."""
        if not self.write_queue.empty() or not self.summary_queue.empty():
            return False
        with self._lock:
            return not any(w.item is not None for w in self._workers.values())

    def commit(self, batch: list[ChapterResult | DocumentResult]) -> None:
        """Write one batch now (the writer's own path; also synchronous mode and tests)."""
        self.writer.commit(batch)

    @property
    def commit_hook(self) -> Callable[[list[ChapterResult], list[DocumentResult]], None] | None:
        """Called before each batch is written (tests and benchmarks use it to slow or observe the writer)."""
        return self.writer.commit_hook

    @commit_hook.setter
    def commit_hook(self, hook: Callable[[list[ChapterResult], list[DocumentResult]], None] | None) -> None:
        self.writer.commit_hook = hook

    # --- synchronous mode

    def run_inline(self, document_id: str) -> None:
        """Summarize one document's pending chapters on the calling thread (``USE_ASYNC_SUMMARIZATION=false``)."""
        with self.sessions.begin() as session:
            work = repo.claim_document_chapters(session, self.instance_id, document_id)
        batch: list[ChapterResult | DocumentResult] = []
        pending = list(work)
        while pending:
            item = pending.pop(0)
            row = self._process(item)
            assert isinstance(row, ChapterResult)
            if row.status == ChapterStatus.PENDING.value:
                # Synchronous mode retries at once (after the backend's own backoff), up to max_attempts.
                pending.append(
                    ChapterWork(
                        item.chapter_id, item.document_id, item.index, item.title, item.text, row.attempts, item.focus
                    )
                )
                continue
            batch.append(row)
            if len(batch) >= self.config.batch_size:
                self.commit(batch)
                batch = []
        if batch:
            self.commit(batch)
        with self.sessions.begin() as session:
            docs = [
                d for d in repo.claim_finished_documents(session, self.instance_id, 50) if d.document_id == document_id
            ]
        for doc in docs:
            self.commit([summarize_document(doc, self.summarizer, max_sentences=self.config.summary_sentences)])

    # --- monitor: gauges and scaling

    def _monitor_loop(self) -> None:
        last_scale = last_backlog = time.monotonic()
        while not self._stopping.wait(self.config.stats_interval_s):
            now = time.monotonic()
            try:
                if now - last_backlog >= 2.0:
                    with self.sessions() as session:
                        self._backlog = repo.backlog_size(session)
                    last_backlog = now
            except DBAPIError:
                pass
            if now - last_scale >= self.config.scale_interval_s:
                self._rescale()
                last_scale = now
                self._save_state()
            self.bus.publish(PipelineStats(self.status()))

    def _save_state(self) -> None:
        try:
            with self.sessions.begin() as session:
                repo.save_instance_state(session, self.instance_id, self.snapshot())
        except DBAPIError as err:
            log.debug("Could not save the instance state: %s", err)

    def _rescale(self) -> None:
        with self._lock:
            workers = [w for w in self._workers.values() if not w.retire]
            current = len(workers)
            busy = sum(1 for w in workers if w.item is not None)
            overload, self._overload = self._overload, 0
        recent = self.llm_latency.percentiles(since_s=20)["p50"]
        earlier = self._latency_history[-5] if len(self._latency_history) >= 5 else None
        if recent is not None:
            self._latency_history = [*self._latency_history[-20:], recent]
        trend = (recent / earlier) if (recent and earlier) else None
        decision = decide(
            ScaleInputs(
                current=current,
                busy=busy,
                min_workers=self.config.min_workers,
                max_workers=self.config.max_workers,
                queue_depth=self.summary_queue.qsize(),
                write_depth=self.write_queue.qsize(),
                write_max=self.write_queue.maxsize,
                backlog=self._backlog,
                latency_p50_ms=recent,
                latency_trend=trend,
                cores=self.config.cores,
                cpu_bound=self.summarizer.cpu_bound,
                backend_slots=self.summarizer.max_concurrency,
                overload_errors=overload,
            )
        )
        self.resize(
            decision.target, f"optimal: {decision.optimal}" if decision.reason == "queue depth" else decision.reason
        )

    def resize(self, target: int, reason: str = "requested") -> None:
        """Grow or shrink the pool to ``target`` workers (within the configured bounds)."""
        target = max(self.config.min_workers, min(self.config.max_workers, target))
        with self._lock:
            if self._stopping.is_set():
                return
            active = [w for w in self._workers.values() if not w.retire]
            if target > len(active):
                for _ in range(target - len(active)):
                    self._spawn_worker()
                log.info("Scaled up to %d workers (%s)", target, reason)
            elif target < len(active):
                idle_first = sorted(active, key=lambda w: (w.item is not None, -w.id))
                for worker in idle_first[: len(active) - target]:
                    worker.retire = True
                log.info("Scaled down to %d workers (%s)", target, reason)

    # --- status

    def worker_count(self) -> tuple[int, int]:
        with self._lock:
            active = [w for w in self._workers.values() if not w.retire]
            return len(active), sum(1 for w in active if w.item is not None)

    def status(self) -> dict[str, Any]:
        """The gauges, with the seed's field names first."""
        current, busy = self.worker_count()
        commit = self.commit_times.percentiles()
        stats = getattr(self.summarizer, "stats", None)
        return {
            "async_enabled": True,
            "summary_queue_size": self.summary_queue.qsize(),
            "write_queue_size": self.write_queue.qsize(),
            "summary_queue_maxsize": self.summary_queue.maxsize,
            "write_queue_maxsize": self.write_queue.maxsize,
            "workers": current,
            "workers_busy": busy,
            "workers_min": self.config.min_workers,
            "workers_max": self.config.max_workers,
            "backlog": self._backlog,
            "llm_latency_ms": self.llm_latency.percentiles(since_s=300),
            "batch_commit_ms": {"p50": commit["p50"], "p99": commit["p99"], "last": self.commit_times.last()},
            "throughput_per_minute": round(self.throughput.per_second() * 60.0, 1),
            "chapters_done": self.committed["done"],
            "chapters_failed": self.committed["failed"],
            "backend": self.summarizer.name,
            "model": self.summarizer.model,
            "summarizer": stats() if callable(stats) else {},
        }

    def in_flight(self) -> list[dict[str, Any]]:
        """Chapters being summarized right now, for ``inspect active``."""
        now = time.monotonic()
        with self._lock:
            workers = list(self._workers.values())
        active = getattr(self.summarizer, "active_endpoints", None)
        endpoints: dict[int, str] = active() if callable(active) else {}
        out = []
        for w in workers:
            item = w.item
            if item is None:
                continue
            chapter = isinstance(item, ChapterWork)
            out.append(
                {
                    "worker": w.id,
                    "document_id": item.document_id,
                    "chapter_id": item.chapter_id if isinstance(item, ChapterWork) else None,
                    "chapter_index": item.index if isinstance(item, ChapterWork) else None,
                    "title": item.title,
                    "kind": "chapter" if chapter else "document summary",
                    "backend": self.summarizer.name,
                    "endpoint": endpoints.get(w.thread or 0) or ("built-in" if self.summarizer.cpu_bound else None),
                    "seconds": round(now - w.started, 2),
                }
            )
        return out

    def snapshot(self) -> dict[str, Any]:
        """What ``inspect`` shows of this instance: chapters in flight, workers, endpoints, gauges."""
        stats = getattr(self.summarizer, "stats", None)
        summarizer = stats() if callable(stats) else {}
        return {
            "in_flight": self.in_flight(),
            "workers": self.worker_stats(),
            "endpoints": summarizer.get("endpoints", []),
            "status": {k: v for k, v in self.status().items() if k != "summarizer"},
        }

    def worker_stats(self) -> list[dict[str, Any]]:
        with self._lock:
            workers = list(self._workers.values())
        return [
            {
                "worker": w.id,
                "done": w.done,
                "failed": w.failed,
                "busy": w.item is not None,
                "latency_ms": w.latency.percentiles() if w.latency else {},
            }
            for w in workers
        ]


def _pid_alive(pid: int) -> bool:
    if sys.platform == "win32":
        return True  # no cheap, safe probe: rely on the heartbeat lease
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
