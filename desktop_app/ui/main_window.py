"""The main window: documents list, live chapter view, pipeline panel and log, laid out around a controller.

The window builds and lays out the widgets; :class:`~desktop_app.ui.controller.WindowController` owns the
engine and decides what every action and event does, and :class:`~desktop_app.ui.opening.FileOpener` adds
files. Widgets only see models and signals. The backend banner sits below the panels, so when it
appears or disappears nothing above it moves under the pointer.

Closing the window stops the pipeline gracefully (in-flight chapters finish or go back to the backlog,
the last batch is flushed) within 5 s; the next start resumes. GUI thread only.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QLabel, QMainWindow, QSplitter, QTabWidget

from desktop_app.config import Settings
from desktop_app.engine.service import Engine
from desktop_app.ui import threads
from desktop_app.ui.accessibility import describe_window
from desktop_app.ui.actions import build_actions
from desktop_app.ui.api_toggle import ApiToggle
from desktop_app.ui.backend_health import BackendHealthController
from desktop_app.ui.controller import EngineFactory, WindowController, default_engine
from desktop_app.ui.dialogs import Prompts
from desktop_app.ui.exporting import Exporter
from desktop_app.ui.i18n import plural, translate
from desktop_app.ui.models.chapters import ChaptersModel
from desktop_app.ui.models.documents import DocumentsModel
from desktop_app.ui.opening import FileOpener
from desktop_app.ui.persistence import RecentFiles, save_geometry
from desktop_app.ui.persistence import restore_geometry as restore_window_geometry
from desktop_app.ui.theme import icon
from desktop_app.ui.widgets.banner import BackendBanner
from desktop_app.ui.widgets.document_pane import DocumentPane
from desktop_app.ui.widgets.documents_panel import DocumentsPanel
from desktop_app.ui.widgets.drop_area import DropArea, local_files
from desktop_app.ui.widgets.focus_field import FocusField
from desktop_app.ui.widgets.health_indicator import HealthIndicators
from desktop_app.ui.widgets.log_panel import LogPanel, QtLogHandler, shared_log_handler
from desktop_app.ui.widgets.pipeline_panel import PipelinePanel
from desktop_app.ui.window_menus import connect_menus

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    """Chapterwise's window. GUI thread only; every engine call that may block runs on the task pool."""

    def __init__(
        self,
        settings: Settings,
        *,
        engine_factory: EngineFactory = default_engine,
        log_handler: QtLogHandler | None = None,
        restore_geometry: bool = True,
    ) -> None:
        super().__init__()
        self.setWindowTitle("Chapterwise")
        self.setWindowIcon(icon("chapterwise"))
        self.setAcceptDrops(True)
        self.tasks = threads.TaskRunner(self)
        self.prompts = Prompts.of(self)
        self.recent = RecentFiles(settings.paths.recent_files_file)
        self._build_panels(log_handler)
        self._build_status_bar()
        self.controller = WindowController(self, settings, engine_factory)
        self.opener = FileOpener(self.controller)
        self.exporter = Exporter(self.controller)
        # --- the window's public signals (tests and the application wait on them)
        self.document_parsing = self.opener.document_parsing
        self.document_opened = self.opener.document_opened
        self.open_failed = self.opener.open_failed
        self.files_refused = self.opener.files_refused
        self.files_skipped = self.opener.files_skipped
        self.chapters_loaded = self.controller.chapters_loaded
        self.exported = self.exporter.exported
        self.engine_restarted = self.controller.engine_restarted
        connect_menus(self)
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._on_tick_timeout)
        self._tick.start()
        describe_window(self)
        self.controller.start_engine(settings)
        self.controller.update_actions()
        if restore_geometry:
            restore_window_geometry(self, settings.paths.window_state_file)

    # --- layout

    def _build_panels(self, log_handler: QtLogHandler | None) -> None:
        self.documents_model = DocumentsModel(self)
        self.chapters_model = ChaptersModel(self)
        self.documents_panel = DocumentsPanel(self.documents_model)
        self.document_pane = DocumentPane(self.chapters_model)
        self.pipeline_panel = PipelinePanel()
        self.log_handler = log_handler or shared_log_handler()
        self.log_panel = LogPanel(self.log_handler)
        self.bottom_tabs = QTabWidget()
        self.bottom_tabs.setDocumentMode(True)
        self.bottom_tabs.addTab(self.pipeline_panel, translate("MainWindow", "Pipeline"))
        self.bottom_tabs.addTab(self.log_panel, translate("MainWindow", "Log"))
        self.top_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.top_splitter.setObjectName("topSplitter")
        self.top_splitter.addWidget(self.documents_panel)
        self.top_splitter.addWidget(self.document_pane)
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
        layout.addWidget(self.main_splitter)
        layout.addWidget(self.banner)
        self.setCentralWidget(self.drop_area)
        self.menu_actions = build_actions(self)
        self.focus_field = FocusField()
        if self.menu_actions.toolbar is not None:
            self.menu_actions.toolbar.insertWidget(self.menu_actions.toolbar.actions()[1], self.focus_field)
        self.resize(1440, 900)
        self.top_splitter.setSizes([540, 900])
        self.main_splitter.setSizes([620, 280])

    def _build_status_bar(self) -> None:
        self.status_label = QLabel()
        self.engine_label = QLabel()
        self.health_indicators = HealthIndicators()
        self.api_label = QLabel()
        for widget in (self.status_label, self.engine_label, self.health_indicators, self.api_label):
            self.statusBar().addPermanentWidget(widget)
        self.api = ApiToggle(self.menu_actions.serve_api, self.api_label, self.tasks, self)
        self.health = BackendHealthController(self.health_indicators, self.banner, self.tasks, self)

    # --- what the controller holds, read-only here

    @property
    def engine(self) -> Engine:
        return self.controller.engine

    @property
    def settings(self) -> Settings:
        return self.controller.settings

    @property
    def current_id(self) -> str | None:
        return self.controller.current_id

    @property
    def shutdown_ok(self) -> bool | None:
        return self.controller.shutdown_ok

    @property
    def notices(self) -> list[str]:
        return self.controller.notices

    # --- public

    def open_files(self, paths: list[Path]) -> None:
        """Add files or the supported files of folders (dropped, chosen, or from the command line)."""
        self.opener.open_files(paths)

    def recent_files(self) -> list[Path]:
        return self.recent.paths()

    def shutdown(self) -> bool:
        """Save the window's geometry and stop the engine gracefully; idempotent."""
        if self._tick.isActive():
            self._tick.stop()
            save_geometry(self, self.settings.paths.window_state_file)
        return self.controller.shutdown()

    # --- slots

    @Slot()
    def _on_tick_timeout(self) -> None:
        self.documents_model.tick()
        total, active = self.documents_model.rowCount(), self.documents_model.active_count()
        text = plural(translate("MainWindow", "%n document(s)", "", total), total)
        if active:
            text += " · " + plural(translate("MainWindow", "%n in progress", "", active), active)
        self.status_label.setText(f"  {text}  ")

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


__all__ = ["MainWindow", "default_engine"]
