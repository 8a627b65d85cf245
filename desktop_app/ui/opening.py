"""Opening files in the window: which paths are taken, parsing off the GUI thread, and the questions asked.

:class:`FileOpener` takes the paths a drop, File ▸ Open or the recent-files menu hands it, refuses the
types Chapterwise cannot read (with one message naming them), and adds the others through the engine on
the window's task pool. A protected PDF asks for its password, a scanned PDF offers OCR when Tesseract
is installed; anything else wrong with a file is told to the user and the other files carry on.
A newly added document is selected and scrolled into view. GUI thread only.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from desktop_app.engine.ingest.base import IngestError, NoTextError, PasswordRequiredError, WrongPasswordError
from desktop_app.engine.ingest.detect import SUPPORTED_SUFFIXES
from desktop_app.engine.records import DocumentView as DocumentData
from desktop_app.ui.i18n import plural, translate

if TYPE_CHECKING:
    from desktop_app.ui.controller import WindowController

log = logging.getLogger(__name__)

FILE_FILTER = (
    translate("FileOpener", "Documents")
    + " ("
    + " ".join(f"*{s}" for s in SUPPORTED_SUFFIXES)
    + ");;"
    + translate("FileOpener", "All files")
    + " (*)"
)


def accepted_paths(paths: list[Path]) -> tuple[list[Path], list[Path]]:
    """(files to open, files refused); a folder gives the supported files directly inside it."""
    accepted: list[Path] = []
    refused: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            accepted += sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES)
        elif path.suffix.lower() in SUPPORTED_SUFFIXES:
            accepted.append(path)
        else:
            refused.append(path)
    return accepted, refused


class FileOpener(QObject):
    """Adds files to the engine for the window. GUI thread only."""

    # --- signals
    document_opened = Signal(str)  # a file was added: its document id
    open_failed = Signal(str, str)  # path, the user's message
    files_refused = Signal(list)  # list[Path] of unsupported types

    def __init__(self, controller: WindowController) -> None:
        super().__init__(controller)
        self.controller = controller
        self.window = controller.window

    def open_files(self, paths: list[Path]) -> None:
        """Add ``paths`` (parsed off the GUI thread); unsupported types are refused with a message."""
        accepted, refused = accepted_paths(paths)
        if refused:
            names = ", ".join(p.name for p in refused)
            self.controller.notify(
                translate("FileOpener", "Not a supported file"),
                translate(
                    "FileOpener", "Chapterwise cannot read %1. It reads PDF, EPUB, DOCX, Markdown and plain-text files."
                ).replace("%1", names),
            )
            self.files_refused.emit(refused)
        focus = self.window.focus_field.focus()  # as it is now, when the files were dropped or chosen
        for path in accepted:
            self._add_file(path, focus=focus)

    def _add_file(
        self, path: Path, password: str | None = None, *, focus: str | None = None, ocr: bool = False
    ) -> None:
        text = translate("FileOpener", "Reading %1 with OCR…") if ocr else translate("FileOpener", "Reading %1…")
        self.window.statusBar().showMessage(text.replace("%1", path.name))
        engine = self.controller.engine
        self.controller.tasks.submit(
            lambda: engine.add_file(path, password=password, focus=focus, ocr=ocr),
            lambda doc: self._on_file_added(path, doc),
            lambda err: self._on_file_failed(path, err, password, focus),
        )

    def _on_file_added(self, path: Path, doc: DocumentData) -> None:
        self.window.documents_model.upsert([doc])
        self.window.recent.add(path)
        n = doc.chapter_count
        self.controller.message(
            plural(translate("FileOpener", "Added %1: %n chapter(s)", "", n), n).replace("%1", doc.title)
        )
        self.controller.select(doc.id)
        self.document_opened.emit(doc.id)

    def _on_file_failed(self, path: Path, err: Exception, password: str | None, focus: str | None) -> None:
        prompts = self.window.prompts
        if isinstance(err, PasswordRequiredError):
            answer = prompts.ask_password(path, isinstance(err, WrongPasswordError) or password is not None)
            if answer:
                self._add_file(path, answer, focus=focus)
            else:
                skipped = translate("FileOpener", "Skipped %1: no password given")
                self.controller.message(skipped.replace("%1", path.name))
            return
        if isinstance(err, NoTextError) and err.ocr_available and prompts.ask_ocr(path, err.message):
            self._add_file(path, password, focus=focus, ocr=True)
            return
        message = err.message if isinstance(err, IngestError) else f"{type(err).__name__}: {err}"
        if not isinstance(err, IngestError):
            log.error("Could not add %s", path, exc_info=err)
        self.controller.notify(translate("FileOpener", "Could not open %1").replace("%1", path.name), message)
        self.open_failed.emit(str(path), message)


__all__ = ["FILE_FILTER", "FileOpener", "accepted_paths"]
