"""The engine facade: the one object the window, the command line and the HTTP API drive.

``Engine`` owns the database, the summarizer, the event bus and the pipeline. Adding a document parses
it on the calling thread (callers keep parsing off the GUI thread and the API's event loop), saves the
document and all of its chapters in one transaction and returns at once: the chapters are the backlog,
and the pipeline's feeder takes it from there. With ``USE_ASYNC_SUMMARIZATION=false`` the call instead
summarizes every chapter before it returns.

Every method is thread-safe.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import uuid
from datetime import UTC
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy.orm import Session

from desktop_app.config import Settings

from .events import (
    BackendHealth,
    DocumentAdded,
    DocumentChanged,
    DocumentFinished,
    EndpointHealth,
    Event,
    EventBus,
)
from .health import HealthMonitor, probe
from .ingest.base import ParsedChapter, ParsedDocument
from .pipeline.pipeline import Pipeline, PipelineConfig
from .pipeline.spawn import Handle, Spawn, thread_spawn
from .store import repo
from .store.db import open_database
from .store.models import DocumentStatus, Priority, utcnow
from .summarize.base import Summarizer
from .summarize.registry import make_summarizer
from .views import PRIORITY_VALUES, ChapterView, DocumentView, export_json, export_markdown

log = logging.getLogger(__name__)

FINAL_DOCUMENT = (DocumentStatus.DONE.value, DocumentStatus.FAILED.value, DocumentStatus.CANCELLED.value)


class DocumentNotFoundError(LookupError):
    """No document has that id (or id prefix)."""


class Engine:
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
        self.db, self.sessions = open_database(settings.resolved_database_url, pool_size=settings.max_workers + 4)
        self.summarizer = summarizer or make_summarizer(settings)
        self.instance_id = str(uuid.uuid4())
        self.pipeline = Pipeline(
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
            self.sessions,
            self.summarizer,
            self.bus,
            spawn=spawn,
            instance_id=self.instance_id,
        )
        self.health = HealthMonitor(
            settings, self.bus, summarizer=self.summarizer, interval=settings.health_check_seconds
        )
        self._spawn = spawn
        self._health_loop: Handle | None = None
        self._running = False
        self._sync_lock = threading.Lock()

    # --- lifecycle

    @property
    def async_enabled(self) -> bool:
        return self.settings.use_async_summarization

    @property
    def running(self) -> bool:
        return self._running

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
            warm_up = getattr(self.summarizer, "warm_up", None)
            if callable(warm_up):
                warm_up()  # worker processes start while the window opens, not with the first chapter
            self.pipeline.start()
            self._running = True
        return self

    def stop(self, timeout: float | None = None) -> bool:
        """Stop gracefully: finish or hand back in-flight chapters, flush the last batch, close connections."""
        ok = True
        self.health.stop()
        if self._running:
            ok = self.pipeline.stop(self.settings.shutdown_timeout if timeout is None else timeout)
            self._running = False
        if self._health_loop is not None:
            self._health_loop.join(1.0)  # a probe in progress ends within its own short timeout
        self.summarizer.close()
        self.db.dispose()
        return ok

    def __enter__(self) -> Engine:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # --- adding documents

    def add_file(
        self,
        path: Path,
        *,
        password: str | None = None,
        priority: int | str = Priority.NORMAL,
        focus: str | None = None,
        file_name: str | None = None,
        ocr: bool = False,
    ) -> DocumentView:
        """Parse ``path`` and save it with its chapters; raises ``IngestError`` with a user's message.

        ``ocr=True`` reads a scanned PDF's pages with Tesseract (offered when a PDF has no text layer and
        ``NoTextError.ocr_available`` says Tesseract is installed); it takes seconds a page.
        """
        from .ingest import IngestLimits, detect_format, ocr_pdf, parse_document

        limits = IngestLimits(
            max_bytes=self.settings.max_file_mb * 1024 * 1024,
            max_pages=self.settings.max_pages,
            timeout_s=self.settings.parse_timeout,
        )
        path = Path(path)
        parsed: ParsedDocument | None
        if ocr and path.is_file() and detect_format(path) == "pdf":  # OCR reads PDFs; other files parse as usual
            parsed = ocr_pdf(path, password=password, limits=limits)
            return self.add_parsed(
                parsed, file_name=file_name or path.name, sha256=_sha256(path), priority=priority, focus=focus
            )
        if path.is_file() and path.stat().st_size <= limits.max_bytes:
            sha256 = _sha256(path)
            parsed = self._previous_import(sha256)
        else:
            sha256, parsed = "", None
        if parsed is None:
            parsed = parse_document(path, password=password, limits=limits)
            sha256 = sha256 or _sha256(path)
        return self.add_parsed(parsed, file_name=file_name or path.name, sha256=sha256, priority=priority, focus=focus)

    def _previous_import(self, sha256: str) -> ParsedDocument | None:
        """The chapters of an earlier import of byte-identical content, so a re-upload skips parsing."""
        with self.sessions() as session:
            earlier = repo.find_by_sha256(session, sha256)
            if earlier is None:
                return None
            chapters = [ParsedChapter(title=c.title, text=c.text) for c in repo.chapters_of(session, earlier.id)]
            log.info("Reusing the chapters of %s, an identical file imported before", earlier.file_name)
            return ParsedDocument(
                title=earlier.title,
                format=earlier.format,
                chapters=chapters,
                structure=earlier.structure,
                warnings=list(earlier.warnings or []),
            )

    def add_parsed(
        self,
        parsed: ParsedDocument,
        *,
        file_name: str,
        sha256: str = "",
        priority: int | str = Priority.NORMAL,
        focus: str | None = None,
    ) -> DocumentView:
        """Save an already parsed document (one transaction) and queue its chapters."""
        level = _priority(priority)
        focus = (focus or "").strip() or None
        with self.sessions.begin() as session:
            doc = repo.add_document(
                session, parsed, file_name=file_name, sha256=sha256 or _sha256_text(parsed), priority=level, focus=focus
            )
            doc_id = doc.id
        view = self.document(doc_id)
        chapter_ids = tuple(c.id for c in view.chapters)
        log.info("Enqueueing %d chapters for async summary generation...", len(chapter_ids))
        self.bus.publish(DocumentAdded(doc_id, parsed.title, parsed.format, len(parsed.chapters), chapter_ids))
        if self.async_enabled:
            self.pipeline.wake()
            log.info("✓ Enqueued %d chapters. Summaries will be generated in background.", len(chapter_ids))
            return view
        if not self.settings.skip_pipeline_init:
            with self._sync_lock:
                self.pipeline.run_inline(doc_id)
            return self.document(doc_id)
        return view

    # --- reading

    def documents(self, *, status: str | None = None) -> list[DocumentView]:
        with self.sessions() as session:
            rows = repo.list_documents(session, status=status)
            counts = repo.progress(session, [d.id for d in rows])
            return [DocumentView.of(d, counts[d.id]) for d in rows]

    def document(self, ref: str, *, chapters: bool = True, with_text: bool = False) -> DocumentView:
        """A document by id or unique id prefix; raises :class:`DocumentNotFoundError`."""
        with self.sessions() as session:
            return self._document(session, ref, chapters=chapters, with_text=with_text)

    def _document(self, session: Session, ref: str, *, chapters: bool, with_text: bool) -> DocumentView:
        doc = repo.find_document(session, ref)
        if doc is None:
            raise DocumentNotFoundError(f"No document {ref!r}")
        counts = repo.progress(session, [doc.id])[doc.id]
        rows = repo.chapters_of(session, doc.id, with_text=with_text) if chapters else None
        return DocumentView.of(doc, counts, rows, with_text=with_text)

    def chapter(self, chapter_id: str, *, with_text: bool = True) -> ChapterView:
        """One chapter (with its original text), without loading the rest of its document."""
        with self.sessions() as session:
            row = repo.get_chapter(session, chapter_id)
            if row is None:
                raise DocumentNotFoundError(f"No chapter {chapter_id!r}")
            return ChapterView.of(row, with_text=with_text)

    def gauges(self) -> dict[str, int]:
        """The live queue and worker numbers, from memory only (cheap enough for a GUI timer)."""
        workers, busy = self.pipeline.worker_count()
        return {
            "summary_queue_size": self.pipeline.summary_queue.qsize(),
            "summary_queue_maxsize": self.pipeline.summary_queue.maxsize,
            "write_queue_size": self.pipeline.write_queue.qsize(),
            "write_queue_maxsize": self.pipeline.write_queue.maxsize,
            "workers": workers,
            "workers_busy": busy,
        }

    def export(self, ref: str, fmt: str = "md") -> str:
        doc = self.document(ref)
        if fmt == "json":
            return export_json(doc)
        if fmt in ("md", "markdown"):
            return export_markdown(doc)
        raise ValueError(f"Unknown export format {fmt!r} (use md or json)")

    def wait(self, ref: str, timeout: float | None = None) -> DocumentView:
        """Block until the document is final (done, failed or cancelled) or ``timeout`` passes."""
        doc_id = self.document(ref, chapters=False).id
        finished = threading.Event()

        def on_event(event: Event) -> None:
            if isinstance(event, DocumentFinished) and event.document_id == doc_id:
                finished.set()

        unsubscribe = self.bus.subscribe(on_event)
        try:
            if self.document(doc_id, chapters=False).status not in FINAL_DOCUMENT:
                finished.wait(timeout)
        finally:
            unsubscribe()
        return self.document(doc_id)

    def status(self, *, with_documents: bool = True, with_operations: bool = True) -> dict[str, Any]:
        """Pipeline gauges (the seed's fields first), and what an operator wants to know.

        ``with_operations`` adds what ``chapterwise inspect`` shows (``active`` chapters in flight,
        ``worker_stats``, ``endpoints``), the summary cache (entries, bytes, hit rate, oldest entry) and the
        backend's health; ``with_documents`` adds the documents still in progress.
        """
        if self._running:
            status = self.pipeline.status()
        else:
            stats = getattr(self.summarizer, "stats", None)
            status = {
                "async_enabled": self.async_enabled,
                "summary_queue_size": 0,
                "write_queue_size": 0,
                "summary_queue_maxsize": self.settings.summary_queue_size,
                "write_queue_maxsize": self.settings.write_queue_size,
                "workers": 0,
                "backend": self.summarizer.name,
                "model": self.summarizer.model,
                "summarizer": stats() if callable(stats) else {},
            }
        status["async_enabled"] = self.async_enabled
        status["cache"] = status.get("summarizer", {}).get("cache")
        with self.sessions() as session:
            status["chapters"] = repo.status_counts(session)
            status["backlog"] = status["chapters"]["pending"]
            if with_documents:
                active = [d for d in repo.list_documents(session) if d.status not in FINAL_DOCUMENT]
                counts = repo.progress(session, [d.id for d in active])
                status["documents_in_progress"] = [
                    DocumentView.of(d, counts[d.id]).to_dict(chapters=False) for d in active
                ]
        if with_operations:
            report = self.inspect()
            status["active"] = report["active"]
            status["worker_stats"] = report["workers"]
            status["endpoints"] = report["endpoints"]
            health = self.health.current
            status["backend_health"] = [e.to_dict() for e in health.endpoints] if health else None
        return status

    def check_backend(self) -> BackendHealth:
        """Probe the configured backend's endpoints now (blocks up to a few seconds; not on the GUI thread)."""
        return self.health.check()

    @staticmethod
    def test_connection(settings: Settings) -> list[EndpointHealth]:
        """Probe the endpoints that ``settings`` names, before they are saved (the settings dialog's button)."""
        return probe(settings)

    def inspect(self) -> dict[str, Any]:
        """What every engine running on this database is doing (``chapterwise inspect``, the API's status).

        ``active``: chapters in flight (document, chapter, worker, backend endpoint, seconds so far);
        ``workers``: per worker, chapters done and failed, mean and p95 latency; ``endpoints``: per LLM
        endpoint, requests in flight, its parallel limit and its circuit state. Instances whose heartbeat is
        older than the lease are left out.
        """
        now = utcnow()
        out: dict[str, Any] = {"instances": [], "active": [], "workers": [], "endpoints": []}
        with self.sessions() as session:
            rows = repo.instances(session)
        for inst in rows:
            own = inst.id == self.instance_id and self._running
            beat = inst.heartbeat_at if inst.heartbeat_at.tzinfo else inst.heartbeat_at.replace(tzinfo=UTC)
            age = (now - beat).total_seconds()
            if not own and age > self.settings.lease_seconds:
                continue
            state = self.pipeline.snapshot() if own else (inst.state or {})
            out["instances"].append(
                {"id": inst.id, "host": inst.host, "pid": inst.pid, "heartbeat_age_s": round(age, 1)}
            )
            for item in state.get("in_flight", []):
                out["active"].append({**item, "instance": inst.id})
            for worker in state.get("workers", []):
                latency = worker.get("latency_ms") or {}
                out["workers"].append(
                    {
                        "instance": inst.id,
                        "worker": worker["worker"],
                        "done": worker["done"],
                        "failed": worker["failed"],
                        "busy": worker["busy"],
                        "mean_ms": latency.get("mean"),
                        "p95_ms": latency.get("p95"),
                    }
                )
            for endpoint in state.get("endpoints", []):
                out["endpoints"].append({**endpoint, "instance": inst.id})
        if out["active"]:
            with self.sessions() as session:
                titles = repo.document_titles(session, {item["document_id"] for item in out["active"]})
            for item in out["active"]:
                item["document"] = titles.get(item["document_id"], "")
        return out

    # --- changing documents

    def _change(self, ref: str, change: str, **detail: Any) -> str:
        doc_id = self.document(ref, chapters=False).id
        self.bus.publish(DocumentChanged(doc_id, change, detail))
        return doc_id

    def cancel(self, ref: str) -> int:
        """Cancel the chapters not yet summarized, queued ones included; those being summarized finish."""
        doc_id = self.document(ref, chapters=False).id
        with self.sessions.begin() as session:
            count = repo.cancel_document(session, doc_id)
        self.pipeline.cancel(doc_id)
        self._change(doc_id, "cancelled", chapters=count)
        return count

    def retry(self, ref: str) -> int:
        """Queue the failed and cancelled chapters again."""
        doc_id = self.document(ref, chapters=False).id
        self.pipeline.resume(doc_id)
        with self.sessions.begin() as session:
            count = repo.retry_failed(session, doc_id)
        self._change(doc_id, "retried", chapters=count)
        if count and not self.async_enabled and not self.settings.skip_pipeline_init:
            with self._sync_lock:
                self.pipeline.run_inline(doc_id)
        self.pipeline.wake()
        return count

    def refocus(self, ref: str, focus: str | None) -> int:
        """Summarize a document again with a new focus (or none): every chapter goes back to the backlog.

        Results of the old run still in flight are not written over the new one.
        """
        focus = (focus or "").strip() or None
        doc_id = self.document(ref, chapters=False).id
        self.pipeline.resume(doc_id)
        with self.sessions.begin() as session:
            count = repo.refocus_document(session, doc_id, focus)
        self._change(doc_id, "refocused", focus=focus)
        if not self.async_enabled and not self.settings.skip_pipeline_init:
            with self._sync_lock:
                self.pipeline.run_inline(doc_id)
        self.pipeline.wake()
        return count

    def set_priority(self, ref: str, priority: int | str) -> None:
        level = _priority(priority)
        doc_id = self.document(ref, chapters=False).id
        with self.sessions.begin() as session:
            repo.set_priority(session, doc_id, level)
        self._change(doc_id, "priority", priority=level)

    def remove(self, ref: str) -> None:
        doc_id = self.document(ref, chapters=False).id
        with self.sessions.begin() as session:
            repo.delete_document(session, doc_id)
        self.bus.publish(DocumentChanged(doc_id, "removed", {}))

    def purge(self, ref: str | None = None) -> int:
        """Drop pending chapters from the backlog (of one document, or all); done chapters are kept."""
        doc_id = self.document(ref, chapters=False).id if ref else None
        with self.sessions.begin() as session:
            return repo.purge_pending(session, doc_id)


def _priority(value: int | str) -> int:
    if isinstance(value, str):
        if value.lower() not in PRIORITY_VALUES:
            raise ValueError(f"Unknown priority {value!r} (use high, normal or low)")
        return PRIORITY_VALUES[value.lower()]
    return int(Priority(int(value)))


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
