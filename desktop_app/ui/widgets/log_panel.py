"""The log panel: the most recent log lines of the engine and the window.

:class:`QtLogHandler` is a ``logging.Handler`` that may be called from any thread; it only appends the
formatted line to a buffer. The panel drains that buffer on a GUI-thread timer, so a burst of log lines
(one per committed batch) costs one text append per tick.
"""

from __future__ import annotations

import logging
import threading
from collections import deque

from PySide6.QtCore import QTimer, Slot
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QPlainTextEdit, QVBoxLayout, QWidget

MAX_LINES = 1000
#: Libraries whose INFO lines are chatter to a user: one line per HTTP request (the health probe sends one
#: every few seconds), one per migration step.
CHATTY_LIBRARIES = ("httpx", "httpcore", "alembic", "uvicorn.access")


def quiet_libraries(level: int | str = logging.INFO) -> None:
    """Keep library chatter at WARNING unless the user asked for DEBUG (the window's and the CLI's entry points)."""
    debug = level.upper() == "DEBUG" if isinstance(level, str) else level <= logging.DEBUG
    for name in CHATTY_LIBRARIES:
        logging.getLogger(name).setLevel(logging.DEBUG if debug else logging.WARNING)


class QtLogHandler(logging.Handler):
    """Keeps the last ``capacity`` formatted records for the log panel. Thread-safe."""

    def __init__(self, capacity: int = MAX_LINES, level: int = logging.INFO) -> None:
        super().__init__(level)
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S"))
        self._lines: deque[str] = deque(maxlen=capacity)
        self._new: list[str] = []
        self._lock_lines = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
        except Exception:
            self.handleError(record)
            return
        with self._lock_lines:
            self._lines.append(line)
            self._new.append(line)

    def take_new(self) -> list[str]:
        with self._lock_lines:
            new, self._new = self._new[-MAX_LINES:], []
        return new

    def lines(self) -> list[str]:
        with self._lock_lines:
            return list(self._lines)


class LogPanel(QWidget):
    """Recent log lines, newest at the bottom; follows the end unless the user scrolled up."""

    def __init__(self, handler: QtLogHandler, parent: QWidget | None = None, *, interval_ms: int = 200) -> None:
        super().__init__(parent)
        self.handler = handler
        self.view = QPlainTextEdit()
        self.view.setObjectName("logView")
        self.view.setReadOnly(True)
        self.view.setMaximumBlockCount(MAX_LINES)
        self.view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.view.setPlainText("\n".join(handler.lines()))
        handler.take_new()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._timer.start()

    @Slot()
    def _on_timer_timeout(self) -> None:
        new = self.handler.take_new()
        if not new:
            return
        bar = self.view.verticalScrollBar()
        at_end = bar.value() >= bar.maximum() - 2
        self.view.appendPlainText("\n".join(new))
        if at_end:
            bar.setValue(bar.maximum())

    def text(self) -> str:
        return self.view.toPlainText()


_shared: list[QtLogHandler] = []


def shared_log_handler() -> QtLogHandler:
    """One handler on the root logger for the process, shared by every window."""
    if not _shared:
        handler = QtLogHandler()
        root = logging.getLogger()
        root.addHandler(handler)  # the level stays the entry point's choice (INFO in the app)
        _shared.append(handler)
    return _shared[0]
