"""Running a parser in a child process, so a hostile file can neither hang nor crash the app.

Every parse runs here, text and Markdown included: PDF, EPUB and DOCX parsers call into C libraries
(PDFium, lxml) and walk structures a file controls, and a text file can be hundreds of megabytes or
hundreds of thousands of headings. :func:`run_isolated` runs one parse in a fresh Python process
(``python -m desktop_app.engine.ingest.worker``) whose address space is capped (``limits.max_memory_bytes``,
``RLIMIT_AS``) and kills it when ``limits.timeout_s`` passes, raising ParseTimeoutError; a child that
runs out of memory, makes too many chapters or dies (a crash in native code) becomes an error that
names the limit and its setting, so the server process stays small whatever the file.
A fresh interpreter rather than ``fork`` because the window runs Qt threads,
which ``fork`` would copy in an undefined state; rather than ``multiprocessing``'s spawn because
that re-imports the caller's ``__main__``, which scripts without a main guard do not survive.
A frozen (PyInstaller) app has no ``-m``: there the parse runs in-process with the time limit
checked only between steps.

Safe to call from any thread, several at once (each call owns its child).
"""

from __future__ import annotations

import importlib
import logging
import os
import pickle
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import desktop_app
from desktop_app.engine.ingest import base
from desktop_app.engine.ingest.base import CorruptFileError, IngestError, ParsedDocument, ParseTimeoutError
from desktop_app.engine.ingest.limits import IngestLimits, check_chapter_count, memory_error_message

log = logging.getLogger(__name__)

#: Environment switch for debugging: run parsers in-process (no timeout, no crash isolation).
INPROCESS_ENV = "CHAPTERWISE_INGEST_INPROCESS"
_WORKER_MODULE = "desktop_app.engine.ingest.worker"


def parse_text_file(path: Path, password: str | None, limits: IngestLimits) -> ParsedDocument:
    """The plain-text parser as a child target (reads the file in the child, not in the server)."""
    from desktop_app.engine.ingest.text import parse_text

    return parse_text(path, path.read_bytes())


def parse_markdown_file(path: Path, password: str | None, limits: IngestLimits) -> ParsedDocument:
    """The Markdown parser as a child target."""
    from desktop_app.engine.ingest.markdown import parse_markdown

    return parse_markdown(path, path.read_bytes())


def call_target(target: str, path: Path, password: str | None, limits: IngestLimits) -> tuple[Any, ...]:
    """Run ``target`` and describe its outcome as a picklable tuple (used in the child)."""
    try:
        module_name, func_name = target.rsplit(":", 1)
        func = getattr(importlib.import_module(module_name), func_name)
        doc = func(path, password, limits)
        check_chapter_count(len(doc.chapters), limits, path)
        return ("ok", doc)
    except IngestError as exc:
        return ("error", type(exc).__name__, exc.message, getattr(exc, "ocr_available", False))
    except RecursionError:
        return ("error", "CorruptFileError", "This file's structure loops back on itself.", False)
    except MemoryError:
        return ("error", "FileTooLargeError", memory_error_message(limits), False)
    except Exception as exc:  # a library failed on input it does not expect: the file is broken
        return ("error", "CorruptFileError", f"This file is damaged and cannot be read ({exc!r:.200}).", False)


def _raise_from_child(result: tuple[Any, ...], path: Path) -> ParsedDocument:
    if result[0] == "ok":
        doc = result[1]
        assert isinstance(doc, ParsedDocument)
        return doc
    _, cls_name, message, ocr = result
    cls = getattr(base, cls_name, CorruptFileError)
    if not (isinstance(cls, type) and issubclass(cls, IngestError)):
        cls = CorruptFileError
    if cls is base.NoTextError:
        raise base.NoTextError(message, path=path, ocr_available=bool(ocr))
    raise cls(message, path=path)


def run_in_process(target: str, path: Path, password: str | None, limits: IngestLimits) -> ParsedDocument:
    """Call ``target`` ("module:function") here, with the child's error mapping but no isolation."""
    return _raise_from_child(call_target(target, path, password, limits), path)


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    root = str(Path(desktop_app.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def run_isolated(target: str, path: Path, password: str | None, limits: IngestLimits) -> ParsedDocument:
    """Run ``target`` ("module:function" taking path, password, limits) in a child process.

    Blocks the calling thread until the child answers or ``limits.timeout_s`` passes; the child is
    killed on timeout. Cancelled only by that timeout.
    """
    if os.environ.get(INPROCESS_ENV) or getattr(sys, "frozen", False):
        return run_in_process(target, path, password, limits)
    request = pickle.dumps((target, path, password, limits))
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", _WORKER_MODULE],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=_child_env(),
    )
    try:
        out, _ = proc.communicate(request, timeout=limits.timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        log.warning("parse of %s passed %.0f s: stopped it", path, limits.timeout_s)
        raise ParseTimeoutError(
            f"Reading this file took longer than {limits.timeout_s:g} s, so it was stopped "
            "(the setting CHAPTERWISE_PARSE_TIMEOUT raises the limit). "
            "The file may be damaged or built to stall readers.",
            path=path,
        ) from None
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    try:
        result = pickle.loads(out) if out else None
    except (pickle.UnpicklingError, EOFError, AttributeError, ValueError):
        result = None
    if not isinstance(result, tuple) or not result:
        log.warning("parser for %s died with exit code %s", path, proc.returncode)
        raise CorruptFileError(
            "Reading this file crashed the document reader: the file is damaged or malformed, or needed more "
            "than the memory a parse may use (CHAPTERWISE_PARSE_MEMORY_MB).",
            path=path,
        )
    log.debug("parsed %s in a child process in %.2f s", path, time.monotonic() - started)
    return _raise_from_child(result, path)
