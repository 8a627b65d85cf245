"""Accessible names and descriptions for every control of the window, and keyboard focus that shows.

Screen readers read a control's accessible name (what it is) and description (what it does); Qt derives
a name from a button's text but not from a tool tip, and gives tables, line edits, combo boxes, spin
boxes, tab bars and icon-only buttons none. :func:`describe_window` names the window's controls
explicitly where a better word exists and otherwise from their text, placeholder or tool tip, so no
control is left anonymous; ``tests/ui/test_accessibility.py`` walks Qt's accessibility tree to check it.
:func:`describe_controls` does the same for a dialog. GUI thread only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTabBar,
    QTabWidget,
    QTextEdit,
    QToolBar,
    QWidget,
)

from desktop_app.ui.i18n import translate

if TYPE_CHECKING:
    from desktop_app.ui.main_window import MainWindow

#: The widget types a user operates (and a screen reader must name).
CONTROL_TYPES = (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTabBar,
    QTextEdit,
)


def describe_window(window: MainWindow) -> None:
    """Name and describe the window's controls; explicit words first, derived ones for the rest."""
    named: list[tuple[QWidget, str, str]] = [
        (
            window.documents_panel.table,
            translate("Accessibility", "Documents"),
            translate(
                "Accessibility",
                "Your documents, newest first. Select one to see its chapters; F2 changes its priority.",
            ),
        ),
        (
            window.document_pane.table,
            translate("Accessibility", "Chapters"),
            translate(
                "Accessibility",
                "The chapters of the selected document with their status; select one to read its summary.",
            ),
        ),
        (
            window.document_pane.summary_view,
            translate("Accessibility", "Chapter summary"),
            translate("Accessibility", "The summary of the selected chapter."),
        ),
        (
            window.document_pane.text_view,
            translate("Accessibility", "Original text"),
            translate("Accessibility", "The selected chapter's original text, flagged clauses highlighted."),
        ),
        (
            window.document_pane.document_summary_view,
            translate("Accessibility", "Document summary"),
            translate("Accessibility", "The summary of the whole document, once every chapter is done."),
        ),
        (
            window.focus_field,
            translate("Accessibility", "Focus for new documents"),
            translate("Accessibility", "What the summaries of the next documents you add should attend to."),
        ),
        (
            window.bottom_tabs,
            translate("Accessibility", "Pipeline and log"),
            translate("Accessibility", "Live pipeline gauges and the application log."),
        ),
        (
            window.pipeline_panel,
            translate("Accessibility", "Pipeline"),
            translate("Accessibility", "Queues, workers, summary times, throughput and cache, live."),
        ),
        (
            window.log_panel,
            translate("Accessibility", "Log"),
            translate("Accessibility", "The application's log messages."),
        ),
        (
            window.banner,
            translate("Accessibility", "Backend problem"),
            translate("Accessibility", "The summarizer backend does not answer; retry or change the settings."),
        ),
        (window.status_label, translate("Accessibility", "Documents in progress"), ""),
        (window.engine_label, translate("Accessibility", "Summarizer and database"), ""),
        (window.api_label, translate("Accessibility", "Local API"), ""),
    ]
    for widget, name, description in named:
        widget.setAccessibleName(name)
        if description:
            widget.setAccessibleDescription(description)
    describe_controls(window)


def describe_controls(root: QWidget) -> None:
    """Give every control under ``root`` without an accessible name one, and a description; focus shows."""
    for tabs in root.findChildren(QTabWidget):
        for i in range(tabs.count()):
            page = tabs.widget(i)
            described = page.accessibleDescription() if page is not None else ""
            if not tabs.tabToolTip(i):
                tabs.setTabToolTip(i, described or tabs.tabText(i).replace("&", ""))
        bar = tabs.tabBar()
        bar.setAccessibleDescription(tabs.accessibleDescription() or translate("Accessibility", "Choose a page"))
    for action in root.findChildren(QAction):
        # Menu items read their description from "What's this"; the status tip already says what they do.
        if not action.whatsThis():
            action.setWhatsThis(action.statusTip() or action.toolTip() or action.text().replace("&", ""))
    for toolbar in root.findChildren(QToolBar):
        toolbar.setAccessibleName(toolbar.accessibleName() or toolbar.windowTitle())
        toolbar.setAccessibleDescription(
            toolbar.accessibleDescription() or translate("Accessibility", "Frequent actions")
        )
    for widget in root.findChildren(QWidget):
        if not isinstance(widget, CONTROL_TYPES):
            continue
        if not widget.accessibleName():
            widget.setAccessibleName(_derived_name(widget))
        if not widget.accessibleDescription():
            widget.setAccessibleDescription(widget.toolTip() or widget.statusTip() or widget.accessibleName())
        if widget.focusPolicy() == Qt.FocusPolicy.NoFocus and isinstance(widget, QAbstractButton | QLineEdit):
            widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # reachable with Tab, not only the mouse


def _derived_name(widget: QWidget) -> str:
    text = ""
    if isinstance(widget, QAbstractButton):
        text = widget.text().replace("&", "")
    elif isinstance(widget, QLineEdit):
        text = widget.placeholderText()
    elif isinstance(widget, QComboBox):
        text = widget.placeholderText() or widget.currentText()
    elif isinstance(widget, QTabBar):
        text = translate("Accessibility", "Tabs")
    return (
        text or widget.toolTip().split("\n")[0] or widget.statusTip() or widget.objectName() or type(widget).__name__
    ).strip()


__all__ = ["CONTROL_TYPES", "describe_controls", "describe_window"]
