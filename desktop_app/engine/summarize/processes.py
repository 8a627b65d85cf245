"""Run a CPU-bound summarizer in worker processes.

The built-in summarizer is pure computation. On threads it shares Python's interpreter lock with everything
else in the process, so it uses one core however many workers run, and a window hosting it waits for the lock
while it paints. In worker processes each summary runs on its own core and the host process stays free.

The pool starts on first use (``spawn``, so it works the same on every platform and inside a Qt application)
and ends with :meth:`ProcessSummarizer.close`. Requests and results cross as pickles; a worker that dies is
reported as a transient error, and the pool is rebuilt for the next request.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from typing import Any, TypeVar

from ..reports import SummarizerStats
from .base import Summarizer, SummarizerBase, SummaryRequest, SummaryResult, TransientError

log = logging.getLogger(__name__)

_T = TypeVar("_T")

_worker: Summarizer | None = None


def _start_worker(factory: Callable[[], Summarizer]) -> None:
    global _worker  # noqa: PLW0603  (one summarizer per worker process)
    _worker = factory()


def _ready() -> bool:
    return _worker is not None


def _summarize_in_worker(request: SummaryRequest) -> SummaryResult:
    assert _worker is not None, "worker process not initialised"
    return _worker.summarize(request)


class ProcessSummarizer(SummarizerBase):
    """A :class:`Summarizer` whose ``summarize`` runs in one of ``processes`` worker processes. Thread-safe."""

    cpu_bound = True

    def __init__(self, factory: Callable[[], Summarizer], processes: int) -> None:
        self._factory = factory
        self._local = factory()  # for streaming, stats and the names; cheap to build
        self.name = self._local.name
        self.model = self._local.model
        self._slots = processes
        self.processes = processes
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self._closed = False

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._closed:
                raise TransientError("The summarizer processes were stopped.")
            if self._pool is None:
                log.info("Starting %d summarizer processes", self.processes)
                self._pool = ProcessPoolExecutor(
                    max_workers=self.processes,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_start_worker,
                    initargs=(self._factory,),
                )
            return self._pool

    def warm_up(self) -> None:
        """Start the worker processes now (without waiting), so the first chapters do not pay for it."""
        pool = self._executor()
        for _ in range(self.processes):
            pool.submit(_ready)

    def summarize(self, request: SummaryRequest) -> SummaryResult:
        # A progress callback stays in this process (it could not cross anyway): parts are not reported.
        return self.compute(_summarize_in_worker, replace(request, on_progress=None))

    def compute(self, fn: Callable[..., _T], /, *args: Any, **kwargs: Any) -> _T:
        """``fn(*args, **kwargs)`` in one of the worker processes (``fn`` a module-level function)."""
        pool = self._executor()
        try:
            return pool.submit(fn, *args, **kwargs).result()
        except BrokenProcessPool as err:
            with self._lock:
                if self._pool is pool:
                    self._pool = None
            pool.shutdown(wait=False, cancel_futures=True)
            raise TransientError(f"A summarizer process stopped unexpectedly ({err}); it is restarted.") from err

    def stream(self, request: SummaryRequest) -> Iterator[str]:
        yield from self._local.stream(request)

    def stats(self) -> SummarizerStats:
        return replace(self._local.stats(), processes=self.processes)

    def close(self) -> None:
        with self._lock:
            pool, self._pool, self._closed = self._pool, None, True
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        self._local.close()
