"""The drop target: accepts local files dragged onto the window and reports them as paths.

It never reads the files; the window decides what to do with them (refuse unsupported types, parse
the rest off the GUI thread). :func:`local_files` is shared with the main window, which accepts drops
on its tool bar and status bar too, so a drop anywhere on the window works.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QDragMoveEvent, QDropEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QVBoxLayout, QWidget


def local_files(mime: QMimeData | None) -> list[Path]:
    """The local file paths among the URLs of a drag (remote URLs and text are ignored)."""
    if mime is None or not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile() and url.toLocalFile()]


class DropArea(QWidget):
    """A container that accepts dropped local files anywhere over its children.

    While a drag of files hovers, it draws a highlighted frame over its contents.
    """

    # --- signals
    files_dropped = Signal(list)  # list[Path]

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self._hovering = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

    # --- Qt overrides

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if local_files(event.mimeData()):
            event.acceptProposedAction()
            self._set_hovering(True)
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if local_files(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self._set_hovering(False)
        super().dragLeaveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        self._set_hovering(False)
        paths = local_files(event.mimeData())
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        self.files_dropped.emit(paths)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._hovering:
            return
        painter = QPainter(self)
        color = self.palette().highlight().color()
        pen = QPen(color, 3, Qt.PenStyle.DashLine)
        painter.setPen(pen)
        fill = color
        fill.setAlpha(30)
        painter.fillRect(self.rect(), fill)
        painter.drawRoundedRect(self.rect().adjusted(2, 2, -3, -3), 8, 8)

    # --- helpers

    def _set_hovering(self, on: bool) -> None:
        if self._hovering != on:
            self._hovering = on
            self.update()
