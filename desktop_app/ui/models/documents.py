"""The documents list: one row a document, newest first, updated in place from the bridge's signals.

Columns: title, format, chapters, progress (done/total, drawn as a bar by
:class:`~desktop_app.ui.widgets.delegates.ProgressDelegate`), status, priority, elapsed time.
Rows are ordered by when the document was added (newest first, as ``chapterwise list`` prints them),
so the order is the same after a restart or a settings change, and a new document appears at the top.
Rows change with ``dataChanged`` over the changed cells, never by resetting the model, so the
selection and scroll position survive a burst of commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import Qt

from desktop_app.engine.events import ChaptersAdded, DocumentAdded, DocumentFinished, DocumentProgress
from desktop_app.engine.records import DocumentView
from desktop_app.ui.i18n import plural, priority_word, status_word, translate
from desktop_app.ui.models.keyed import IdRole, KeyedTableModel, ModelIndex, StatusRole

#: Progress as (done + failed + cancelled, total), for the progress delegate.
ProgressRole = Qt.ItemDataRole.UserRole + 1

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


class DocumentsModel(KeyedTableModel[DocumentRow]):
    """The documents of the engine's database, newest first. GUI thread only."""

    COLUMNS = (
        translate("DocumentsModel", "Title"),
        translate("DocumentsModel", "Type"),
        translate("DocumentsModel", "Ch."),
        translate("DocumentsModel", "Progress"),
        translate("DocumentsModel", "Status"),
        translate("DocumentsModel", "Priority"),
        translate("DocumentsModel", "Time"),
    )
    COLUMN_TIPS = (
        translate("DocumentsModel", "Title"),
        translate("DocumentsModel", "Format"),
        translate("DocumentsModel", "Chapters"),
        translate("DocumentsModel", "Chapters done / total"),
        translate("DocumentsModel", "Status"),
        translate("DocumentsModel", "Priority (double-click to change)"),
        translate("DocumentsModel", "Time since the document was added"),
    )
    TITLE, FORMAT, CHAPTERS, PROGRESS, STATUS, PRIORITY, ELAPSED = range(7)

    # --- KeyedTableModel

    def key(self, row: DocumentRow) -> str:
        return row.id

    def sort_key(self, row: DocumentRow) -> Any:
        # Newest first; a placeholder (no time yet) counts as the newest. Equal times keep arrival order.
        added = row.created_at.timestamp() if row.created_at is not None else float("inf")
        return -added

    def column_flags(self, column: int) -> Qt.ItemFlag:
        return Qt.ItemFlag.ItemIsEditable if column == self.PRIORITY else Qt.ItemFlag.NoItemFlags

    def cell(self, row: DocumentRow, col: int, role: int) -> Any:
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
                return plural(translate("DocumentsModel", "%1 (%n failed)", "", row.failed), row.failed).replace(
                    "%1", status_word(row.status)
                )
            return status_word(row.status)
        if col == self.PRIORITY:
            return priority_word(row.priority)
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
        self.at(index.row()).priority = value
        self.changed(index.row(), self.PRIORITY, self.PRIORITY)
        return True

    # --- reading

    def document(self, row: int) -> DocumentRow:
        return self.at(row)

    def active_count(self) -> int:
        return sum(1 for r in self if r.status not in FINAL)

    # --- updating (from the window's controller)

    def upsert(self, views: list[DocumentView]) -> None:
        """Add new documents where they belong and update the known ones in place."""
        for view in views:
            if self.get(view.id) is not None:
                self.replace(DocumentRow.of(view))
        self.insert(DocumentRow.of(v) for v in views if self.get(v.id) is None)

    def add_placeholder(self, event: DocumentAdded, file_name: str = "") -> None:
        """Show a document the moment it is saved, before its full view is loaded.

        A document listed while it was parsing (its chapters streamed in) takes the end of its parse.
        """

        def parsed(doc: DocumentRow) -> None:
            doc.title, doc.format, doc.chapter_count = event.title, event.format, event.chapter_count
            if doc.status == "parsing":
                doc.status = "processing"

        if self.update(event.document_id, parsed) is not None:
            return
        self.insert(
            [
                DocumentRow(
                    id=event.document_id,
                    title=event.title,
                    file_name=file_name,
                    format=event.format,
                    status="processing",
                    priority="normal",
                    chapter_count=event.chapter_count,
                    created_at=datetime.now(UTC),
                )
            ]
        )

    def apply_chapters_added(self, event: ChaptersAdded) -> bool:
        """A parsing document's chapter count so far; False when the document is not listed."""

        def change(doc: DocumentRow) -> None:
            doc.chapter_count = event.chapter_count

        return self.update(event.document_id, change, self.CHAPTERS, self.CHAPTERS) is not None

    def apply_progress(self, event: DocumentProgress) -> None:
        def change(doc: DocumentRow) -> None:
            doc.done, doc.failed, doc.cancelled = event.done, event.failed, event.cancelled
            doc.chapter_count = event.total
            if event.done + event.failed + event.cancelled >= event.total and doc.status == "processing":
                doc.status = "summarizing"

        self.update(event.document_id, change, self.CHAPTERS, self.STATUS)

    def apply_finished(self, event: DocumentFinished) -> None:
        def change(doc: DocumentRow) -> None:
            doc.status, doc.error = event.status, event.error
            doc.finished_at = doc.finished_at or datetime.now(UTC)

        self.update(event.document_id, change, self.STATUS, self.ELAPSED)

    def tick(self) -> None:
        """Refresh the elapsed time of unfinished documents (a timer calls this once a second)."""
        rows = [i for i, r in enumerate(self) if r.finished_at is None and r.status not in FINAL]
        if rows:
            self.changed(min(rows), self.ELAPSED, self.ELAPSED, max(rows), [Qt.ItemDataRole.DisplayRole])
