"""Hosting the engine's loops in QThreads, and running slow engine calls off the GUI thread.

``qthread_spawn`` is the engine's spawn hook for the window: every long-lived loop (feeder, monitor,
summary workers, DB writer) runs in its own :class:`LoopThread`. Threads are kept in a registry until
they have finished, because a ``QThread`` destroyed while running aborts the process; :func:`drain`
waits for the stragglers on exit (as Picard registers ``waitForDone`` as a cleanup).

:class:`TaskRunner` runs one-shot engine calls (parsing a file, loading a document, exporting) on a
``QThreadPool`` and hands the result back to a callback on the GUI thread.
"""

from __future__ import annotations

import itertools
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThread, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)

_registry_lock = threading.Lock()
_registry: set[LoopThread] = set()


class LoopThread(QThread):
    """A QThread whose ``run`` calls one engine loop. Implements the engine's ``Handle`` protocol."""

    def __init__(self, name: str, target: Callable[[], None]) -> None:
        super().__init__()
        self.name = name
        self._target = target
        self.setObjectName(name)

    def run(self) -> None:
        threading.current_thread().name = self.name  # log lines name the loop, as with plain threads
        yield_to_window()
        try:
            self._target()
        except Exception:
            log.exception("Loop %s ended with an error", self.name)
        finally:
            with _registry_lock:
                _registry.discard(self)

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the loop to end (``timeout`` in seconds, None = forever); True if it has ended."""
        if timeout is None:
            return self.wait()
        return self.wait(max(0, int(timeout * 1000)))

    def is_alive(self) -> bool:
        return self.isRunning()


#: How much lower than the window the engine's loops run (a nice increment; Linux only).
BACKGROUND_NICE = 5

#: How much lower still than the loops the summarizer's worker processes run. A loop (the DB writer, the
#: feeder) that holds Python's interpreter lock and is taken off the core for a process of its own
#: priority keeps the window waiting for that lock until it comes back: on two cores, two processes
#: summarizing and the loops at one priority, the window stalled for 50–95 ms in 3 of 15 runs of
#: bench/gui_responsiveness.py (a 2,000-chapter burst), and in 1 of 15 with the processes below the loops.
PROCESS_NICE = 10


def yield_to_window() -> None:
    """Run the calling engine loop at a lower CPU priority than the GUI thread (Linux; elsewhere a no-op).

    On a busy machine the scheduler otherwise shares the cores evenly between the window and the DB
    writer, the feeder and the summarizer's worker processes (which inherit the priority of the thread
    that starts them), and the window waits its turn for tens of milliseconds (bench/gui_responsiveness.py).
    Linux keeps a nice value per thread, so only the loop's own thread is lowered; raising it back would
    need privileges, so a pool thread is lowered once and stays so.
    """
    if not sys.platform.startswith("linux"):
        return
    tid = threading.get_native_id()
    try:
        target = background_nice()
        if os.getpriority(os.PRIO_PROCESS, tid) < target:  # a pool thread runs many tasks: lowered once
            os.setpriority(os.PRIO_PROCESS, tid, target)
    except OSError as err:  # a sandbox that forbids it: the loop runs at the window's priority
        log.debug("Could not lower the priority of %s: %s", threading.current_thread().name, err)


def background_nice() -> int:
    """The nice value of the engine's threads and processes: the GUI (main) thread's, plus the increment."""
    main = threading.main_thread().native_id or os.getpid()
    return min(19, os.getpriority(os.PRIO_PROCESS, main) + BACKGROUND_NICE)


def lower_child_processes() -> int:
    """Lower the worker processes the GUI thread started (the summarizer's, at the engine's start) below the loops.

    They run :data:`PROCESS_NICE` below the engine's loops: the work the window waits for (the loops, which
    share its interpreter lock) goes first, and the processes use every core left. Processes started later
    by an engine loop inherit the loop's priority; these were started from the GUI thread, whose priority
    stays. Returns how many were lowered (Linux; elsewhere 0).
    """
    if not sys.platform.startswith("linux"):
        return 0
    import multiprocessing

    target = min(19, background_nice() + PROCESS_NICE)
    lowered = 0
    for child in multiprocessing.active_children():
        try:
            if child.pid is not None and os.getpriority(os.PRIO_PROCESS, child.pid) < target:
                os.setpriority(os.PRIO_PROCESS, child.pid, target)
                lowered += 1
        except OSError as err:  # it ended meanwhile, or a sandbox forbids it
            log.debug("Could not lower the priority of process %s: %s", child.pid, err)
    return lowered


def qthread_spawn(name: str, target: Callable[[], None]) -> LoopThread:
    """The engine's spawn hook for the window: start ``target`` in a new, registered QThread."""
    thread = LoopThread(name, target)
    with _registry_lock:
        _registry.add(thread)
    _prune()
    _keep.append(thread)
    thread.start()
    return thread


# Python wrappers of finished threads are released lazily (on the next spawn or drain), never while
# Qt may still be inside QThread's own finishing code.
_keep: list[LoopThread] = []


def _prune() -> None:
    _keep[:] = [t for t in _keep if not t.isFinished()]


def running_loops() -> list[str]:
    """Names of loop threads still running (for the status bar and tests)."""
    with _registry_lock:
        return sorted(t.name for t in _registry)


def drain(timeout: float = 5.0) -> bool:
    """Wait up to ``timeout`` seconds for every loop thread to finish; True if all did."""
    deadline = time.monotonic() + timeout
    ok = True
    for thread in list(_keep):
        remaining = max(0.0, deadline - time.monotonic())
        if not thread.wait(int(remaining * 1000)):
            log.warning("Loop %s did not stop within %.1f s", thread.name, timeout)
            ok = False
    _prune()
    return ok


class _Runnable(QRunnable):
    def __init__(self, runner: TaskRunner, task_id: int, fn: Callable[[], Any]) -> None:
        super().__init__()
        self._runner, self._task_id, self._fn = runner, task_id, fn

    def run(self) -> None:
        yield_to_window()  # engine calls (parsing, loading) run below the window too
        try:
            result, error = self._fn(), None
        except Exception as err:  # handed to the caller's callback, on the GUI thread
            result, error = None, err
        # One tuple, never a bare None: PySide6 miscounts references of None passed through a queued
        # ``object`` argument.
        self._runner.task_done.emit(self._task_id, (result, error))


class TaskRunner(QObject):
    """Runs callables on a thread pool; results come back on the GUI thread.

    ``submit(fn, on_done, on_error)``: ``on_done(result)`` or ``on_error(exception)`` is called on the
    thread this object lives in (the GUI thread). Cancelled by nothing: tasks are short engine calls.
    """

    # --- signals
    task_done = Signal(int, object)  # task id, (result, error); emitted from pool threads
    idle_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None, *, max_threads: int = 4) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self._ids = itertools.count(1)
        self._callbacks: dict[int, tuple[Callable[[Any], None] | None, Callable[[Exception], None] | None]] = {}
        self.task_done.connect(self._on_task_done)

    def submit(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
    ) -> int:
        task_id = next(self._ids)
        self._callbacks[task_id] = (on_done, on_error)
        if len(self._callbacks) == 1:
            self.idle_changed.emit(False)
        self.pool.start(_Runnable(self, task_id, fn))
        return task_id

    @property
    def pending(self) -> int:
        return len(self._callbacks)

    def wait(self, timeout: float = 5.0) -> bool:
        """Wait for running tasks (on exit); their callbacks are not called afterwards."""
        return self.pool.waitForDone(int(timeout * 1000))

    # --- slots

    @Slot(int, object)
    def _on_task_done(self, task_id: int, outcome: tuple[Any, Exception | None]) -> None:
        result, error = outcome
        on_done, on_error = self._callbacks.pop(task_id, (None, None))
        if not self._callbacks:
            self.idle_changed.emit(True)
        if error is not None:
            if on_error is not None:
                on_error(error)
            else:
                log.error("Background task failed: %s", error, exc_info=error)
        elif on_done is not None:
            on_done(result)
