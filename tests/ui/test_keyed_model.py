"""The one table model under the documents and chapters lists: stable order, moves, removals, checked by
pytest-qt's qtmodeltester while the rows change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from desktop_app.ui.models.documents import DocumentRow, DocumentsModel

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _row(doc_id: str, minutes: int | None) -> DocumentRow:
    return DocumentRow(
        id=doc_id,
        title=doc_id,
        file_name=f"{doc_id}.md",
        format="md",
        status="processing",
        priority="normal",
        chapter_count=3,
        created_at=None if minutes is None else T0 + timedelta(minutes=minutes),
    )


def test_rows_keep_their_order_whatever_order_they_arrive_in(qtmodeltester) -> None:
    model = DocumentsModel()
    qtmodeltester.check(model)
    model.insert([_row("b", 2)])
    model.insert([_row("d", 4), _row("a", 1)])
    model.insert([_row("c", 3)])
    assert model.ids() == ["d", "c", "b", "a"], "newest first"
    model.insert([_row("placeholder", None)])  # just saved: no time yet, the newest
    assert model.ids()[0] == "placeholder"
    model.replace(_row("placeholder", 0))  # its real time turns out the oldest: the row moves
    assert model.ids() == ["d", "c", "b", "a", "placeholder"]
    assert [model.row_of(k) for k in model.ids()] == list(range(5))
    model.remove("c")
    assert model.ids() == ["d", "b", "a", "placeholder"] and model.row_of("a") == 2 and model.get("c") is None
    model.update("b", lambda r: setattr(r, "status", "done"), DocumentsModel.STATUS, DocumentsModel.STATUS)
    assert model.get("b").status == "done"
    qtmodeltester.check(model)


def test_a_move_keeps_the_selection_on_its_row(qtbot) -> None:
    from PySide6.QtCore import QItemSelectionModel

    model = DocumentsModel()
    model.insert([_row("x", 1), _row("y", 2), _row("z", 3)])
    selection = QItemSelectionModel(model)
    selection.select(
        model.index(model.row_of("z"), 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    model.replace(_row("z", 0))  # z becomes the oldest and moves to the end
    [selected] = selection.selectedRows()
    assert selected.row() == model.row_of("z") == 2
