"""The documents list: one row a document, updated in place from the bridge's signals.

Columns: title, format, chapters, progress (done/total, drawn as a bar by
:class:`~desktop_app.ui.widgets.delegates.ProgressDelegate`), status, priority, elapsed time.
Rows are inserted with ``beginInsertRows`` and changed with ``dataChanged`` over the changed cells,
never by resetting the model, so the selection and scroll position survive a burst of commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from desktop_app.engine.events import DocumentAdded, DocumentFinished, DocumentProgress
from desktop_app.engine.records import DocumentView

ModelIndex = QModelIndex | QPersistentModelIndex

#: Progress as (done + failed + cancelled, total), for the progress delegate.
ProgressRole = Qt.ItemDataRole.UserRole + 1
#: The document id of a row.
IdRole = Qt.ItemDataRole.UserRole + 2
#: The status string of a row (for colouring).
StatusRole = Qt.ItemDataRole.UserRole + 3

FINAL = ("done", "failed", "cancelled")
PRIORITIES = ("high", "normal", "low")


@dataclass(slots=True)
class DocumentRow:
    """What the list shows of one document."""

    id: str
    title: str
    file_name: str
    format: str
    status: str
    priority: str
    chapter_count: int
    done: int = 0
    failed: int = 0
    cancelled: int = 0
    created_at: datetime | None = None
    finished_at: datetime | None = None
    error: str | None = None
    focus: str | None = None

    @classmethod
    def of(cls, view: DocumentView) -> DocumentRow:
        return cls(
            id=view.id,
            title=view.title,
            file_name=view.file_name,
            format=view.format,
            status=view.status,
            priority=view.priority,
            chapter_count=view.chapter_count,
            done=view.done,
            failed=view.failed,
            cancelled=view.cancelled,
            created_at=_aware(view.created_at),
            finished_at=_aware(view.finished_at),
            error=view.error,
            focus=view.focus,
        )

    @property
    def final_chapters(self) -> int:
        return self.done + self.failed + self.cancelled

    def elapsed_seconds(self, now: datetime | None = None) -> float | None:
        if self.created_at is None:
            return None
        end = self.finished_at or now or datetime.now(UTC)
        return max(0.0, (end - self.created_at).total_seconds())


def _aware(value: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; the engine writes UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def format_elapsed(seconds: float | None) -> str:
    if seconds is None:
        return ""
    seconds = int(seconds)
    if seconds < 3600:
        return f"{seconds // 60}:{seconds % 60:02d}"
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


class DocumentsModel(QAbstractTableModel):
    """The documents of the engine's database, newest last. GUI thread only."""

    COLUMNS = ("Title", "Type", "Ch.", "Progress", "Status", "Priority", "Time")
    COLUMN_TIPS = ("Title", "Format", "Chapters", "Chapters done / total", "Status",
                   "Priority (double-click to change)", "Time since the document was added")
    TITLE, FORMAT, CHAPTERS, PROGRESS, STATUS, PRIORITY, ELAPSED = range(7)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[DocumentRow] = []
        self._row_of: dict[str, int] = {}

    # --- Qt model interface

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal
        if horizontal and 0 <= section < len(self.COLUMNS):
            if role == Qt.ItemDataRole.DisplayRole:
                return self.COLUMNS[section]
            if role == Qt.ItemDataRole.ToolTipRole:
                return self.COLUMN_TIPS[section]
        return None

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
        if index.column() == self.PRIORITY:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, col)
        if role == Qt.ItemDataRole.EditRole and col == self.PRIORITY:
            return row.priority
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == self.STATUS and row.error:
                return row.error
            if col == self.TITLE:
                return f"{row.title}\n{row.file_name}"
            return None
        if role == ProgressRole:
            return (row.final_chapters, row.chapter_count)
        if role == IdRole:
            return row.id
        if role == StatusRole:
            return row.status
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (self.CHAPTERS, self.ELAPSED):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _display(self, row: DocumentRow, col: int) -> str | None:
        if col == self.TITLE:
            return row.title
        if col == self.FORMAT:
            return row.format.upper()
        if col == self.CHAPTERS:
            return str(row.chapter_count)
        if col == self.PROGRESS:
            return f"{row.final_chapters}/{row.chapter_count}"
        if col == self.STATUS:
            if row.failed and row.status not in FINAL:
                return f"{row.status} ({row.failed} failed)"
            return row.status
        if col == self.PRIORITY:
            return row.priority
        if col == self.ELAPSED:
            return format_elapsed(row.elapsed_seconds())
        return None

    def setData(self, index: ModelIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        # The priority editor writes here only to show the choice at once; the window applies it
        # through the engine and the DocumentChanged event confirms it.
        if not index.isValid() or index.column() != self.PRIORITY or role != Qt.ItemDataRole.EditRole:
            return False
        if value not in PRIORITIES:
            return False
        self._rows[index.row()].priority = value
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole])
        return True

    # --- reading

    def row_of(self, document_id: str) -> int:
        return self._row_of.get(document_id, -1)

    def document(self, row: int) -> DocumentRow:
        return self._rows[row]

    def get(self, document_id: str) -> DocumentRow | None:
        row = self._row_of.get(document_id)
        return None if row is None else self._rows[row]

    def ids(self) -> list[str]:
        return [r.id for r in self._rows]

    def active_count(self) -> int:
        return sum(1 for r in self._rows if r.status not in FINAL)

    # --- updating (from the window's slots)

    def upsert(self, views: list[DocumentView]) -> None:
        """Add new documents (one ``beginInsertRows`` for all of them) and update the known ones."""
        new = [DocumentRow.of(v) for v in views if v.id not in self._row_of]
        for view in views:
            if view.id in self._row_of:
                self._replace(DocumentRow.of(view))
        if new:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
            for offset, row in enumerate(new):
                self._rows.append(row)
                self._row_of[row.id] = first + offset
            self.endInsertRows()

    def add_placeholder(self, event: DocumentAdded, file_name: str = "") -> None:
        """Show a document the moment it is saved, before its full view is loaded."""
        if event.document_id in self._row_of:
            return
        row = DocumentRow(
            id=event.document_id,
            title=event.title,
            file_name=file_name,
            format=event.format,
            status="processing",
            priority="normal",
            chapter_count=event.chapter_count,
            created_at=datetime.now(UTC),
        )
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first)
        self._rows.append(row)
        self._row_of[row.id] = first
        self.endInsertRows()

    def _replace(self, new: DocumentRow) -> None:
        row = self._row_of[new.id]
        self._rows[row] = new
        self._changed(row, 0, len(self.COLUMNS) - 1)

    def apply_progress(self, event: DocumentProgress) -> None:
        row = self._row_of.get(event.document_id)
        if row is None:
            return
        doc = self._rows[row]
        doc.done, doc.failed, doc.cancelled, doc.chapter_count = event.done, event.failed, event.cancelled, event.total
        if event.done + event.failed + event.cancelled >= event.total and doc.status == "processing":
            doc.status = "summarizing"
        self._changed(row, self.CHAPTERS, self.STATUS)

    def apply_finished(self, event: DocumentFinished) -> None:
        row = self._row_of.get(event.document_id)
        if row is None:
            return
        doc = self._rows[row]
        doc.status, doc.error = event.status, event.error
        doc.finished_at = doc.finished_at or datetime.now(UTC)
        self._changed(row, self.STATUS, self.ELAPSED)

    def remove(self, document_id: str) -> None:
        row = self._row_of.get(document_id)
        if row is None:
            return
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._rows[row]
        self._row_of = {r.id: i for i, r in enumerate(self._rows)}
        self.endRemoveRows()

    def tick(self) -> None:
        """Refresh the elapsed time of unfinished documents (a timer calls this once a second)."""
        rows = [i for i, r in enumerate(self._rows) if r.finished_at is None and r.status not in FINAL]
        if rows:
            top = self.index(min(rows), self.ELAPSED)
            bottom = self.index(max(rows), self.ELAPSED)
            self.dataChanged.emit(top, bottom, [Qt.ItemDataRole.DisplayRole])

    def _changed(self, row: int, first_col: int, last_col: int) -> None:
        self.dataChanged.emit(self.index(row, first_col), self.index(row, last_col))
