"""Opening files in the window: which paths are taken, parsing off the GUI thread, and the questions asked.

:class:`FileOpener` takes the paths a drop, File ▸ Open or the recent-files menu hands it, refuses the
types Chapterwise cannot read (with one message naming them), and adds the others through the engine on
the window's task pool. The engine answers before the file is parsed: the document's row shows
"parsing…" at once and fills in when its chapters come (``document_parsing``, then ``document_opened``).
Which paths are documents is :mod:`desktop_app.inputs`' rule, the command line's too: a text file without
a suffix is told by its content, and a folder is read all the way down, its hidden folders and other
files skipped quietly (the status bar says how many); the folders are walked on the task pool.

A protected PDF asks for its password, a scanned PDF offers OCR when Tesseract is installed, whether the
engine refuses the file before answering (an encrypted PDF is parsed first) or the parse fails after it:
the document's ``DocumentFinished`` then says what kind of failure it was, and the failed document is
removed (it has no chapters, nothing to retry or export, and a new try with the password or OCR is a new
document: the list stays as a refused file always left it). Anything else wrong with a file is told to
the user and the other files carry on. A newly added document is selected and scrolled into view. GUI thread only.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from desktop_app.engine.events import DocumentAdded, DocumentFinished
from desktop_app.engine.ingest.base import IngestError, NoTextError, PasswordRequiredError, WrongPasswordError
from desktop_app.engine.ingest.detect import SUPPORTED_SUFFIXES
from desktop_app.engine.records import DocumentView as DocumentData
from desktop_app.engine.states import DocumentStatus, ParseFailure
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


@dataclass(frozen=True, slots=True)
class Opening:
    """A file the user opened, as asked: what a password or OCR question needs to add it again."""

    path: Path
    password: str | None
    focus: str | None


class FileOpener(QObject):
    """Adds files to the engine for the window. GUI thread only."""

    # --- signals
    document_parsing = Signal(str)  # a file was saved and is being read: its document id (its row is listed)
    document_opened = Signal(str)  # a file was read: its document id (its chapters are listed)
    open_failed = Signal(str, str)  # path, the user's message
    files_refused = Signal(list)  # list[Path] of unsupported types
    files_skipped = Signal(int)  # entries left out inside the folders given (hidden, or other types)

    def __init__(self, controller: WindowController) -> None:
        super().__init__(controller)
        self.controller = controller
        self.window = controller.window
        self._adding = 0  # engine calls under way on the task pool
        self._parsing: dict[str, Opening] = {}  # documents of ours parsed after the answer, by id
        self._early: dict[str, DocumentAdded | DocumentFinished] = {}  # their end, when it beat the answer

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
        # The answer comes before the parse (its row shows "parsing…" at once); OCR, the slow path, and an
        # encrypted PDF (its password question) are read before the answer.
        background = not ocr

        def add() -> DocumentData:
            with tempfile.TemporaryDirectory(prefix="chapterwise-") as scratch:
                # A text file without a suffix is read from a copy the engine can tell; it keeps its name.
                # The engine keeps its own copy of a file it parses in the background.
                source = readable(path, Path(scratch))
                return engine.add_file(
                    source, password=password, focus=focus, ocr=ocr, file_name=path.name, background=background
                )

        self._adding += 1
        self.controller.tasks.submit(
            add,
            lambda doc: self._on_file_added(Opening(path, password, focus), doc),
            lambda err: self._on_file_failed(Opening(path, password, focus), err),
        )

    def _on_file_added(self, opening: Opening, doc: DocumentData) -> None:
        self._adding -= 1
        self.window.recent.add(opening.path)
        if doc.status == DocumentStatus.FAILED and doc.error_kind is not None:
            # The parse failed before the engine's answer was read back: as if its event had come.
            self._early.pop(doc.id, None)
            ended = DocumentFinished(doc.id, doc.status, None, doc.error, doc.error_kind, doc.ocr_available)
            self._on_parse_failed(opening, ended)
        elif doc.status != DocumentStatus.PARSING:
            self._list(doc)
            self._opened(doc.id, doc.title, doc.chapter_count)
        else:
            self._list(doc)
            self._parsing[doc.id] = opening
            self.document_parsing.emit(doc.id)
            early = self._early.pop(doc.id, None)
            if early is not None:  # the parse ended before the answer reached the window
                self._on_parse_ended(early)
        if not self._adding:
            self._early.clear()

    def _list(self, doc: DocumentData) -> None:
        self.window.documents_model.upsert([doc])
        self.controller.select(doc.id)

    def _opened(self, document_id: str, title: str, chapters: int) -> None:
        self.controller.message(
            plural(translate("FileOpener", "Added %1: %n chapter(s)", "", chapters), chapters).replace("%1", title)
        )
        self.document_opened.emit(document_id)

    # --- the end of a parse that ran after the answer (the controller hands the bridge's events on)

    def on_document_added(self, event: DocumentAdded) -> None:
        """A document this window opened has its chapters: it is opened."""
        self._on_parse_ended(event)

    def on_document_finished(self, event: DocumentFinished) -> bool:
        """A document this window opened could not be read: act on why, as on the parser's exception.

        True when the document was one of this window's files being parsed: the opener has dealt with it
        (and taken a failed one off the list), so the list has nothing to refresh.
        """
        return self._on_parse_ended(event)

    def forget(self, document_id: str) -> None:
        """The document was removed (by the user, while it was parsed): its end asks nothing."""
        self._parsing.pop(document_id, None)
        self._early.pop(document_id, None)

    def forget_parsing(self) -> None:
        """The engine was replaced (settings applied): its parses and their events are gone with it."""
        self._parsing.clear()
        self._early.clear()

    def _on_parse_ended(self, event: DocumentAdded | DocumentFinished) -> bool:
        opening = self._parsing.pop(event.document_id, None)
        if opening is None:
            if self._adding:  # perhaps one of ours whose answer is still on its way
                self._early[event.document_id] = event
            return False
        if isinstance(event, DocumentAdded):
            self._opened(event.document_id, event.title, event.chapter_count)
            return True
        if event.status == DocumentStatus.FAILED and event.error_kind is not None:
            self._on_parse_failed(opening, event)
            return True
        return False

    def _on_parse_failed(self, opening: Opening, event: DocumentFinished) -> None:
        """The failed document is removed: it has no chapters, nothing to retry or export, and a new try (with
        the password, with OCR) is a new document; the list stays as a refused file always left it."""
        self._discard(event.document_id)
        kind, message = event.error_kind, event.error or ""
        prompts = self.window.prompts
        if kind is not None and kind.needs_password:
            wrong = kind == ParseFailure.WRONG_PASSWORD or opening.password is not None
            self._ask_password(opening, wrong)
            return
        if kind == ParseFailure.NO_TEXT and event.ocr_available and prompts.ask_ocr(opening.path, message):
            self._add_file(opening.path, opening.password, focus=opening.focus, ocr=True)
            return
        self._tell_failure(opening.path, message)

    def _discard(self, document_id: str) -> None:
        if self.controller.current_id == document_id:
            self.window.documents_panel.table.clearSelection()
            self.controller.show_document(None)
        self.window.documents_model.remove(document_id)
        self.controller.engine_call(self.controller.engine.remove, document_id)

    # --- a file the engine refused before answering

    def _on_file_failed(self, opening: Opening, err: Exception) -> None:
        self._adding -= 1
        if not self._adding:
            self._early.clear()
        prompts = self.window.prompts
        path = opening.path
        if isinstance(err, PasswordRequiredError):
            self._ask_password(opening, isinstance(err, WrongPasswordError) or opening.password is not None)
            return
        if isinstance(err, NoTextError) and err.ocr_available and prompts.ask_ocr(path, err.message):
            self._add_file(path, opening.password, focus=opening.focus, ocr=True)
            return
        message = err.message if isinstance(err, IngestError) else f"{type(err).__name__}: {err}"
        if not isinstance(err, IngestError):
            log.error("Could not add %s", path, exc_info=err)
        self._tell_failure(path, message)

    def _ask_password(self, opening: Opening, wrong: bool) -> None:
        answer = self.window.prompts.ask_password(opening.path, wrong)
        if answer:
            self._add_file(opening.path, answer, focus=opening.focus)
        else:
            skipped = translate("FileOpener", "Skipped %1: no password given")
            self.controller.message(skipped.replace("%1", opening.path.name))

    def _tell_failure(self, path: Path, message: str) -> None:
        self.controller.notify(translate("FileOpener", "Could not open %1").replace("%1", path.name), message)
        self.open_failed.emit(str(path), message)


__all__ = ["FILE_FILTER", "FileOpener", "accepted_paths"]
