"""The engine facade: the one object the window, the command line and the HTTP API drive.

``Engine`` owns the database, the summarizer, the event bus and the pipeline, and keeps them private: what
a front end needs, it offers as a method returning records (:mod:`.records`) or typed reports
(:mod:`.reports`), so the window, the CLI and the API never touch the store or the pipeline (an
import-linter contract enforces it). Adding a document parses it on the calling thread (callers keep
parsing off the GUI thread and the API's event loop), saves the document and all of its chapters in one
transaction and returns at once: the chapters are the backlog, and the pipeline's feeder takes it from
there. With ``USE_ASYNC_SUMMARIZATION=false`` the call instead summarizes every chapter before it returns.

Every method is thread-safe.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import uuid
from pathlib import Path
from types import TracebackType

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from desktop_app.config import Settings, default_data_dir

from .changes import DocumentChanges
from .events import ChaptersAdded, DocumentAdded, DocumentChanged, DocumentParsing, Event, EventBus
from .health import HealthMonitor
from .ingest.base import ParsedDocument
from .ingest.limits import IngestLimits
from .inspection import EngineReports
from .pipeline.pipeline import Pipeline, PipelineConfig
from .pipeline.spawn import Handle, Spawn, thread_spawn
from .private import private_dir
from .records import ChapterRecord, DocumentView
from .states import FINAL_DOCUMENT, Priority
from .store import documents, edits
from .store.db import DatabaseError, open_database, serial_sessions
from .summarize.base import Summarizer
from .summarize.registry import make_summarizer
from .uploads import BackgroundParser, answers_at_once

log = logging.getLogger(__name__)

__all__ = ["DatabaseError", "DocumentNotFoundError", "Engine", "database_problem"]

#: :meth:`Engine.wait` reads the database at least this often, backing off from the first to the second.
WAIT_POLL_MIN_S = 0.05
WAIT_POLL_MAX_S = 2.0
#: A running engine saves a longer parsed document's first chapters on their own (see :meth:`Engine.add_parsed`):
#: twice the largest pool, what the feeder's first claims take before a chapter's time is known.
FIRST_CHAPTERS = 32


class DocumentNotFoundError(LookupError):
    """No document has that id (or id prefix); ``reason`` says why, when known (a prefix too short or shared)."""

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason


def database_problem(err: BaseException) -> str | None:
    """ "database unavailable: <why>" when ``err`` came from the database driver, else None.

    Front ends answer such errors as a temporary outage (the writer keeps retrying), not as a bug; they
    never import the database layer themselves.
    """
    if isinstance(err, OperationalError | InterfaceError):  # unreachable, locked, full: not a constraint or a bug
        reason = str(err.orig).strip().splitlines()[0] if err.orig else type(err).__name__
        return f"database unavailable: {reason}"
    return None


class Engine(EngineReports, DocumentChanges):
    """Chapterwise's embedded engine. Use as a context manager, or call :meth:`start` and :meth:`stop`."""

    def __init__(
        self,
        settings: Settings,
        *,
        spawn: Spawn = thread_spawn,
        summarizer: Summarizer | None = None,
    ) -> None:
        self.settings = settings
        self.bus = EventBus()
        # The database, the API token and the cache are in there. A folder the user chose that already
        # exists (their home, a shared drive) keeps its mode; only Chapterwise's own files are narrowed.
        private_dir(settings.data_dir, ours=settings.data_dir.expanduser() == default_data_dir())
        self._db, self._sessions = open_database(settings.resolved_database_url, pool_size=settings.max_workers + 4)
        self._summarizer = summarizer or make_summarizer(settings)
        serial = serial_sessions(self._db)
        self._serial_db = serial[0] if serial else None
        self.instance_id = str(uuid.uuid4())
        self._parser = BackgroundParser(
            self._sessions,
            self.bus,
            settings.data_dir / "parsing",
            spawn=spawn,
            on_chapters=self._wake_pipeline,
            instance_id=self.instance_id,
            limits=self._limits,
        )
        self._pipeline = Pipeline(
            PipelineConfig(
                initial_workers=settings.summary_max_workers,
                min_workers=min(settings.min_workers, settings.summary_max_workers),
                max_workers=settings.effective_max_workers(),
                summary_queue_size=settings.summary_queue_size,
                write_queue_size=settings.write_queue_size,
                batch_size=settings.batch_size,
                batch_interval_s=settings.batch_interval_ms / 1000.0,
                max_attempts=settings.max_attempts,
                summary_sentences=settings.summary_sentences,
                lease_s=settings.lease_seconds,
            ),
            self._sessions,
            self._summarizer,
            self.bus,
            spawn=spawn,
            instance_id=self.instance_id,
            writes=serial[1] if serial else None,
            parses=self._parser,
        )
        self.health = HealthMonitor(
            settings, self.bus, summarizer=self._summarizer, interval=settings.health_check_seconds
        )
        if settings.redo_fallbacks:
            self.health.on_checked = self._after_health_check
        self._spawn = spawn
        self._health_loop: Handle | None = None
        self._running = False
        self._sync_lock = threading.Lock()

    # --- lifecycle

    def _wake_pipeline(self) -> None:
        """A parse saved chapters: claim them now (the parser is made before the pipeline)."""
        self._pipeline.wake()

    @property
    def async_enabled(self) -> bool:
        return self.settings.use_async_summarization

    @property
    def running(self) -> bool:
        return self._running

    @property
    def backend_label(self) -> str:
        """``backend/model`` of the configured summarizer, for a status line."""
        name, model = self._summarizer.name, self._summarizer.model
        return f"{name}/{model}" if model else name

    def start(self) -> Engine:
        """Start the pipeline (unless ``SKIP_PIPELINE_INIT`` or synchronous mode); resumes unfinished work."""
        if self._running:
            return self
        wants_health = self.settings.backend != "extractive" and not self.settings.skip_pipeline_init
        if wants_health and self._health_loop is None:
            self._health_loop = self._spawn("backend-health", self.health.run)
        if self.settings.skip_pipeline_init:
            log.info("Pipeline not started (SKIP_PIPELINE_INIT)")
        elif not self.async_enabled:
            log.info("Synchronous mode: uploads wait for their summaries (USE_ASYNC_SUMMARIZATION=false)")
        else:
            log.info("✓ Async summary pipeline enabled")
            self._summarizer.warm_up()  # worker processes start while the window opens, not with the first chapter
            self._pipeline.start()  # its recovery parses again the uploads a stop or a crash cut off
            self._parser.sweep()
            self._running = True
        return self

    def stop(self, timeout: float | None = None) -> bool:
        """Stop gracefully: finish or hand back in-flight chapters, flush the last batch, close connections.

        The summarizer's clients close only after the workers have stopped, so no request is cut mid-way. Files
        being read are not waited for: their parses stop and start again at the next start (see :mod:`.uploads`).
        """
        ok = True
        self.health.stop()
        limit = self.settings.shutdown_timeout if timeout is None else timeout
        self._parser.stop(limit)  # parses in progress start again at the next start
        if self._running:
            ok = self._pipeline.stop(limit)
            self._running = False
        if self._health_loop is not None:
            self._health_loop.join(1.0)  # a probe in progress ends within its own short timeout
        self._summarizer.close()
        self._db.dispose()
        if self._serial_db is not None:
            self._serial_db.dispose()
        return ok

    def __enter__(self) -> Engine:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # --- adding documents

    def _limits(self) -> IngestLimits:
        """What a parse may take, from the settings."""
        return IngestLimits(
            max_bytes=self.settings.max_file_mb * 1024 * 1024,
            max_pages=self.settings.max_pages,
            timeout_s=self.settings.parse_timeout,
            max_chapters=self.settings.max_chapters,
            max_memory_bytes=self.settings.parse_memory_mb * 1024 * 1024,
            max_zip_ratio=self.settings.max_zip_ratio,
        )

    def add_file(
        self,
        path: Path,
        *,
        password: str | None = None,
        priority: int | str = Priority.NORMAL,
        focus: str | None = None,
        file_name: str | None = None,
        ocr: bool = False,
        background: bool = False,
    ) -> DocumentView:
        """Parse ``path`` and save it with its chapters; raises ``IngestError`` with a user's message.

        ``background=True`` answers at once (asynchronous mode only): the file and the document row are
        saved, the document is ``parsing`` with no chapters yet, and its chapters follow in a
        ``DocumentAdded`` event (or it ends failed with the parser's message); see :mod:`.uploads`. Only a
        missing, oversized or unsupported file raises then. An encrypted PDF is parsed before the answer
        (its password question comes from the parse: see :func:`.uploads.answers_at_once`).

        ``ocr=True`` reads a scanned PDF's pages with Tesseract (offered when a PDF has no text layer and
        ``NoTextError.ocr_available`` says Tesseract is installed); it takes seconds a page.
        """
        from .ingest import detect_format, ocr_pdf, parse_document

        limits = self._limits()
        path = Path(path)
        at_once = background and not ocr and self.async_enabled and not self.settings.skip_pipeline_init
        if at_once and answers_at_once(path):
            doc_id = self._parser.start(
                path,
                file_name=file_name or path.name,
                password=password,
                limits=limits,
                priority=Priority.parse(priority),
                focus=(focus or "").strip() or None,
                backend=self._summarizer.name,
                model=self._summarizer.model or None,
            )
            return self.document(doc_id)
        parsed: ParsedDocument | None
        if ocr and path.is_file() and detect_format(path) == "pdf":  # OCR reads PDFs; other files parse as usual
            parsed = ocr_pdf(path, password=password, limits=limits)
            return self.add_parsed(
                parsed, file_name=file_name or path.name, sha256=_sha256(path), priority=priority, focus=focus
            )
        if path.is_file() and path.stat().st_size <= limits.max_bytes:
            sha256 = _sha256(path)
            with self._sessions() as session:
                parsed = documents.previous_import(session, sha256)
            if parsed is not None:
                log.info("Reusing the chapters of an identical file imported before (%s)", path.name)
        else:
            sha256, parsed = "", None
        if parsed is None:
            parsed = parse_document(path, password=password, limits=limits)
            sha256 = sha256 or _sha256(path)
        return self.add_parsed(parsed, file_name=file_name or path.name, sha256=sha256, priority=priority, focus=focus)

    def add_parsed(
        self,
        parsed: ParsedDocument,
        *,
        file_name: str,
        sha256: str = "",
        priority: int | str = Priority.NORMAL,
        focus: str | None = None,
    ) -> DocumentView:
        """Save an already parsed document and queue its chapters.

        While the pipeline runs, a document of more than :data:`FIRST_CHAPTERS` chapters is saved in two
        transactions: its first chapters, which the pipeline claims at once, then the rest (saving 1,000
        chapters took 60 ms, which the first request waited for). Meanwhile it is ``parsing``, and its events
        are a background parse's: ``DocumentParsing``, ``ChaptersAdded``, then ``DocumentAdded``. When the rest
        cannot be saved, the document is removed and the error raised, as with one transaction. Otherwise it is
        one transaction. The pipeline is woken as soon as chapters are committed, before the document is read
        back for the answer: reading 2,000 chapters back took about as long as saving them.
        """
        level = Priority.parse(priority)
        focus = (focus or "").strip() or None
        apart = self._running and self.async_enabled and len(parsed.chapters) > FIRST_CHAPTERS
        # While apart the document is ``parsing``, held by this live instance: recovery leaves it be.
        parser = self.instance_id if apart else None
        with self._sessions.begin() as session:
            doc_id = documents.add_placeholder(
                session,
                file_name=file_name,
                sha256="" if apart else sha256 or _sha256_text(parsed),
                priority=level,
                focus=focus,
                backend=self._summarizer.name,
                model=self._summarizer.model or None,
                parsed_by=parser,
            )
            if apart:
                chapter_ids = documents.append_chapters(
                    session, doc_id, parsed.chapters[:FIRST_CHAPTERS], parser=parser
                )
            else:
                chapter_ids = documents.add_chapters(session, doc_id, parsed)
        if apart:
            chapter_ids += self._save_the_rest(doc_id, parsed, chapter_ids, file_name=file_name, sha256=sha256)
        log.info("Enqueueing %d chapters for async summary generation...", len(chapter_ids))
        self.bus.publish(DocumentAdded(doc_id, parsed.title, parsed.format, len(chapter_ids), chapter_ids))
        if self.async_enabled:
            self._pipeline.wake()
            log.info("✓ Enqueued %d chapters. Summaries will be generated in background.", len(chapter_ids))
        elif not self.settings.skip_pipeline_init:
            with self._sync_lock:
                self._pipeline.run_inline(doc_id)
        return self.document(doc_id)

    def _save_the_rest(
        self, doc_id: str, parsed: ParsedDocument, first_ids: tuple[str, ...], *, file_name: str, sha256: str
    ) -> tuple[str, ...]:
        """With the first chapters committed: announce them, wake the pipeline, then save the rest and the
        document's end in a second transaction; returns the rest's ids. On failure the document is removed."""
        self.bus.publish(DocumentParsing(doc_id, file_name))
        self.bus.publish(ChaptersAdded(doc_id, 0, first_ids))
        self._pipeline.wake()
        try:
            digest = sha256 or _sha256_text(parsed)
            with self._sessions.begin() as session:
                rest_ids = documents.append_chapters(
                    session, doc_id, parsed.chapters[FIRST_CHAPTERS:], parser=self.instance_id
                )
                documents.finish_parsing(session, doc_id, parsed, sha256=digest, parser=self.instance_id)
        except documents.NoLongerParsingError:
            raise DocumentNotFoundError(f"{file_name!r} was removed while it was being saved") from None
        except BaseException:
            self._remove_unfinished(doc_id)
            raise
        return rest_ids

    def _remove_unfinished(self, doc_id: str) -> None:
        """Remove a document whose chapters could not all be saved (best effort: if this fails too, the document
        stays ``parsing`` and the next start fails it, asking for the file again)."""
        try:
            with self._sessions.begin() as session:
                edits.delete_document(session, doc_id)
        except DBAPIError as err:
            log.warning("Could not remove the partly saved document %s: %s", doc_id, err.orig)
            return
        self.bus.publish(DocumentChanged(doc_id, "removed"))

    # --- reading

    def documents(self, *, status: str | None = None, unfinished: bool = False) -> list[DocumentView]:
        """Every document (newest first) with its chapter counts, without chapters."""
        with self._sessions() as session:
            return documents.list_documents(session, status=status, unfinished=unfinished)

    def document(self, ref: str, *, chapters: bool = True, with_text: bool = False) -> DocumentView:
        """A document by id or unique id prefix; raises :class:`DocumentNotFoundError`."""
        with self._sessions() as session:
            doc_id = documents.resolve(session, ref)
            view = documents.get_document(session, doc_id, chapters=chapters, with_text=with_text) if doc_id else None
            if view is None:
                raise DocumentNotFoundError(f"No document {ref!r}", documents.unresolved_reason(session, ref))
        return view

    def chapter(self, chapter_id: str, *, with_text: bool = True) -> ChapterRecord:
        """One chapter (with its original text), without loading the rest of its document."""
        with self._sessions() as session:
            record = documents.get_chapter(session, chapter_id, with_text=with_text)
        if record is None:
            raise DocumentNotFoundError(f"No chapter {chapter_id!r}")
        return record

    def export(self, ref: str, fmt: str = "md", *, with_text: bool = False) -> str:
        """The document as Markdown (``md``) or JSON (``json``; ``with_text`` adds each chapter's text)."""
        from .exports import export_json, export_markdown

        doc = self.document(ref, with_text=with_text)
        if fmt == "json":
            return export_json(doc, with_text=with_text)
        if fmt in ("md", "markdown"):
            return export_markdown(doc)
        raise ValueError(f"Unknown export format {fmt!r} (use md or json)")

    def wait(self, ref: str, timeout: float | None = None) -> DocumentView:
        """Block until the document is final (done, failed or cancelled) or ``timeout`` passes.

        Follows the database, not only this engine's events: another instance on the same database may
        finish the document. The database is read again at every event of the document and otherwise
        with a back-off from 50 ms to 2 s, so a wait costs a few cheap reads a second at most.
        """
        doc_id = self.document(ref, chapters=False).id
        changed = threading.Event()

        def on_event(event: Event) -> None:
            if getattr(event, "document_id", None) == doc_id:
                changed.set()

        deadline = None if timeout is None else time.monotonic() + timeout
        delay = WAIT_POLL_MIN_S
        unsubscribe = self.bus.subscribe(on_event)
        try:
            while True:
                try:
                    with self._sessions() as session:
                        status = documents.document_status(session, doc_id)
                except DBAPIError as err:  # an outage: keep waiting, the writer keeps the results meanwhile
                    log.debug("Waiting for %s: the database did not answer (%s)", doc_id, err.orig)
                else:
                    if status is None or status in FINAL_DOCUMENT:
                        break
                left = WAIT_POLL_MAX_S if deadline is None else deadline - time.monotonic()
                if left <= 0:
                    break
                if changed.wait(min(delay, left)):
                    changed.clear()
                    delay = WAIT_POLL_MIN_S
                else:
                    delay = min(delay * 2, WAIT_POLL_MAX_S)
        finally:
            unsubscribe()
        return self.document(doc_id)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _sha256_text(parsed: ParsedDocument) -> str:
    digest = hashlib.sha256()
    for chapter in parsed.chapters:
        digest.update(chapter.title.encode())
        digest.update(chapter.text.encode())
    return digest.hexdigest()
