"""Focus instructions: the field for documents about to be added, and the current document's focus.

A focus ("payment terms and penalties", "methods and results") shapes every chapter summary and the
whole-document summary. :class:`FocusField` sits in the tool bar beside the drop target: its text is
given to every file dropped or opened while it is set. :class:`DocumentFocusBar` sits in the document
view: it shows the document's focus and re-summarizes the document with an edited one in one action.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from desktop_app.ui.i18n import translate

EXAMPLE = "e.g. payment terms and penalties"


class FocusField(QWidget):
    """ "Focus (optional)" for new documents. ``focus()`` is the trimmed text, or None."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("newDocumentFocus")
        label = QLabel(translate("FocusField", "Focus:"))
        self.edit = QLineEdit()
        self.edit.setObjectName("focusEdit")
        self.edit.setPlaceholderText(f"optional, for new documents: {EXAMPLE}")
        self.edit.setClearButtonEnabled(True)
        self.edit.setMinimumWidth(260)
        self.setMaximumWidth(520)  # the tool bar's actions stay next to it instead of far right
        self.edit.setToolTip(
            translate(
                "FocusField",
                "What the summaries should pay attention to. Used for every file dropped or opened while set.",
            )
        )
        label.setBuddy(self.edit)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 0, 8, 0)
        layout.addWidget(label)
        layout.addWidget(self.edit, 1)

    def focus(self) -> str | None:
        return self.edit.text().strip() or None

    def set_focus(self, text: str) -> None:
        self.edit.setText(text)


class DocumentFocusBar(QWidget):
    """The current document's focus, editable, with "Re-summarize"."""

    # --- signals
    refocus_requested = Signal(str, str)  # document id, the new focus ("" for none)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("documentFocus")
        self.document_id: str | None = None
        self.current: str = ""
        label = QLabel(translate("FocusField", "Focus:"))
        self.edit = QLineEdit()
        self.edit.setObjectName("documentFocusEdit")
        self.edit.setPlaceholderText(f"none: a general summary ({EXAMPLE})")
        self.edit.setClearButtonEnabled(True)
        self.edit.returnPressed.connect(self._on_edit_return_pressed)
        self.edit.textChanged.connect(self._on_edit_text_changed)
        label.setBuddy(self.edit)
        self.button = QPushButton(translate("FocusField", "Re-summarize"))
        self.button.setToolTip(
            translate("FocusField", "Summarize every chapter of this document again with this focus")
        )
        self.button.clicked.connect(self._on_button_clicked)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(label)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.button)
        self.set_document(None, None)

    def set_document(self, document_id: str | None, focus: str | None) -> None:
        """Show ``document_id``'s focus; an edit in progress on the same document is kept."""
        same = document_id == self.document_id
        self.document_id = document_id
        self.current = focus or ""
        if not same or not self.edit.isModified():
            self.edit.setText(self.current)
            self.edit.setModified(False)
        self.edit.setEnabled(document_id is not None)
        self._update_button()

    def request(self) -> None:
        if self.document_id is None:
            return
        self.edit.setModified(False)
        self.refocus_requested.emit(self.document_id, self.edit.text().strip())

    def begin_edit(self) -> None:
        """Put the cursor in the field with its text selected (Document ▸ Re-summarize with focus…)."""
        self.edit.setFocus()
        self.edit.selectAll()

    # --- slots

    def _on_edit_return_pressed(self) -> None:
        self.request()

    def _on_edit_text_changed(self, _text: str) -> None:
        self._update_button()

    def _on_button_clicked(self) -> None:
        self.request()

    def _update_button(self) -> None:
        self.button.setEnabled(self.document_id is not None)
        changed = self.edit.text().strip() != self.current
        self.button.setDefault(changed)
        self.button.setText(
            translate("FocusField", "Re-summarize with this focus")
            if changed
            else translate("FocusField", "Re-summarize")
        )
