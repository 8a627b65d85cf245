"""Running a parser in a child process, so a hostile file can neither hang nor crash the app.

Every parse runs here, text and Markdown included: PDF, EPUB and DOCX parsers call into C libraries
(PDFium, lxml) and walk structures a file controls, and a text file can be hundreds of megabytes or
hundreds of thousands of headings. :func:`stream_isolated` runs one parse in a fresh Python process
(``python -m desktop_app.engine.ingest.worker``) whose address space is capped (``limits.max_memory_bytes``,
``RLIMIT_AS``) and kills it when ``limits.timeout_s`` passes over the whole parse, raising
ParseTimeoutError; a child that runs out of memory, makes too many chapters or dies (a crash in native
code) becomes an error that names the limit and its setting, so the server process stays small whatever
the file.

The child answers in frames (an 8-byte big-endian length, then a pickle): chapter batches as the parser
finds them final, perhaps a restart, then the end or an error (see ``stream.py``), so the caller can save
and summarize the first chapters of a long book while the child still reads the rest. A reader thread
turns the frames into a queue; the caller's generator waits on it with the time left. Batches that queue
up while the caller is busy are handed over as one. :func:`run_isolated` collects the stream into one
``ParsedDocument`` for callers that want the whole document.

A fresh interpreter rather than ``fork`` because the window runs Qt threads,
which ``fork`` would copy in an undefined state; rather than ``multiprocessing``'s spawn because
that re-imports the caller's ``__main__``, which scripts without a main guard do not survive.
A frozen (PyInstaller) app has no ``-m``: there the child is the app's own executable, started with
:data:`WORKER_ENV` set, which its entry point (``packaging/entry.py``) turns into the worker.
``CHAPTERWISE_INGEST_INPROCESS=1`` runs the parse in-process instead (the same stream, from a generator,
with the time limit and the cancel checked only between batches), for debugging.

Safe to call from any thread, several at once (each call owns its child).
"""

from __future__ import annotations

import collections
import importlib
import logging
import os
import pickle
import queue
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import desktop_app
from desktop_app.engine.ingest import base
from desktop_app.engine.ingest.base import (
    CorruptFileError,
    IngestError,
    ParseCancelledError,
    ParsedChapter,
    ParsedDocument,
    ParseTimeoutError,
)
from desktop_app.engine.ingest.limits import IngestLimits, check_chapter_count, memory_error_message
from desktop_app.engine.ingest.stream import ChapterBatch, ParseEnd, ParseItem, Restart, collect, items_of

log = logging.getLogger(__name__)

#: Environment switch for debugging: run parsers in-process (no timeout, no crash isolation).
INPROCESS_ENV = "CHAPTERWISE_INGEST_INPROCESS"
#: Set in the child's environment: a frozen app's executable then runs the parse worker, not the app.
WORKER_ENV = "CHAPTERWISE_PARSE_WORKER"
_WORKER_MODULE = "desktop_app.engine.ingest.worker"
#: Chapters found within this long after a batch was sent wait to go with the next one.
BATCH_INTERVAL_S = 0.25
#: How often a parse waiting for its child looks whether its caller stopped it.
CANCEL_POLL_S = 0.1
#: A frame's header: the length of the pickle that follows.
FRAME_HEADER = struct.Struct(">Q")

Message = tuple[Any, ...]


def parse_text_file(path: Path, password: str | None, limits: IngestLimits) -> ParsedDocument:
    """The plain-text parser as a child target (reads the file in the child, not in the server)."""
    from desktop_app.engine.ingest.text import parse_text

    return parse_text(path, path.read_bytes())


def parse_markdown_file(path: Path, password: str | None, limits: IngestLimits) -> ParsedDocument:
    """The Markdown parser as a child target."""
    from desktop_app.engine.ingest.markdown import parse_markdown

    return parse_markdown(path, path.read_bytes())


def call_target(target: str, path: Path, password: str | None, limits: IngestLimits) -> Iterator[Message]:
    """Run ``target`` and describe its outcome as picklable messages (used in the child).

    ``target`` ("module:function" taking path, password, limits) returns a ``ParsedDocument`` or yields
    :data:`~.stream.ParseItem` s. Messages: ``("chapters", [ParsedChapter, ...])``, ``("restart",)``, then
    ``("end", ParseEnd)`` or ``("error", class name, message, ocr_available)``; nothing follows the last.
    The chapter-count limit is checked as the batches come. The first batch is sent at once, later ones
    at most every :data:`BATCH_INTERVAL_S` (a chapter found meanwhile waits for the next).
    """
    count = 0
    waiting: list[ParsedChapter] = []
    sent_at: float | None = None
    try:
        module_name, func_name = target.rsplit(":", 1)
        func = getattr(importlib.import_module(module_name), func_name)
        result = func(path, password, limits)
        items = items_of(result) if isinstance(result, ParsedDocument) else result
        for item in items:
            if isinstance(item, ChapterBatch):
                count += len(item.chapters)
                check_chapter_count(count, limits, path)
                waiting.extend(item.chapters)
                # The first chapters go at once; later ones gather for a while (one save, one event each).
                if sent_at is None or time.monotonic() - sent_at >= BATCH_INTERVAL_S:
                    yield ("chapters", waiting)
                    waiting, sent_at = [], time.monotonic()
            elif isinstance(item, Restart):
                count, waiting = 0, []
                yield ("restart",)
            else:
                if waiting:
                    yield ("chapters", waiting)
                yield ("end", item)
                return
        raise RuntimeError("the reader stopped before the end of the file")
    except IngestError as exc:
        yield ("error", type(exc).__name__, exc.message, getattr(exc, "ocr_available", False))
    except RecursionError:
        yield ("error", "CorruptFileError", "This file's structure loops back on itself.", False)
    except MemoryError:
        yield ("error", "FileTooLargeError", memory_error_message(limits), False)
    except Exception as exc:  # a library failed on input it does not expect: the file is broken
        yield ("error", "CorruptFileError", f"This file is damaged and cannot be read ({exc!r:.200}).", False)


def _item_of(message: Message, path: Path) -> ParseItem:
    """The stream item a message describes; an error message is raised as its IngestError."""
    kind = message[0]
    if kind == "chapters":
        return ChapterBatch(tuple(message[1]))
    if kind == "restart":
        return Restart()
    if kind == "end" and isinstance(message[1], ParseEnd):
        return message[1]
    if kind != "error":
        raise _crashed(path)
    _, cls_name, text, ocr = message
    cls = getattr(base, cls_name, CorruptFileError)
    if not (isinstance(cls, type) and issubclass(cls, IngestError)):
        cls = CorruptFileError
    if cls is base.NoTextError:
        raise base.NoTextError(text, path=path, ocr_available=bool(ocr))
    raise cls(text, path=path)


def _crashed(path: Path) -> CorruptFileError:
    return CorruptFileError(
        "Reading this file crashed the document reader: the file is damaged or malformed, or needed more "
        "than the memory a parse may use (CHAPTERWISE_PARSE_MEMORY_MB).",
        path=path,
    )


def _timed_out(path: Path, limits: IngestLimits) -> ParseTimeoutError:
    log.warning("parse of %s passed %.0f s: stopped it", path, limits.timeout_s)
    return ParseTimeoutError(
        f"Reading this file took longer than {limits.timeout_s:g} s, so it was stopped "
        "(the setting CHAPTERWISE_PARSE_TIMEOUT raises the limit). "
        "The file may be damaged or built to stall readers.",
        path=path,
    )


def stream_in_process(
    target: str, path: Path, password: str | None, limits: IngestLimits, cancel: threading.Event | None = None
) -> Iterator[ParseItem]:
    """:func:`stream_isolated` without the child: the same items and errors, the time and ``cancel``
    checked between batches."""
    deadline = time.monotonic() + limits.timeout_s
    for message in call_target(target, path, password, limits):
        if cancel is not None and cancel.is_set():
            raise ParseCancelledError(str(path))
        item = _item_of(message, path)
        if time.monotonic() > deadline and not isinstance(item, ParseEnd):
            raise _timed_out(path, limits)
        yield item


def run_in_process(target: str, path: Path, password: str | None, limits: IngestLimits) -> ParsedDocument:
    """Call ``target`` ("module:function") here, with the child's error mapping but no isolation."""
    return collect(stream_in_process(target, path, password, limits))


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    root = str(Path(desktop_app.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    env["PYTHONIOENCODING"] = "utf-8"
    env[WORKER_ENV] = "1"
    return env


def _child_command() -> list[str]:
    """The parse worker: ``python -m …worker``, or in a frozen app its own executable (see :data:`WORKER_ENV`)."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    return [sys.executable, "-m", _WORKER_MODULE]


def write_frame(out: IO[bytes], message: Message) -> None:
    """Send one message to the parent (the child's side of the protocol)."""
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(FRAME_HEADER.pack(len(payload)) + payload)
    out.flush()


def _read_frames(stream: IO[bytes], messages: queue.Queue[Message | None]) -> None:
    """Reader thread: every frame of the child's answer onto ``messages``, then None (end of output)."""
    try:
        while True:
            header = stream.read(FRAME_HEADER.size)
            if len(header) < FRAME_HEADER.size:
                return
            (size,) = FRAME_HEADER.unpack(header)
            payload = stream.read(size)
            if len(payload) < size:
                return
            message = pickle.loads(payload)
            if not isinstance(message, tuple) or not message:
                return
            messages.put(message)
    except (OSError, ValueError, pickle.UnpicklingError, EOFError, AttributeError):
        return
    finally:
        messages.put(None)


def stream_isolated(
    target: str, path: Path, password: str | None, limits: IngestLimits, cancel: threading.Event | None = None
) -> Iterator[ParseItem]:
    """Run ``target`` ("module:function" taking path, password, limits) in a child process, yielding its items.

    Blocks the calling thread while it waits for the child's next item; raises the parse's IngestError
    (after any batches sent before it). The child is killed when ``limits.timeout_s`` passes since the
    start, when the caller stops iterating (closing the generator), or within :data:`CANCEL_POLL_S` of
    ``cancel`` being set, which raises :class:`~.base.ParseCancelledError` (another thread stops the parse).
    """
    if os.environ.get(INPROCESS_ENV):
        yield from stream_in_process(target, path, password, limits, cancel)
        return
    started = time.monotonic()
    proc = subprocess.Popen(
        _child_command(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=_child_env(),
    )
    assert proc.stdin is not None and proc.stdout is not None
    messages: queue.Queue[Message | None] = queue.Queue()
    reader = threading.Thread(target=_read_frames, args=(proc.stdout, messages), name="parse-reader", daemon=True)
    try:
        try:
            proc.stdin.write(pickle.dumps((target, path, password, limits)))
            proc.stdin.close()
        except OSError:
            pass  # the child died at once: its empty answer says so below
        reader.start()
        held: collections.deque[Message | None] = collections.deque()
        while True:
            message = _next_message(messages, held, started + limits.timeout_s, path, limits, cancel=cancel)
            if message is None:
                proc.wait()
                log.warning("parser for %s died with exit code %s", path, proc.returncode)
                raise _crashed(path)
            item = _item_of(message, path)
            if isinstance(item, ChapterBatch):
                item = _with_waiting_batches(item, messages, held)
            yield item
            if isinstance(item, ParseEnd):
                log.debug("parsed %s in a child process in %.2f s", path, time.monotonic() - started)
                return
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        reader.join(5.0)
        proc.stdout.close()


def _next_message(
    messages: queue.Queue[Message | None],
    held: collections.deque[Message | None],
    deadline: float,
    path: Path,
    limits: IngestLimits,
    *,
    cancel: threading.Event | None = None,
) -> Message | None:
    if held:
        return held.popleft()
    while True:
        if cancel is not None and cancel.is_set():
            raise ParseCancelledError(str(path))
        left = deadline - time.monotonic()
        try:
            return messages.get(timeout=max(0.0, left if cancel is None else min(left, CANCEL_POLL_S)))
        except queue.Empty:
            if time.monotonic() >= deadline:
                raise _timed_out(path, limits) from None


def _with_waiting_batches(
    batch: ChapterBatch, messages: queue.Queue[Message | None], held: collections.deque[Message | None]
) -> ChapterBatch:
    """``batch`` joined with the chapter batches already waiting behind it (the caller was busy saving)."""
    chapters = list(batch.chapters)
    while True:
        try:
            message = messages.get_nowait()
        except queue.Empty:
            break
        if message is None or message[0] != "chapters":
            held.append(message)
            break
        chapters.extend(message[1])
    return ChapterBatch(tuple(chapters)) if len(chapters) > len(batch.chapters) else batch


def run_isolated(target: str, path: Path, password: str | None, limits: IngestLimits) -> ParsedDocument:
    """The whole document :func:`stream_isolated` sends (blocks until the child's end, or raises)."""
    return collect(stream_isolated(target, path, password, limits))
