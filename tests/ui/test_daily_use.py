"""The rough edges a new user met in the window, each held by a test: gauges, order, selection, words, layout."""

from __future__ import annotations

import random
import re

from chapterwise_testing.llmsim import LLMSimulator
from desktop_app.engine.events import BackendHealth, ChapterProgress, EndpointHealth
from desktop_app.ui.i18n import plural
from desktop_app.ui.models.documents import DocumentsModel
from desktop_app.ui.widgets.pipeline_panel import PipelinePanel
from desktop_app.ui.window_menus import show_about
from tests.engine.pipeline_helpers import GatedSummarizer, paragraph
from tests.ui.test_backend_health import ollama_settings


def _open(qtbot, window, path) -> str:
    with qtbot.waitSignal(window.document_opened, timeout=20_000) as opened:
        window.open_files([path])
    return str(opened.args[0])


def _busy_status(p50_ms: float, **extra: object) -> dict[str, object]:
    return {
        "llm_latency_ms": {"p50": p50_ms, "p95": p50_ms * 1.5, "p99": p50_ms * 2},
        "batch_commit_ms": {"p50": 3.0, "p99": 9.0, "last": 4.0},
        "throughput_per_minute": 4.0,
        "chapters_done": 7,
        "workers_busy": 2,
        "backlog": 5,
        **extra,
    }


# --- gauges


def test_the_time_gauge_is_named_for_what_it_measures_and_scales_to_seconds(qtbot) -> None:
    panel = PipelinePanel()
    qtbot.addWidget(panel)
    assert panel.latency.caption.text() == "Time per chapter"
    assert "LLM" not in panel.chart.plotItem.titleLabel.text
    panel.update_stats(_busy_status(800.0))
    assert panel.unit == "ms" and panel.y_range()[1] == 2000.0
    panel.update_stats(_busy_status(22_000.0))  # a slow server: 22 s, 33 s, 44 s
    assert panel.latency.value.text() == "22.0 s median"
    assert panel.unit == "s"
    assert panel.y_range()[1] == 50.0, "a 50 s axis for 44 s at most, not 150,000 ms"


def test_throughput_says_idle_when_nothing_is_queued_or_in_flight(qtbot) -> None:
    panel = PipelinePanel()
    qtbot.addWidget(panel)
    panel.update_stats(_busy_status(500.0))
    assert panel.throughput.value.text() == "4/min"
    panel.update_stats(_busy_status(500.0, workers_busy=0, backlog=0, throughput_per_minute=0.3))
    assert panel.throughput.value.text() == "idle"
    assert panel.throughput.detail.text() == "7 chapters done this run"


def test_applying_settings_starts_the_gauges_and_the_chart_afresh(qtbot, make_window, book) -> None:
    window = make_window()
    panel = window.pipeline_panel
    panel.update_stats(_busy_status(900.0))
    assert panel.history() and panel.latency.value.text() != "–"
    with qtbot.waitSignal(window.engine_restarted, timeout=20_000):
        window.controller.restart_engine(window.settings)
    assert panel.latency.value.text() in ("–", "– median")
    assert all(p[1] is None for p in panel.history()), "no line from the old engine is left on the chart"


# --- part progress


def test_a_long_chapter_shows_its_parts_in_the_row_and_the_summary_pane(qtbot, make_window, book) -> None:
    gated = GatedSummarizer()
    window = make_window(gated)
    _open(qtbot, window, book(4))
    model = window.chapters_model
    qtbot.waitUntil(lambda: model.rowCount() == 4, timeout=10_000)
    chapter = model.chapter(2)
    assert chapter.status in ("pending", "processing")
    window.document_pane.select_row(2)
    # What a worker publishes while it summarizes a long chapter part by part, through the bridge.
    window.engine.bus.publish(ChapterProgress(chapter.document_id, chapter.id, 3, 10))
    qtbot.waitUntil(lambda: model.index(2, model.STATUS).data() == "processing 3/10", timeout=5_000)
    assert "10 parts: 3 done" in window.document_pane.summary_view.toPlainText()
    gated.gate.set()
    qtbot.waitUntil(lambda: model.statuses() == {"done": 4}, timeout=20_000)
    assert model.index(2, model.STATUS).data() == "done", "a committed chapter has no parts left to show"


def test_a_long_chapter_under_an_llm_shows_its_parts_as_the_server_answers(
    qtbot, make_window, ui_settings, tmp_path
) -> None:
    # The whole path: the chunking summarizer splits the chapter for a small context, each part is a real request
    # to the simulator, and the engine's progress reaches the row through the bridge.
    rng = random.Random(3)
    path = tmp_path / "long.md"
    path.write_text("# Pages 31-40\n\n" + "\n\n".join(paragraph(rng, 8) for _ in range(5)), encoding="utf-8")
    with LLMSimulator(latency=0.2, slots=2) as sim:
        settings = ollama_settings(ui_settings, tmp_path, sim.url).model_copy(update={"context_tokens": 512})
        window = make_window(settings=settings)
        model = window.chapters_model
        shown: list[str] = []
        model.dataChanged.connect(lambda *_: shown.append(str(model.index(0, model.STATUS).data())))
        _open(qtbot, window, path)
        qtbot.waitUntil(lambda: model.rowCount() == 1 and model.statuses() == {"done": 1}, timeout=120_000)
    parts = [tuple(map(int, m.group(1, 2))) for m in map(re.compile(r"processing (\d+)/(\d+)").fullmatch, shown) if m]
    assert parts, f"the row showed its parts: {sorted(set(shown))}"
    assert all(total >= 3 for _, total in parts) and [d for d, _ in parts] == sorted(d for d, _ in parts)
    assert model.index(0, model.STATUS).data() == "done"


# --- order and selection


def test_a_new_document_is_selected_and_in_view(qtbot, make_window, book) -> None:
    window = make_window()
    first = _open(qtbot, window, book(2, name="first.md"))
    second = _open(qtbot, window, book(2, name="second.md", seed=3))
    panel = window.documents_panel
    assert panel.selected_id() == second != first
    qtbot.waitUntil(lambda: window.current_id == second, timeout=5_000)
    index = window.documents_model.index(window.documents_model.row_of(second), 0)
    assert panel.table.viewport().rect().intersects(panel.table.visualRect(index))


def test_the_order_and_the_selection_survive_applying_settings(qtbot, make_window, book) -> None:
    window = make_window()
    ids = [_open(qtbot, window, book(2, name=f"b{i}.md", seed=i)) for i in range(3)]
    model = window.documents_model
    assert model.ids() == ids[::-1], "newest first"
    window.documents_panel.select(ids[1])
    with qtbot.waitSignal(window.engine_restarted, timeout=20_000):
        window.controller.restart_engine(window.settings)
    qtbot.waitUntil(lambda: model.rowCount() == 3, timeout=10_000)
    assert model.ids() == ids[::-1]
    qtbot.waitUntil(lambda: window.documents_panel.selected_id() == ids[1], timeout=5_000)


def test_a_new_window_lists_the_documents_in_the_same_order(qtbot, make_window, book, ui_settings) -> None:
    window = make_window()
    ids = [_open(qtbot, window, book(2, name=f"c{i}.md", seed=i)) for i in range(3)]
    first_order = window.documents_model.ids()
    window.close()  # as a user quits and starts again
    again = make_window(settings=ui_settings)
    qtbot.waitUntil(lambda: again.documents_model.rowCount() == 3, timeout=10_000)
    assert again.documents_model.ids() == first_order == ids[::-1]


# --- words


def test_counts_read_as_english() -> None:
    from desktop_app.ui.i18n import translate

    assert plural(translate("Controller", "Cancelled %n chapter(s)", "", 1), 1) == "Cancelled 1 chapter"
    assert plural(translate("Controller", "Cancelled %n chapter(s)", "", 3), 3) == "Cancelled 3 chapters"
    assert plural(translate("PipelinePanel", "%n miss(es)", "", 1), 1) == "1 miss"
    assert plural(translate("PipelinePanel", "%n miss(es)", "", 2), 2) == "2 misses"


def test_one_chapter_is_one_chapter_in_the_status_bar(qtbot, make_window, book) -> None:
    window = make_window()
    messages: list[str] = []
    window.statusBar().messageChanged.connect(messages.append)
    _open(qtbot, window, book(1, name="single.md"))
    added = [m for m in messages if m.startswith("Added")]
    assert added and added[-1].endswith(": 1 chapter"), added


def test_the_status_column_fits_its_longest_word(qtbot, make_window) -> None:
    window = make_window()
    table = window.documents_panel.table
    metrics = table.fontMetrics()
    needed = max(metrics.horizontalAdvance(w) for w in ("processing", "summarizing", "cancelled"))
    assert table.columnWidth(DocumentsModel.STATUS) >= needed + 8  # the cell's margins
    chapters = window.document_pane.table
    assert (
        chapters.columnWidth(window.chapters_model.STATUS)
        >= chapters.fontMetrics().horizontalAdvance("processing 10/12") + 8
    )


def test_about_names_the_summarizer_and_the_database_once_each(qtbot, make_window) -> None:
    window = make_window()
    dialog = show_about(window)
    qtbot.addWidget(dialog)
    text = dialog.table.text()
    database = window.controller.database_text()
    assert text.count(database) == 1
    summarizer_row = text.split("<b>Summarizer</b>", 1)[1].split("</tr>", 1)[0]
    assert "extractive" in summarizer_row and database not in summarizer_row


# --- layout


def test_the_backend_banner_moves_nothing_above_it(qtbot, make_window) -> None:
    window = make_window()
    button = window.document_pane.export_md_button
    layout = window.centralWidget().layout()

    def button_y() -> int:
        layout.activate()
        return button.mapTo(window, button.rect().topLeft()).y()

    before = button_y()
    down = BackendHealth("ollama", (EndpointHealth("http://127.0.0.1:9", "down", "Nothing answers"),))
    window.banner.show_health(down)
    assert window.banner.isVisible()
    during = button_y()
    window.banner.show_health(None)
    assert not window.banner.isVisible()
    assert before == during == button_y()


def test_the_file_dialog_shows_its_columns_whole(qtbot, tmp_path) -> None:
    from PySide6.QtWidgets import QFileDialog, QTreeView

    from desktop_app.ui.dialogs import fit_columns

    (tmp_path / "Annual report of the regional water authority 2025.pdf").write_bytes(b"%PDF-1.4\n")
    dialog = QFileDialog(None, "Open documents", str(tmp_path), "Documents (*.pdf)")
    qtbot.addWidget(dialog)
    fit_columns(dialog)
    dialog.show()
    view = dialog.findChild(QTreeView, "treeView")
    qtbot.waitUntil(lambda: view.model().rowCount(view.rootIndex()) == 1, timeout=10_000)
    header = view.header()
    qtbot.waitUntil(lambda: header.sectionSize(0) >= view.sizeHintForColumn(0), timeout=5_000)
    for column in range(header.count()):  # Name, Size, Type, Date modified: header and contents whole
        needed = max(header.sectionSizeHint(column), view.sizeHintForColumn(column))
        assert header.sectionSize(column) >= needed, (column, header.sectionSize(column), needed)
