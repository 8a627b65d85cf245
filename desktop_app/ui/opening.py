"""Opening files in the window: which paths are taken, parsing off the GUI thread, and the questions asked.

:class:`FileOpener` takes the paths a drop, File ▸ Open or the recent-files menu hands it, refuses the
types Chapterwise cannot read (with one message naming them), and adds the others through the engine on
the window's task pool. Which paths are documents is :mod:`desktop_app.inputs`' rule, the command line's
too: a text file without a suffix is told by its content, and a folder is read all the way down, its
hidden folders and other files skipped quietly (the status bar says how many); the folders are walked on
the task pool. A protected PDF asks for its password, a scanned PDF offers OCR when Tesseract is
installed; anything else wrong with a file is told to the user and the other files carry on. A newly
added document is selected and scrolled into view. GUI thread only.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from desktop_app.engine.ingest.base import IngestError, NoTextError, PasswordRequiredError, WrongPasswordError
from desktop_app.engine.ingest.detect import SUPPORTED_SUFFIXES
from desktop_app.engine.records import DocumentView as DocumentData
from desktop_app.inputs import Inputs, collect, is_readable, readable
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


def accepted_paths(paths: list[Path]) -> tuple[Inputs, list[Path]]:
    """(what to open, files refused): folders are read all the way down; a file given is refused unless it is
    of a type Chapterwise reads (a text file without a suffix is, by its content)."""
    given = [Path(p) for p in paths]
    refused = [p for p in given if not p.is_dir() and not is_readable(p)]
    return collect([p for p in given if p not in refused], recursive=True), refused


class FileOpener(QObject):
    """Adds files to the engine for the window. GUI thread only."""

    # --- signals
    document_opened = Signal(str)  # a file was added: its document id
    open_failed = Signal(str, str)  # path, the user's message
    files_refused = Signal(list)  # list[Path] of unsupported types
    files_skipped = Signal(int)  # entries left out inside the folders given (hidden, or other types)

    def __init__(self, controller: WindowController) -> None:
        super().__init__(controller)
        self.controller = controller
        self.window = controller.window

    def open_files(self, paths: list[Path]) -> None:
        """Add ``paths`` (folders walked and files parsed off the GUI thread); unsupported types are refused."""
        focus = self.window.focus_field.focus()  # as it is now, when the files were dropped or chosen
        given = [Path(p) for p in paths]
        self.controller.tasks.submit(
            lambda: accepted_paths(given),
            lambda found: self._open_found(*found, focus=focus),
            lambda err: self.controller.notify(translate("FileOpener", "Could not read the folder"), str(err)),
        )

    def _open_found(self, inputs: Inputs, refused: list[Path], *, focus: str | None) -> None:
        if refused:
            names = ", ".join(p.name for p in refused)
            self.controller.notify(
                translate("FileOpener", "Not a supported file"),
                translate(
                    "FileOpener", "Chapterwise cannot read %1. It reads PDF, EPUB, DOCX, Markdown and plain-text files."
                ).replace("%1", names),
            )
            self.files_refused.emit(refused)
        for folder in inputs.empty_folders:
            self.controller.notify(
                translate("FileOpener", "No documents in %1").replace("%1", folder.name),
                translate(
                    "FileOpener",
                    "There is no PDF, EPUB, DOCX, Markdown or text file in this folder or its subfolders.",
                ),
            )
        for path in inputs.files:
            self._add_file(path, focus=focus)
        if inputs.skipped:
            n = inputs.skipped
            note = translate("FileOpener", "Skipped %n item(s) in the folder: hidden, or not a document", "", n)
            self.controller.message(plural(note, n), 10000)
            self.files_skipped.emit(n)

    def _add_file(
        self, path: Path, password: str | None = None, *, focus: str | None = None, ocr: bool = False
    ) -> None:
        text = translate("FileOpener", "Reading %1 with OCR…") if ocr else translate("FileOpener", "Reading %1…")
        self.window.statusBar().showMessage(text.replace("%1", path.name))
        engine = self.controller.engine

        def add() -> DocumentData:
            with tempfile.TemporaryDirectory(prefix="chapterwise-") as scratch:
                # A text file without a suffix is read from a copy the engine can tell; it keeps its name.
                source = readable(path, Path(scratch))
                return engine.add_file(source, password=password, focus=focus, ocr=ocr, file_name=path.name)

        self.controller.tasks.submit(
            add,
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
