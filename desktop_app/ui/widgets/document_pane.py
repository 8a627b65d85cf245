"""One document: its chapters table, the selected chapter's summary and text, the whole-document summary.

The view shows what :class:`~desktop_app.ui.models.chapters.ChaptersModel` holds and asks the window
(through signals) for anything that needs the engine: exports and loading. Flagged clauses are
highlighted in the chapter's original text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QItemSelection, QModelIndex, Qt, QUrl, Signal, Slot
from PySide6.QtGui import QColor, QGuiApplication, QResizeEvent, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QSizePolicy,
    QSplitter,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.ui.i18n import plural, status_word, translate
from desktop_app.ui.models.chapters import ChapterRow, ChaptersModel
from desktop_app.ui.models.documents import DocumentRow
from desktop_app.ui.theme import icon
from desktop_app.ui.widgets.delegates import StatusDelegate
from desktop_app.ui.widgets.focus_field import DocumentFocusBar
from desktop_app.ui.widgets.summary_html import (
    SEVERITY_COLORS,
    anchor_span,
    find_span,
    italic,
    paragraphs,
    summary_html,
)


class LiveTableView(QTableView):
    """A table that repaints for ``dataChanged`` only when the changed rows are on screen.

    Qt repaints the whole viewport for any multi-row ``dataChanged``; during a burst of commits most
    changed rows are scrolled out of sight, and each repaint calls the Python model once per cell and
    role. Skipping those repaints keeps the GUI thread free; rows scrolled into view later are painted
    from the model as usual.
    """

    def dataChanged(  # type: ignore[override]  # PySide6's stubs differ from the C++ signature Qt calls
        self, top_left: QModelIndex, bottom_right: QModelIndex, roles: Sequence[int] = ()
    ) -> None:
        first = self.rowAt(0)
        last = self.rowAt(self.viewport().height() - 1)
        if first >= 0:
            last = last if last >= 0 else self.model().rowCount() - 1
            if bottom_right.row() < first or top_left.row() > last:
                return
            # Repaint only the visible part of the changed range.
            top_left = top_left.siblingAtRow(max(top_left.row(), first))
            bottom_right = bottom_right.siblingAtRow(min(bottom_right.row(), last))
        super().dataChanged(top_left, bottom_right, list(roles))

    #: The column that takes the width the others leave (the chapter's title), and the least it is given:
    #: where the table is too narrow for it, it keeps this width and the table scrolls sideways instead.
    stretch_column: int | None = None
    stretch_min = 160

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_stretch_column()

    def fit_stretch_column(self) -> None:
        """Stretch :attr:`stretch_column` over the room left, or hold it at :attr:`stretch_min` where too little is."""
        column = self.stretch_column
        if column is None:
            return
        head = self.horizontalHeader()
        others = sum(head.sectionSize(c) for c in range(head.count()) if c != column and not head.isSectionHidden(c))
        room = self.viewport().width() - others
        if room >= self.stretch_min:
            if head.sectionResizeMode(column) != QHeaderView.ResizeMode.Stretch:
                head.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        elif head.sectionResizeMode(column) != QHeaderView.ResizeMode.Interactive or head.sectionSize(column) < (
            self.stretch_min
        ):
            head.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            head.resizeSection(column, self.stretch_min)


class ElidedLabel(QLabel):
    """A one-line label that ends with "…" instead of widening the layout when its text is long."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = text
        self.setMinimumWidth(80)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setText(text)

    def setText(self, text: str) -> None:
        self._full = text
        self.setToolTip(text)
        self._elide()

    def full_text(self) -> str:
        return self._full

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        elided = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, max(10, self.width()))
        super().setText(elided)


class DocumentPane(QWidget):
    """The right-hand side of the window: chapters of the current document and their summaries."""

    # --- signals
    export_requested = Signal(str)  # "md" | "json"
    chapter_selected = Signal(int)  # row in the chapters model, -1 for none
    refocus_requested = Signal(str, str)  # document id, new focus ("" for none)
    chapter_text_wanted = Signal(str)  # chapter id whose original text is not loaded yet

    SUMMARY_TAB, TEXT_TAB, DOCUMENT_TAB = range(3)

    def __init__(self, model: ChaptersModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self._document: DocumentRow | None = None
        self._document_summary: str | None = None
        self._current: int = -1

        # --- header: title, meta line and actions
        self.title_label = ElidedLabel(translate("DocumentPane", "No document selected"))
        self.title_label.setObjectName("documentTitle")
        self.title_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.meta_label = ElidedLabel(translate("DocumentPane", "Drop files on the window, or use File ▸ Open."))
        self.meta_label.setObjectName("documentMeta")
        self.export_md_button = self._tool_button(
            "export", translate("DocumentPane", "Markdown"), translate("DocumentPane", "Export to Markdown (Ctrl+E)")
        )
        self.export_md_button.clicked.connect(lambda: self.export_requested.emit("md"))
        self.export_json_button = self._tool_button(
            "export", translate("DocumentPane", "JSON"), translate("DocumentPane", "Export to JSON (Ctrl+Shift+E)")
        )
        self.export_json_button.clicked.connect(lambda: self.export_requested.emit("json"))
        self.copy_button = self._tool_button(
            "copy",
            translate("DocumentPane", "Copy"),
            translate("DocumentPane", "Copy the text shown in the summary pane"),
        )
        self.copy_button.clicked.connect(self.copy_current)
        header = QHBoxLayout()
        titles = QVBoxLayout()
        titles.setSpacing(0)
        titles.addWidget(self.title_label)
        titles.addWidget(self.meta_label)
        header.addLayout(titles, 1)
        for button in (self.copy_button, self.export_md_button, self.export_json_button):
            header.addWidget(button)
        self.focus_bar = DocumentFocusBar()
        self.focus_bar.refocus_requested.connect(self.refocus_requested)

        # --- chapters table
        self.table = LiveTableView()
        self.table.setObjectName("chaptersTable")
        self.table.setModel(model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.setItemDelegateForColumn(ChaptersModel.STATUS, StatusDelegate(self.table))
        head = self.table.horizontalHeader()
        head.setHighlightSections(False)
        head.setSectionResizeMode(ChaptersModel.TITLE, QHeaderView.ResizeMode.Stretch)

        # Each column as wide as its longest usual value in the table's font: "processing 10/12" (a long
        # chapter's parts), "9,999" words, "99.9 s", "2 · Renewal Term"; a longer value is elided.
        def fits(sample: str) -> int:
            return self.table.fontMetrics().horizontalAdvance(sample) + 16

        for col, width in (
            (ChaptersModel.INDEX, max(36, fits("9999"))),
            (ChaptersModel.STATUS, fits(f"{status_word('processing')} 10/12")),
            (ChaptersModel.WORDS, max(48, fits("99,999"))),
            (ChaptersModel.TIME, max(48, fits("999 ms"))),
            (ChaptersModel.FLAGS, fits("2 · Renewal Term")),
        ):
            head.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
            self.table.setColumnWidth(col, width)
        # The clause flags column is shown for documents that have flags (contracts): a book's chapter titles
        # get its width. It stands after the status, so where a narrow pane scrolls sideways it is the words
        # and times that go out of view, not the flags.
        head.moveSection(head.visualIndex(ChaptersModel.FLAGS), head.visualIndex(ChaptersModel.STATUS) + 1)
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.setColumnHidden(ChaptersModel.FLAGS, True)
        # The title keeps a readable width in a narrow pane: the table scrolls sideways rather than cut it to a
        # few letters (a contract's flags column leaves little room at the default window size).
        self.table.stretch_column = ChaptersModel.TITLE
        head.sectionResized.connect(self._on_section_resized)
        model.rowsInserted.connect(lambda _parent, first, last: self._show_flags_column_for(first, last))
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        model.dataChanged.connect(self._on_model_data_changed)
        model.modelReset.connect(self._on_model_reset)
        model.text_loaded.connect(self._on_model_text_loaded)
        self._text_requested: set[str] = set()
        self._shown_id: str | None = None

        # --- summary tabs
        self.summary_view = QTextBrowser()
        self.summary_view.setObjectName("summaryView")
        self.summary_view.setOpenExternalLinks(False)
        self.summary_view.setOpenLinks(False)  # a sentence's link shows its source; it never navigates
        self.summary_view.anchorClicked.connect(self._on_summary_view_anchor_clicked)
        self.summary_view.highlighted.connect(self._on_summary_view_highlighted)
        self.text_view = QPlainTextEdit()
        self.text_view.setReadOnly(True)
        self.source_label = QLabel()
        self.source_label.setObjectName("sourceLabel")
        #: The source span highlighted for the sentence or clause last hovered or clicked, and its page.
        self.source_span: tuple[int, int] | None = None
        self.source_page: int | None = None
        self.document_summary_view = QTextBrowser()
        self.tabs = QTabWidget()
        self.tabs.addTab(self.summary_view, translate("DocumentPane", "Summary"))
        self.tabs.addTab(self.text_view, translate("DocumentPane", "Original text"))
        self.tabs.addTab(self.document_summary_view, translate("DocumentPane", "Document summary"))
        self.tabs.setDocumentMode(True)
        self.tabs.setCornerWidget(self.source_label, Qt.Corner.TopRightCorner)
        self.source_label.setAccessibleName(translate("DocumentPane", "Source of the chosen sentence"))
        self.source_label.setAccessibleDescription(
            translate("DocumentPane", "The page of the passage a summary sentence or clause comes from")
        )

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("chapterSplitter")
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.tabs)
        self.splitter.setStretchFactor(0, 11)
        self.splitter.setStretchFactor(1, 9)
        self.splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(header)
        layout.addWidget(self.focus_bar)
        layout.addWidget(self.splitter, 1)
        self._set_actions_enabled(False)
        self._show_chapter(-1)

    def _tool_button(self, icon_name: str, text: str, tip: str) -> QToolButton:
        button = QToolButton()
        button.setIcon(icon(icon_name))
        button.setText(text)
        button.setToolTip(tip)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        button.setAutoRaise(True)
        return button

    # --- public

    def show_document(self, document: DocumentRow | None, summary: str | None = None) -> None:
        """Show ``document``'s header (the chapters come through the model)."""
        self._document = document
        self._set_actions_enabled(document is not None)
        if document is None:
            self.focus_bar.set_document(None, None)
            self.title_label.setText(translate("DocumentPane", "No document selected"))
            self.meta_label.setText(translate("DocumentPane", "Drop files on the window, or use File ▸ Open."))
            self.set_document_summary(None)
            return
        self.update_header(document)
        self.set_document_summary(summary)

    def update_header(self, document: DocumentRow) -> None:
        if self._document is None or document.id != self._document.id:
            return
        self._document = document
        self.focus_bar.set_document(document.id, document.focus)
        self.title_label.setText(document.title)
        n = document.chapter_count
        parts = [
            document.file_name,
            document.format.upper(),
            plural(translate("DocumentPane", "%n chapter(s)", "", n), n),
            translate("DocumentPane", "%1/%2 done").replace("%1", str(document.final_chapters)).replace("%2", str(n)),
            status_word(document.status),
        ]
        if document.failed:
            parts.append(plural(translate("DocumentPane", "%n failed", "", document.failed), document.failed))
        self.meta_label.setText(" · ".join(p for p in parts if p))

    def set_document_summary(self, summary: str | None) -> None:
        self._document_summary = summary
        if summary:
            self.document_summary_view.setHtml(paragraphs(summary))
        elif self._document is not None and self._document.status in ("cancelled", "failed"):
            none = translate("DocumentPane", "No whole-document summary: %1.")
            self.document_summary_view.setHtml(italic(none.replace("%1", status_word(self._document.status))))
        else:
            self.document_summary_view.setHtml(
                italic(translate("DocumentPane", "The whole-document summary appears here when every chapter is done."))
            )

    def select_row(self, row: int) -> None:
        self.table.selectRow(row)

    def current_row(self) -> int:
        return self._current

    def copy_current(self) -> None:
        widget = self.tabs.currentWidget()
        text = widget.toPlainText() if isinstance(widget, QTextEdit | QPlainTextEdit) else ""
        QGuiApplication.clipboard().setText(text)

    # --- slots

    @Slot(QItemSelection, QItemSelection)
    def _on_table_selection_changed(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        rows = self.table.selectionModel().selectedRows()
        self._show_chapter(rows[0].row() if rows else -1)

    @Slot(QModelIndex, QModelIndex, list)
    def _on_model_data_changed(self, top: QModelIndex, bottom: QModelIndex, _roles: list[Any]) -> None:
        self._show_flags_column_for(top.row(), bottom.row())
        if top.row() <= self._current <= bottom.row():
            self._show_chapter(self._current, keep_tab=True)

    @Slot()
    def _on_model_reset(self) -> None:
        self._text_requested.clear()
        self.table.setColumnHidden(ChaptersModel.FLAGS, True)
        self.table.fit_stretch_column()
        self._show_flags_column_for(0, self.model.rowCount() - 1)
        self._show_chapter(-1)

    def _show_flags_column_for(self, first: int, last: int) -> None:
        """Shows the clause flags column once a chapter in rows ``first``–``last`` has flags."""
        if not self.table.isColumnHidden(ChaptersModel.FLAGS) or first < 0:
            return
        if any(self.model.chapter(row).clause_flags for row in range(first, min(last, self.model.rowCount() - 1) + 1)):
            self.table.setColumnHidden(ChaptersModel.FLAGS, False)
            self.table.fit_stretch_column()

    @Slot(int, int, int)
    def _on_section_resized(self, column: int, _old: int, _new: int) -> None:
        if column != ChaptersModel.TITLE:
            self.table.fit_stretch_column()  # another column took or gave back width

    @Slot(int)
    def _on_model_text_loaded(self, row: int) -> None:
        if row == self._current:
            self._show_text(self.model.chapter(row))

    # --- helpers

    def _set_actions_enabled(self, on: bool) -> None:
        for button in (self.export_md_button, self.export_json_button, self.copy_button):
            button.setEnabled(on)

    def _show_chapter(self, row: int, *, keep_tab: bool = False) -> None:
        self._current = row if 0 <= row < self.model.rowCount() else -1
        if self._current < 0:
            self.summary_view.setHtml(italic(translate("DocumentPane", "Select a chapter to read its summary.")))
            self.text_view.setPlainText("")
            self.chapter_selected.emit(-1)
            return
        chapter = self.model.chapter(self._current)
        if self._shown_id != chapter.id:
            self._shown_id, self.source_span, self.source_page = chapter.id, None, None
            self.source_label.setText("")
        self.summary_view.setHtml(
            summary_html(chapter, self.model.parts(chapter.id), author_numbers=self.model.author_numbers())
        )
        self._show_text(chapter)
        self.chapter_selected.emit(self._current)

    @Slot(QUrl)
    def _on_summary_view_anchor_clicked(self, url: QUrl) -> None:
        if self.show_source(url.toString()):
            self.tabs.setCurrentWidget(self.text_view)

    @Slot(QUrl)
    def _on_summary_view_highlighted(self, url: QUrl) -> None:
        if url.toString():
            self.show_source(url.toString())

    def show_source(self, anchor: str) -> bool:
        """Highlight the passage of a summary sentence (``span:N``) or clause (``flag:N``), scrolled into view."""
        if self._current < 0:
            return False
        chapter = self.model.chapter(self._current)
        span = anchor_span(chapter, anchor)
        if span is None or chapter.text is None:
            return False
        self.source_span, self.source_page = span, chapter.page_at(span[0])
        self._show_text(chapter)
        cursor = QTextCursor(self.text_view.document())
        cursor.setPosition(min(span[0], len(chapter.text)))
        self.text_view.setTextCursor(cursor)
        self.text_view.centerCursor()
        page = translate("DocumentPane", "Source: page %1").replace("%1", str(self.source_page))
        # The page, where there is one, beside the tabs; without one the highlight says it all, and a long
        # label there squeezed the tabs of a narrow pane to "…ary".
        self.source_label.setText(page if self.source_page else "")
        self.text_view.setToolTip(
            page if self.source_page else translate("DocumentPane", "Source highlighted in the chapter's text")
        )
        return True

    def _show_text(self, chapter: ChapterRow) -> None:
        if chapter.text is None and chapter.id not in self._text_requested:
            self._text_requested.add(chapter.id)  # once: commits re-show the chapter
            self.chapter_text_wanted.emit(chapter.id)
        text = chapter.text or ""
        if self.text_view.toPlainText() != text:
            self.text_view.setPlainText(text)
        selections = []
        for flag in chapter.clause_flags:
            span = find_span(text, flag)
            if span is None:
                continue
            selection = QTextEdit.ExtraSelection()
            cursor = QTextCursor(self.text_view.document())
            cursor.setPosition(span[0])
            cursor.setPosition(span[1], QTextCursor.MoveMode.KeepAnchor)
            fmt = QTextCharFormat()
            color = QColor(SEVERITY_COLORS.get(str(flag.get("severity")), "#ffe066"))
            color.setAlpha(110)
            fmt.setBackground(color)
            fmt.setToolTip(f"{flag.get('category')} ({flag.get('severity', 'medium')})")
            selection.cursor, selection.format = cursor, fmt
            selections.append(selection)
        if self.source_span is not None and self.source_span[1] <= len(text):
            selection = QTextEdit.ExtraSelection()
            cursor = QTextCursor(self.text_view.document())
            cursor.setPosition(self.source_span[0])
            cursor.setPosition(self.source_span[1], QTextCursor.MoveMode.KeepAnchor)
            fmt = QTextCharFormat()
            fmt.setBackground(QColor(120, 170, 255, 120))
            selection.cursor, selection.format = cursor, fmt
            selections.append(selection)
        self.text_view.setExtraSelections(selections)
