"""The ``chapterwise`` command line: summarize files headless, inspect and export what the engine holds.

Exit codes (stable, for scripts):

====  =====================================================================
0     success (for ``summarize``: every chapter of every file is done)
1     finished, but some chapters failed or were cancelled
2     usage error or an invalid setting
3     a file could not be read (unsupported, encrypted, corrupt, no text)
4     the database cannot be opened
5     no such document
130   interrupted (Ctrl-C); unfinished chapters stay in the backlog
====  =====================================================================
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from desktop_app import __version__
from desktop_app.config import Settings, SettingsError, load_settings

EXIT_OK = 0
EXIT_INCOMPLETE = 1
EXIT_USAGE = 2
EXIT_INPUT = 3
EXIT_DATABASE = 4
EXIT_NOT_FOUND = 5
EXIT_INTERRUPTED = 130

log = logging.getLogger("desktop_app.cli")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chapterwise",
        description="Summarize long documents chapter by chapter (PDF, EPUB, DOCX, Markdown, text).",
        epilog="Settings come from the environment (CHAPTERWISE_*, USE_ASYNC_SUMMARIZATION, SUMMARY_MAX_WORKERS), "
        "then settings.json in the data directory. Exit codes: 0 ok, 1 chapters failed, 2 usage or setting, "
        "3 unreadable file, 4 database, 5 no such document, 130 interrupted.",
    )
    parser.add_argument("--version", action="version", version=f"chapterwise {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="log more (-v info, -vv debug)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bars, only results and errors")
    parser.add_argument("--data-dir", type=Path, help="data directory (database, cache, settings); default: per user")
    parser.add_argument("--database", metavar="URL", help="database URL (sqlite:///PATH or postgresql://…)")
    parser.add_argument("--backend", choices=["extractive", "ollama", "openai"], help="summarizer backend")
    parser.add_argument("--model", help="model name for the LLM backends")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser("summarize", help="summarize files chapter by chapter and print the result")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.add_argument("--format", choices=["md", "json"], default="md", help="output format (default: md)")
    p.add_argument("-o", "--output", type=Path, help="write the result to this file instead of standard output")
    p.add_argument("--no-wait", action="store_true", help="save the chapters and return; the backlog is resumed later")
    p.add_argument("--password", help="password for encrypted PDFs")
    p.add_argument("--priority", choices=["high", "normal", "low"], default="normal")
    p.add_argument("--focus", help='steer the summaries, e.g. "payment terms and penalties"')
    p.add_argument("--timeout", type=float, help="give up waiting after this many seconds (the work is kept)")

    p = sub.add_parser("resume", help="summarize every chapter left in the backlog, then exit")
    p.add_argument("--timeout", type=float)

    p = sub.add_parser("status", help="pipeline status and the documents in progress")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("list", help="list documents")
    p.add_argument("--json", action="store_true")
    p.add_argument("--status", choices=["processing", "summarizing", "done", "failed", "cancelled"])

    p = sub.add_parser("show", help="show a document and its chapters")
    p.add_argument("document", metavar="DOC", help="document id (or a unique prefix)")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("export", help="export a document's summaries")
    p.add_argument("document", metavar="DOC")
    p.add_argument("--format", choices=["md", "json"], default="md")
    p.add_argument("-o", "--output", type=Path)

    for name, text in (("retry", "queue failed and cancelled chapters again"), ("cancel", "cancel pending chapters")):
        p = sub.add_parser(name, help=text)
        p.add_argument("document", metavar="DOC")
    p = sub.add_parser("remove", help="delete a document and its summaries")
    p.add_argument("document", metavar="DOC")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p = sub.add_parser("priority", help="change a document's priority")
    p.add_argument("document", metavar="DOC")
    p.add_argument("level", choices=["high", "normal", "low"])

    p = sub.add_parser("refocus", help="summarize a document again with a new focus")
    p.add_argument("document", metavar="DOC")
    p.add_argument("focus", help='what the summaries should attend to; "" for none')
    p.add_argument("--no-wait", action="store_true", help="queue the chapters and return")
    p.add_argument("--format", choices=["md", "json"], default="md")

    p = sub.add_parser("inspect", help="what the running engines are doing")
    p.add_argument(
        "what", choices=["active", "stats"], help="active: chapters in flight; stats: per worker and per endpoint"
    )
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("purge", help="drop pending chapters from the backlog (done chapters are kept)")
    p.add_argument("--document", metavar="DOC", help="only this document's chapters")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    p = sub.add_parser("cache", help="the summary cache: stats or clear")
    p.add_argument("action", choices=["stats", "clear"])
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("serve", help="run the pipeline and the local HTTP API (headless)")
    p.add_argument("--host", default=None, help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="port (default 8000)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_logging(args.verbose)
    overrides: dict[str, Any] = {}
    if args.data_dir:
        overrides["data_dir"] = args.data_dir.expanduser()
    if args.database:
        overrides["database_url"] = args.database
    if args.backend:
        overrides["backend"] = args.backend
    if args.model:
        overrides["model"] = args.model
    try:
        settings = load_settings(**overrides)
    except SettingsError as err:
        print(f"chapterwise: {err}", file=sys.stderr)
        return EXIT_USAGE
    handler = _COMMANDS[args.command]
    try:
        return handler(args, settings)
    except KeyboardInterrupt:
        print(
            "\nInterrupted. Unfinished chapters stay in the backlog: `chapterwise resume` finishes them.",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED


def _configure_logging(verbosity: int) -> None:
    level = logging.WARNING if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    if verbosity < 2:
        logging.getLogger("alembic").setLevel(logging.WARNING)
        logging.getLogger("httpx").setLevel(logging.WARNING)


def _open_engine(settings: Settings) -> Any:
    from desktop_app.engine.service import Engine
    from desktop_app.engine.store.db import DatabaseError

    try:
        return Engine(settings)
    except DatabaseError as err:
        print(f"chapterwise: {err}", file=sys.stderr)
        return None


# --- summarize


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
                    doc = engine.add_file(path, password=password, priority=args.priority, focus=args.focus)
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
                    print(f"chapterwise: {path}: {err}", file=sys.stderr)
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
    _write_output(_render(results, args.format), args.output)
    return code


def _render(views: list[Any], fmt: str) -> str:
    from desktop_app.engine.views import export_json, export_markdown

    if fmt == "json":
        objects = [json.loads(export_json(v)) for v in views]
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


# --- other commands


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


def _cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    engine = _open_engine(settings)
    if engine is None:
        return EXIT_DATABASE
    try:
        status = engine.status()
        from desktop_app.engine.store import repo

        with engine.sessions() as session:
            status["instances"] = [
                {"id": i.id, "host": i.host, "pid": i.pid, "heartbeat_at": i.heartbeat_at.isoformat()}
                for i in repo.instances(session)
            ]
    finally:
        engine.stop()
    if args.json:
        print(json.dumps(status, indent=2, default=str))
        return EXIT_OK
    print(f"async_enabled          {status['async_enabled']}")
    print(f"summary_queue_size     {status['summary_queue_size']} / {status['summary_queue_maxsize']}")
    print(f"write_queue_size       {status['write_queue_size']} / {status['write_queue_maxsize']}")
    print(f"backend                {status['backend']} {status['model']}")
    print(f"backlog                {status['backlog']} chapters pending")
    chapters = status["chapters"]
    print("chapters               " + ", ".join(f"{k} {v}" for k, v in chapters.items()))
    print(f"running engines        {len(status['instances'])}")
    docs = status["documents_in_progress"]
    print(f"documents in progress  {len(docs)}")
    for d in docs:
        print(f"  {d['id'][:8]}  {d['progress']:5.1f}%  {d['done']}/{d['chapter_count']}  {d['title']}")
    return EXIT_OK


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
        _write_output(engine.export(args.document, args.format), args.output)
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


def _cmd_inspect(args: argparse.Namespace, settings: Settings) -> int:
    engine = _open_engine(settings)
    if engine is None:
        return EXIT_DATABASE
    try:
        report = engine.inspect()
    finally:
        engine.stop()
    if args.what == "active":
        rows = report["active"]
        if args.json:
            print(json.dumps(rows, indent=2, default=str))
            return EXIT_OK
        if not report["instances"]:
            print("No engine is running on this database (start the window or `chapterwise serve`).", file=sys.stderr)
        elif not rows:
            print("Nothing in flight.", file=sys.stderr)
        for r in rows:
            chapter = f"ch. {r['chapter_index'] + 1}" if r.get("chapter_index") is not None else "summary"
            print(
                f"{r['document_id'][:8]}  {chapter:<8} worker {r['worker']:<3} {r['seconds']:>7.1f} s  "
                f"{r.get('endpoint') or '-':<28} {r['title'][:40]}"
            )
        return EXIT_OK
    stats = {"workers": report["workers"], "endpoints": report["endpoints"], "instances": report["instances"]}
    if args.json:
        print(json.dumps(stats, indent=2, default=str))
        return EXIT_OK
    print("worker  done  failed  mean ms  p95 ms")
    for w in report["workers"]:
        mean = f"{w['mean_ms']:.0f}" if w["mean_ms"] is not None else "-"
        p95 = f"{w['p95_ms']:.0f}" if w["p95_ms"] is not None else "-"
        print(f"{w['worker']:>6}  {w['done']:>4}  {w['failed']:>6}  {mean:>7}  {p95:>6}")
    if report["endpoints"]:
        print("\nendpoint                              in flight  limit  circuit")
        for e in report["endpoints"]:
            print(f"{e['url'][:36]:<36}  {e['in_flight']:>9}  {e.get('limit') or '-':>5}  {e['circuit']}")
    return EXIT_OK


def _cmd_purge(args: argparse.Namespace, settings: Settings) -> int:
    def action(engine: Any) -> int:
        doc_id = engine.document(args.document, chapters=False).id if args.document else None
        pending = engine.status()["chapters"]["pending"] if doc_id is None else engine.document(doc_id).chapter_count
        if not args.yes:
            if not sys.stdin.isatty():
                print("chapterwise: refusing to purge without --yes (no terminal to confirm)", file=sys.stderr)
                return EXIT_USAGE
            scope = "this document's" if doc_id else "all"
            answer = input(
                f"Drop {scope} pending chapters from the backlog (up to {pending})? Done chapters are kept. [y/N] "
            )
            if answer.strip().lower() not in ("y", "yes"):
                return EXIT_OK
        print(f"Purged {engine.purge(doc_id)} pending chapters.")
        return EXIT_OK

    if not args.document:
        args.document = None
    return _with_document(args, settings, action)


def _cmd_cache(args: argparse.Namespace, settings: Settings) -> int:
    from desktop_app.engine.summarize.cache import open_cache

    cache = open_cache(settings)
    try:
        if args.action == "clear":
            removed = cache.clear()
            print(json.dumps({"removed": removed}) if args.json else f"Removed {removed} cached summaries.")
            return EXIT_OK
        stats = cache.stats()
    finally:
        cache.close()
    if args.json:
        print(json.dumps(stats, indent=2))
        return EXIT_OK
    print(f"entries    {stats['entries']} (at most {stats['max_entries']})")
    print(f"size       {stats['bytes'] / 1e6:.1f} MB (at most {stats['max_bytes'] / 1e6:.0f} MB)")
    print(f"hit rate   {stats['hit_rate']:.0%} ({stats['hits']} hits, {stats['misses']} misses)")
    print(f"oldest     {stats['oldest_entry'] or '-'}")
    print(f"ttl        {stats['ttl_seconds'] / 3600:g} h")
    print(f"directory  {stats['directory']}")
    return EXIT_OK


def _cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from desktop_app.api.server import serve

    code: int = serve(settings, host=args.host, port=args.port)
    return code


_COMMANDS = {
    "summarize": _cmd_summarize,
    "resume": _cmd_resume,
    "status": _cmd_status,
    "list": _cmd_list,
    "show": _cmd_show,
    "export": _cmd_export,
    "retry": _cmd_retry,
    "cancel": _cmd_cancel,
    "remove": _cmd_remove,
    "priority": _cmd_priority,
    "refocus": _cmd_refocus,
    "inspect": _cmd_inspect,
    "purge": _cmd_purge,
    "cache": _cmd_cache,
    "serve": _cmd_serve,
}


if __name__ == "__main__":
    sys.exit(main())
