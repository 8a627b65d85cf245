"""The toolbar's "Local API" toggle: serves the local HTTP API from the window's own engine.

Switching it on starts :class:`~desktop_app.api.server.ApiServer` on the task pool (it returns once the
server listens), shows the URL in the status bar and copies the Bearer token to the clipboard, so another
program can be pointed at the window. Switching it off, changing settings (a new engine) or closing the
window stops the server first. The server runs in its own thread; nothing here blocks the GUI thread except
the final stop on close, which is bounded by the server's own 5 s drain.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QLabel

if TYPE_CHECKING:
    from desktop_app.api.server import ApiServer
    from desktop_app.config import Settings
    from desktop_app.engine.service import Engine
    from desktop_app.ui.threads import TaskRunner

log = logging.getLogger(__name__)


class ApiToggle(QObject):
    """Owns the window's API server (at most one) and keeps the action, label and clipboard in step."""

    # --- signals
    serving_changed = Signal(str)  # the URL while serving, "" when stopped
    failed = Signal(str)  # a message for the user (the port is taken, ...)

    def __init__(self, action: QAction, label: QLabel, tasks: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.action = action
        self.label = label
        self.tasks = tasks
        self.server: ApiServer | None = None
        self._engine: Engine | None = None
        self._settings: Settings | None = None
        action.setCheckable(True)
        action.toggled.connect(self._on_action_toggled)
        label.setVisible(False)

    @property
    def url(self) -> str:
        return self.server.url if self.server is not None else ""

    def attach(self, engine: Engine, settings: Settings) -> None:
        """Serve ``engine`` from now on; a server that was running for the previous engine starts again."""
        self._engine, self._settings = engine, settings
        if self.action.isChecked() and self.server is None:
            self._start()

    def detach(self) -> None:
        """Stop serving before the engine stops (settings change, window closing)."""
        server, self.server = self.server, None
        if server is not None:
            server.stop()
            self._show("")

    # --- slots

    @Slot(bool)
    def _on_action_toggled(self, checked: bool) -> None:
        if checked and self.server is None:
            self._start()
        elif not checked and self.server is not None:
            server, self.server = self.server, None
            self.tasks.submit(server.stop, lambda _: self._show(""))

    # --- internals

    def _start(self) -> None:
        if self._engine is None or self._settings is None:
            return
        from desktop_app.api.server import ApiServer

        server = ApiServer(self._engine, self._settings)

        def started(_: object) -> None:
            if not self.action.isChecked() or self._engine is not server.engine:
                self.tasks.submit(server.stop)  # switched off (or a new engine) while it was starting
                return
            self.server = server
            QGuiApplication.clipboard().setText(server.token)
            log.info("Local API serving at %s (token copied to the clipboard)", server.url)
            self._show(server.url)

        def not_started(err: Exception) -> None:
            self.action.setChecked(False)
            self.failed.emit(
                f"The local API could not start on {self._settings.api_host}:{self._settings.api_port}: "  # type: ignore[union-attr]
                f"{err}"
            )

        self.tasks.submit(server.start, started, not_started)

    def _show(self, url: str) -> None:
        self.label.setVisible(bool(url))
        self.label.setText(f"  API {url}  " if url else "")
        self.label.setToolTip(f"Local HTTP API at {url}; the Bearer token was copied to the clipboard" if url else "")
        self.action.setToolTip(f"Serving at {url} (click to stop)" if url else "Serve the local HTTP API")
        self.serving_changed.emit(url)
