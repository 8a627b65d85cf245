"""Cancel, retry, priority, remove (with confirmation) and export, through the window."""

from __future__ import annotations

import json
from pathlib import Path

from desktop_app.ui.models.documents import DocumentsModel
from tests.engine.pipeline_helpers import GatedSummarizer


def test_cancel_then_retry(qtbot, make_window, book, open_and_read, ui_settings) -> None:
    gated = GatedSummarizer()
    # A small summary queue: cancel takes the chapters still in the backlog, not those already claimed.
    window = make_window(gated, ui_settings.model_copy(update={"summary_queue_size": 4}))
    doc_id = open_and_read(window, book(40))
    assert window.menu_actions.cancel.isEnabled()

    with qtbot.waitSignal(window.controller.bridge.document_changed, timeout=10_000) as changed:
        window.menu_actions.cancel.trigger()
    assert changed.args[0].change == "cancelled"
    # The pending chapters turn cancelled in place; the few already handed to workers finish later.
    qtbot.waitUntil(lambda: window.chapters_model.statuses().get("cancelled", 0) >= 30, timeout=10_000)
    gated.gate.set()
    qtbot.waitUntil(lambda: window.documents_model.get(doc_id).status == "cancelled", timeout=20_000)
    cancelled = window.chapters_model.statuses()["cancelled"]

    with qtbot.waitSignal(window.controller.bridge.document_changed, timeout=10_000) as changed:
        window.menu_actions.retry.trigger()
    assert changed.args[0].change == "retried"
    assert changed.args[0].detail["chapters"] == cancelled
    qtbot.waitUntil(lambda: window.chapters_model.statuses() == {"done": 40}, timeout=30_000)
    qtbot.waitUntil(lambda: window.documents_model.get(doc_id).status == "done", timeout=20_000)


def test_retry_failed_chapters(qtbot, make_window, book, open_and_read) -> None:
    from desktop_app.engine.summarize.base import BadRequestError
    from desktop_app.engine.summarize.extractive import ExtractiveSummarizer

    class FailsChapterTwo(ExtractiveSummarizer):
        broken = True

        def summarize(self, request):
            if self.broken and request.title == "Chapter 2":
                raise BadRequestError("the model refused this chapter")
            return super().summarize(request)

    summarizer = FailsChapterTwo()
    window = make_window(summarizer)
    doc_id = open_and_read(window, book(4))
    qtbot.waitUntil(lambda: window.documents_model.get(doc_id).status == "failed", timeout=20_000)
    row = window.chapters_model.row_of(window.chapters_model.chapter(1).id)
    assert window.chapters_model.chapter(row).status == "failed"
    assert "refused" in (window.chapters_model.chapter(row).error or "")
    assert "failed" in window.documents_model.index(window.documents_model.row_of(doc_id), DocumentsModel.STATUS).data()

    summarizer.broken = False
    window.controller.retry_current()
    qtbot.waitUntil(lambda: window.chapters_model.statuses() == {"done": 4}, timeout=20_000)
    qtbot.waitUntil(lambda: window.documents_model.get(doc_id).status == "done", timeout=20_000)


def test_priority_is_changed_in_place(qtbot, make_window, book, open_and_read) -> None:
    gated = GatedSummarizer()
    window = make_window(gated)
    doc_id = open_and_read(window, book(5))
    index = window.documents_model.index(window.documents_model.row_of(doc_id), DocumentsModel.PRIORITY)
    assert index.data() == "normal"
    with qtbot.waitSignal(window.controller.bridge.document_changed, timeout=10_000) as changed:
        window.documents_panel.priority_chosen.emit(doc_id, "high")  # what the cell's combo box emits
    assert changed.args[0].change == "priority"
    qtbot.waitUntil(lambda: window.documents_model.get(doc_id).priority == "high", timeout=5_000)
    assert window.engine.document(doc_id, chapters=False).priority == "high"
    with qtbot.waitSignal(window.controller.bridge.document_changed, timeout=10_000):
        window.menu_actions.priority_low.trigger()
    qtbot.waitUntil(lambda: window.documents_model.get(doc_id).priority == "low", timeout=5_000)
    assert window.menu_actions.priority_low.isChecked()


def test_remove_asks_first(qtbot, make_window, book, open_and_read) -> None:
    window = make_window()
    doc_id = open_and_read(window, book(3))
    asked: list[str] = []
    window.prompts.confirm = lambda title, text: asked.append(text) or False
    window.menu_actions.remove.trigger()
    assert asked and "cannot be undone" in asked[0]
    assert window.documents_model.get(doc_id) is not None

    window.prompts.confirm = lambda title, text: True
    with qtbot.waitSignal(window.controller.bridge.document_changed, timeout=10_000) as changed:
        window.menu_actions.remove.trigger()
    assert changed.args[0].change == "removed"
    assert window.documents_model.get(doc_id) is None
    assert window.current_id is None and window.chapters_model.rowCount() == 0


def test_export_markdown_and_json(qtbot, make_window, book, open_and_read, tmp_path: Path) -> None:
    window = make_window()
    doc_id = open_and_read(window, book(3))
    qtbot.waitUntil(lambda: window.documents_model.get(doc_id).status == "done", timeout=20_000)
    window.prompts.ask_save_path = lambda suggested, fmt: str(tmp_path / f"out.{fmt}")
    with qtbot.waitSignal(window.exported, timeout=10_000):
        window.menu_actions.export_md.trigger()
    assert (tmp_path / "out.md").read_text(encoding="utf-8").startswith("# book")
    with qtbot.waitSignal(window.exported, timeout=10_000):
        window.menu_actions.export_json.trigger()
    data = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert [c["title"] for c in data["chapters"]] == ["Chapter 1", "Chapter 2", "Chapter 3"]


def test_the_actions_follow_a_status_the_chapter_load_brings(qtbot, make_window, book, open_and_read) -> None:
    """The document's chapters can load with its new status before its own event reaches the window (a parse
    that ends meanwhile): the actions follow the row's status whichever comes first."""
    gated = GatedSummarizer()
    window = make_window(gated)
    doc_id = open_and_read(window, book(6))
    window.documents_model.get(doc_id).status = "parsing"  # as the row reads before its parse's end is heard of
    window.controller.show_document(doc_id)
    assert not window.menu_actions.cancel.isEnabled()
    with qtbot.waitSignal(window.controller.chapters_loaded, timeout=10_000):
        pass  # the load brings the engine's status: processing
    assert window.documents_model.get(doc_id).status == "processing"
    assert window.menu_actions.cancel.isEnabled()
