"""The adaptive pool of summary workers: summary queue in, write queue out.

Each worker takes an item from the summary queue, summarizes it (:mod:`.work`) and puts the result on the
write queue; a full write queue blocks it (backpressure). The pool grows and shrinks between the
configured bounds by the decisions of :mod:`.scaler`, logged in the seed's words ("Scaled up to 6 workers
(optimal: 6)"). For a remote backend the optimum is what the server can take, learned per endpoint by
:mod:`.limiter`: a permit is taken around each request (by the backend, :meth:`~..summarize.base.Summarizer.
gate_requests`; around a worker's whole item for a backend that cannot), so a one-slot server sees one request
at a time even when the pool keeps its minimum of workers, and the pool grows at once when the limit does,
to a quarter more workers than permits, which keeps the permits in use while workers do their own part.
Workers are loops started through the spawn hook (``summary-worker-N``); a retired worker finishes its
item and ends; a ``STOP`` pill ends one worker.

Thread-safe: the monitor resizes while workers run; one lock guards the worker table.
"""

from __future__ import annotations

import logging
import math
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..messages import STOP, ChapterWork, DocumentResult, DocumentWork, Stop, WorkItem, WriteItem
from ..records import ChapterRecord
from ..reports import InFlight, Percentiles, WorkerStats
from ..states import ChapterStatus
from ..summarize.base import RateLimitedError, ServerBusyError, Summarizer
from .limiter import ConcurrencyController
from .scaler import ScaleInputs, decide
from .spawn import Handle, Spawn
from .stats import Window
from .work import ABANDONED, summarize_chapter, summarize_document

log = logging.getLogger(__name__)


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


def _cancelled(item: ChapterWork) -> ChapterRecord:
    return ChapterRecord(
        item.chapter_id, item.document_id, item.index, item.title, ChapterStatus.CANCELLED, item.attempts
    )


@dataclass(frozen=True, slots=True)
class PoolBounds:
    min_workers: int
    max_workers: int
    max_attempts: int
    summary_sentences: int
    cores: int


class WorkerPool:
    """Summary workers between ``bounds.min_workers`` and ``bounds.max_workers``. See the module docstring."""

    def __init__(
        self,
        bounds: PoolBounds,
        summarizer: Summarizer,
        summary_queue: queue.Queue[WorkItem],
        write_queue: queue.Queue[WriteItem],
        *,
        spawn: Spawn,
        is_cancelled: Callable[[str], bool],
        on_item_taken: Callable[[], None],
        on_parts: Callable[[ChapterWork, int, int], None] | None = None,
    ) -> None:
        self.bounds = bounds
        self.summarizer = summarizer
        self.summary_queue = summary_queue
        self.write_queue = write_queue
        self.spawn = spawn
        self.is_cancelled = is_cancelled
        self.on_item_taken = on_item_taken
        #: A long chapter summarized in parts reports (item, parts done, parts in all) on the worker's thread.
        self.on_parts = on_parts
        self.llm_latency = Window()
        #: Wall time of one item on a worker (moving average, seconds): what sizes this instance's claims.
        self.item_s: float | None = None
        self._lock = threading.Lock()
        self._workers: dict[int, _Worker] = {}
        self._next_worker = 0
        self._overload = 0
        self._latency_history: list[float] = []
        self._stopping = False
        self._is_stopping: Callable[[], bool] = lambda: self._stopping  # made once: it is passed with every item
        self._started = False  # synchronous mode never starts the pool: items are processed on the caller's thread
        #: The learned per-endpoint limits; None for a summarizer that runs on this machine's cores.
        self.controller: ConcurrencyController | None = None
        if not summarizer.cpu_bound:
            self.controller = ConcurrencyController(
                [e.url for e in summarizer.stats().endpoints],
                initial=bounds.min_workers,
                max_total=bounds.max_workers,
                known_slots=summarizer.max_concurrency,
            )
        #: Whether the backend takes a permit around each request itself (else a worker holds one a whole item).
        self._gated_requests = self.controller is not None and summarizer.gate_requests(self.controller)

    # --- workers

    def start(self, count: int) -> int:
        """Start ``count`` workers, or as many as the endpoints' limits already call for; returns how many.

        Where the server's slots are known from the start, the first round fills them: started at the
        configured count, it sent that many requests and grew only when the first answers came back.
        """
        if self.controller is not None:
            count = max(count, self._learned_workers())
        with self._lock:
            self._started = True
            for _ in range(count):
                self._spawn_worker()
        return count

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
                if isinstance(item, ChapterWork) and self.is_cancelled(item.document_id):
                    # Cancelled while queued: say so in the database too (a no-op when it already does).
                    self.write_queue.put(_cancelled(item))
                    continue
                worker.item, worker.started = item, time.monotonic()
                self.on_item_taken()  # there is room in the queue now
                result = self._process_gated(item, worker)
                took = time.monotonic() - worker.started
                self.item_s = took if self.item_s is None else 0.8 * self.item_s + 0.2 * took
                if self._stopping and result.error == ABANDONED:
                    worker.item = None
                    continue  # cut off at shutdown: the stop hands the chapter (or document) back
                self.write_queue.put(result)  # blocks when the writer falls behind: backpressure
                worker.item = None
        finally:
            with self._lock:
                self._workers.pop(worker.id, None)
            log.info("Summary worker %d stopped", worker.id)

    def _process_gated(self, item: ChapterWork | DocumentWork, worker: _Worker) -> ChapterRecord | DocumentResult:
        controller = self.controller
        if controller is None or self._gated_requests:
            return self.process(item, worker)
        before = controller.acquire()
        try:
            return self.process(item, worker, in_flight=(before or 0) + 1)
        finally:
            controller.release()

    def process(
        self, item: ChapterWork | DocumentWork, worker: _Worker | None = None, *, in_flight: int = 1
    ) -> ChapterRecord | DocumentResult:
        """Summarize one item on the calling thread (workers, and the synchronous mode)."""
        if isinstance(item, DocumentWork):
            return summarize_document(
                item,
                self.summarizer,
                max_sentences=self.bounds.summary_sentences,
                stopping=self._is_stopping,
            )
        row, result, error = summarize_chapter(
            item,
            self.summarizer,
            max_sentences=self.bounds.summary_sentences,
            max_attempts=self.bounds.max_attempts,
            stopping=self._is_stopping,
            on_progress=self._parts_reporter(item),
        )
        if result is not None and not result.cached:
            self.llm_latency.add(result.latency_ms)
            if worker and worker.latency:
                worker.latency.add(result.latency_ms)
            if self.controller is not None:
                if not self._gated_requests:
                    self.controller.record(result.endpoint, result.latency_ms, in_flight)
                self._follow_limit()
        if isinstance(error, RateLimitedError | ServerBusyError):
            with self._lock:
                self._overload += 1
            if self.controller is not None and not self._gated_requests:
                self.controller.overloaded()
        if worker:
            if row.status == ChapterStatus.DONE:
                worker.done += 1
            elif row.status == ChapterStatus.FAILED:
                worker.failed += 1
        return row

    def _parts_reporter(self, item: ChapterWork) -> Callable[[int, int], None] | None:
        report = self.on_parts
        if report is None:
            return None
        return lambda done, total: report(item, done, total)

    def stop(self, deadline: float) -> bool:
        """Send every worker a pill and wait for them until ``deadline`` (a ``time.monotonic`` value).

        Workers get half the time to finish what they are summarizing; then the summarizer's requests are
        cut (``interrupt``: blocked reads end at once), and the chapters they held go back to the backlog.
        """
        with self._lock:
            self._stopping = True
            workers = list(self._workers.values())
        for _ in workers:
            self.summary_queue.put(STOP)
        grace = time.monotonic() + max(0.0, deadline - time.monotonic()) / 2
        for worker in workers:
            if worker.handle is not None:
                worker.handle.join(max(0.0, grace - time.monotonic()))
        if any(w.handle is not None and w.handle.is_alive() for w in workers):
            log.info("Stopping: cutting the summaries still in progress; they are done again at the next start")
            self.summarizer.interrupt()
        ok = True
        for worker in workers:
            if worker.handle is not None:
                ok &= worker.handle.join(max(0.0, deadline - time.monotonic()))
        return ok

    # --- scaling

    def workers_for(self, limit: int) -> int:
        """Workers for ``limit`` requests at once: a quarter more where permits cover only the requests.

        A worker spends part of each chapter on its own work (the prompt, grounding, clause flags) without
        a permit; the extra workers keep the permits in use meanwhile and otherwise wait for one.
        """
        if not self._gated_requests:
            return limit
        return min(self.bounds.max_workers, limit + max(1, math.ceil(limit / 4)))

    def _learned_workers(self) -> int:
        """Workers for the endpoints' current limits, within the configured maximum."""
        assert self.controller is not None
        return min(self.bounds.max_workers, self.workers_for(self.controller.limit))

    def _follow_limit(self) -> None:
        """Grow at once when the learned limit rises above the workers (shrinking waits for ``rescale``).

        Only a started pool grows: in synchronous mode nothing would feed the workers and no stop would end them.
        """
        assert self.controller is not None
        if not self._started:
            return
        target = self._learned_workers()
        with self._lock:
            active = sum(1 for w in self._workers.values() if not w.retire)
        if target > active:
            self.resize(target, f"optimal: {target}")

    def rescale(self, *, backlog: int) -> None:
        """One scaling decision from the gauges (the monitor calls it every few seconds)."""
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
        learned = self.workers_for(self.controller.limit) if self.controller is not None else None
        if learned is not None:
            trend, overload = None, 0  # the per-endpoint limits already answered these
        decision = decide(
            ScaleInputs(
                current=current,
                busy=busy,
                min_workers=self.bounds.min_workers,
                max_workers=self.bounds.max_workers,
                queue_depth=self.summary_queue.qsize(),
                write_depth=self.write_queue.qsize(),
                write_max=self.write_queue.maxsize,
                backlog=backlog,
                latency_p50_ms=recent,
                latency_trend=trend,
                cores=self.bounds.cores,
                cpu_bound=self.summarizer.cpu_bound,
                # Requests are held to the slots by the permits and the routing; workers may be more.
                backend_slots=None if self._gated_requests else self.summarizer.max_concurrency,
                overload_errors=overload,
                learned_limit=learned,
            )
        )
        reason = f"optimal: {decision.optimal}" if decision.reason == "queue depth" else decision.reason
        self.resize(decision.target, reason)

    def resize(self, target: int, reason: str = "requested") -> None:
        """Grow or shrink the pool to ``target`` workers (within the configured bounds)."""
        target = max(self.bounds.min_workers, min(self.bounds.max_workers, target))
        with self._lock:
            if self._stopping:
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

    # --- reading

    def counts(self) -> tuple[int, int]:
        """(workers, busy workers)."""
        with self._lock:
            active = [w for w in self._workers.values() if not w.retire]
            return len(active), sum(1 for w in active if w.item is not None)

    def busy(self) -> bool:
        with self._lock:
            return any(w.item is not None for w in self._workers.values())

    def in_flight(self) -> list[InFlight]:
        """Chapters being summarized right now, for ``inspect active``."""
        now = time.monotonic()
        with self._lock:
            workers = list(self._workers.values())
        endpoints = self.summarizer.active_endpoints()
        out = []
        for w in workers:
            item = w.item
            if item is None:
                continue
            chapter = isinstance(item, ChapterWork)
            out.append(
                InFlight(
                    worker=w.id,
                    document_id=item.document_id,
                    chapter_id=item.chapter_id if isinstance(item, ChapterWork) else None,
                    chapter_index=item.index if isinstance(item, ChapterWork) else None,
                    title=item.title,
                    kind="chapter" if chapter else "document summary",
                    backend=self.summarizer.name,
                    endpoint=endpoints.get(w.thread or 0) or ("built-in" if self.summarizer.cpu_bound else None),
                    seconds=round(now - w.started, 2),
                )
            )
        return out

    def worker_stats(self) -> list[WorkerStats]:
        with self._lock:
            workers = list(self._workers.values())
        return [
            WorkerStats(
                worker=w.id,
                done=w.done,
                failed=w.failed,
                busy=w.item is not None,
                latency_ms=Percentiles.from_dict(w.latency.percentiles() if w.latency else None),
            )
            for w in workers
        ]
