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


def test_a_text_file_without_a_suffix_is_read_by_its_content(qtbot, make_window, book, tmp_path: Path) -> None:
    window = make_window()
    notes = tmp_path / "NOTES"
    notes.write_bytes(book(4, "source.md").read_bytes())  # Markdown headings, but no suffix to say so
    with qtbot.waitSignal(window.document_opened, timeout=20_000) as opened:
        assert _drop(window.drop_area, _mime([notes]))
    doc = window.documents_model.get(opened.args[0])
    assert doc is not None and doc.file_name == "NOTES" and doc.chapter_count == 4
    assert window.notices == []
    assert [p.name for p in window.recent_files()] == ["NOTES"]


def test_a_binary_file_without_a_suffix_is_refused(qtbot, make_window, tmp_path: Path) -> None:
    window = make_window()
    blob = tmp_path / "core"
    blob.write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)))
    with qtbot.waitSignal(window.files_refused, timeout=5_000) as refused:
        assert _drop(window.drop_area, _mime([blob]))
    assert refused.args[0] == [blob]
    assert any("cannot read core" in n for n in window.notices)


def test_a_dropped_folder_is_read_all_the_way_down_skipping_hidden_and_other_files(
    qtbot, make_window, book, tmp_path: Path
) -> None:
    window = make_window()
    top = tmp_path / "library"
    (top / "part one" / "drafts").mkdir(parents=True)
    (top / ".git" / "objects").mkdir(parents=True)
    book(3, "library/a.md", seed=1)
    book(4, "library/part one/b.md", seed=2)
    book(5, "library/part one/drafts/c.md", seed=3)
    book(2, "library/.git/objects/d.md", seed=4)  # inside a hidden folder: never read
    (top / "part one" / "README").write_bytes(book(2, "elsewhere.md", seed=5).read_bytes())  # no suffix: text
    (top / "cover.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (top / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (top / "part one" / "data").write_bytes(b"\0\1\2\3")  # no suffix, not text
    opened: list[str] = []
    window.document_opened.connect(opened.append)
    with qtbot.waitSignal(window.files_skipped, timeout=10_000) as skipped:
        assert _drop(window.drop_area, _mime([top]))
    qtbot.waitUntil(lambda: len(opened) == 4, timeout=30_000)
    names = sorted(window.documents_model.get(i).file_name for i in opened)  # type: ignore[union-attr]
    assert names == ["README", "a.md", "b.md", "c.md"]
    assert skipped.args[0] == 4  # .git, cover.png, .DS_Store, data
    assert window.notices == []


def test_skipped_items_are_counted_in_the_status_bar(qtbot, make_window, book, tmp_path: Path) -> None:
    window = make_window()
    (tmp_path / "shelf").mkdir()
    book(3, "shelf/only.md")
    (tmp_path / "shelf" / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0")
    messages: list[str] = []
    window.statusBar().messageChanged.connect(messages.append)
    with qtbot.waitSignal(window.files_skipped, timeout=10_000):
        window.open_files([tmp_path / "shelf"])
    assert "Skipped 1 item in the folder: hidden, or not a document" in messages


def test_a_folder_without_documents_says_so(qtbot, make_window, tmp_path: Path) -> None:
    window = make_window()
    empty = tmp_path / "photos"
    empty.mkdir()
    (empty / "a.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    with qtbot.waitSignal(window.files_skipped, timeout=10_000):
        window.open_files([empty])
    assert window.notices == [
        "No documents in photos: There is no PDF, EPUB, DOCX, Markdown or text file in this folder or its subfolders."
    ]
    assert window.documents_model.rowCount() == 0


def test_file_open_folder_reads_the_chosen_folder_all_the_way_down(qtbot, make_window, book, tmp_path: Path) -> None:
    window = make_window()
    (tmp_path / "reports" / "2025").mkdir(parents=True)
    book(2, "reports/summary.md", seed=1)
    book(3, "reports/2025/q1.md", seed=2)
    asked: list[Path] = []
    window.prompts.ask_folder = lambda start: asked.append(start) or tmp_path / "reports"
    opened: list[str] = []
    window.document_opened.connect(opened.append)
    window.menu_actions.open_folder.trigger()
    qtbot.waitUntil(lambda: len(opened) == 2, timeout=30_000)
    assert sorted(window.documents_model.get(i).file_name for i in opened) == ["q1.md", "summary.md"]  # type: ignore[union-attr]
    assert asked == [Path.home()]  # nothing opened yet: the dialog starts at home
    assert window.menu_actions.open_folder.shortcut().toString() == "Ctrl+Shift+O"


def test_choosing_no_folder_opens_nothing(qtbot, make_window) -> None:
    window = make_window()
    window.prompts.ask_folder = lambda start: None
    window.menu_actions.open_folder.trigger()
    assert window.documents_model.rowCount() == 0 and window.notices == []
