"""The window's small standard dialogs: password, confirmation, save path, shortcuts, warnings.

Each takes its parent window. The blocking ones (password, OCR, confirmation, save path) and the
warning box are reached through :class:`Prompts`, whose members tests replace, so no test opens a modal
dialog. The others open window-modal and delete themselves when closed. GUI thread only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QFileSystemModel,
    QInputDialog,
    QLineEdit,
    QMessageBox,
    QTreeView,
    QWidget,
)

from desktop_app.ui.i18n import translate


@dataclass(slots=True)
class Prompts:
    """The questions the window may ask; each member is replaceable (tests answer without a dialog)."""

    ask_password: Callable[[Path, bool], str | None]
    ask_ocr: Callable[[Path, str], bool]
    confirm: Callable[[str, str], bool]
    ask_save_path: Callable[[str, str], str | None]
    ask_folder: Callable[[Path], Path | None]
    show_dialogs: bool = True  # False: warnings go to the status bar and the log only

    @classmethod
    def of(cls, parent: QWidget) -> Prompts:
        return cls(
            ask_password=partial(ask_password, parent),
            ask_ocr=partial(ask_ocr, parent),
            confirm=partial(confirm, parent),
            ask_save_path=partial(ask_save_path, parent),
            ask_folder=partial(ask_folder, parent),
        )


def ask_password(parent: QWidget, path: Path, wrong: bool) -> str | None:
    """The password of a protected PDF, or None if the user gave none."""
    prompt = (
        translate("Dialogs", "The password did not open %1. Try again:").replace("%1", path.name)
        if wrong
        else translate("Dialogs", "%1 is password-protected. Enter its password:").replace("%1", path.name)
    )
    text, ok = QInputDialog.getText(
        parent, translate("Dialogs", "Password needed"), prompt, QLineEdit.EchoMode.Password
    )
    return text if ok and text else None


def ask_ocr(parent: QWidget, path: Path, message: str) -> bool:
    """Offer OCR for a PDF without a text layer (only asked when Tesseract is installed)."""
    question = translate("Dialogs", "Read “%1” with OCR now? It takes a few seconds a page.").replace("%1", path.name)
    return confirm(parent, translate("Dialogs", "Scanned PDF"), f"{message}\n\n{question}")


def confirm(parent: QWidget, title: str, text: str) -> bool:
    answer = QMessageBox.question(
        parent,
        title,
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


def ask_save_path(parent: QWidget, suggested: str, fmt: str) -> str | None:
    filt = translate("Dialogs", "Markdown (*.md)") if fmt == "md" else translate("Dialogs", "JSON (*.json)")
    dialog = QFileDialog(parent, translate("Dialogs", "Export"), str(Path.home() / suggested), filt)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    chosen = _run_file_dialog(dialog)
    return chosen[0] if chosen else None


def ask_open_paths(parent: QWidget, folder: Path, file_filter: str) -> list[Path]:
    """Files to open, from a file dialog wide enough that its columns are not truncated."""
    dialog = QFileDialog(parent, translate("Dialogs", "Open documents"), str(folder), file_filter)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
    return [Path(p) for p in _run_file_dialog(dialog)]


def ask_folder(parent: QWidget, start: Path) -> Path | None:
    """A folder whose documents to open (all the way down), or None if the user chose none."""
    dialog = QFileDialog(parent, translate("Dialogs", "Open a folder of documents"), str(start))
    dialog.setFileMode(QFileDialog.FileMode.Directory)
    dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
    chosen = _run_file_dialog(dialog)
    return Path(chosen[0]) if chosen else None


def fit_columns(dialog: QFileDialog) -> None:
    """Qt's own dialog opens at a size where Name, Size, Type and Date modified are cut off: widen it, and
    size each column to its header and contents whenever a folder's listing comes in (a long file name, or
    a type described at length by the system's MIME database, was cut off at Qt's default widths)."""
    dialog.setViewMode(QFileDialog.ViewMode.Detail)
    dialog.resize(max(dialog.width(), 900), max(dialog.height(), 540))
    view = dialog.findChild(QTreeView, "treeView")
    listing = dialog.findChild(QFileSystemModel)
    if view is None or listing is None:  # a platform's native dialog sizes its own columns
        return

    def fit(_folder: str = "") -> None:
        for column in range(view.header().count()):
            view.resizeColumnToContents(column)

    listing.directoryLoaded.connect(fit)
    fit()


def _run_file_dialog(dialog: QFileDialog) -> list[str]:
    fit_columns(dialog)
    if dialog.exec() != QFileDialog.DialogCode.Accepted:
        return []
    return [f for f in dialog.selectedFiles() if f]


def show_shortcuts(parent: QWidget, rows: list[tuple[str, str]]) -> None:
    table = "".join(f"<tr><td><b>{k}</b></td><td>&nbsp;&nbsp;{v}</td></tr>" for k, v in rows)
    _open(
        QMessageBox(
            QMessageBox.Icon.NoIcon,
            translate("Dialogs", "Keyboard shortcuts"),
            f"<table>{table}</table>",
            QMessageBox.StandardButton.Close,
            parent,
        )
    )


def show_warning(parent: QWidget, title: str, text: str) -> None:
    _open(QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, parent))


def _open(box: QMessageBox) -> None:
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
