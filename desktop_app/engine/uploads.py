"""Uploads that answer at once: the file and the document row are saved, parsing runs in the background.

Parsing a 2,000-page PDF takes seconds; an upload should not. :class:`BackgroundParser` copies the file
into the engine's own folder (the caller may delete its copy as soon as the call returns), saves the
document with status ``parsing`` and no chapters, publishes :class:`~.events.DocumentParsing` and returns.
A loop started through the spawn hook (``parse-<id>``) then hashes the file, reuses an identical earlier
import or parses it (in the sandboxed child process, with the configured limits). The parse streams
(``ingest/stream.py``): each batch of chapters it finds final is saved in its own transaction, announced
with ``ChaptersAdded`` and the pipeline woken, so the first chapters are summarized while the rest of the
file is read; the document stays ``parsing`` (the pipeline never finishes it) until the end, when it
becomes ``processing`` and ``DocumentAdded`` is published with every chapter, as before. A file that
cannot be read ends the document ``failed`` with the parser's message and the kind of failure
(:class:`~.states.ParseFailure`: no text, with whether OCR is available; a password; a limit; damaged;
timeout), on the document and on its ``DocumentFinished`` event, so callers act on it as they would on
the parser's exception; the chapters saved before the failure are dropped: a document never stands with
part of a file. An encrypted PDF (:func:`looks_encrypted`) is parsed before the answer instead, so its
password question is answered at once.

A parse does not hold the app's stop: :meth:`BackgroundParser.stop` stops the child, drops the chapters
saved so far and keeps the engine's copy of the file, and the document stays ``parsing``; uploads still
waiting for a parse slot stay as they are. At the next start the pipeline's recovery hands such documents
(and those a crash left) back to the parser, which parses them again from the start
(:meth:`~BackgroundParser.resumable`, :meth:`~BackgroundParser.resume`, ``pipeline/lease.py``). An upload
made with a password is not kept (the password is not stored): its document ends failed at the next start,
asking for the file again.

Thread-safe: ``start`` runs on the caller's thread, each parse on its own loop.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from .events import ChaptersAdded, DocumentAdded, DocumentFinished, DocumentParsing, EventBus
from .ingest.base import IngestError, ParseCancelledError, ParsedDocument
from .ingest.limits import IngestLimits
from .ingest.stream import ChapterBatch, ParseEnd, ParseItem, Restart, items_of
from .pipeline.spawn import Handle, Spawn
from .states import DocumentStatus, ParseFailure
from .store import documents
from .store.instances import INTERRUPTED_PARSE

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ParseJob:
    """What a background parse needs: the engine's copy of the file and how to read it."""

    document_id: str
    path: Path
    file_name: str
    password: str | None
    limits: IngestLimits


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


#: Bytes read at each end of a PDF for its trailer (the last one, and a linearized file's first one).
TRAILER_BYTES = 64 * 1024


def looks_encrypted(path: Path) -> bool:
    """Whether a PDF's trailer names an ``/Encrypt`` dictionary, read from the file's two ends only.

    Only the parse can tell whether an encrypted PDF opens without a password (many do: an empty user
    password), so such a PDF is parsed before the upload answers, and a missing or wrong password is
    answered at once, as before. A trailer further inside the file is missed: that PDF is parsed in the
    background and, if it needs a password, ends failed saying so.
    """
    with path.open("rb") as handle:
        head = handle.read(TRAILER_BYTES)
        handle.seek(0, 2)
        size = handle.tell()
        handle.seek(max(0, size - TRAILER_BYTES))
        tail = handle.read(TRAILER_BYTES)
    return b"/Encrypt" in head or b"/Encrypt" in tail


def answers_at_once(path: Path) -> bool:
    """Whether an upload of ``path`` can answer before it is parsed and still answer right.

    Everything but an encrypted PDF: its password question comes from the parse.
    """
    from .ingest.detect import detect_format

    try:
        return not (detect_format(path) == "pdf" and looks_encrypted(path))
    except (IngestError, OSError):
        return True  # refused by the background path's own checks, with their message


def parse_file(
    path: Path, *, password: str | None, limits: IngestLimits, cancel: threading.Event | None = None
) -> ParsedDocument | Iterable[ParseItem]:
    """The parse itself, as a stream of items or a whole document (a seam: tests hold it at a gate).

    Setting ``cancel`` stops it (the child is killed, ``ParseCancelledError`` raised) while it waits for the child.
    """
    from .ingest import stream_document

    return stream_document(path, password=password, limits=limits, cancel=cancel)


def _items(result: ParsedDocument | Iterable[ParseItem]) -> Iterator[ParseItem]:
    return items_of(result) if isinstance(result, ParsedDocument) else iter(result)


#: Parses run at once, at most (the window's task pool and the API's upload limiter allowed as many when
#: uploads parsed first): each is a child process that may use a core and CHAPTERWISE_PARSE_MEMORY_MB, and a
#: dropped folder of 200 files must not start 200 of them. The others wait, saved and ``parsing``.
PARSE_SLOTS = 4


class BackgroundParser:
    """Saves uploads and parses them off the caller's thread. See the module docstring."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        bus: EventBus,
        folder: Path,
        *,
        spawn: Spawn,
        on_chapters: Callable[[], None],
        instance_id: str | None = None,
        limits: Callable[[], IngestLimits] = IngestLimits,
    ) -> None:
        """``limits``: those of a parse started again by :meth:`resume` (an upload brings its own)."""
        self.sessions = sessions
        self.instance_id = instance_id
        self.bus = bus
        self.folder = folder
        self.spawn = spawn
        self.on_chapters = on_chapters
        self.limits = limits
        self._lock = threading.Lock()
        self._slot_free = threading.Condition(self._lock)
        self._running: dict[str, Handle] = {}
        self._parsing = 0
        self._waiting = 0
        self._stopping = threading.Event()

    def start(
        self,
        path: Path,
        *,
        file_name: str,
        password: str | None,
        limits: IngestLimits,
        priority: int,
        focus: str | None,
        backend: str,
        model: str | None,
    ) -> str:
        """Save the file and the document row, start the parse, return the document's id at once.

        Raises ``IngestError`` only for what is known without parsing (missing, too large, not a document).
        """
        from .ingest.detect import detect_format
        from .ingest.limits import check_file_size

        if not path.is_file():
            raise IngestError(f"The file {file_name!r} was not found.", path=path)
        check_file_size(path, limits)
        detect_format(path)  # an unsupported file is refused now, from its first bytes
        with self.sessions.begin() as session:
            doc_id = documents.add_placeholder(
                session,
                file_name=file_name,
                sha256="",
                priority=priority,
                focus=focus,
                backend=backend,
                model=model,
                parsed_by=self.instance_id,
            )
        # The copy keeps the name the parse can tell the format by; the document keeps ``file_name``.
        copy = self.folder / doc_id / path.name
        copy.parent.mkdir(parents=True, exist_ok=True)
        try:
            copy.hardlink_to(path)  # same disk: no bytes copied
        except OSError:
            shutil.copyfile(path, copy)
        self.bus.publish(DocumentParsing(doc_id, file_name))
        self._spawn(ParseJob(doc_id, copy, file_name, password, limits))
        return doc_id

    def _spawn(self, job: ParseJob) -> None:
        with self._lock:
            self._running[job.document_id] = self.spawn(f"parse-{job.document_id[:8]}", lambda: self._run_in_turn(job))

    def _copy_of(self, document_id: str) -> Path | None:
        """The engine's copy of the document's file, if it is still there (the folder holds just that file)."""
        try:
            files = list((self.folder / document_id).iterdir())
        except OSError:
            return None
        return files[0] if len(files) == 1 and files[0].is_file() else None

    def resumable(self, document_id: str) -> bool:
        """Whether an orphaned ``parsing`` document can be parsed again here: its copy is in this folder."""
        with self._lock:
            if document_id in self._running and not self._stopping.is_set():
                return False  # parsing here now (its claim is being recovered from under a live parse)
        # Once stopping, a parse that did not end in time (one in-process, cancelled only between batches) is
        # left behind too: whoever takes the document over holds it, and this parse's writes are refused.
        return self._copy_of(document_id) is not None

    def resume(self, document_ids: list[str]) -> None:
        """Parse again, from the start, documents taken over for this instance (see ``pipeline/lease.py``).

        Their chapters so far were dropped with the take-over; views hear it (``ChaptersAdded`` with none from
        index 0). A document whose copy went missing meanwhile ends failed, asking for the file again.
        """
        for doc_id in document_ids:
            if self._stopping.is_set():
                return  # still parsing with its copy: the next start takes it
            with self.sessions() as session:
                file_name = documents.parsing_file_name(session, doc_id)
            if file_name is None:
                continue  # removed meanwhile
            self.bus.publish(ChaptersAdded(doc_id, 0, ()))
            copy = self._copy_of(doc_id)
            if copy is None:
                self._fail(
                    ParseJob(doc_id, self.folder / doc_id, file_name, None, self.limits()),
                    IngestError(INTERRUPTED_PARSE),
                )
                continue
            log.info("Parsing %s again: its parse stopped with the app", file_name)
            self._spawn(ParseJob(doc_id, copy, file_name, None, self.limits()))
        self.on_chapters()

    def sweep(self) -> int:
        """Remove the copies of documents no longer parsing (removed or ended while no parse ran here, e.g. by
        another process on the same folder); returns how many. Run at the engine's start."""
        try:
            names = [entry.name for entry in self.folder.iterdir() if entry.is_dir()]
        except OSError:
            return 0
        if not names:
            return 0
        with self.sessions() as session:
            parsing = documents.parsing_ids(session, names)
        with self._lock:
            gone = [name for name in names if name not in parsing and name not in self._running]
        for name in gone:
            shutil.rmtree(self.folder / name, ignore_errors=True)
        if gone:
            log.info("Removed %d copies of uploads that are no longer being read", len(gone))
        return len(gone)

    def stop(self, timeout: float) -> None:
        """Stop every parse (engine shutdown), waiting at most ``timeout`` seconds for them all.

        A parse in progress stops its child, drops its chapters so far and keeps its copy of the file; an
        upload waiting for a slot is not started. Their documents stay ``parsing`` for the next start.
        """
        self._stopping.set()
        with self._lock:
            self._slot_free.notify_all()
            handles = list(self._running.values())
        deadline = time.monotonic() + timeout
        for handle in handles:
            handle.join(max(0.0, deadline - time.monotonic()))

    @property
    def waiting(self) -> int:
        """Uploads saved and waiting for a parse slot (:data:`PARSE_SLOTS` are parsing)."""
        with self._lock:
            return self._waiting

    def _run_in_turn(self, job: ParseJob) -> None:
        """Wait for a parse slot on the parse's own loop, then parse (unless the engine stops meanwhile)."""
        with self._lock:
            self._waiting += 1
            while self._parsing >= PARSE_SLOTS and not self._stopping.is_set():
                self._slot_free.wait()
            self._waiting -= 1
            stopped = self._stopping.is_set()
            if stopped:
                self._running.pop(job.document_id, None)
            else:
                self._parsing += 1
        if stopped:
            self._keep_or_remove(job)
            return
        try:
            self._run(job)
        finally:
            with self._lock:
                self._parsing -= 1
                self._slot_free.notify()

    def _run(self, job: ParseJob) -> None:
        keep = False
        try:
            sha256 = sha256_of(job.path)
            with self.sessions() as session:
                earlier = documents.previous_import(session, sha256)
            if earlier is None:
                items = _items(parse_file(job.path, password=job.password, limits=job.limits, cancel=self._stopping))
            else:
                log.info("Reusing the chapters of an identical file imported before (%s)", job.file_name)
                items = items_of(earlier)
            self._save(job, sha256, items)
        except ParseCancelledError:
            keep = job.password is None
            log.info(
                "Stopped parsing %s with the app: %s",
                job.file_name,
                "it is parsed again at the next start" if keep else "it was opened with a password, add it again",
            )
        except Exception as err:
            self._fail(job, err)
        finally:
            if not keep and not self._held_elsewhere(job.document_id):
                shutil.rmtree(job.path.parent, ignore_errors=True)
            with self._lock:
                self._running.pop(job.document_id, None)

    def _held_elsewhere(self, document_id: str) -> bool:
        """Whether another instance took the parse over (this one's lease lapsed): the copy is its now."""
        if self.instance_id is None:
            return False
        try:
            with self.sessions() as session:
                return documents.parsing_file_name(session, document_id, besides=self.instance_id) is not None
        except DBAPIError:
            return False

    def _keep_or_remove(self, job: ParseJob) -> None:
        """An upload that never started: its copy stays for the next start, unless it needs its password."""
        if job.password is not None:
            shutil.rmtree(job.path.parent, ignore_errors=True)

    def _save(self, job: ParseJob, sha256: str, items: Iterator[ParseItem]) -> None:
        """Save each batch as it comes (own transaction, ``ChaptersAdded``, pipeline woken), then the end.

        A failure drops the chapters saved so far (``ChaptersAdded`` with none from index 0) before it
        propagates to the caller's ``except``. A document removed meanwhile ends the parse quietly (closing
        the stream stops the child).
        """
        saved = 0
        try:
            for item in items:
                if self._stopping.is_set():
                    raise ParseCancelledError(job.file_name)
                if isinstance(item, Restart):
                    with self.sessions.begin() as session:
                        documents.remove_chapters(session, job.document_id, parser=self.instance_id)
                    saved = 0
                    self.bus.publish(ChaptersAdded(job.document_id, 0, ()))
                elif isinstance(item, ChapterBatch):
                    if not item.chapters:
                        continue
                    with self.sessions.begin() as session:
                        ids = documents.append_chapters(
                            session, job.document_id, item.chapters, parser=self.instance_id
                        )
                    self.bus.publish(ChaptersAdded(job.document_id, saved, ids))
                    saved += len(ids)
                    self.on_chapters()  # the first chapters are summarized while the parse goes on
                else:
                    self._finish(job, sha256, item)
                    return
            raise IngestError("The document reader stopped before the end of the file.", path=job.path)
        except documents.NoLongerParsingError:
            log.info("Stopped parsing %s: the document was removed, ended or taken over meanwhile", job.file_name)
        except BaseException:
            if saved:
                with self.sessions.begin() as session:
                    documents.remove_chapters(session, job.document_id, parser=self.instance_id)
                self.bus.publish(ChaptersAdded(job.document_id, 0, ()))  # views drop them before the failure
            raise
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    def _finish(self, job: ParseJob, sha256: str, end: ParseEnd) -> None:
        parsed = end.document([])
        with self.sessions.begin() as session:
            documents.finish_parsing(session, job.document_id, parsed, sha256=sha256, parser=self.instance_id)
            chapter_ids = documents.chapter_ids_of(session, job.document_id)
        log.info("Parsed %s: %d chapters queued for summary generation", job.file_name, len(chapter_ids))
        self.bus.publish(DocumentAdded(job.document_id, parsed.title, parsed.format, len(chapter_ids), chapter_ids))
        self.on_chapters()

    def _fail(self, job: ParseJob, err: Exception) -> None:
        """End the document failed with the parser's message and the kind of failure (on the parse's loop,
        inside its ``except``). A document removed while it was parsed has nothing to fail: no event."""
        if isinstance(err, IngestError):
            message, kind = err.message, err.kind
        else:
            message, kind = f"The file could not be read: {err}", ParseFailure.UNREADABLE
        ocr = bool(getattr(err, "ocr_available", False))
        with self.sessions.begin() as session:
            failed = documents.fail_parsing(
                session, job.document_id, message, kind, ocr_available=ocr, parser=self.instance_id
            )
            status = None if failed else documents.document_status(session, job.document_id)
        if not failed:
            if status is None:
                log.info("The document of %s was removed while it was parsed", job.file_name)
            else:  # no longer parsing (its state was changed meanwhile): that state stands
                log.warning("Parsing %s failed after its document became %s: %s", job.file_name, status, message)
            return
        if isinstance(err, IngestError):
            log.info("Upload %s refused (%s): %s", job.file_name, kind, message)
        else:
            log.exception("Parsing %s failed", job.file_name)
        self.bus.publish(DocumentFinished(job.document_id, DocumentStatus.FAILED, None, message, kind, ocr))
