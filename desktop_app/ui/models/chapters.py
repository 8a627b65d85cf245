"""One document's chapters, updated in place as chapters commit.

The window loads a document's chapters off the GUI thread and hands them to :meth:`ChaptersModel.load`
(one ``beginInsertRows`` for all rows). Committed chapters arrive from the bridge as lists and are
applied with one ``dataChanged`` over the rows they touched; a commit for a chapter the model has not
seen yet is inserted where its index puts it. Commits that arrive while a load is under way are kept and
applied after it, so a view never shows a row older than an event it has seen.

A long chapter summarized in parts (map, then reduce) reports its parts as they finish
(:meth:`ChaptersModel.set_parts`): the row reads "processing 3/10" instead of "processing" for minutes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import Qt, Signal

from desktop_app.engine.events import ChapterCommitted
from desktop_app.engine.views import ChapterView
from desktop_app.ui.i18n import status_word, translate
from desktop_app.ui.models.keyed import IdRole, KeyedTableModel, StatusRole

#: The chapter id of a row.
ChapterIdRole = IdRole
#: The status string of a row.
ChapterStatusRole = StatusRole


@dataclass(slots=True)
class ChapterRow:
    """What the table and the summary pane show of one chapter."""

    id: str
    index: int
    title: str
    status: str
    word_count: int = 0
    summary: str | None = None
    preview: str | None = None
    error: str | None = None
    latency_ms: float | None = None
    cached: bool = False
    clause_flags: list[dict[str, Any]] = field(default_factory=list)
    text: str | None = None
    parts_done: int = 0
    parts_total: int = 0

    @classmethod
    def of(cls, view: ChapterView) -> ChapterRow:
        return cls(
            id=view.id,
            index=view.index,
            title=view.title,
            status=view.status,
            word_count=view.word_count,
            summary=view.summary,
            preview=view.preview,
            error=view.error,
            latency_ms=view.latency_ms,
            cached=view.cached,
            clause_flags=list(view.clause_flags),
            text=view.text,
        )

    def apply(self, event: ChapterCommitted) -> None:
        self.status, self.summary, self.preview, self.error = event.status, event.summary, event.preview, event.error
        self.latency_ms, self.cached = event.latency_ms, event.cached
        self.clause_flags = [dict(f) for f in event.clause_flags]
        self.parts_done = self.parts_total = 0  # a committed chapter has no parts in flight

    @property
    def status_text(self) -> str:
        """The status as shown: "processing 3/10" while a long chapter's parts come in."""
        word = status_word(self.status)
        if self.parts_total > 1 and self.status in ("pending", "processing"):
            return f"{status_word('processing')} {self.parts_done}/{self.parts_total}"
        return word


def format_latency(ms: float | None, cached: bool = False) -> str:
    if cached:
        return translate("ChaptersModel", "cached")
    if ms is None:
        return ""
    return f"{ms:.0f} ms" if ms < 1000 else f"{ms / 1000:.1f} s"


def format_flags(flags: list[dict[str, Any]]) -> str:
    if not flags:
        return ""
    categories = sorted({str(f.get("category", "clause")).replace("_", " ") for f in flags})
    return f"{len(flags)} · " + ", ".join(categories)


class ChaptersModel(KeyedTableModel[ChapterRow]):
    """The chapters of one document (``document_id``), in reading order. GUI thread only."""

    # --- signals
    text_loaded = Signal(int)  # row whose original text arrived
    parts_changed = Signal(int)  # row whose part progress moved

    COLUMNS = (
        translate("ChaptersModel", "#"),
        translate("ChaptersModel", "Title"),
        translate("ChaptersModel", "Status"),
        translate("ChaptersModel", "Words"),
        translate("ChaptersModel", "Time"),
        translate("ChaptersModel", "Clause flags"),
    )
    COLUMN_TIPS = (
        translate("ChaptersModel", "Chapter number"),
        translate("ChaptersModel", "Chapter title"),
        translate("ChaptersModel", "Status (parts done / parts, for a long chapter summarized in parts)"),
        translate("ChaptersModel", "Words in the chapter"),
        translate("ChaptersModel", "Time the summary took"),
        translate("ChaptersModel", "Clauses flagged as high-risk"),
    )
    INDEX, TITLE, STATUS, WORDS, TIME, FLAGS = range(6)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.document_id: str | None = None
        self._loading = False
        self._early: list[ChapterCommitted] = []

    # --- KeyedTableModel

    def key(self, row: ChapterRow) -> str:
        return row.id

    def sort_key(self, row: ChapterRow) -> Any:
        return row.index

    def cell(self, row: ChapterRow, col: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            if col == self.INDEX:
                return str(row.index + 1)
            if col == self.TITLE:
                return row.title
            if col == self.STATUS:
                return row.status_text
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
        if role == IdRole:
            return row.id
        if role == StatusRole:
            return row.status
        return None

    # --- reading

    def chapter(self, row: int) -> ChapterRow:
        return self.at(row)

    @property
    def loading(self) -> bool:
        return self._loading

    def statuses(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for row in self:
            counts[row.status] = counts.get(row.status, 0) + 1
        return counts

    # --- updating

    def show_document(self, document_id: str | None) -> None:
        """Switch to another document: empty until :meth:`load` delivers its chapters."""
        self.clear()
        self.document_id = document_id
        self._early = []
        self._loading = document_id is not None

    def load(self, document_id: str, chapters: list[ChapterView]) -> None:
        """Insert (or refresh in place) the chapters loaded from the engine, then apply early commits."""
        if document_id != self.document_id:
            return  # the user moved on to another document while this one loaded
        self._loading = False
        for view in chapters:
            known = self.get(view.id)
            if known is not None:
                fresh = ChapterRow.of(view)
                fresh.text = fresh.text if fresh.text is not None else known.text
                self.replace(fresh)
        self.insert(ChapterRow.of(c) for c in chapters if self.get(c.id) is None)
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
            known = self.get(event.chapter_id)
            if known is not None:
                known.apply(event)
                touched.append(self.row_of(event.chapter_id))
            else:
                new = unseen.setdefault(
                    event.chapter_id, ChapterRow(event.chapter_id, event.index, event.title, event.status)
                )
                new.apply(event)
        if touched:
            self.changed(min(touched), last_row=max(touched),
                         roles=[Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, StatusRole])
        if unseen:
            self.insert(unseen.values())

    def set_parts(self, chapter_id: str, done: int, total: int) -> None:
        """A long chapter's map step moved: ``done`` of ``total`` parts are summarized."""
        def change(row: ChapterRow) -> None:
            row.parts_done, row.parts_total = done, total

        if self.update(chapter_id, change, self.STATUS, self.STATUS) is not None:
            self.parts_changed.emit(self.row_of(chapter_id))

    def set_text(self, chapter_id: str, text: str) -> None:
        """Keep a chapter's original text, loaded on demand when the chapter is first shown."""
        row = self.get(chapter_id)
        if row is not None:
            row.text = text
            self.text_loaded.emit(self.row_of(chapter_id))


__all__ = ["ChapterIdRole", "ChapterRow", "ChapterStatusRole", "ChaptersModel", "format_latency"]
