"""The window's controller: the engine's lifecycle, what the user's actions do, and the engine's events.

:class:`WindowController` owns the :class:`~desktop_app.engine.service.Engine` (its loops run in QThreads
through :func:`~desktop_app.ui.threads.qthread_spawn`) and its :class:`~desktop_app.ui.bridge.EngineBridge`;
it turns the widgets' signals into engine calls on the window's task pool and the bridge's signals into
model updates. The window (:mod:`desktop_app.ui.main_window`) only lays the widgets out. Opening files,
with its password and OCR questions, lives in :class:`~desktop_app.ui.opening.FileOpener`; exporting in
:class:`~desktop_app.ui.exporting.Exporter`.

Stopping the engine (closing the window, applying settings) is graceful: in-flight chapters finish or
go back to the backlog and the last batch is flushed within the shutdown timeout (5 s at most when
quitting); the next start resumes. GUI thread only.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal, Slot

from desktop_app.config import Settings
from desktop_app.engine.events import (
    ChapterCommitted,
    ChapterProgress,
    ChaptersAdded,
    DocumentAdded,
    DocumentChanged,
    DocumentFinished,
    DocumentParsing,
)
from desktop_app.engine.events import DocumentProgress as ProgressEvent
from desktop_app.engine.records import DocumentView as DocumentData
from desktop_app.engine.service import DocumentNotFoundError, Engine
from desktop_app.engine.states import DocumentStatus
from desktop_app.ui import threads
from desktop_app.ui.bridge import EngineBridge
from desktop_app.ui.i18n import plural, translate
from desktop_app.ui.persistence import short_url

if TYPE_CHECKING:
    from desktop_app.ui.main_window import MainWindow

log = logging.getLogger(__name__)

EngineFactory = Callable[[Settings], Engine]
#: The documentation promises that quitting mid-run takes at most this long.
QUIT_TIMEOUT_S = 5.0
FINAL = ("done", "failed", "cancelled")


def default_engine(settings: Settings) -> Engine:
    """The engine with its loops hosted in QThreads."""
    return Engine(settings, spawn=threads.qthread_spawn)


class WindowController(QObject):
    """Connects the window's widgets to one engine at a time. GUI thread only."""

    # --- signals
    chapters_loaded = Signal(str)  # the current document's chapters (those parsed so far) are in the chapters model
    engine_restarted = Signal()

    def __init__(self, window: MainWindow, settings: Settings, engine_factory: EngineFactory) -> None:
        super().__init__(window)
        self.window = window
        self.settings = settings
        self.engine_factory = engine_factory
        self.tasks = window.tasks
        self.current_id: str | None = None
        self.shutdown_ok: bool | None = None
        self.notices: list[str] = []
        self._wanted_id: str | None = None  # the document to select once the list has loaded
        self._load_generation = 0
        self._closed = False
        self.engine: Engine
        self.bridge: EngineBridge

    # --- engine lifecycle

    def start_engine(self, settings: Settings) -> None:
        w = self.window
        self.settings = settings
        self.engine = self.engine_factory(settings)
        self.bridge = EngineBridge(self.engine, self)
        b = self.bridge
        b.document_parsing.connect(self._on_bridge_document_parsing)
        b.document_added.connect(self._on_bridge_document_added)
        b.chapters_added.connect(self._on_bridge_chapters_added)
        b.chapters_committed.connect(self._on_bridge_chapters_committed)
        b.chapter_parts_progressed.connect(self._on_bridge_chapter_parts_progressed)
        b.document_progressed.connect(self._on_bridge_document_progressed)
        b.document_finished.connect(self._on_bridge_document_finished)
        b.document_changed.connect(self._on_bridge_document_changed)
        b.stats_updated.connect(w.pipeline_panel.update_stats)
        b.gauges_sampled.connect(w.pipeline_panel.update_gauges)
        b.gauges_sampled.connect(self._on_bridge_gauges_sampled)
        w.health.attach(self.engine, b)
        self.engine.start()
        threads.lower_child_processes()  # the summarizer's processes yield to the window, as the loops do
        w.api.attach(self.engine, settings)
        w.pipeline_panel.set_backend(self.engine.backend_label.split("/", 1)[0])
        w.engine_label.setText(f"  {self.backend_text()} · {self.database_text()}  ")
        self.tasks.submit(self.engine.documents, self._on_documents_loaded)

    def _on_bridge_gauges_sampled(self, gauges: dict[str, Any]) -> None:
        """The status bar says so while the database cannot be written (the writer keeps retrying)."""
        w = self.window
        problem = gauges.get("database_error")
        normal = f"  {self.backend_text()} · {self.database_text()}  "
        text = f"  ⚠ {problem}  " if problem else normal  # the writer's words: "database unavailable: …"
        if w.engine_label.text() != text:
            w.engine_label.setText(text)
            w.engine_label.setStyleSheet("color: #b00020; font-weight: bold;" if problem else "")

    def backend_text(self) -> str:
        return self.engine.backend_label

    def database_text(self) -> str:
        return short_url(self.settings.resolved_database_url)

    def stop_engine(self, timeout: float) -> bool:
        """Stop the engine and its loops within ``timeout`` seconds in all (one deadline, not one a step)."""
        started = time.monotonic()
        deadline = started + timeout
        self.window.api.detach()  # clients lose the server before the engine behind it stops
        self.bridge.close()
        self.tasks.wait(min(2.0, timeout / 3))
        # The engine gets the time left but a tenth of a second, for the QThreads to be joined after it.
        ok = self.engine.stop(max(0.1, deadline - time.monotonic() - 0.1))
        ok &= threads.drain(max(0.05, deadline - time.monotonic()))
        log.info("Pipeline stopped in %.2f s%s", time.monotonic() - started, "" if ok else " (some loops still busy)")
        self.bridge.deleteLater()
        return ok

    def restart_engine(self, settings: Settings) -> None:
        """Apply new settings without restarting the application: stop the engine, start a new one.

        The selected document stays selected, and the gauges start afresh for the new engine.
        """
        keep = self.current_id
        self.stop_engine(self.settings.shutdown_timeout)
        self.window.documents_model.clear()
        self.show_document(None)
        self.window.pipeline_panel.reset()
        self._wanted_id = keep
        self.window.opener.forget_parsing()
        self.start_engine(settings)
        self.message(translate("Controller", "Settings saved and applied"))
        self.engine_restarted.emit()

    def shutdown(self) -> bool:
        """Stop the engine gracefully within the promised time; idempotent."""
        if self._closed:
            return bool(self.shutdown_ok)
        self._closed = True
        self.shutdown_ok = self.stop_engine(min(QUIT_TIMEOUT_S, self.settings.shutdown_timeout))
        return self.shutdown_ok

    # --- document actions

    def cancel_current(self) -> None:
        if self.current_id:
            self.engine_call(
                self.engine.cancel,
                self.current_id,
                done=lambda n: self.message(plural(translate("Controller", "Cancelled %n chapter(s)", "", n), n)),
            )

    def retry_current(self) -> None:
        def done(n: int) -> None:
            self.message(
                plural(translate("Controller", "Queued %n chapter(s) again", "", n), n)
                if n
                else translate("Controller", "Nothing to retry")
            )

        if self.current_id:
            self.engine_call(self.engine.retry, self.current_id, done=done)

    def refocus(self, document_id: str, focus: str) -> None:
        """Summarize the document again with ``focus`` ("" for none); its chapter rows fill in again live."""

        def done(n: int) -> None:
            text = (
                translate("Controller", "Summarizing %n chapter(s) again with the focus “%1”", "", n)
                if focus
                else translate("Controller", "Summarizing %n chapter(s) again without a focus", "", n)
            )
            self.message(plural(text, n).replace("%1", focus))

        self.engine_call(self.engine.refocus, document_id, focus, done=done)

    def set_current_priority(self, priority: str) -> None:
        if self.current_id:
            self.set_priority(self.current_id, priority)

    def set_priority(self, document_id: str, priority: str) -> None:
        self.engine_call(self.engine.set_priority, document_id, priority)

    def remove_current(self) -> None:
        doc = self.window.documents_model.get(self.current_id or "")
        if doc is None:
            return
        question = translate("Controller", "Remove “%1” and its summaries? This cannot be undone.")
        if self.window.prompts.confirm(translate("Controller", "Remove document"), question.replace("%1", doc.title)):
            self.engine_call(self.engine.remove, doc.id)

    def engine_call(self, fn: Callable[..., Any], *args: Any, done: Callable[[Any], None] | None = None) -> None:
        """Run an engine call on the task pool; a vanished document or an error is told to the user."""

        def failed(err: Exception) -> None:
            if isinstance(err, DocumentNotFoundError):
                self.message(translate("Controller", "That document no longer exists"))
            else:
                self.notify(translate("Controller", "Could not do that"), str(err))

        self.tasks.submit(lambda: fn(*args), done, failed)

    # --- telling the user

    def message(self, text: str, timeout_ms: int = 5000) -> None:
        self.window.statusBar().showMessage(text, timeout_ms)

    def notify(self, title: str, text: str) -> None:
        """Tell the user something went wrong, without blocking the window."""
        from desktop_app.ui import dialogs

        log.warning("%s: %s", title, text)
        self.notices.append(f"{title}: {text}")
        self.message(f"{title}: {text}", 10000)
        if self.window.prompts.show_dialogs:
            dialogs.show_warning(self.window, title, text)

    # --- showing a document

    def select(self, document_id: str) -> None:
        """Select a document in the list and scroll it into view (its chapters load)."""
        self.window.documents_panel.select(document_id)

    def show_document(self, document_id: str | None) -> None:
        w = self.window
        self.current_id = document_id or None
        w.chapters_model.show_document(self.current_id)
        w.document_pane.show_document(w.documents_model.get(self.current_id or ""))
        self.update_actions()
        if self.current_id:
            self._load_chapters(self.current_id)

    def _load_chapters(self, document_id: str) -> None:
        self._load_generation += 1
        generation = self._load_generation
        w = self.window

        def done(view: DocumentData) -> None:
            if generation != self._load_generation or view.id != self.current_id:
                return
            w.documents_model.upsert([view])
            w.chapters_model.load(view.id, view.chapters)
            row = w.documents_model.get(view.id)
            if row is not None:
                w.document_pane.show_document(row, view.summary)
            self.update_actions()  # the view may bring a new status (its parse ended meanwhile)
            # A parsing document with no chapters yet loads again with its first batch or its DocumentAdded.
            if view.status != DocumentStatus.PARSING or view.chapters:
                self.chapters_loaded.emit(view.id)

        def failed(err: BaseException) -> None:
            w.chapters_model.flush_early()
            self.message(str(err))

        w.chapters_model.expect_load(document_id)
        self.tasks.submit(lambda: self.engine.document(document_id), done, failed)

    def _refresh_document(self, document_id: str) -> None:
        w = self.window

        def done(view: DocumentData) -> None:
            w.documents_model.upsert([view])
            row = w.documents_model.get(view.id)
            if row is not None:
                w.document_pane.update_header(row)
            self.update_actions()

        self.tasks.submit(lambda: self.engine.document(document_id, chapters=False), done, lambda _err: None)

    def update_actions(self) -> None:
        doc = self.window.documents_model.get(self.current_id or "")
        a = self.window.menu_actions
        for action in (
            a.export_md,
            a.export_json,
            a.copy_md,
            a.remove,
            a.retry,
            a.refocus,
            a.priority_high,
            a.priority_normal,
            a.priority_low,
        ):
            action.setEnabled(doc is not None)
        a.cancel.setEnabled(doc is not None and doc.status in ("processing", "summarizing"))
        for action in (a.retry, a.refocus):  # nothing to redo before the chapters are read
            action.setEnabled(doc is not None and doc.status != "parsing")
        if doc is not None:
            {"high": a.priority_high, "normal": a.priority_normal, "low": a.priority_low}.get(
                doc.priority, a.priority_normal
            ).setChecked(True)

    # --- slots: widgets

    @Slot(str)
    def on_document_selected(self, document_id: str) -> None:
        if document_id != (self.current_id or ""):
            self.show_document(document_id or None)

    @Slot(str)
    def on_chapter_text_wanted(self, chapter_id: str) -> None:
        # One chapter's text, not the whole document's: a long book stays cheap to open.
        self.tasks.submit(
            lambda: self.engine.chapter(chapter_id, with_text=True),
            lambda view: self.window.chapters_model.set_text(view.id, view.text or ""),
            lambda err: log.warning("Could not load the chapter's text: %s", err),
        )

    # --- slots: engine (through the bridge)

    def _on_documents_loaded(self, views: list[DocumentData]) -> None:
        model = self.window.documents_model
        model.upsert(views)
        wanted, self._wanted_id = self._wanted_id, None
        if self.current_id is None and model.rowCount():
            if wanted and model.get(wanted) is not None:
                self.select(wanted)
                return
            active = [r for r in model if r.status not in FINAL]
            self.select((active or list(model))[0].id)

    @Slot(object)
    def _on_bridge_document_parsing(self, event: DocumentParsing) -> None:
        # Listed at once, "parsing…", whoever uploaded it (the window's own files are listed by the opener).
        if self.window.documents_model.get(event.document_id) is None:
            self._refresh_document(event.document_id)

    @Slot(object)
    def _on_bridge_document_added(self, event: DocumentAdded) -> None:
        # A document parsed after its upload answered is listed already ("parsing…"): its row fills in, and
        # its chapters load if it is shown (a load merges, so chapters that came before this event stay).
        w = self.window
        w.documents_model.add_placeholder(event)  # fills in a row listed while it was parsing
        if event.document_id == self.current_id:
            row = w.documents_model.get(event.document_id)
            if row is not None:
                w.document_pane.update_header(row)
            shown = {c.id for c in w.chapters_model}
            if not set(event.chapter_ids) <= shown:  # its batches brought them all already: no reload
                self._load_chapters(event.document_id)
            else:
                self.chapters_loaded.emit(event.document_id)
            self.update_actions()
        w.opener.on_document_added(event)

    @Slot(object)
    def _on_bridge_chapters_added(self, event: ChaptersAdded) -> None:
        # A parsing document's chapters so far: its count in the list, its chapters when it is shown.
        if not self.window.documents_model.apply_chapters_added(event):
            self._refresh_document(event.document_id)  # not listed yet: the list learns it from the engine
        if event.document_id == self.current_id:
            self.window.chapters_model.drop_from(event.document_id, event.first_index)
            self._load_chapters(event.document_id)

    @Slot(str, list)
    def _on_bridge_chapters_committed(self, document_id: str, events: list[ChapterCommitted]) -> None:
        self.window.chapters_model.apply_commits(document_id, events)

    @Slot(object)
    def _on_bridge_chapter_parts_progressed(self, event: ChapterProgress) -> None:
        if event.document_id == self.current_id:
            self.window.chapters_model.set_parts(event.chapter_id, event.done, event.total)

    @Slot(object)
    def _on_bridge_document_progressed(self, event: ProgressEvent) -> None:
        w = self.window
        before = w.documents_model.get(event.document_id)
        status = before.status if before is not None else None
        w.documents_model.apply_progress(event)
        row = w.documents_model.get(event.document_id)
        if row is not None:
            w.document_pane.update_header(row)
            if event.document_id == self.current_id and row.status != status:
                self.update_actions()  # a status the event brings (summarizing, done) changes what can be done

    @Slot(object)
    def _on_bridge_document_finished(self, event: DocumentFinished) -> None:
        w = self.window
        if w.opener.on_document_finished(event):
            return  # a file the window opened could not be read: the opener asked or told, and unlisted it
        w.documents_model.apply_finished(event)
        if event.document_id == self.current_id:
            row = w.documents_model.get(event.document_id)
            if row is not None:
                w.document_pane.update_header(row)
            w.document_pane.set_document_summary(event.summary)
        self._refresh_document(event.document_id)

    @Slot(object)
    def _on_bridge_document_changed(self, event: DocumentChanged) -> None:
        w = self.window
        if event.change == "removed":
            w.opener.forget(event.document_id)  # removed while parsing: its end is no file to ask about
            if w.documents_model.get(event.document_id) is None:
                return  # taken off the list already (a file that could not be read): nothing to tell
            if event.document_id == self.current_id:
                w.documents_panel.table.clearSelection()
                self.show_document(None)
            w.documents_model.remove(event.document_id)
            self.message(translate("Controller", "Document removed"))
            return
        self._refresh_document(event.document_id)
        if event.document_id == self.current_id:
            self._load_chapters(event.document_id)


__all__ = ["QUIT_TIMEOUT_S", "EngineFactory", "WindowController", "default_engine"]
