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
EXIT_INTERRUPTED = 130

log = logging.getLogger("desktop_app.cli")


def _configure_logging(verbosity: int) -> None:
    level = logging.WARNING if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    if verbosity < 2:
        logging.getLogger("alembic").setLevel(logging.WARNING)
        logging.getLogger("httpx").setLevel(logging.WARNING)


def _open_engine(settings: Settings) -> Any:
    from desktop_app.engine.service import DatabaseError, Engine

    try:
        return Engine(settings)
    except DatabaseError as err:
        print(f"chapterwise: {err}", file=sys.stderr)
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
    print(f"Wrote {output}", file=sys.stderr)


class _Progress:
    """One progress bar a document, on standard error, fed by the engine's events."""

    def __init__(self, *, enabled: bool, engine: Any) -> None:
        self.enabled = enabled
        self.engine = engine
        self._tasks: dict[str, Any] = {}
        self._progress: Any = None
        self._unsubscribe: Any = None
        self._lock = threading.Lock()

    def start(self) -> None:
        if not self.enabled:
            return
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        self._progress.start()
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
        from desktop_app.engine.events import DocumentProgress

        if isinstance(event, DocumentProgress):
            with self._lock:
                task = self._tasks.get(event.document_id)
            if task is not None:
                self._progress.update(task, completed=event.done + event.failed + event.cancelled)

    def stop(self) -> None:
        if self._unsubscribe:
            self._unsubscribe()
        if self._progress is not None:
            self._progress.stop()


def _with_document(args: argparse.Namespace, settings: Settings, action: Any) -> int:
    from desktop_app.engine.service import DocumentNotFoundError

    engine = _open_engine(settings)
    if engine is None:
        return EXIT_DATABASE
    try:
        result: int = action(engine)
        return result
    except DocumentNotFoundError:
        print(f"chapterwise: no document {args.document!r} (see `chapterwise list`)", file=sys.stderr)
        return EXIT_NOT_FOUND
    finally:
        engine.stop()
