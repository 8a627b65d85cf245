"""The window's small standard dialogs: password, confirmation, save path, shortcuts, warnings.

Each takes its parent window; the blocking ones (password, confirmation, save path) are the defaults of
hooks on :class:`~desktop_app.ui.main_window.MainWindow` that tests replace, so no test opens a modal
dialog. The others open window-modal and delete themselves when closed.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QInputDialog, QLineEdit, QMessageBox, QWidget


def ask_password(parent: QWidget, path: Path, wrong: bool) -> str | None:
    """The password of a protected PDF, or None if the user gave none."""
    prompt = (f"The password did not open {path.name}. Try again:" if wrong
              else f"{path.name} is password-protected. Enter its password:")
    text, ok = QInputDialog.getText(parent, "Password needed", prompt, QLineEdit.EchoMode.Password)
    return text if ok and text else None


def ask_ocr(parent: QWidget, path: Path, message: str) -> bool:
    """Offer OCR for a PDF without a text layer (only asked when Tesseract is installed)."""
    return confirm(
        parent,
        "Scanned PDF",
        f"{message}\n\nRead “{path.name}” with OCR now? It takes a few seconds a page.",
    )


def confirm(parent: QWidget, title: str, text: str) -> bool:
    answer = QMessageBox.question(parent, title, text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                  QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


def ask_save_path(parent: QWidget, suggested: str, fmt: str) -> str | None:
    filt = "Markdown (*.md)" if fmt == "md" else "JSON (*.json)"
    path, _ = QFileDialog.getSaveFileName(parent, "Export", str(Path.home() / suggested), filt)
    return path or None


def show_shortcuts(parent: QWidget, rows: list[tuple[str, str]]) -> None:
    table = "".join(f"<tr><td><b>{k}</b></td><td>&nbsp;&nbsp;{v}</td></tr>" for k, v in rows)
    _open(QMessageBox(QMessageBox.Icon.NoIcon, "Keyboard shortcuts", f"<table>{table}</table>",
                      QMessageBox.StandardButton.Close, parent))


def show_warning(parent: QWidget, title: str, text: str) -> None:
    _open(QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, parent))


def _open(box: QMessageBox) -> None:
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
