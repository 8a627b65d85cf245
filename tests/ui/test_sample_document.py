"""The sample document: the empty list's link and Help ▸ Open a sample document open the app's own tour."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from desktop_app import resources


def _done(window, doc_id: str) -> bool:
    row = window.documents_model.get(doc_id)
    return row is not None and row.status == "done"


def test_the_empty_list_offers_the_sample_and_its_link_opens_it(make_window, qtbot) -> None:
    window = make_window()
    placeholder = window.documents_panel.placeholder
    assert placeholder.isVisible() and placeholder.textFormat() == Qt.TextFormat.RichText
    assert "href='sample'" in placeholder.text()

    with qtbot.waitSignal(window.chapters_loaded, timeout=20_000) as loaded:
        placeholder.linkActivated.emit("sample")
    doc_id = str(loaded.args[0])
    qtbot.waitUntil(lambda: _done(window, doc_id), timeout=30_000)

    row = window.documents_model.get(doc_id)
    assert row.title == "A tour of Chapterwise"
    assert window.chapters_model.rowCount() == 7  # its seven chapters, each summarized
    # One flag, on chapter 4's sample clause; the sentence that lists clause kinds raises none.
    flags = [flag for row in range(7) for flag in window.chapters_model.chapter(row).clause_flags]
    assert [(flag["category"], flag["severity"]) for flag in flags] == [("Termination For Convenience", "high")]
    assert not placeholder.isVisible()


def test_help_menu_opens_the_sample(make_window, qtbot) -> None:
    window = make_window()
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    assert window.menu_actions.open_sample in help_menu.actions()
    with qtbot.waitSignal(window.chapters_loaded, timeout=20_000) as loaded:
        window.menu_actions.open_sample.trigger()
    doc_id = str(loaded.args[0])
    # Listed under its file name while it is read; the title is the document's own once it is read.
    qtbot.waitUntil(lambda: window.documents_model.get(doc_id).status != "parsing", timeout=20_000)
    assert window.documents_model.get(doc_id).title == "A tour of Chapterwise"


def test_a_missing_sample_is_a_message_not_a_crash(
    make_window, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    window = make_window()
    told: list[tuple[str, str]] = []
    monkeypatch.setattr(window.controller, "notify", lambda title, message: told.append((title, message)))
    monkeypatch.setattr(resources, "ROOT", tmp_path)  # an install without its samples folder

    window.menu_actions.open_sample.trigger()

    assert told and "reinstall Chapterwise" in told[0][1]
    assert "Resource missing:" in caplog.text
    assert window.documents_model.rowCount() == 0
