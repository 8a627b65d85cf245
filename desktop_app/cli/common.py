"""Shared pieces of the command line: exit codes, opening the engine, output, progress bars."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import threading
from pathlib import Path
from typing import Any, TextIO

from desktop_app.config import Settings

EXIT_OK = 0
EXIT_INCOMPLETE = 1
EXIT_USAGE = 2
EXIT_INPUT = 3
EXIT_DATABASE = 4
EXIT_NOT_FOUND = 5
#: Every chapter is done, but some by the fallback summarizer (unless ``--allow-fallback``).
EXIT_FALLBACK = 6
EXIT_INTERRUPTED = 130

log = logging.getLogger("desktop_app.cli")


#: Libraries whose INFO lines are chatter (one per HTTP request, one per migration step); -vv shows them.
CHATTY_LIBRARIES = ("httpx", "httpcore", "alembic", "uvicorn.access")
#: The progress display on screen, if any: messages go through its console so they do not break it.
_LIVE: list[_Progress] = []


def _configure_logging(verbosity: int) -> None:
    level = logging.WARNING if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(level)  # the log file (desktop_app.logfile) records more than the console shows
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", handlers=[console])
    if verbosity < 2:
        for name in CHATTY_LIBRARIES:
            logging.getLogger(name).setLevel(logging.WARNING)


def error(message: str) -> None:
    """Say what went wrong on standard error, one line, prefixed with the program's name.

    While progress bars are on screen the line goes through their console, which prints it above the
    bars; a plain ``print`` there is split by the live display and left a blank line after each message.
    """
    say(f"chapterwise: {message}")


def say(message: str) -> None:
    """A line for the user on standard error (not the result), above the progress bars if any."""
    live = _LIVE[-1] if _LIVE else None
    if live is not None and live.console is not None:
        live.console.print(message, highlight=False, markup=False, soft_wrap=True)
    else:
        print(message, file=sys.stderr)


def print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, default=str, ensure_ascii=False))


def _open_engine(settings: Settings) -> Any:
    from desktop_app.engine.service import DatabaseError, Engine

    try:
        return Engine(settings)
    except DatabaseError as err:
        error(str(err))
        return None


def _render(views: list[Any], fmt: str, *, with_text: bool = False) -> str:
    from desktop_app.engine.exports import export_json, export_markdown

    if fmt == "json":
        objects = [json.loads(export_json(v, with_text=with_text)) for v in views]
        return json.dumps(objects[0] if len(objects) == 1 else objects, indent=2, ensure_ascii=False) + "\n"
    return "\n---\n\n".join(export_markdown(v) for v in views)


def _write_output(text: str, output: Path | None, stream: TextIO | None = None) -> None:
    if output is None:
        (stream or sys.stdout).write(text)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    say(f"Wrote {output}")


class _Progress:
    """One progress bar a document, on standard error, fed by the engine's events.

    When it stops (done, an error, or Ctrl-C) each bar is set from the database first, so the last
    picture on screen says how far each document really got, not the last event that arrived.
    """

    def __init__(self, *, enabled: bool, engine: Any, console: Any = None) -> None:
        self.enabled = enabled
        self.engine = engine
        self.console = console
        self._tasks: dict[str, Any] = {}
        self._progress: Any = None
        self._unsubscribe: Any = None
        self._lock = threading.Lock()
        self._stopped = False

    def start(self) -> None:
        if not self.enabled:
            return
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.console = self.console or Console(stderr=True)
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
            transient=False,
        )
        self._progress.start()
        _LIVE.append(self)
        self._unsubscribe = self.engine.bus.subscribe(self._on_event)

    def track(self, doc_id: str, title: str, total: int) -> None:
        if self._progress is None:
            return
        with self._lock:
            name = title if len(title) <= 40 else title[:39] + "…"
            self._tasks[doc_id] = self._progress.add_task(name, total=max(total, 1))
        view = self.engine.document(doc_id, chapters=False)
        self._progress.update(self._tasks[doc_id], completed=view.done + view.failed + view.cancelled)

    def _on_event(self, event: Any) -> None:
        from desktop_app.engine.events import DocumentAdded, DocumentProgress

        if isinstance(event, DocumentProgress):
            with self._lock:
                task = self._tasks.get(event.document_id)
            if task is not None:
                done = event.done + event.failed + event.cancelled
                self._progress.update(task, completed=done, total=max(event.total, 1))
        elif isinstance(event, DocumentAdded):  # a document that was still being read: its chapters are all known
            with self._lock:
                task = self._tasks.get(event.document_id)
            if task is not None:
                self._progress.update(task, total=max(event.chapter_count, 1))

    def completed(self) -> dict[str, int]:
        """Each tracked document's bar position (tests, and the final picture)."""
        if self._progress is None:
            return {}
        with self._lock:
            tasks = dict(self._tasks)
        by_id = {task.id: task for task in self._progress.tasks}
        return {doc_id: int(by_id[task].completed) for doc_id, task in tasks.items()}

    def stop(self) -> None:
        if self._unsubscribe:
            self._unsubscribe()
            self._unsubscribe = None
        if self._progress is None or self._stopped:
            return
        self._stopped = True
        with self._lock:
            tasks = dict(self._tasks)
        for doc_id, task in tasks.items():
            try:
                view = self.engine.document(doc_id, chapters=False)
            except Exception:  # the database went away: keep what the events said
                log.debug("No final count for %s", doc_id, exc_info=True)
                continue
            done = view.done + view.failed + view.cancelled
            self._progress.update(task, completed=done, total=max(view.chapter_count, 1))
        self._progress.stop()
        if self in _LIVE:
            _LIVE.remove(self)


def _with_document(args: argparse.Namespace, settings: Settings, action: Any) -> int:
    from desktop_app.engine.service import DocumentNotFoundError

    engine = _open_engine(settings)
    if engine is None:
        return EXIT_DATABASE
    try:
        result: int = action(engine)
        return result
    except DocumentNotFoundError as err:
        why = f": {err.reason}" if err.reason else ""
        error(f"no document {args.document!r}{why} (see `chapterwise list`)")
        return EXIT_NOT_FOUND
    finally:
        engine.stop()
