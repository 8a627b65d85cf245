"""Closing mid-run stops the pipeline gracefully; the next window resumes the document."""

from __future__ import annotations

import os
import sys

import pytest

from desktop_app.ui import app
from tests.engine.pipeline_helpers import GatedSummarizer


def test_close_mid_run_and_reopen_resumes(qtbot, make_window, book, ui_settings) -> None:
    # Like a remote model: each chapter takes a while, so the window closes mid-run (the chapters are listed
    # a bridge flush after they are parsed, while the workers have started on them).
    slow = GatedSummarizer(delay=0.05)
    slow.gate.set()
    window = make_window(slow)
    with qtbot.waitSignal(window.chapters_loaded, timeout=20_000) as loaded:
        window.open_files([book(150)])
    doc_id = loaded.args[0]
    qtbot.waitUntil(lambda: window.chapters_model.statuses().get("done", 0) >= 3, timeout=20_000)
    window.close()
    assert window.shutdown_ok  # every loop ended within the shutdown timeout

    again = make_window(settings=ui_settings)
    qtbot.waitUntil(lambda: again.documents_model.get(doc_id) is not None, timeout=10_000)
    first = again.documents_model.get(doc_id)
    assert first.status == "processing" and 3 <= first.final_chapters < 150
    qtbot.waitUntil(lambda: again.documents_model.get(doc_id).status == "done", timeout=60_000)
    view = again.engine.document(doc_id)
    assert [c.status for c in view.chapters] == ["done"] * 150
    assert view.summary


def test_window_geometry_is_restored(qtbot, make_window, ui_settings) -> None:
    from desktop_app.ui.main_window import MainWindow

    window = make_window()
    window.resize(window.width(), 480)  # the offscreen screen is 800 px wide: change the height
    window.close()
    assert (ui_settings.data_dir / "window.ini").is_file()
    restored = MainWindow(ui_settings)
    try:
        assert restored.size().height() == 480
    finally:
        restored.close()


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="X11/Wayland display detection")
def test_no_display_says_so_and_names_the_command_line(monkeypatch, capsys) -> None:
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    assert app.main([]) == 2
    err = capsys.readouterr().err
    assert "No display available" in err
    assert "chapterwise summarize FILE" in err
    assert os.environ.get("QT_QPA_PLATFORM") is None


def test_an_empty_path_is_refused_before_any_window(capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        app.parse_args(["book.pdf", ""])
    assert exited.value.code == 2 and "an empty path" in capsys.readouterr().err


def test_about_and_shortcuts(qtbot, make_window) -> None:
    from desktop_app.ui.actions import shortcut_table
    from desktop_app.ui.widgets.about import AboutDialog, versions

    window = make_window()
    assert {"Chapterwise", "Python", "Qt", "PySide6"} <= set(versions())
    dialog = AboutDialog(window)
    qtbot.addWidget(dialog)
    assert "PySide6" in dialog.table.text()
    keys = dict(shortcut_table(window.menu_actions))
    assert "Ctrl+O" in keys and "Ctrl+R" in keys and "F9" in keys
