"""Dropping files on the window adds documents; unsupported types are refused with a message."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication


def _mime(paths: list[Path]) -> QMimeData:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    return mime


def _drop(widget, mime: QMimeData) -> bool:
    """Send a drag-enter and, if accepted, a drop, as a real drag would."""
    pos = widget.rect().center()
    enter = QDragEnterEvent(
        pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(widget, enter)
    if not enter.isAccepted():
        return False
    drop = QDropEvent(
        QPointF(QPoint(pos)), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(widget, drop)
    return drop.isAccepted()


def test_dropping_files_adds_documents(qtbot, make_window, book) -> None:
    window = make_window()
    first, second = book(5, "first.md", seed=1), book(7, "second.md", seed=2)
    with qtbot.waitSignals([window.document_opened, window.document_opened], timeout=20_000):
        assert _drop(window.drop_area, _mime([first, second]))
    qtbot.waitUntil(lambda: window.documents_model.rowCount() == 2, timeout=10_000)
    titles = {window.documents_model.document(r).file_name for r in range(2)}
    assert titles == {"first.md", "second.md"}
    chapters = {
        window.documents_model.document(r).file_name: window.documents_model.document(r).chapter_count for r in range(2)
    }
    assert chapters == {"first.md": 5, "second.md": 7}
    assert {p.name for p in window.recent_files()} == {"first.md", "second.md"}


def test_drop_on_the_window_outside_the_central_area(qtbot, make_window, book) -> None:
    window = make_window()
    with qtbot.waitSignal(window.document_opened, timeout=20_000):
        assert _drop(window, _mime([book(3)]))


def test_unsupported_types_are_refused_with_a_message(qtbot, make_window, tmp_path: Path) -> None:
    window = make_window()
    image = tmp_path / "photo.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n")
    with qtbot.waitSignal(window.files_refused, timeout=5_000) as refused:
        assert _drop(window.drop_area, _mime([image]))
    assert refused.args[0] == [image]
    assert any("cannot read photo.png" in n and "PDF, EPUB, DOCX" in n for n in window.notices)
    assert window.documents_model.rowCount() == 0


def test_drag_without_local_files_is_not_accepted(qtbot, make_window) -> None:
    window = make_window()
    mime = QMimeData()
    mime.setUrls([QUrl("https://example.org/book.pdf")])
    assert not _drop(window.drop_area, mime)
    text = QMimeData()
    text.setText("just text")
    assert not _drop(window.drop_area, text)


def test_a_file_that_cannot_be_read_says_why(qtbot, make_window, tmp_path: Path) -> None:
    window = make_window()
    fake = tmp_path / "report.pdf"
    fake.write_text("this is not a PDF", encoding="utf-8")
    with qtbot.waitSignal(window.open_failed, timeout=20_000) as failed:
        window.open_files([fake])
    assert failed.args[0] == str(fake)
    assert "not a PDF" in failed.args[1]
