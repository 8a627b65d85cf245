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
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from desktop_app import __version__
from desktop_app.config import SettingsError, load_settings

from . import documents, operate
from .common import (
    EXIT_DATABASE,
    EXIT_INCOMPLETE,
    EXIT_INPUT,
    EXIT_INTERRUPTED,
    EXIT_NOT_FOUND,
    EXIT_OK,
    EXIT_USAGE,
    _configure_logging,
)

__all__ = [
    "EXIT_DATABASE",
    "EXIT_INCOMPLETE",
    "EXIT_INPUT",
    "EXIT_INTERRUPTED",
    "EXIT_NOT_FOUND",
    "EXIT_OK",
    "EXIT_USAGE",
    "build_parser",
    "main",
]


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
    parser.add_argument("--backend", choices=["extractive", "ollama", "openai", "local"], help="summarizer backend")
    parser.add_argument("--model", help="model name for the LLM backends")
    parser.add_argument("--model-file", type=Path, help="GGUF model for the local backend (implies --backend local)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser("summarize", help="summarize files chapter by chapter and print the result")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.add_argument("--format", choices=["md", "json"], default="md", help="output format (default: md)")
    p.add_argument("-o", "--output", type=Path, help="write the result to this file instead of standard output")
    p.add_argument("--no-wait", action="store_true", help="save the chapters and return; the backlog is resumed later")
    p.add_argument("--password", help="password for encrypted PDFs")
    p.add_argument("--ocr", action="store_true", help="read scanned PDFs with Tesseract OCR (when it is installed)")
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
    if args.model_file:
        overrides["model_file"] = args.model_file
        overrides.setdefault("backend", "local")
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


_COMMANDS = {
    "summarize": documents._cmd_summarize,
    "resume": documents._cmd_resume,
    "status": operate._cmd_status,
    "list": documents._cmd_list,
    "show": documents._cmd_show,
    "export": documents._cmd_export,
    "retry": documents._cmd_retry,
    "cancel": documents._cmd_cancel,
    "remove": documents._cmd_remove,
    "priority": documents._cmd_priority,
    "refocus": documents._cmd_refocus,
    "inspect": operate._cmd_inspect,
    "purge": operate._cmd_purge,
    "cache": operate._cmd_cache,
    "serve": operate._cmd_serve,
}
