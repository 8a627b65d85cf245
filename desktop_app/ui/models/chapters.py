"""One document's chapters, updated in place as chapters commit.

The window loads a document's chapters off the GUI thread and hands them to :meth:`ChaptersModel.load`
(one ``beginInsertRows`` for all rows). Committed chapters arrive from the bridge as lists and are
applied with one ``dataChanged`` over the rows they touched; a commit for a chapter the model has not
seen yet is inserted with ``beginInsertRows``. Commits that arrive while a load is under way are kept and
applied after it, so a view never shows a row older than an event it has seen.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from desktop_app.engine.events import ChapterCommitted
from desktop_app.engine.records import ChapterRecord

ModelIndex = QModelIndex | QPersistentModelIndex

#: The chapter id of a row.
ChapterIdRole = Qt.ItemDataRole.UserRole + 10
#: The status string of a row.
ChapterStatusRole = Qt.ItemDataRole.UserRole + 11

STATUS_LABELS = {
    "pending": "pending",
    "processing": "processing",
    "done": "done",
    "failed": "failed",
    "cancelled": "cancelled",
}


#: What the table and the summary pane show of one chapter: the engine's chapter record.
ChapterRow = ChapterRecord


def format_latency(ms: float | None, cached: bool = False) -> str:
    if cached:
        return "cached"
    if ms is None:
        return ""
    return f"{ms:.0f} ms" if ms < 1000 else f"{ms / 1000:.1f} s"


def format_flags(flags: tuple[dict[str, Any], ...] | list[dict[str, Any]]) -> str:
    if not flags:
        return ""
    categories = sorted({str(f.get("category", "clause")).replace("_", " ") for f in flags})
    return f"{len(flags)} · " + ", ".join(categories)


class ChaptersModel(QAbstractTableModel):
    """The chapters of one document (``document_id``), in reading order. GUI thread only."""

    # --- signals
    text_loaded = Signal(int)  # row whose original text arrived

    COLUMNS = ("#", "Title", "Status", "Words", "Time", "Clause flags")
    INDEX, TITLE, STATUS, WORDS, TIME, FLAGS = range(6)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.document_id: str | None = None
        self._rows: list[ChapterRow] = []
        self._row_of: dict[str, int] = {}
        self._loading = False
        self._early: list[ChapterCommitted] = []

    # --- Qt model interface

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal
        if role == Qt.ItemDataRole.DisplayRole and horizontal and 0 <= section < len(self.COLUMNS):
            return self.COLUMNS[section]
        return None

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == self.INDEX:
                return str(row.index + 1)
            if col == self.TITLE:
                return row.title
            if col == self.STATUS:
                return STATUS_LABELS.get(row.status, row.status)
            if col == self.WORDS:
                return f"{row.word_count:,}"
            if col == self.TIME:
                return format_latency(row.latency_ms, row.cached)
            if col == self.FLAGS:
                return format_flags(row.clause_flags)
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == self.STATUS and row.error:
                return row.error
            if col == self.FLAGS and row.clause_flags:
                return "\n".join(f"{f.get('category')} ({f.get('severity', 'medium')})" for f in row.clause_flags)
            if col == self.TITLE:
                return row.title
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (self.INDEX, self.WORDS, self.TIME):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == ChapterIdRole:
            return row.id
        if role == ChapterStatusRole:
            return row.status
        return None

    # --- reading

    def chapter(self, row: int) -> ChapterRow:
        return self._rows[row]

    def row_of(self, chapter_id: str) -> int:
        return self._row_of.get(chapter_id, -1)

    @property
    def loading(self) -> bool:
        return self._loading

    def statuses(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for row in self._rows:
            counts[row.status] = counts.get(row.status, 0) + 1
        return counts

    # --- updating

    def show_document(self, document_id: str | None) -> None:
        """Switch to another document: empty until :meth:`load` delivers its chapters."""
        self.beginResetModel()
        self.document_id = document_id
        self._rows, self._row_of, self._early = [], {}, []
        self._loading = document_id is not None
        self.endResetModel()

    def load(self, document_id: str, chapters: list[ChapterRecord]) -> None:
        """Insert (or refresh in place) the chapters loaded from the engine, then apply early commits."""
        if document_id != self.document_id:
            return  # the user moved on to another document while this one loaded
        self._loading = False
        fresh = [c for c in chapters if c.id not in self._row_of]
        known = [c for c in chapters if c.id in self._row_of]
        if known:
            rows = []
            for view in known:
                row = self._row_of[view.id]
                text = self._rows[row].text
                self._rows[row] = view if view.text is not None else replace(view, text=text)
                rows.append(row)
            self._changed(min(rows), max(rows))
        if fresh:
            self._insert(fresh)
        early, self._early = self._early, []
        if early:
            self.apply_commits(document_id, early)

    def apply_commits(self, document_id: str, events: list[ChapterCommitted]) -> None:
        """Apply committed chapters of ``document_id``: one ``dataChanged`` over the touched rows."""
        if document_id != self.document_id:
            return
        if self._loading:
            self._early.extend(events)
            return
        touched: list[int] = []
        unseen: dict[str, ChapterRow] = {}
        for event in events:
            row = self._row_of.get(event.chapter_id)
            if row is not None:
                self._rows[row] = self._rows[row].with_result(event.chapter)
                touched.append(row)
            else:
                unseen[event.chapter_id] = event.chapter
        if touched:
            self._changed(min(touched), max(touched))
        if unseen:
            self._insert(sorted(unseen.values(), key=lambda r: r.index))

    def set_text(self, chapter_id: str, text: str) -> None:
        """Keep a chapter's original text, loaded on demand when the chapter is first shown."""
        row = self._row_of.get(chapter_id)
        if row is not None:
            self._rows[row] = replace(self._rows[row], text=text)
            self.text_loaded.emit(row)

    def _insert(self, rows: list[ChapterRow]) -> None:
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
        for offset, row in enumerate(rows):
            self._rows.append(row)
            self._row_of[row.id] = first + offset
        self.endInsertRows()

    def _changed(self, first_row: int, last_row: int) -> None:
        self.dataChanged.emit(
            self.index(first_row, 0),
            self.index(last_row, len(self.COLUMNS) - 1),
            [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, ChapterStatusRole],
        )
