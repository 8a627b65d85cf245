"""Chapter rows appear, then change in place as chapters commit; the document summary follows."""

from __future__ import annotations

from PySide6.QtCore import Qt

from desktop_app.ui.models.chapters import ChaptersModel
from tests.engine.pipeline_helpers import GatedSummarizer


def _open(qtbot, window, path) -> str:
    with qtbot.waitSignal(window.chapters_loaded, timeout=20_000) as loaded:
        window.open_files([path])
    return str(loaded.args[0])


def test_rows_are_inserted_then_updated_as_chapters_commit(qtbot, make_window, book) -> None:
    gated = GatedSummarizer()
    window = make_window(gated)
    model = window.chapters_model
    inserted: list[tuple[int, int]] = []
    changed: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _p, first, last: inserted.append((first, last)))
    model.dataChanged.connect(lambda tl, br, _roles: changed.append((tl.row(), br.row())))

    doc_id = _open(qtbot, window, book(12))
    assert model.document_id == doc_id
    assert inserted == [(0, 11)]  # one insert for the whole document, last row inclusive
    assert model.rowCount() == 12
    assert set(model.statuses()) <= {"pending", "processing"}
    assert model.index(0, ChaptersModel.TITLE).data() == "Chapter 1"

    with qtbot.waitSignal(window.controller.bridge.chapters_committed, timeout=20_000) as first_commit:
        gated.gate.set()
    assert first_commit.args[0] == doc_id
    qtbot.waitUntil(lambda: model.statuses() == {"done": 12}, timeout=20_000)
    assert changed, "commits must reach the view through dataChanged"
    assert model.rowCount() == 12 and len(inserted) == 1  # updated in place, never re-inserted
    row = model.chapter(3)
    assert row.summary and row.latency_ms is not None
    assert model.index(3, ChaptersModel.STATUS).data() == "done"
    assert model.index(3, ChaptersModel.TIME).data().endswith(("ms", "s"))
    assert window.document_pane.table.isColumnHidden(ChaptersModel.FLAGS), "a book without flags has no flags column"

    # The progress bar counts done/total, and the whole-document summary appears at the end.
    qtbot.waitUntil(lambda: window.documents_model.get(doc_id).status == "done", timeout=20_000)
    assert window.documents_model.get(doc_id).final_chapters == 12
    qtbot.waitUntil(
        lambda: "every chapter is done" not in window.document_pane.document_summary_view.toPlainText(), timeout=10_000
    )
    assert window.document_pane.document_summary_view.toPlainText().strip()


def test_selecting_a_chapter_shows_its_summary_and_text_with_flags(qtbot, make_window, tmp_path) -> None:
    contract = tmp_path / "contract.md"
    contract.write_text(
        "# Terms\n\nThe Supplier shall deliver the goods each month. "
        "The Customer shall indemnify and hold harmless the Supplier against any and all claims, "
        "without limitation. This agreement renews automatically for successive one-year terms "
        "unless cancelled ninety days before the end of a term. Payment is due within thirty days.\n\n"
        "# Delivery\n\nGoods are delivered to the Customer's warehouse. The Supplier bears the risk until delivery.\n",
        encoding="utf-8",
    )
    window = make_window()
    doc_id = _open(qtbot, window, contract)
    model = window.chapters_model
    qtbot.waitUntil(lambda: window.documents_model.get(doc_id).status == "done", timeout=20_000)
    qtbot.waitUntil(lambda: model.statuses() == {"done": 2}, timeout=20_000)
    window.document_pane.select_row(0)
    summary = window.document_pane.summary_view.toPlainText()
    assert "Terms" in summary
    # The original text is loaded for the shown chapter only, off the GUI thread.
    qtbot.waitUntil(lambda: "indemnify" in window.document_pane.text_view.toPlainText(), timeout=5_000)
    assert model.chapter(1).text is None
    flags = model.chapter(0).clause_flags
    if flags:  # the clause detector found something: it is listed and highlighted in the text
        assert not window.document_pane.table.isColumnHidden(ChaptersModel.FLAGS)
        assert "Flagged clauses" in summary
        assert window.document_pane.text_view.extraSelections()
        assert model.index(0, ChaptersModel.FLAGS).data().startswith(f"{len(flags)} ·")
        assert model.index(0, ChaptersModel.FLAGS).data(Qt.ItemDataRole.ToolTipRole)


def test_every_model_passes_the_model_tester(qtbot, qtmodeltester, make_window, book) -> None:
    gated = GatedSummarizer()
    window = make_window(gated)
    qtmodeltester.check(window.documents_model)
    qtmodeltester.check(window.chapters_model)
    doc_id = _open(qtbot, window, book(30))
    qtmodeltester.check(window.chapters_model)
    gated.gate.set()  # the testers stay attached while rows change
    qtbot.waitUntil(lambda: window.documents_model.get(doc_id).status == "done", timeout=30_000)
    qtmodeltester.check(window.documents_model)
    qtmodeltester.check(window.chapters_model)
    window.documents_model.tick()
    window.chapters_model.show_document(None)
    qtmodeltester.check(window.chapters_model)


def test_bridge_coalesces_a_burst_into_few_signals(qtbot, make_window) -> None:
    import threading

    from desktop_app.engine.events import ChapterCommitted
    from desktop_app.engine.records import ChapterRecord

    window = make_window()
    bridge = window.controller.bridge
    delivered: list[int] = []
    bridge.chapters_committed.connect(lambda _doc, rows: delivered.append(len(rows)))

    def burst() -> None:
        for i in range(2000):
            record = ChapterRecord(f"c{i}", "doc", i, f"Chapter {i}", "done", 1, summary="s", latency_ms=1.0)
            window.engine.bus.publish(ChapterCommitted(record))

    thread = threading.Thread(target=burst)
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: sum(delivered) == 2000, timeout=5_000)
    assert len(delivered) < 50  # a few flushes, not 2,000 queued calls


def test_a_reload_during_a_burst_never_undoes_a_commit(qtbot) -> None:
    # The window reloads a document's chapters when more arrive; the engine's snapshot is read on a worker
    # thread, so a commit can reach the window before the older snapshot does. It must survive the load.
    from desktop_app.engine.events import ChapterCommitted
    from desktop_app.engine.records import ChapterRecord
    from desktop_app.engine.states import ChapterStatus

    def chapter(i: int, status: ChapterStatus) -> ChapterRecord:
        return ChapterRecord(f"c{i}", "d", i, f"Chapter {i + 1}", status, 1, summary="S." if status == "done" else None)

    model = ChaptersModel()
    model.show_document("d")
    model.load("d", [chapter(i, ChapterStatus.PROCESSING) for i in range(3)])
    model.expect_load("d")  # a reload is asked for ...
    model.apply_commits("d", [ChapterCommitted(chapter(1, ChapterStatus.DONE))])  # ... a commit comes first ...
    model.load("d", [chapter(i, ChapterStatus.PROCESSING) for i in range(3)])  # ... then the older snapshot
    assert model.statuses() == {"done": 1, "processing": 2}
    assert model.get("c1").status == ChapterStatus.DONE


def test_the_clause_flags_column_shows_for_documents_with_flags_only(qtbot, make_window) -> None:
    from desktop_app.engine.records import ChapterRecord

    window = make_window()
    model, table = window.chapters_model, window.document_pane.table
    flag = {"category": "Governing Law", "severity": "low", "text": "Texas law governs.", "start": 0, "end": 18}
    plain = [ChapterRecord(f"b{i}", "book", i, f"Chapter {i + 1}", "done", 1, summary="S.") for i in range(3)]
    model.show_document("book")
    model.load("book", plain)
    assert table.isColumnHidden(ChaptersModel.FLAGS), "a book's titles get the flags column's width"
    model.show_document("contract")
    model.load("contract", [ChapterRecord("k0", "contract", 0, "Terms", "pending", 0)])
    assert table.isColumnHidden(ChaptersModel.FLAGS)
    committed = ChapterRecord("k0", "contract", 0, "Terms", "done", 1, summary="S.", clause_flags=(flag,))
    model.replace(committed)  # a commit brings the first flag
    assert not table.isColumnHidden(ChaptersModel.FLAGS)
    model.show_document("book")
    model.load("book", plain)
    assert table.isColumnHidden(ChaptersModel.FLAGS)


def test_a_contract_s_flags_are_in_view_at_the_window_s_first_size(qtbot, make_window) -> None:
    from desktop_app.engine.records import ChapterRecord

    window = make_window()
    window.resize(1440, 900)  # the first size
    window.show()
    qtbot.waitExposed(window)
    model, table = window.chapters_model, window.document_pane.table
    flag = {"category": "Renewal Term", "severity": "medium", "text": "It renews.", "start": 0, "end": 10}
    rows = [
        ChapterRecord(
            f"k{i}",
            "contract",
            i,
            f"{i + 1}. Effective Date and Term",
            "done",
            1,
            summary="S.",
            clause_flags=(flag,) if i == 2 else (),
        )
        for i in range(20)
    ]
    model.show_document("contract")
    model.load("contract", rows)
    head = table.horizontalHeader()
    assert head.visualIndex(ChaptersModel.FLAGS) == head.visualIndex(ChaptersModel.STATUS) + 1, "flags before words"
    qtbot.waitUntil(lambda: not table.isColumnHidden(ChaptersModel.FLAGS), timeout=2000)
    right = head.sectionViewportPosition(ChaptersModel.FLAGS) + head.sectionSize(ChaptersModel.FLAGS)
    assert right <= table.viewport().width(), "the flags column is whole in view without scrolling"
    assert head.sectionSize(ChaptersModel.TITLE) >= table.stretch_min


def test_the_title_column_keeps_a_readable_width_and_the_table_scrolls_sideways(qtbot) -> None:
    from PySide6.QtGui import QStandardItemModel
    from PySide6.QtWidgets import QHeaderView

    from desktop_app.ui.widgets.document_pane import LiveTableView

    model = QStandardItemModel(3, 6)
    table = LiveTableView()
    qtbot.addWidget(table)
    table.setModel(model)
    head = table.horizontalHeader()
    for column in (0, 2, 3, 4, 5):
        head.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
        table.setColumnWidth(column, 100)
    head.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
    table.stretch_column = 1
    table.resize(450, 300)
    table.show()
    qtbot.waitExposed(table)
    table.fit_stretch_column()
    assert head.sectionSize(1) >= table.stretch_min, "a narrow table does not squeeze the title"
    assert table.horizontalScrollBar().maximum() > 0, "it scrolls sideways instead"
    table.resize(1200, 300)
    qtbot.waitUntil(lambda: head.sectionResizeMode(1) == QHeaderView.ResizeMode.Stretch)
    qtbot.waitUntil(lambda: head.sectionSize(1) > 500, timeout=2000)
    assert table.horizontalScrollBar().maximum() == 0


def test_the_documents_list_keeps_a_readable_title_in_a_narrow_pane(qtbot) -> None:
    from desktop_app.ui.models.documents import DocumentsModel
    from desktop_app.ui.widgets.documents_panel import DocumentsPanel

    panel = DocumentsPanel(DocumentsModel())
    qtbot.addWidget(panel)
    panel.resize(400, 300)  # narrower than the other columns together
    panel.show()
    qtbot.waitExposed(panel)
    head = panel.table.horizontalHeader()
    qtbot.waitUntil(lambda: head.sectionSize(DocumentsModel.TITLE) >= panel.table.stretch_min, timeout=2000)
    assert panel.table.horizontalScrollBar().maximum() > 0, "the list scrolls sideways instead"


def test_back_matter_and_notices_read_as_outside_the_document_s_summary(qtbot) -> None:  # type: ignore[no-untyped-def]
    from desktop_app.engine.events import ChapterCommitted
    from desktop_app.engine.records import ChapterRecord

    kinds = ["notice", "body", "back"]
    rows = [ChapterRecord(f"c{i}", "d", i, f"Part {i}", "processing", 1, kind=kind) for i, kind in enumerate(kinds)]
    model = ChaptersModel()
    model.show_document("d")
    model.load("d", rows)
    # A commit carries the result, not the kind: the row keeps the kind it was loaded with.
    model.apply_commits("d", [ChapterCommitted(ChapterRecord("c2", "d", 2, "Part 2", "done", 1, summary="S."))])
    italic = [bool(model.index(i, ChaptersModel.TITLE).data(Qt.ItemDataRole.FontRole)) for i in range(3)]
    assert italic == [True, False, True]
    tips = [model.index(i, ChaptersModel.TITLE).data(Qt.ItemDataRole.ToolTipRole) for i in range(3)]
    assert "not in the document's summary" in tips[0] and "not in the document's summary" in tips[2]
    assert tips[1] == "Part 1"
    assert model.get("c2").kind == "back" and model.get("c2").status == "done"
