"""``chapterwise worker``: a headless instance that only works the shared backlog.

For users who outgrow one machine: the window (or ``serve``) adds documents to a PostgreSQL database, and
any number of ``chapterwise worker --db postgresql://…`` processes on other machines claim chapters from
it in fair batches, summarize them with their own backend and write the results back. A worker's claims
are leases: if it is killed, any other instance takes its chapters again once the lease expires
(``CHAPTERWISE_LEASE_SECONDS``). It stops gracefully on Ctrl-C or SIGTERM, handing unstarted work back.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import Any

from desktop_app.config import Settings
from desktop_app.engine.memory import settle_memory

from .common import EXIT_DATABASE, EXIT_OK, EXIT_USAGE, _open_engine


def _cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.use_async_summarization:
        print("chapterwise: a worker needs the async pipeline (USE_ASYNC_SUMMARIZATION=true)", file=sys.stderr)
        return EXIT_USAGE
    if not settings.database_url.startswith("postgresql"):
        print(
            "chapterwise: note: a worker shares a backlog through PostgreSQL (--db postgresql://…); "
            "on SQLite it only works this machine's database",
            file=sys.stderr,
        )
    engine = _open_engine(settings)
    if engine is None:
        return EXIT_DATABASE
    stop = threading.Event()
    previous = _on_signals(lambda signum, frame: stop.set())
    try:
        engine.start()
        settle_memory()
        print(
            f"Chapterwise worker {engine.instance_id[:8]} working the backlog with {engine.backend_label} "
            f"(lease {settings.lease_seconds:g} s); Ctrl-C stops it",
            flush=True,
        )
        while not stop.wait(1.0):
            pass
    finally:
        print("Stopping: finishing chapters in flight…", file=sys.stderr, flush=True)
        clean = engine.stop()
        _restore(previous)
    print("Stopped." if clean else "Stopped; unfinished chapters go back to the backlog.", file=sys.stderr)
    return EXIT_OK


def _on_signals(handler: Any) -> dict[int, Any]:
    previous: dict[int, Any] = {}
    if threading.current_thread() is not threading.main_thread():
        return previous
    for sig in (signal.SIGINT, signal.SIGTERM):
        previous[sig] = signal.signal(sig, handler)
    return previous


def _restore(previous: dict[int, Any]) -> None:
    for sig, handler in previous.items():
        signal.signal(sig, handler)
