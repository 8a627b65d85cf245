"""Commands about documents: summarize, resume, list, show, export, retry, cancel, remove, priority, refocus."""

from __future__ import annotations

import argparse
import getpass
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from desktop_app.config import Settings
from desktop_app.inputs import collect, readable

from .common import (
    EXIT_DATABASE,
    EXIT_FALLBACK,
    EXIT_INCOMPLETE,
    EXIT_INPUT,
    EXIT_OK,
    EXIT_USAGE,
    _open_engine,
    _Progress,
    _render,
    _with_document,
    _write_output,
    error,
    print_json,
    say,
)


def _cmd_summarize(args: argparse.Namespace, settings: Settings) -> int:
    inputs = collect(args.files, recursive=args.recursive)
    code = EXIT_INPUT if inputs.problems else EXIT_OK
    for problem in inputs.problems:
        error(problem)
    if inputs.skipped and not args.quiet:
        noun = "item" if inputs.skipped == 1 else "items"
        say(f"Skipped {inputs.skipped} {noun} in the folders: hidden, or not a document.")
    engine = _open_engine(settings)
    if engine is None:
        return EXIT_DATABASE
    doc_ids: list[str] = []
    progress = _Progress(enabled=not args.quiet and not args.no_wait, engine=engine)
    try:
        engine.start()
        progress.start()
        with tempfile.TemporaryDirectory(prefix="chapterwise-") as scratch:
            for path in inputs.files:
                doc_id = _add_one(engine, args, path, readable(path, Path(scratch)), progress)
                if doc_id is None:
                    code = max(code, EXIT_INPUT)
                else:
                    doc_ids.append(doc_id)
        if args.no_wait:
            for doc_id in doc_ids:
                view = engine.document(doc_id, chapters=False)
                print(f"{view.id}\t{_chapters(view.chapter_count)} queued\t{view.title}")
            return code
        results = _wait_all(engine, doc_ids, args.timeout)
        if args.with_text:
            results = [engine.document(view.id, with_text=True) for view in results]
    finally:
        progress.stop()
        engine.stop()
    if not results:
        return code
    for view in results:
        if view.status != "done":
            incomplete = view.chapter_count - view.done
            error(f"{view.file_name}: {incomplete} of {_chapters(view.chapter_count)} not summarized ({view.status})")
            code = max(code, EXIT_INCOMPLETE)
    code = max(code, _fallback_code(results, args.allow_fallback))
    _write_output(_render(results, args.format, with_text=args.with_text), args.output)
    return code


def _add_one(engine: Any, args: argparse.Namespace, path: Path, source: Path, progress: _Progress) -> str | None:
    """Add one file (asking for a password on a terminal); its document id, or None after saying why not.

    The file is parsed before the call returns (not in the background as in the window and the API): the
    command waits for every summary anyway, so an earlier answer gains it nothing, while parsing first keeps
    each file's error line, password question and exit code 3 in the order the files were given, leaves
    nothing behind for a file that cannot be read, and never leaves a document ``parsing`` when
    ``--no-wait`` ends the process right after.
    """
    from desktop_app.engine.ingest.base import IngestError, PasswordRequiredError, WrongPasswordError

    password = args.password
    for attempt in range(4):
        try:
            doc = engine.add_file(
                source,
                password=password,
                priority=args.priority,
                focus=args.focus,
                ocr=args.ocr,
                file_name=path.name,
                background=False,
            )
        except FileNotFoundError:
            error(f"{path}: no such file")
        except IsADirectoryError:
            error(f"{path}: is a folder, not a file")
        except PasswordRequiredError as err:
            if attempt < 3 and args.password is None and sys.stdin.isatty():
                if isinstance(err, WrongPasswordError):
                    say("That password does not open the file.")
                password = getpass.getpass(f"Password for {path.name}: ")
                continue
            error(f"{path}: {err}")
        except IngestError as err:
            hint = " Run again with --ocr." if getattr(err, "ocr_available", False) else ""
            error(f"{path}: {_own_name(str(err), source, path)}{hint}")
        else:
            for warning in doc.warnings:
                error(f"{path}: warning: {warning}")
            progress.track(doc.id, doc.title, doc.chapter_count)
            return str(doc.id)
        return None
    return None


def _own_name(message: str, source: Path, path: Path) -> str:
    # A text file without a suffix is read from a copy: the user knows it by its own path.
    return message.replace(str(source), str(path)) if source != path else message


def _cmd_resume(args: argparse.Namespace, settings: Settings) -> int:
    engine = _open_engine(settings)
    if engine is None:
        return EXIT_DATABASE
    # "parsing": an upload whose reading stopped with the app; the engine's start has begun reading it again.
    pending = [d for d in engine.documents() if d.status in ("parsing", "processing", "summarizing")]
    if not pending:
        engine.stop()
        say("Nothing to resume: the backlog is empty.")
        return EXIT_OK
    remembered = _remembered_backend(args, settings, pending, engine.backend_label)
    if remembered is not None:
        engine.stop()
        engine = _open_engine(remembered)
        if engine is None:
            return EXIT_DATABASE
    with engine:
        progress = _Progress(enabled=not args.quiet, engine=engine)
        progress.start()
        try:
            for doc in pending:
                progress.track(doc.id, doc.title, doc.chapter_count)
            results = _wait_all(engine, [d.id for d in pending], args.timeout)
        finally:
            progress.stop()
    failed = [v for v in results if v.status != "done"]
    for view in results:
        print(f"{view.id}\t{view.status}\t{view.done}/{view.chapter_count}\t{view.title}")
    return EXIT_INCOMPLETE if failed else _fallback_code(results, args.allow_fallback)


def _remembered_backend(
    args: argparse.Namespace, settings: Settings, pending: list[Any], current: str
) -> Settings | None:
    """The settings with the backend and model the pending documents started with, if they all share one
    other than the configured one and the command line did not choose (``--backend``/``--model``)."""
    if args.backend or args.model:
        return None
    started = {(d.backend, d.model) for d in pending if d.backend}
    if len(started) > 1:
        names = ", ".join(sorted(f"{b}/{m}" if m else str(b) for b, m in started))
        say(
            f"These documents started with different backends ({names}); resuming them all with {current}. "
            "Choose one with --backend and --model."
        )
        return None
    if not started:
        return None
    [(backend, model)] = started
    label = f"{backend}/{model}" if model else str(backend)
    if label == current:
        return None
    say(f"Resuming with {label}, the backend these documents started with (--backend and --model choose another).")
    return settings.model_copy(update={"backend": backend, "model": model or ""})


def _cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    engine = _open_engine(settings)
    if engine is None:
        return EXIT_DATABASE
    try:
        docs = engine.documents(status=args.status)
    finally:
        engine.stop()
    if args.json:
        print_json([d.to_dict(chapters=False) for d in docs])
        return EXIT_OK
    if not docs:
        say("No documents yet. Add one with: chapterwise summarize FILE")
        return EXIT_OK
    print(f"{'ID':<8}  {'STATUS':<11} {'DONE':>9} {'PRIORITY':<8} {'TYPE':<4}  TITLE")
    for d in docs:
        done = f"{d.done}/{d.chapter_count}"
        print(f"{d.id[:8]}  {d.status:<11} {done:>9} {d.priority:<8} {d.format:<4}  {d.title}")
    return EXIT_OK


def _cmd_show(args: argparse.Namespace, settings: Settings) -> int:
    def action(engine: Any) -> int:
        view = engine.document(args.document)
        if args.json:
            print_json(view.to_dict())
            return EXIT_OK
        print(f"{view.title}\n  id        {view.id}\n  file      {view.file_name} ({view.format})")
        print(f"  status    {view.status}  {view.done}/{view.chapter_count} done, {view.failed} failed")
        print(f"  priority  {view.priority}")
        if view.focus:
            print(f"  focus     {view.focus}")
        if view.error:
            print(f"  error     {view.error}")
        for c in view.chapters:
            note = c.preview or c.error or ""
            print(f"  {c.index + 1:>4}. [{c.status:<10}] {c.title[:50]:<50} {note[:80]}")
        return EXIT_OK

    return _with_document(args, settings, action)


def _cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    def action(engine: Any) -> int:
        _write_output(engine.export(args.document, args.format, with_text=args.with_text), args.output)
        return EXIT_OK

    return _with_document(args, settings, action)


def _cmd_retry(args: argparse.Namespace, settings: Settings) -> int:
    def action(engine: Any) -> int:
        count = engine.retry(args.document, fallbacks=args.fallbacks)
        what = "failed, cancelled and fallback" if args.fallbacks else "failed and cancelled"
        noun = "chapter" if count == 1 else "chapters"
        print(f"{count} {what} {noun} queued again; `chapterwise resume` (or the window) summarizes them.")
        return EXIT_OK

    return _with_document(args, settings, action)


def _cmd_cancel(args: argparse.Namespace, settings: Settings) -> int:
    def action(engine: Any) -> int:
        count = engine.cancel(args.document)
        print(f"{_chapters(count, 'pending ')} cancelled.")
        return EXIT_OK

    return _with_document(args, settings, action)


def _cmd_remove(args: argparse.Namespace, settings: Settings) -> int:
    def action(engine: Any) -> int:
        view = engine.document(args.document, chapters=False)
        if not args.yes:
            if not sys.stdin.isatty():
                error("refusing to remove without --yes (no terminal to confirm)")
                return EXIT_USAGE
            answer = input(f"Remove “{view.title}” and the summaries of its {_chapters(view.chapter_count)}? [y/N] ")
            if answer.strip().lower() not in ("y", "yes"):
                return EXIT_OK
        engine.remove(view.id)
        print(f"Removed {view.id}")
        return EXIT_OK

    return _with_document(args, settings, action)


def _cmd_priority(args: argparse.Namespace, settings: Settings) -> int:
    def action(engine: Any) -> int:
        engine.set_priority(args.document, args.level)
        return EXIT_OK

    return _with_document(args, settings, action)


def _cmd_refocus(args: argparse.Namespace, settings: Settings) -> int:
    def action(engine: Any) -> int:
        view = engine.document(args.document, chapters=False)
        if args.no_wait:
            count = engine.refocus(view.id, args.focus)
            print(
                f"{_chapters(count)} queued with the new focus; `chapterwise resume` (or the window) summarizes them."
            )
            return EXIT_OK
        engine.start()
        progress = _Progress(enabled=not args.quiet, engine=engine)
        progress.start()
        try:
            progress.track(view.id, view.title, view.chapter_count)
            engine.refocus(view.id, args.focus)
            progress.track(view.id, view.title, view.chapter_count)
            result = engine.wait(view.id)
        finally:
            progress.stop()
        _write_output(_render([result], args.format), None)
        return EXIT_OK if result.status == "done" else EXIT_INCOMPLETE

    return _with_document(args, settings, action)


def _wait_all(engine: Any, doc_ids: list[str], timeout: float | None) -> list[Any]:
    """Wait for every document within one ``timeout`` for the whole run (not one a document)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    return [
        engine.wait(doc_id, timeout=None if deadline is None else max(0.0, deadline - time.monotonic()))
        for doc_id in doc_ids
    ]


def _fallback_code(results: list[Any], allowed: bool) -> int:
    """EXIT_FALLBACK when a chapter was summarized by the fallback instead of the configured backend.

    A run that quietly degraded must not look like a success to a script; ``--allow-fallback`` accepts it.
    """
    fallbacks = sum(v.fallbacks for v in results)
    if not fallbacks or allowed:
        return EXIT_OK
    print(
        f"chapterwise: {fallbacks} chapters were summarized by the fallback summarizer, not the configured "
        "backend; `chapterwise retry --fallbacks DOC` redoes them (or pass --allow-fallback to accept them)",
        file=sys.stderr,
    )
    return EXIT_FALLBACK


def _chapters(n: int, kind: str = "") -> str:
    from desktop_app.engine.exports import count_chapters  # the engine is imported when a command runs

    return count_chapters(n, kind)
