"""The ``chapterwise`` command line: summarize files headless, inspect and export what the engine holds.

Exit codes (stable, for scripts):

====  =====================================================================
0     success (for ``summarize``: every chapter of every file is done)
1     finished, but some chapters failed or were cancelled
2     usage error or an invalid setting
3     a file could not be read (unsupported, encrypted, corrupt, no text)
4     the database cannot be opened
5     no such document
6     every chapter done, but some by the fallback summarizer (``--allow-fallback`` accepts them)
130   interrupted (Ctrl-C); unfinished chapters stay in the backlog
====  =====================================================================
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

import shtab

from desktop_app import __version__
from desktop_app.config import SettingsError, load_settings
from desktop_app.inputs import path_argument
from desktop_app.logfile import install_log_file
from desktop_app.paths import ENV_DATA_DIR, app_paths, log_moves, migrate_legacy_layout

from . import documents, operate, worker
from .common import (
    EXIT_DATABASE,
    EXIT_FALLBACK,
    EXIT_INCOMPLETE,
    EXIT_INPUT,
    EXIT_INTERRUPTED,
    EXIT_NOT_FOUND,
    EXIT_OK,
    EXIT_USAGE,
    _configure_logging,
    error,
)

__all__ = [
    "EXIT_DATABASE",
    "EXIT_FALLBACK",
    "EXIT_INCOMPLETE",
    "EXIT_INPUT",
    "EXIT_INTERRUPTED",
    "EXIT_NOT_FOUND",
    "EXIT_OK",
    "EXIT_USAGE",
    "build_parser",
    "main",
]


def _add_global_options(parser: argparse.ArgumentParser, *, defaults: bool) -> None:
    """The options every command takes, before or after its name (``refocus ID "x" -q`` works too).

    A subcommand's copy has no defaults (``SUPPRESS``), so it only sets what was given after the command
    and never resets what was given before it.
    """

    def default(value: Any) -> Any:
        return value if defaults else argparse.SUPPRESS

    parser.add_argument("-v", "--verbose", action="count", default=default(0), help="log more (-v info, -vv debug)")
    parser.add_argument(
        "-q", "--quiet", action="store_true", default=default(False), help="no progress bars, only results and errors"
    )
    parser.add_argument(
        "--data-dir",
        type=path_argument,
        default=default(None),
        help="one folder for everything (database, settings, cache, logs); default: the platform's per-user folders",
    ).complete = shtab.DIRECTORY  # type: ignore[attr-defined]
    parser.add_argument(
        "--database", metavar="URL", default=default(None), help="database URL (sqlite:///PATH or postgresql://…)"
    )
    parser.add_argument(
        "--backend",
        choices=["extractive", "ollama", "openai", "local"],
        default=default(None),
        help="summarizer backend",
    )
    parser.add_argument("--model", default=default(None), help="model name for the LLM backends")
    parser.add_argument(
        "--model-file",
        type=path_argument,
        default=default(None),
        help="GGUF model for the local backend (implies --backend local)",
    )


_DOC = "document id (or a unique prefix, as `chapterwise list` shows it)"
_JSON = "machine-readable output"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chapterwise",
        description="Summarize long documents chapter by chapter (PDF, EPUB, DOCX, Markdown, text).",
        epilog="Settings come from the environment (CHAPTERWISE_*, USE_ASYNC_SUMMARIZATION, SUMMARY_MAX_WORKERS), "
        "then settings.json in the config folder (in the one folder given by --data-dir or CHAPTERWISE_DATA_DIR). "
        "Exit codes: 0 ok, 1 chapters failed, 2 usage or setting, 3 unreadable file, 4 database, "
        "5 no such document, 6 done but some chapters by the fallback summarizer, 130 interrupted.",
    )
    parser.add_argument("--version", action="version", version=f"chapterwise {__version__}")
    shtab.add_argument_to(
        parser,
        "--print-completion",
        help=f"print a shell completion script ({', '.join(shtab.SUPPORTED_SHELLS)}) and exit",
    )
    _add_global_options(parser, defaults=True)
    common = argparse.ArgumentParser(add_help=False)
    _add_global_options(common, defaults=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_subparser_class(common))
    sub.required = True

    p = sub.add_parser("summarize", help="summarize files chapter by chapter and print the result")
    p.add_argument(
        "files", nargs="+", type=path_argument, metavar="FILE", help="files, or folders of files"
    ).complete = shtab.FILE  # type: ignore[attr-defined]
    p.add_argument("-r", "--recursive", action="store_true", help="read the subfolders of folders too")
    p.add_argument("--format", choices=["md", "json"], default="md", help="output format (default: md)")
    p.add_argument(
        "--with-text", action="store_true", help="JSON: include each chapter's text (summary spans index into it)"
    )
    p.add_argument(
        "-o", "--output", type=path_argument, help="write the result to this file instead of standard output"
    ).complete = shtab.FILE  # type: ignore[attr-defined]
    p.add_argument("--no-wait", action="store_true", help="save the chapters and return; the backlog is resumed later")
    p.add_argument("--password", help="password for encrypted PDFs")
    p.add_argument("--ocr", action="store_true", help="read scanned PDFs with Tesseract OCR (when it is installed)")
    p.add_argument(
        "--priority", choices=["high", "normal", "low"], default="normal", help="backlog order (default: normal)"
    )
    p.add_argument("--focus", help='steer the summaries, e.g. "payment terms and penalties"')
    p.add_argument(
        "--timeout", type=float, help="give up waiting after this many seconds for the whole run (the work is kept)"
    )
    p.add_argument("--allow-fallback", action="store_true", help="exit 0 even when chapters fell back (exit 6)")

    p = sub.add_parser(
        "resume",
        help="summarize every chapter left in the backlog, and read again files the app stopped reading, then exit",
    )
    p.add_argument("--timeout", type=float, help="give up waiting after this many seconds for the whole run")
    p.add_argument("--allow-fallback", action="store_true", help="exit 0 even when chapters fell back (exit 6)")

    p = sub.add_parser("status", help="pipeline status and the documents in progress")
    p.add_argument("--json", action="store_true", help=_JSON)

    p = sub.add_parser("list", help="list documents")
    p.add_argument("--json", action="store_true", help=_JSON)
    p.add_argument(
        "--status",
        choices=["processing", "summarizing", "done", "failed", "cancelled"],
        help="only the documents in this state",
    )

    p = sub.add_parser("show", help="show a document and its chapters")
    p.add_argument("document", metavar="DOC", help=_DOC)
    p.add_argument("--json", action="store_true", help=_JSON)

    p = sub.add_parser("export", help="export a document's summaries")
    p.add_argument("document", metavar="DOC", help=_DOC)
    p.add_argument("--format", choices=["md", "json"], default="md", help="output format (default: md)")
    p.add_argument("--with-text", action="store_true", help="JSON: include each chapter's text")
    p.add_argument(
        "-o", "--output", type=path_argument, help="write the export to this file instead of standard output"
    ).complete = shtab.FILE  # type: ignore[attr-defined]

    p = sub.add_parser("retry", help="queue failed and cancelled chapters again")
    p.add_argument("document", metavar="DOC", help=_DOC)
    p.add_argument("--fallbacks", action="store_true", help="also redo the chapters the fallback summarizer wrote")
    p = sub.add_parser("cancel", help="cancel pending chapters")
    p.add_argument("document", metavar="DOC", help=_DOC)
    p = sub.add_parser("remove", help="delete a document and its summaries")
    p.add_argument("document", metavar="DOC", help=_DOC)
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p = sub.add_parser("priority", help="change a document's priority")
    p.add_argument("document", metavar="DOC", help=_DOC)
    p.add_argument("level", choices=["high", "normal", "low"], help="the backlog order of its pending chapters")

    p = sub.add_parser("refocus", help="summarize a document again with a new focus")
    p.add_argument("document", metavar="DOC", help=_DOC)
    p.add_argument("focus", help='what the summaries should attend to; "" for none')
    p.add_argument("--no-wait", action="store_true", help="queue the chapters and return")
    p.add_argument("--format", choices=["md", "json"], default="md", help="output format (default: md)")

    p = sub.add_parser("inspect", help="what the running engines are doing")
    p.add_argument(
        "what", choices=["active", "stats"], help="active: chapters in flight; stats: per worker and per endpoint"
    )
    p.add_argument("--json", action="store_true", help=_JSON)

    p = sub.add_parser("purge", help="drop pending chapters from the backlog (done chapters are kept)")
    p.add_argument("--document", metavar="DOC", help="only this document's chapters")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    p = sub.add_parser("cache", help="the summary cache: stats or clear")
    p.add_argument("action", choices=["stats", "clear"], help="stats: entries and size; clear: empty it")
    p.add_argument("--json", action="store_true", help=_JSON)

    p = sub.add_parser("worker", help="work a shared PostgreSQL backlog headless (no window, no API)")
    p.add_argument("--db", metavar="URL", help="the shared database, postgresql://user@host/db (as --database)")

    p = sub.add_parser("serve", help="run the pipeline and the local HTTP API (headless)")
    p.add_argument("--host", default=None, help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="port (default 8000)")
    return parser


def _subparser_class(common: argparse.ArgumentParser) -> type[argparse.ArgumentParser]:
    class CommandParser(argparse.ArgumentParser):
        """A command's parser: the global options are among its own (see ``_add_global_options``)."""

        def __init__(self, **kwargs: Any) -> None:
            kwargs["parents"] = [*kwargs.get("parents", []), common]
            super().__init__(**kwargs)

    return CommandParser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_logging(args.verbose)
    moves = migrate_legacy_layout(app_paths(args.data_dir))  # before the settings file is read from its new place
    overrides: dict[str, Any] = {}
    if args.data_dir:
        overrides["data_dir"] = args.data_dir.expanduser()
        os.environ[ENV_DATA_DIR] = str(overrides["data_dir"])  # the settings file, and child processes, follow it
    if args.database:
        overrides["database_url"] = args.database
    if getattr(args, "db", None):
        overrides["database_url"] = args.db
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
        error(str(err))
        return EXIT_USAGE
    install_log_file(settings.paths.logs, settings.log_level)
    log_moves(moves)
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
    "worker": worker._cmd_worker,
}
