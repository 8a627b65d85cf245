"""The main window: documents list, live chapter view, pipeline panel and log, around the engine.

The window owns the :class:`~desktop_app.engine.service.Engine` (its loops run in QThreads through
:func:`~desktop_app.ui.threads.qthread_spawn`), one :class:`~desktop_app.ui.bridge.EngineBridge` and a
:class:`~desktop_app.ui.threads.TaskRunner` for engine calls that may be slow (parsing a file, loading
a document, exporting). Widgets only see models and signals.

Closing the window stops the pipeline gracefully (in-flight chapters finish or go back to the backlog,
the last batch is flushed) within ``shutdown_timeout`` (5 s by default); the next start resumes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDragMoveEvent, QDropEvent, QGuiApplication
from PySide6.QtWidgets import QFileDialog, QLabel, QMainWindow, QSplitter, QTabWidget

from desktop_app.config import Settings
from desktop_app.engine.events import ChapterCommitted, DocumentAdded, DocumentChanged, DocumentFinished
from desktop_app.engine.events import DocumentProgress as ProgressEvent
from desktop_app.engine.ingest.base import IngestError, NoTextError, PasswordRequiredError, WrongPasswordError
from desktop_app.engine.ingest.detect import SUPPORTED_SUFFIXES
from desktop_app.engine.records import DocumentView as DocumentData
from desktop_app.engine.service import DocumentNotFoundError, Engine
from desktop_app.ui import dialogs, threads
from desktop_app.ui.actions import build_actions, shortcut_table
from desktop_app.ui.api_toggle import ApiToggle
from desktop_app.ui.backend_health import BackendHealthController
from desktop_app.ui.bridge import EngineBridge
from desktop_app.ui.models.chapters import ChaptersModel
from desktop_app.ui.models.documents import DocumentsModel
from desktop_app.ui.persistence import RecentFiles, restore_geometry, save_geometry, short_url
from desktop_app.ui.theme import icon
from desktop_app.ui.widgets.about import AboutDialog
from desktop_app.ui.widgets.banner import BackendBanner
from desktop_app.ui.widgets.document_view import DocumentView
from desktop_app.ui.widgets.documents_panel import DocumentsPanel
from desktop_app.ui.widgets.drop_area import DropArea, local_files
from desktop_app.ui.widgets.focus_field import FocusField
from desktop_app.ui.widgets.health_indicator import HealthIndicators
from desktop_app.ui.widgets.log_panel import LogPanel, QtLogHandler, shared_log_handler
from desktop_app.ui.widgets.pipeline_panel import PipelinePanel
from desktop_app.ui.widgets.settings_dialog import SettingsDialog

log = logging.getLogger(__name__)

EngineFactory = Callable[[Settings], Engine]
FILE_FILTER = "Documents (" + " ".join(f"*{s}" for s in SUPPORTED_SUFFIXES) + ");;All files (*)"


def default_engine(settings: Settings) -> Engine:
    """The engine with its loops hosted in QThreads."""
    return Engine(settings, spawn=threads.qthread_spawn)


class MainWindow(QMainWindow):
    """Chapterwise's window. GUI thread only; every engine call that may block runs on the task pool."""

    # --- signals
    document_opened = Signal(str)  # a file was added: its document id
    open_failed = Signal(str, str)  # path, the user's message
    files_refused = Signal(list)  # list[Path] of unsupported types
    chapters_loaded = Signal(str)  # the current document's chapters are in the chapters model
    exported = Signal(str)  # path written
    engine_restarted = Signal()

    def __init__(
        self,
        settings: Settings,
        *,
        engine_factory: EngineFactory = default_engine,
        log_handler: QtLogHandler | None = None,
        restore_geometry: bool = True,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.engine_factory = engine_factory
        self.setWindowTitle("Chapterwise")
        self.setWindowIcon(icon("chapterwise"))
        self.setAcceptDrops(True)
        self.tasks = threads.TaskRunner(self)
        self.current_id: str | None = None
        self._load_generation = 0
        self._closed = False
        self.shutdown_ok: bool | None = None
        self.notices: list[str] = []
        # Hooks the tests replace: they would otherwise open modal dialogs.
        self.ask_password: Callable[[Path, bool], str | None] = partial(dialogs.ask_password, self)
        self.ask_ocr: Callable[[Path, str], bool] = partial(dialogs.ask_ocr, self)
        self.confirm: Callable[[str, str], bool] = partial(dialogs.confirm, self)
        self.ask_save_path: Callable[[str, str], str | None] = partial(dialogs.ask_save_path, self)
        self.show_dialogs = True
        self.recent = RecentFiles(settings.data_dir / "recent.json")

        # --- models and widgets
        self.documents_model = DocumentsModel(self)
        self.chapters_model = ChaptersModel(self)
        self.documents_panel = DocumentsPanel(self.documents_model)
        self.document_view = DocumentView(self.chapters_model)
        self.pipeline_panel = PipelinePanel()
        self.log_handler = log_handler or shared_log_handler()
        self.log_panel = LogPanel(self.log_handler)
        self.bottom_tabs = QTabWidget()
        self.bottom_tabs.setDocumentMode(True)
        self.bottom_tabs.addTab(self.pipeline_panel, "Pipeline")
        self.bottom_tabs.addTab(self.log_panel, "Log")
        self.top_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.top_splitter.setObjectName("topSplitter")
        self.top_splitter.addWidget(self.documents_panel)
        self.top_splitter.addWidget(self.document_view)
        self.top_splitter.setStretchFactor(0, 2)
        self.top_splitter.setStretchFactor(1, 5)
        self.main_splitter = QSplitter(Qt.Orientation.Vertical)
        self.main_splitter.setObjectName("mainSplitter")
        self.main_splitter.addWidget(self.top_splitter)
        self.main_splitter.addWidget(self.bottom_tabs)
        self.main_splitter.setStretchFactor(0, 3)
        self.main_splitter.setStretchFactor(1, 1)
        self.main_splitter.setChildrenCollapsible(False)
        self.banner = BackendBanner()
        self.drop_area = DropArea()
        layout = self.drop_area.layout()
        assert layout is not None  # DropArea sets its layout in its constructor
        layout.addWidget(self.banner)
        layout.addWidget(self.main_splitter)
        self.setCentralWidget(self.drop_area)
        self.menu_actions = build_actions(self)
        self.focus_field = FocusField()
        if self.menu_actions.toolbar is not None:
            self.menu_actions.toolbar.insertWidget(self.menu_actions.toolbar.actions()[1], self.focus_field)
        self.status_label = QLabel()
        self.engine_label = QLabel()
        self.health_indicators = HealthIndicators()
        self.statusBar().addPermanentWidget(self.status_label)
        self.statusBar().addPermanentWidget(self.engine_label)
        self.statusBar().addPermanentWidget(self.health_indicators)
        self.api_label = QLabel()
        self.statusBar().addPermanentWidget(self.api_label)
        self.api = ApiToggle(self.menu_actions.serve_api, self.api_label, self.tasks, self)
        self.api.failed.connect(lambda message: self.notify("Local API", message))
        self.health = BackendHealthController(self.health_indicators, self.banner, self.tasks, self)
        self.resize(1440, 900)
        self.top_splitter.setSizes([500, 940])
        self.main_splitter.setSizes([620, 280])

        # --- connections
        self.drop_area.files_dropped.connect(self._on_drop_area_files_dropped)
        self.documents_panel.document_selected.connect(self._on_documents_panel_document_selected)
        self.documents_panel.priority_chosen.connect(self._on_documents_panel_priority_chosen)
        self.document_view.export_requested.connect(self.export_current)
        self.document_view.refocus_requested.connect(self._on_document_view_refocus_requested)
        self.document_view.chapter_text_wanted.connect(self._on_document_view_chapter_text_wanted)
        self.banner.settings_requested.connect(self.open_settings)
        a = self.menu_actions
        a.open.triggered.connect(self._on_open_triggered)
        a.export_md.triggered.connect(lambda: self.export_current("md"))
        a.export_json.triggered.connect(lambda: self.export_current("json"))
        a.copy_md.triggered.connect(self.copy_current_markdown)
        a.settings.triggered.connect(self.open_settings)
        a.quit.triggered.connect(self.close)
        a.cancel.triggered.connect(self.cancel_current)
        a.retry.triggered.connect(self.retry_current)
        a.refocus.triggered.connect(self.document_view.focus_bar.begin_edit)
        a.remove.triggered.connect(self.remove_current)
        a.priority_high.triggered.connect(lambda: self.set_current_priority("high"))
        a.priority_normal.triggered.connect(lambda: self.set_current_priority("normal"))
        a.priority_low.triggered.connect(lambda: self.set_current_priority("low"))
        a.show_pipeline.toggled.connect(self.bottom_tabs.setVisible)
        a.show_log.triggered.connect(self._on_show_log_triggered)
        a.about.triggered.connect(self.show_about)
        a.shortcuts.triggered.connect(self.show_shortcuts)
        a.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._on_tick_timeout)
        self._tick.start()

        self.engine: Engine
        self.bridge: EngineBridge
        self._start_engine(settings)
        self._update_actions()
        if restore_geometry:
            self._restore_geometry()

    # --- engine lifecycle

    def _start_engine(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = self.engine_factory(settings)
        self.bridge = EngineBridge(self.engine, self)
        b = self.bridge
        b.document_added.connect(self._on_bridge_document_added)
        b.chapters_committed.connect(self._on_bridge_chapters_committed)
        b.document_progressed.connect(self._on_bridge_document_progressed)
        b.document_finished.connect(self._on_bridge_document_finished)
        b.document_changed.connect(self._on_bridge_document_changed)
        b.stats_updated.connect(self.pipeline_panel.update_stats)
        b.gauges_sampled.connect(self.pipeline_panel.update_gauges)
        self.health.attach(self.engine, b)
        self.engine.start()
        self.api.attach(self.engine, settings)
        backend = self.engine.backend_label
        self.engine_label.setText(f"  {backend} · {short_url(settings.resolved_database_url)}  ")
        self.tasks.submit(self.engine.documents, self._on_documents_loaded)

    def _stop_engine(self, timeout: float) -> bool:
        started = time.monotonic()
        self.api.detach()  # clients lose the server before the engine behind it stops
        self.bridge.close()
        self.tasks.wait(min(2.0, timeout))
        ok = self.engine.stop(max(0.5, timeout - (time.monotonic() - started)))
        ok &= threads.drain(max(0.5, timeout - (time.monotonic() - started)))
        log.info("Pipeline stopped in %.2f s%s", time.monotonic() - started, "" if ok else " (some loops still busy)")
        self.bridge.deleteLater()
        return ok

    def restart_engine(self, settings: Settings) -> None:
        """Apply new settings without restarting the application: stop the engine, start a new one."""
        self._stop_engine(self.settings.shutdown_timeout)
        self.documents_model.beginResetModel()
        self.documents_model._rows, self.documents_model._row_of = [], {}
        self.documents_model.endResetModel()
        self._show_document(None)
        self._start_engine(settings)
        self.statusBar().showMessage("Settings saved and applied", 5000)
        self.engine_restarted.emit()

    def shutdown(self) -> bool:
        """Save the window's geometry and stop the engine gracefully; idempotent."""
        if self._closed:
            return bool(self.shutdown_ok)
        self._closed = True
        self._tick.stop()
        self._save_geometry()
        self.shutdown_ok = self._stop_engine(min(5.0, self.settings.shutdown_timeout))
        return self.shutdown_ok

    # --- opening files

    def open_files(self, paths: list[Path]) -> None:
        """Add ``paths`` (parsed off the GUI thread); unsupported types are refused with a message."""
        accepted: list[Path] = []
        refused: list[Path] = []
        for given in paths:
            path = Path(given)
            if path.is_dir():
                accepted += sorted(p for p in path.iterdir() if p.suffix.lower() in SUPPORTED_SUFFIXES)
            elif path.suffix.lower() in SUPPORTED_SUFFIXES:
                accepted.append(path)
            else:
                refused.append(path)
        if refused:
            names = ", ".join(p.name for p in refused)
            self.notify(
                "Not a supported file",
                f"Chapterwise cannot read {names}. It reads PDF, EPUB, DOCX, Markdown and plain-text files.",
            )
            self.files_refused.emit(refused)
        focus = self.focus_field.focus()  # as it is now, when the files were dropped or chosen
        for path in accepted:
            self._add_file(path, focus=focus)

    def _add_file(
        self, path: Path, password: str | None = None, *, focus: str | None = None, ocr: bool = False
    ) -> None:
        self.statusBar().showMessage(f"Reading {path.name} with OCR…" if ocr else f"Reading {path.name}…")
        self.tasks.submit(
            lambda: self.engine.add_file(path, password=password, focus=focus, ocr=ocr),
            lambda doc: self._on_file_added(path, doc),
            lambda err: self._on_file_failed(path, err, password, focus),
        )

    def _on_file_added(self, path: Path, doc: DocumentData) -> None:
        self.documents_model.upsert([doc])
        self.recent.add(path)
        self.statusBar().showMessage(f"Added {doc.title}: {doc.chapter_count} chapters", 5000)
        if self.current_id is None:
            self.documents_panel.select(doc.id)
        self.document_opened.emit(doc.id)

    def _on_file_failed(self, path: Path, err: Exception, password: str | None, focus: str | None) -> None:
        if isinstance(err, PasswordRequiredError):
            answer = self.ask_password(path, isinstance(err, WrongPasswordError) or password is not None)
            if answer:
                self._add_file(path, answer, focus=focus)
            else:
                self.statusBar().showMessage(f"Skipped {path.name}: no password given", 5000)
            return
        if isinstance(err, NoTextError) and err.ocr_available and self.ask_ocr(path, err.message):
            self._add_file(path, password, focus=focus, ocr=True)
            return
        message = err.message if isinstance(err, IngestError) else f"{type(err).__name__}: {err}"
        if not isinstance(err, IngestError):
            log.error("Could not add %s", path, exc_info=err)
        self.notify(f"Could not open {path.name}", message)
        self.open_failed.emit(str(path), message)

    # --- document actions

    def cancel_current(self) -> None:
        if self.current_id:
            self._engine_call(self.engine.cancel, self.current_id, done=lambda n: self.statusBar().showMessage(
                f"Cancelled {n} chapters", 5000))

    def retry_current(self) -> None:
        if self.current_id:
            self._engine_call(self.engine.retry, self.current_id, done=lambda n: self.statusBar().showMessage(
                f"Queued {n} chapters again" if n else "Nothing to retry", 5000))

    def refocus(self, document_id: str, focus: str) -> None:
        """Summarize the document again with ``focus`` ("" for none); its chapter rows fill in again live."""
        what = f"with the focus “{focus}”" if focus else "without a focus"
        self._engine_call(self.engine.refocus, document_id, focus, done=lambda n: self.statusBar().showMessage(
            f"Summarizing {n} chapters again {what}", 5000))

    def set_current_priority(self, priority: str) -> None:
        if self.current_id:
            self.set_priority(self.current_id, priority)

    def set_priority(self, document_id: str, priority: str) -> None:
        self._engine_call(self.engine.set_priority, document_id, priority)

    def remove_current(self) -> None:
        doc = self.documents_model.get(self.current_id or "")
        if doc is None:
            return
        if self.confirm("Remove document", f"Remove “{doc.title}” and its summaries? This cannot be undone."):
            self._engine_call(self.engine.remove, doc.id)

    def _engine_call(self, fn: Callable[..., Any], *args: Any, done: Callable[[Any], None] | None = None) -> None:
        def failed(err: Exception) -> None:
            if isinstance(err, DocumentNotFoundError):
                self.statusBar().showMessage("That document no longer exists", 5000)
            else:
                self.notify("Could not do that", str(err))

        self.tasks.submit(lambda: fn(*args), done, failed)

    def export_current(self, fmt: str) -> None:
        doc = self.documents_model.get(self.current_id or "")
        if doc is None:
            return
        suffix = ".md" if fmt == "md" else ".json"
        path = self.ask_save_path(f"{Path(doc.file_name).stem or 'summary'}{suffix}", fmt)
        if path:
            self.export_to(doc.id, fmt, Path(path))

    def export_to(self, document_id: str, fmt: str, path: Path) -> None:
        def write() -> str:
            path.write_text(self.engine.export(document_id, fmt), encoding="utf-8")
            return str(path)

        def done(written: str) -> None:
            self.statusBar().showMessage(f"Exported to {written}", 5000)
            self.exported.emit(written)

        self.tasks.submit(write, done, lambda err: self.notify("Export failed", str(err)))

    def copy_current_markdown(self) -> None:
        if self.current_id:
            doc_id = self.current_id
            self.tasks.submit(lambda: self.engine.export(doc_id, "md"), self._on_markdown_copied)

    def _on_markdown_copied(self, text: str) -> None:
        QGuiApplication.clipboard().setText(text)
        self.statusBar().showMessage("Copied as Markdown", 3000)

    # --- dialogs

    def open_settings(self) -> SettingsDialog:
        dialog = SettingsDialog(self.settings, self, tasks=self.tasks)
        dialog.settings_saved.connect(self.restart_engine)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if self.show_dialogs:
            dialog.open()
        return dialog

    def show_about(self) -> None:
        dialog = AboutDialog(self, backend=self.engine_label.text().strip(),
                             database=short_url(self.settings.resolved_database_url))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def show_shortcuts(self) -> None:
        dialogs.show_shortcuts(self, shortcut_table(self.menu_actions))

    def notify(self, title: str, text: str) -> None:
        """Tell the user something went wrong, without blocking the window."""
        log.warning("%s: %s", title, text)
        self.notices.append(f"{title}: {text}")
        self.statusBar().showMessage(f"{title}: {text}", 10000)
        if self.show_dialogs:
            dialogs.show_warning(self, title, text)

    # --- showing a document

    def _show_document(self, document_id: str | None) -> None:
        self.current_id = document_id or None
        self.chapters_model.show_document(self.current_id)
        doc = self.documents_model.get(self.current_id or "")
        self.document_view.show_document(doc)
        self._update_actions()
        if self.current_id:
            self._load_chapters(self.current_id)

    def _load_chapters(self, document_id: str) -> None:
        self._load_generation += 1
        generation = self._load_generation

        def done(view: DocumentData) -> None:
            if generation != self._load_generation or view.id != self.current_id:
                return
            self.documents_model.upsert([view])
            self.chapters_model.load(view.id, view.chapters)
            row = self.documents_model.get(view.id)
            if row is not None:
                self.document_view.show_document(row, view.summary)
            self.chapters_loaded.emit(view.id)

        self.tasks.submit(lambda: self.engine.document(document_id), done,
                          lambda err: self.statusBar().showMessage(str(err), 5000))

    def _refresh_document(self, document_id: str) -> None:
        def done(view: DocumentData) -> None:
            self.documents_model.upsert([view])
            row = self.documents_model.get(view.id)
            if row is not None:
                self.document_view.update_header(row)
            self._update_actions()

        self.tasks.submit(lambda: self.engine.document(document_id, chapters=False), done, lambda _err: None)

    def _update_actions(self) -> None:
        doc = self.documents_model.get(self.current_id or "")
        a = self.menu_actions
        for action in (a.export_md, a.export_json, a.copy_md, a.remove, a.retry, a.refocus, a.priority_high,
                       a.priority_normal, a.priority_low):
            action.setEnabled(doc is not None)
        a.cancel.setEnabled(doc is not None and doc.status in ("processing", "summarizing"))
        if doc is not None:
            {"high": a.priority_high, "normal": a.priority_normal, "low": a.priority_low}.get(
                doc.priority, a.priority_normal).setChecked(True)

    # --- slots: widgets

    @Slot(list)
    def _on_drop_area_files_dropped(self, paths: list[Path]) -> None:
        self.open_files(paths)

    @Slot(str)
    def _on_documents_panel_document_selected(self, document_id: str) -> None:
        if document_id != (self.current_id or ""):
            self._show_document(document_id or None)

    @Slot(str, str)
    def _on_document_view_refocus_requested(self, document_id: str, focus: str) -> None:
        self.refocus(document_id, focus)

    @Slot(str)
    def _on_document_view_chapter_text_wanted(self, chapter_id: str) -> None:
        # One chapter's text, not the whole document's: a long book stays cheap to open.
        self.tasks.submit(lambda: self.engine.chapter(chapter_id, with_text=True),
                          lambda view: self.chapters_model.set_text(view.id, view.text or ""),
                          lambda err: log.warning("Could not load the chapter's text: %s", err))

    @Slot(str, str)
    def _on_documents_panel_priority_chosen(self, document_id: str, priority: str) -> None:
        self.set_priority(document_id, priority)

    @Slot()
    def _on_open_triggered(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self, "Open documents", str(self._last_folder()), FILE_FILTER)
        self.open_files([Path(n) for n in names])

    @Slot()
    def _on_show_log_triggered(self) -> None:
        self.menu_actions.show_pipeline.setChecked(True)
        self.bottom_tabs.setCurrentWidget(self.log_panel)

    @Slot()
    def _on_tick_timeout(self) -> None:
        self.documents_model.tick()
        total, active = self.documents_model.rowCount(), self.documents_model.active_count()
        text = f"{total} document{'s' if total != 1 else ''}"
        if active:
            text += f" · {active} in progress"
        self.status_label.setText(f"  {text}  ")

    # --- slots: engine (through the bridge)

    def _on_documents_loaded(self, views: list[DocumentData]) -> None:
        self.documents_model.upsert(views)
        if self.current_id is None and views:
            active = [v for v in views if v.status not in ("done", "failed", "cancelled")]
            self.documents_panel.select((active or views)[-1].id)

    @Slot(object)
    def _on_bridge_document_added(self, event: DocumentAdded) -> None:
        self.documents_model.add_placeholder(event)

    @Slot(str, list)
    def _on_bridge_chapters_committed(self, document_id: str, events: list[ChapterCommitted]) -> None:
        self.chapters_model.apply_commits(document_id, events)

    @Slot(object)
    def _on_bridge_document_progressed(self, event: ProgressEvent) -> None:
        self.documents_model.apply_progress(event)
        row = self.documents_model.get(event.document_id)
        if row is not None:
            self.document_view.update_header(row)

    @Slot(object)
    def _on_bridge_document_finished(self, event: DocumentFinished) -> None:
        self.documents_model.apply_finished(event)
        if event.document_id == self.current_id:
            row = self.documents_model.get(event.document_id)
            if row is not None:
                self.document_view.update_header(row)
            self.document_view.set_document_summary(event.summary)
        self._refresh_document(event.document_id)

    @Slot(object)
    def _on_bridge_document_changed(self, event: DocumentChanged) -> None:
        if event.change == "removed":
            if event.document_id == self.current_id:
                self.documents_panel.table.clearSelection()
                self._show_document(None)
            self.documents_model.remove(event.document_id)
            self.statusBar().showMessage("Document removed", 5000)
            return
        self._refresh_document(event.document_id)
        if event.document_id == self.current_id:
            self._load_chapters(event.document_id)

    # --- Qt overrides: drops anywhere on the window, closing

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if local_files(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        self.dragEnterEvent(event)  # type: ignore[arg-type]

    def dropEvent(self, event: QDropEvent) -> None:
        paths = local_files(event.mimeData())
        if paths:
            event.acceptProposedAction()
            self.drop_area.files_dropped.emit(paths)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.hide()
        self.shutdown()
        event.accept()

    # --- persistence: geometry (QSettings) and recent files (the data directory)

    def _save_geometry(self) -> None:
        save_geometry(self, self.settings.data_dir)

    def _restore_geometry(self) -> None:
        restore_geometry(self, self.settings.data_dir)

    def recent_files(self) -> list[Path]:
        return self.recent.paths()

    def _fill_recent_menu(self) -> None:
        menu = self.menu_actions.recent_menu
        menu.clear()
        recent = self.recent.paths()
        for i, path in enumerate(recent):
            action = menu.addAction(f"&{i + 1}  {path.name}" if i < 9 else path.name)
            action.setToolTip(str(path))
            action.triggered.connect(lambda _c=False, p=path: self.open_files([p]))
        if not recent:
            menu.addAction("No recent files").setEnabled(False)

    def _last_folder(self) -> Path:
        recent = self.recent.paths()
        return recent[0].parent if recent else Path.home()


__all__ = ["MainWindow", "default_engine"]
