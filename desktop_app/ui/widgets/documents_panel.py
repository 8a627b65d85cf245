"""The documents list: a table over :class:`~desktop_app.ui.models.documents.DocumentsModel`."""

from __future__ import annotations

import html

from PySide6.QtCore import QItemSelection, Qt, Signal, Slot
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QVBoxLayout, QWidget

from desktop_app.ui.i18n import status_word, translate
from desktop_app.ui.models.documents import DocumentsModel
from desktop_app.ui.models.keyed import IdRole
from desktop_app.ui.widgets.delegates import PriorityDelegate, ProgressDelegate, StatusDelegate
from desktop_app.ui.widgets.document_pane import LiveTableView


class DocumentsPanel(QWidget):
    """Lists the documents; the priority cell is editable in place (double-click or F2)."""

    # --- signals
    document_selected = Signal(str)  # document id, "" for none
    priority_chosen = Signal(str, str)  # document id, "high" | "normal" | "low"
    sample_requested = Signal()  # the empty list's "open a sample document" link

    def __init__(self, model: DocumentsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        title = QLabel(translate("DocumentsPanel", "Documents"))
        title.setObjectName("panelTitle")
        self.table = LiveTableView()
        # The title takes the width the other columns leave, never less than 120 px (at the window's first
        # size it has about 140): in a narrower pane the list scrolls sideways instead of cutting titles to a
        # few letters.
        self.table.stretch_column = DocumentsModel.TITLE
        self.table.stretch_min = 120
        self.table.setObjectName("documentsTable")
        self.table.setModel(model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.SelectedClicked
        )
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(28)
        self.table.setItemDelegateForColumn(DocumentsModel.PROGRESS, ProgressDelegate(self.table))
        self.table.setItemDelegateForColumn(DocumentsModel.STATUS, StatusDelegate(self.table))
        self.priority_delegate = PriorityDelegate(self.table)
        self.priority_delegate.priority_chosen.connect(self._on_priority_delegate_priority_chosen)
        self.table.setItemDelegateForColumn(DocumentsModel.PRIORITY, self.priority_delegate)
        head = self.table.horizontalHeader()
        head.setHighlightSections(False)
        head.setSectionResizeMode(DocumentsModel.TITLE, QHeaderView.ResizeMode.Stretch)
        # The status column fits its longest word ("summarizing") in the table's font; a failed count after it
        # may be cut, and is in the tooltip and the document's header.
        words = ("pending", "processing", "summarizing", "done", "failed", "cancelled")
        status_width = max(self.table.fontMetrics().horizontalAdvance(status_word(w)) for w in words) + 20
        for col, width in (
            (DocumentsModel.FORMAT, 48),
            (DocumentsModel.CHAPTERS, 44),
            (DocumentsModel.PROGRESS, 84),
            (DocumentsModel.STATUS, status_width),
            (DocumentsModel.PRIORITY, 62),
            (DocumentsModel.ELAPSED, 50),
        ):
            self.table.setColumnWidth(col, width)
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        hint = translate(
            "DocumentsPanel",
            "Drop PDF, EPUB, DOCX, Markdown or text files anywhere on this window,\nor use File ▸ Open (Ctrl+O).",
        )
        link = translate("DocumentsPanel", "New here? Open a sample document")
        self.placeholder = QLabel(
            "<br>".join(html.escape(line) for line in hint.splitlines())
            + f"<br><br><a href='sample'>{html.escape(link)}</a>"
        )
        self.placeholder.setTextFormat(Qt.TextFormat.RichText)
        self.placeholder.setTextInteractionFlags(
            Qt.TextInteractionFlag.LinksAccessibleByMouse | Qt.TextInteractionFlag.LinksAccessibleByKeyboard
        )
        self.placeholder.linkActivated.connect(self._on_placeholder_link_activated)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setObjectName("gaugeCaption")
        model.rowsInserted.connect(self._update_placeholder)
        model.rowsRemoved.connect(self._update_placeholder)
        model.modelReset.connect(self._update_placeholder)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(title)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.placeholder)
        self._update_placeholder()

    # --- public

    def selected_id(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return str(rows[0].data(IdRole)) if rows else None

    def select(self, document_id: str) -> None:
        """Select a document and scroll it into view."""
        row = self.model.row_of(document_id)
        if row >= 0:
            self.table.selectRow(row)
            self.table.scrollTo(self.model.index(row, 0))

    # --- slots

    @Slot(QItemSelection, QItemSelection)
    def _on_table_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self.document_selected.emit(self.selected_id() or "")

    @Slot(int, str)
    def _on_priority_delegate_priority_chosen(self, row: int, priority: str) -> None:
        self.priority_chosen.emit(self.model.document(row).id, priority)

    @Slot(str)
    def _on_placeholder_link_activated(self, _link: str) -> None:
        self.sample_requested.emit()

    @Slot()
    def _update_placeholder(self) -> None:
        self.placeholder.setVisible(self.model.rowCount() == 0)
