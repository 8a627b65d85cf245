"""Commands about documents: summarize, resume, list, show, export, retry, cancel, remove, priority, refocus."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import Any

from desktop_app.config import Settings

from .common import (
    EXIT_DATABASE,
    EXIT_INCOMPLETE,
    EXIT_INPUT,
    EXIT_OK,
    EXIT_USAGE,
    _open_engine,
    _Progress,
    _render,
    _with_document,
    _write_output,
)


def _cmd_summarize(args: argparse.Namespace, settings: Settings) -> int:
    from desktop_app.engine.ingest.base import IngestError, PasswordRequiredError, WrongPasswordError

    engine = _open_engine(settings)
    if engine is None:
        return EXIT_DATABASE
    code = EXIT_OK
    doc_ids: list[str] = []
    progress = _Progress(enabled=not args.quiet and not args.no_wait, engine=engine)
    try:
        engine.start()
        progress.start()
        for path in args.files:
            password = args.password
            for attempt in range(4):
                try:
                    doc = engine.add_file(
                        path, password=password, priority=args.priority, focus=args.focus, ocr=args.ocr
                    )
                except FileNotFoundError:
                    print(f"chapterwise: {path}: no such file", file=sys.stderr)
                    code = max(code, EXIT_INPUT)
                except IsADirectoryError:
                    print(f"chapterwise: {path}: is a folder, not a file", file=sys.stderr)
                    code = max(code, EXIT_INPUT)
                except PasswordRequiredError as err:
                    if attempt < 3 and args.password is None and sys.stdin.isatty():
                        if isinstance(err, WrongPasswordError):
                            print("That password does not open the file.", file=sys.stderr)
                        password = getpass.getpass(f"Password for {path.name}: ")
                        continue
                    print(f"chapterwise: {path}: {err}", file=sys.stderr)
                    code = max(code, EXIT_INPUT)
                except IngestError as err:
                    hint = " Run again with --ocr." if getattr(err, "ocr_available", False) else ""
                    print(f"chapterwise: {path}: {err}{hint}", file=sys.stderr)
                    code = max(code, EXIT_INPUT)
                else:
                    for warning in doc.warnings:
                        print(f"chapterwise: {path}: warning: {warning}", file=sys.stderr)
                    doc_ids.append(doc.id)
                    progress.track(doc.id, doc.title, doc.chapter_count)
                break
        if args.no_wait:
            for doc_id in doc_ids:
                view = engine.document(doc_id, chapters=False)
                print(f"{view.id}\t{view.chapter_count} chapters queued\t{view.title}")
            return code
        results = [engine.wait(doc_id, timeout=args.timeout) for doc_id in doc_ids]
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
            print(
                f"chapterwise: {view.file_name}: {incomplete} of {view.chapter_count} chapters not summarized "
                f"({view.status})",
                file=sys.stderr,
            )
            code = max(code, EXIT_INCOMPLETE)
    _write_output(_render(results, args.format, with_text=args.with_text), args.output)
    return code


def _cmd_resume(args: argparse.Namespace, settings: Settings) -> int:
    engine = _open_engine(settings)
    if engine is None:
        return EXIT_DATABASE
    with engine:
        pending = [d for d in engine.documents() if d.status in ("processing", "summarizing")]
        if not pending:
            print("Nothing to resume: the backlog is empty.", file=sys.stderr)
            return EXIT_OK
        progress = _Progress(enabled=not args.quiet, engine=engine)
        progress.start()
        try:
            for doc in pending:
                progress.track(doc.id, doc.title, doc.chapter_count)
            results = [engine.wait(d.id, timeout=args.timeout) for d in pending]
        finally:
            progress.stop()
    failed = [v for v in results if v.status != "done"]
    for view in results:
        print(f"{view.id}\t{view.status}\t{view.done}/{view.chapter_count}\t{view.title}")
    return EXIT_INCOMPLETE if failed else EXIT_OK


def _cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    engine = _open_engine(settings)
    if engine is None:
        return EXIT_DATABASE
    try:
        docs = engine.documents(status=args.status)
    finally:
        engine.stop()
    if args.json:
        print(json.dumps([d.to_dict(chapters=False) for d in docs], indent=2, default=str))
        return EXIT_OK
    if not docs:
        print("No documents yet. Add one with: chapterwise summarize FILE", file=sys.stderr)
    for d in docs:
        print(f"{d.id[:8]}  {d.status:<11} {d.done:>4}/{d.chapter_count:<4} {d.priority:<6} {d.format:<4} {d.title}")
    return EXIT_OK


def _cmd_show(args: argparse.Namespace, settings: Settings) -> int:
    def action(engine: Any) -> int:
        view = engine.document(args.document)
        if args.json:
            print(json.dumps(view.to_dict(), indent=2, default=str, ensure_ascii=False))
            return EXIT_OK
        print(f"{view.title}\n  id        {view.id}\n  file      {view.file_name} ({view.format})")
        print(f"  status    {view.status}  {view.done}/{view.chapter_count} done, {view.failed} failed")
        print(f"  priority  {view.priority}")
        if view.focus:
            print(f"  focus     {view.focus}")
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
        count = engine.retry(args.document)
        print(f"{count} chapters queued again; `chapterwise resume` (or the window) summarizes them.")
        return EXIT_OK

    return _with_document(args, settings, action)


def _cmd_cancel(args: argparse.Namespace, settings: Settings) -> int:
    def action(engine: Any) -> int:
        print(f"{engine.cancel(args.document)} pending chapters cancelled.")
        return EXIT_OK

    return _with_document(args, settings, action)


def _cmd_remove(args: argparse.Namespace, settings: Settings) -> int:
    def action(engine: Any) -> int:
        view = engine.document(args.document, chapters=False)
        if not args.yes:
            if not sys.stdin.isatty():
                print("chapterwise: refusing to remove without --yes (no terminal to confirm)", file=sys.stderr)
                return EXIT_USAGE
            answer = input(f"Remove “{view.title}” and its {view.chapter_count} chapter summaries? [y/N] ")
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
            print(f"{count} chapters queued with the new focus; `chapterwise resume` (or the window) summarizes them.")
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
