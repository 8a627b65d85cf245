"""What the window remembers between runs: its geometry (QSettings) and the recent files list.

``QSettings`` holds the window geometry only, in an INI file in the config folder (so a test run or a
second profile with its own ``CHAPTERWISE_DATA_DIR`` never touches the user's). Recent files are a small
JSON list beside it. Everything else lives in the typed settings.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMainWindow, QSplitter

log = logging.getLogger(__name__)

MAX_RECENT = 10


def _store(state_file: Path) -> QSettings:
    return QSettings(str(state_file), QSettings.Format.IniFormat)


def save_geometry(window: QMainWindow, state_file: Path) -> None:
    """Save the window's geometry, tool bar state and every named splitter's sizes to ``state_file`` (INI)."""
    store = _store(state_file)
    store.setValue("geometry", window.saveGeometry())
    store.setValue("state", window.saveState())
    for splitter in window.findChildren(QSplitter):
        if splitter.objectName():
            store.setValue(f"splitter/{splitter.objectName()}", splitter.saveState())
    store.sync()


def restore_geometry(window: QMainWindow, state_file: Path) -> None:
    store = _store(state_file)
    geometry = store.value("geometry")
    if geometry is not None:
        window.restoreGeometry(geometry)
    state = store.value("state")
    if state is not None:
        window.restoreState(state)
    for splitter in window.findChildren(QSplitter):
        value = store.value(f"splitter/{splitter.objectName()}") if splitter.objectName() else None
        if value is not None:
            splitter.restoreState(value)


class RecentFiles:
    """The last files opened, newest first, in a JSON file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def paths(self) -> list[Path]:
        try:
            return [Path(p) for p in json.loads(self.path.read_text(encoding="utf-8"))]
        except (OSError, ValueError, TypeError):
            return []

    def add(self, path: Path) -> None:
        path = path.resolve()
        recent = [path, *[p for p in self.paths() if p != path]][:MAX_RECENT]
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(json.dumps([str(p) for p in recent]), encoding="utf-8")
        except OSError as err:
            log.warning("Could not save the recent files list: %s", err)


def short_url(url: str) -> str:
    """A database URL as the status bar shows it (no password, no full path)."""
    if url.startswith("sqlite"):
        return "SQLite " + Path(url.split(":///", 1)[-1]).name
    return url.rsplit("@", maxsplit=1)[-1] if "@" in url else url
