"""Exporting the current document: Markdown or JSON to a file the user picks, or Markdown to the clipboard.

The engine renders the export (what the database holds, in the engine's commit order); the file is written on
the window's task pool, so a large book never stalls the window, and a failure is told to the user. GUI
thread only.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from desktop_app.ui.i18n import translate

if TYPE_CHECKING:
    from desktop_app.ui.controller import WindowController


class Exporter(QObject):
    """Writes the exports the window's actions ask for. GUI thread only."""

    # --- signals
    exported = Signal(str)  # path written

    def __init__(self, controller: WindowController) -> None:
        super().__init__(controller)
        self.controller = controller
        self.window = controller.window

    def export_current(self, fmt: str) -> None:
        """Ask where to save the current document as ``fmt`` (``md`` or ``json``), then write it there."""
        doc = self.window.documents_model.get(self.controller.current_id or "")
        if doc is None:
            return
        suffix = ".md" if fmt == "md" else ".json"
        stem = doc.file_name.rsplit(".", 1)[0] if doc.file_name else "summary"
        path = self.window.prompts.ask_save_path(f"{stem or 'summary'}{suffix}", fmt)
        if path:
            self.export_to(doc.id, fmt, path)

    def export_to(self, document_id: str, fmt: str, path: str | Path) -> None:
        target = Path(path)
        engine = self.controller.engine

        def write() -> str:
            target.write_text(engine.export(document_id, fmt), encoding="utf-8")
            return str(target)

        def done(written: str) -> None:
            self.controller.message(translate("Controller", "Exported to %1").replace("%1", written))
            self.exported.emit(written)

        def failed(err: Exception) -> None:
            self.controller.notify(translate("Controller", "Export failed"), str(err))

        self.controller.tasks.submit(write, done, failed)

    def copy_current_markdown(self) -> None:
        doc_id = self.controller.current_id
        if doc_id:
            engine = self.controller.engine
            self.controller.tasks.submit(lambda: engine.export(doc_id, "md"), self._on_markdown_copied)

    def _on_markdown_copied(self, text: str) -> None:
        from PySide6.QtGui import QGuiApplication

        QGuiApplication.clipboard().setText(text)
        self.controller.message(translate("Controller", "Copied as Markdown"), 3000)


__all__ = ["Exporter"]
