"""The window's status bar says "database unavailable" while the writer cannot commit, and recovers."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from sqlalchemy.exc import OperationalError

from desktop_app.engine.pipeline import writer as writer_module
from desktop_app.engine.records import ChapterRecord
from desktop_app.engine.states import ChapterStatus
from tests.engine.pipeline_helpers import make_document


def test_status_bar_shows_an_unavailable_database_and_recovers(
    qtbot, make_window, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writer_module, "RETRY_CAP_S", 0.05)
    window = make_window()
    outage = threading.Event()
    outage.set()

    def disk_full(chapters: list[ChapterRecord], docs: object) -> None:
        if outage.is_set():
            raise OperationalError("INSERT", {}, sqlite3.OperationalError("database or disk is full"))

    window.engine.set_commit_hook(disk_full)
    doc = window.engine.add_parsed(make_document(5, sentences=3), file_name="full.txt")
    shown = "database unavailable: database or disk is full"
    qtbot.waitUntil(lambda: shown in window.engine_label.text(), timeout=20_000)
    outage.clear()
    qtbot.waitUntil(lambda: "unavailable" not in window.engine_label.text(), timeout=20_000)
    final = window.engine.wait(doc.id, timeout=30)
    assert final.done == 5 and all(c.status == ChapterStatus.DONE for c in final.chapters)
