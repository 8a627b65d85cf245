"""Focus: the tool bar's field applies to dropped files; the document view re-summarizes with a new focus."""

from __future__ import annotations

from desktop_app.engine.summarize.base import SummaryRequest, SummaryResult
from tests.engine.pipeline_helpers import GatedSummarizer
from tests.ui.test_drop import _drop, _mime


class FocusRecorder(GatedSummarizer):
    """The gated summarizer, remembering the focus of every chapter request."""

    def __init__(self) -> None:
        super().__init__()
        self.focuses: list[str | None] = []

    def summarize(self, request: SummaryRequest) -> SummaryResult:
        if request.kind == "chapter":
            self.focuses.append(request.focus)
        return super().summarize(request)


def test_dropped_file_takes_the_focus_and_refocus_summarizes_again(qtbot, make_window, book) -> None:
    recorder = FocusRecorder()
    recorder.gate.set()
    window = make_window(recorder)
    window.focus_field.set_focus("  payment terms and penalties ")
    with qtbot.waitSignal(window.chapters_loaded, timeout=20_000) as loaded:
        assert _drop(window.drop_area, _mime([book(6)]))
    doc_id = str(loaded.args[0])
    assert window.engine.document(doc_id, chapters=False).focus == "payment terms and penalties"
    model = window.chapters_model
    qtbot.waitUntil(lambda: window.documents_model.get(doc_id).status == "done", timeout=20_000)
    assert set(recorder.focuses) == {"payment terms and penalties"}
    bar = window.document_pane.focus_bar
    qtbot.waitUntil(lambda: bar.edit.text() == "payment terms and penalties", timeout=5_000)

    # Hold the new run at the gate to see the rows go back to waiting, then let it through.
    recorder.gate.clear()
    recorder.focuses.clear()
    bar.edit.selectAll()
    qtbot.keyClicks(bar.edit, "methods and results")  # typed: the field keeps it through progress updates
    assert bar.button.text() == "Re-summarize with this focus"
    with qtbot.waitSignal(
        window.controller.bridge.document_changed, timeout=10_000, check_params_cb=lambda e: e.change == "refocused"
    ) as changed:
        bar.button.click()
    assert changed.args[0].detail == {"focus": "methods and results"}
    assert window.engine.document(doc_id, chapters=False).focus == "methods and results"
    qtbot.waitUntil(lambda: set(model.statuses()) <= {"pending", "processing"}, timeout=10_000)
    assert model.rowCount() == 6

    recorder.gate.set()
    qtbot.waitUntil(lambda: model.statuses() == {"done": 6}, timeout=20_000)
    qtbot.waitUntil(lambda: window.documents_model.get(doc_id).status == "done", timeout=20_000)
    assert recorder.focuses and set(recorder.focuses) == {"methods and results"}
    qtbot.waitUntil(
        lambda: bar.edit.text() == "methods and results" and bar.current == "methods and results", timeout=5_000
    )
    assert bar.button.text() == "Re-summarize"


def test_files_opened_without_a_focus_have_none_and_the_menu_puts_the_cursor_in_the_field(
    qtbot, make_window, book, open_and_read
) -> None:
    window = make_window()
    doc_id = open_and_read(window, book(2))  # read: the refocus action is on
    assert window.engine.document(doc_id, chapters=False).focus is None
    bar = window.document_pane.focus_bar
    assert bar.edit.text() == "" and bar.button.isEnabled()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)  # the field can take the focus of an active window only
    assert window.menu_actions.refocus.isEnabled()
    window.menu_actions.refocus.trigger()
    qtbot.waitUntil(bar.edit.hasFocus, timeout=2_000)
