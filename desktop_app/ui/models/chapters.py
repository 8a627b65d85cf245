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

from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont

from desktop_app.engine.events import ChapterCommitted
from desktop_app.engine.exports import numbered_by_author
from desktop_app.engine.records import ChapterRecord
from desktop_app.ui.i18n import status_word, translate
from desktop_app.ui.models.keyed import IdRole, KeyedTableModel, StatusRole

#: The chapter id of a row.
ChapterIdRole = IdRole
#: The status string of a row.
ChapterStatusRole = StatusRole

#: What the table and the summary pane show of one chapter: the engine's chapter record (frozen; a change
#: replaces the row's record).
ChapterRow = ChapterRecord


def status_text(chapter: ChapterRecord, parts: tuple[int, int] | None = None) -> str:
    """The status as shown: "processing 3/10" while a long chapter's parts come in."""
    if parts is not None and parts[1] > 1 and chapter.status in ("pending", "processing"):
        return f"{status_word('processing')} {parts[0]}/{parts[1]}"
    return status_word(chapter.status)


def matter_note(kind: str) -> str:
    """What the title's tooltip says of a chapter that is not main text ("" for main text)."""
    if kind == "back":
        return translate("ChaptersModel", "Back matter (an index, a bibliography…): not in the document's summary")
    if kind == "notice":
        return translate("ChaptersModel", "The publisher's notice (a licence): not in the document's summary")
    if kind == "front":
        return translate("ChaptersModel", "Front matter")
    return ""


def format_latency(ms: float | None, cached: bool = False) -> str:
    if cached:
        return translate("ChaptersModel", "cached")
    if ms is None:
        return ""
    return f"{ms:.0f} ms" if ms < 1000 else f"{ms / 1000:.1f} s"


def format_flags(flags: tuple[dict[str, Any], ...] | list[dict[str, Any]]) -> str:
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
        self._parts: dict[str, tuple[int, int]] = {}  # chapter id → (parts done, parts) while in flight
        self._numbered: bool | None = None  # author_numbers(), until the rows change
        for rows_changed in (self.modelReset, self.rowsInserted, self.rowsRemoved):
            rows_changed.connect(self._forget_numbering)

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
                return status_text(row, self._parts.get(row.id))
            if col == self.WORDS:
                return f"{row.word_count:,}"
            if col == self.TIME:
                return format_latency(row.latency_ms, row.cached)
            if col == self.FLAGS:
                return format_flags(row.clause_flags)
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, col)
        if role == Qt.ItemDataRole.FontRole and col == self.TITLE and not row.in_document_summary:
            font = QFont()
            font.setItalic(True)  # summarized, but not part of the document's summary
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (self.INDEX, self.WORDS, self.TIME):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == IdRole:
            return row.id
        if role == StatusRole:
            return row.status
        return None

    def _tooltip(self, row: ChapterRow, col: int) -> str | None:
        if col == self.STATUS and row.error:
            return row.error
        if col == self.FLAGS and row.clause_flags:
            return "\n".join(f"{f.get('category')} ({f.get('severity', 'medium')})" for f in row.clause_flags)
        if col == self.TITLE:
            note = matter_note(row.kind)
            return f"{row.title}\n{note}" if note else row.title
        return None

    # --- reading

    def chapter(self, row: int) -> ChapterRow:
        return self.at(row)

    @property
    def loading(self) -> bool:
        return self._loading

    def author_numbers(self) -> bool:
        """Whether the author numbered the chapters ("1. Definitions"): then no title is numbered by position, so a
        "Front matter" before "1. Definitions" is not "1." too (as in the Markdown export). Read again only when
        rows come or go: the summary pane asks at every change of the chapter it shows."""
        if self._numbered is None:
            self._numbered = numbered_by_author(row.title for row in self)
        return self._numbered

    def _forget_numbering(self, *_args: object) -> None:
        self._numbered = None

    def parts(self, chapter_id: str) -> tuple[int, int] | None:
        """(parts done, parts) of a long chapter being summarized in parts, else None."""
        return self._parts.get(chapter_id)

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
        self._parts = {}
        self._loading = document_id is not None

    def expect_load(self, document_id: str) -> None:
        """A reload of the shown document's chapters was asked for: commits wait for it (see :meth:`load`).

        The engine reads its snapshot on a worker thread; a commit applied here meanwhile would be undone by
        the older snapshot, so commits are held and applied after it (a commit the snapshot holds already is
        applied again, which changes nothing).
        """
        if document_id == self.document_id:
            self._loading = True

    def load(self, document_id: str, chapters: list[ChapterRecord]) -> None:
        """Insert (or refresh in place) the chapters loaded from the engine, then apply early commits."""
        if document_id != self.document_id:
            return  # the user moved on to another document while this one loaded
        self._loading = False
        for view in chapters:
            known = self.get(view.id)
            if known is not None:
                fresh = view if view.text is not None else replace(view, text=known.text)
                if fresh != known:  # a reload during a burst repaints only the rows that changed
                    self.replace(fresh)
        self.insert(c for c in chapters if self.get(c.id) is None)
        self.flush_early()

    def flush_early(self) -> None:
        """Apply the commits held while chapters loaded (also when the load failed)."""
        self._loading = False
        early, self._early = self._early, []
        if early and self.document_id is not None:
            self.apply_commits(self.document_id, early)

    def drop_from(self, document_id: str, first_index: int) -> None:
        """Remove the chapters at ``first_index`` and after: their parse started over or failed, and dropped them."""
        if document_id != self.document_id:
            return
        for row in [r for r in self if r.index >= first_index]:
            self.remove(row.id)

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
            self._parts.pop(event.chapter_id, None)  # a committed chapter has no parts in flight
            position = self.row_of(event.chapter_id)
            if position >= 0:
                self._rows[position] = self._rows[position].with_result(event.chapter)
                touched.append(position)
            else:
                unseen[event.chapter_id] = event.chapter
        if touched:
            self.changed(
                min(touched),
                last_row=max(touched),
                roles=[Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, StatusRole],
            )
        if unseen:
            self.insert(unseen.values())

    def set_parts(self, chapter_id: str, done: int, total: int) -> None:
        """A long chapter's map step moved: ``done`` of ``total`` parts are summarized."""
        position = self.row_of(chapter_id)
        if position < 0 or self._rows[position].status not in ("pending", "processing"):
            return  # another document's chapter, or a progress report that arrived after the commit
        self._parts[chapter_id] = (done, total)
        self.changed(position, self.STATUS, self.STATUS)
        self.parts_changed.emit(position)

    def set_text(self, chapter_id: str, text: str) -> None:
        """Keep a chapter's original text, loaded on demand when the chapter is first shown."""
        position = self.row_of(chapter_id)
        if position >= 0:
            self._rows[position] = replace(self._rows[position], text=text)
            self.text_loaded.emit(position)


__all__ = ["ChapterIdRole", "ChapterRow", "ChapterStatusRole", "ChaptersModel", "format_latency", "status_text"]
