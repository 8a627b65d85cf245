"""The engine's loops, task-pool threads and summarizer processes run below the window's priority (Linux)."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from desktop_app.ui import threads

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice values are Linux's")


def _nice() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def test_a_loop_thread_runs_below_the_gui_thread(qtbot) -> None:
    seen: list[int] = []
    handle = threads.qthread_spawn("priority-probe", lambda: seen.append(_nice()))
    assert handle.join(10)
    assert seen == [min(19, _nice() + threads.BACKGROUND_NICE)]


def test_a_pool_thread_is_lowered_once_whatever_it_runs(qtbot) -> None:
    runner = threads.TaskRunner(max_threads=1)
    seen: list[int] = []
    for _ in range(3):
        with qtbot.waitSignal(runner.task_done, timeout=10_000):
            runner.submit(_nice, seen.append)
    assert seen == [min(19, _nice() + threads.BACKGROUND_NICE)] * 3  # not 5, 10, 15
    assert runner.wait(5)


def test_child_processes_started_from_the_gui_thread_are_lowered() -> None:
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    release = context.Event()
    child = context.Process(target=release.wait, daemon=True)
    child.start()
    try:
        assert os.getpriority(os.PRIO_PROCESS, child.pid) == _nice()  # inherited from this thread
        assert threads.lower_child_processes() >= 1
        below_the_loops = min(19, _nice() + threads.BACKGROUND_NICE + threads.PROCESS_NICE)
        assert os.getpriority(os.PRIO_PROCESS, child.pid) == below_the_loops
        assert threads.lower_child_processes() == 0  # already lowered: not lowered again
    finally:
        release.set()
        child.join(10)
