"""Item delegates: a progress bar cell, coloured status text, and a priority chooser."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionProgressBar,
    QStyleOptionViewItem,
    QWidget,
)

from desktop_app.ui.i18n import priority_word, translate
from desktop_app.ui.models.documents import PRIORITIES, ProgressRole
from desktop_app.ui.models.keyed import StatusRole

ModelIndex = QModelIndex | QPersistentModelIndex

STATUS_COLORS = {
    "done": ("#1b7f3b", "#5fd38a"),
    "failed": ("#b3261e", "#ff8a80"),
    "cancelled": ("#6b6b6b", "#a0a0a0"),
    "processing": ("#1a5fb4", "#78aeed"),
    "summarizing": ("#7a4fb5", "#c19cf0"),
    "pending": ("#8a6d00", "#e5c15a"),
}


def status_color(status: str, palette: QPalette) -> QColor | None:
    """The colour a status is written in, readable on the palette's base (light or dark)."""
    pair = STATUS_COLORS.get(status.split(" ", maxsplit=1)[0])
    if pair is None:
        return None
    dark = palette.color(QPalette.ColorRole.Base).lightness() < 128
    return QColor(pair[1] if dark else pair[0])


class ProgressDelegate(QStyledItemDelegate):
    """Draws ``ProgressRole`` = (done, total) as a progress bar with "done/total" on it."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        value = index.data(ProgressRole)
        if not value:
            super().paint(painter, option, index)
            return
        done, total = value
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(option.rect, option.palette.highlight())
        bar = QStyleOptionProgressBar()
        bar.rect = option.rect.adjusted(3, 4, -3, -4)
        bar.minimum, bar.maximum = 0, max(1, total)
        bar.progress = min(done, max(1, total))
        bar.text = f"{done}/{total}"
        bar.textVisible = True
        bar.textAlignment = Qt.AlignmentFlag.AlignCenter
        bar.state = QStyle.StateFlag.State_Enabled | QStyle.StateFlag.State_Horizontal
        bar.palette = option.palette
        widget = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter, widget)


class StatusDelegate(QStyledItemDelegate):
    """Writes a status in its colour (green done, red failed, blue processing, ...)."""

    def initStyleOption(self, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        super().initStyleOption(option, index)
        color = status_color(str(index.data(StatusRole) or index.data() or ""), option.palette)
        if color is not None and not option.state & QStyle.StateFlag.State_Selected:
            option.palette.setColor(QPalette.ColorRole.Text, color)


class PriorityDelegate(QStyledItemDelegate):
    """A combo box over the priority cell; ``priority_chosen(row, priority)`` when the user picks one."""

    priority_chosen = Signal(int, str)

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: ModelIndex) -> QWidget:
        editor = QComboBox(parent)
        for priority in PRIORITIES:
            editor.addItem(priority_word(priority), priority)
        editor.setAccessibleName(translate("PriorityDelegate", "Priority"))
        editor.activated.connect(lambda _i, e=editor: self.commitData.emit(e))
        return editor

    def setEditorData(self, editor: QWidget, index: ModelIndex) -> None:
        assert isinstance(editor, QComboBox)
        editor.setCurrentIndex(max(0, editor.findData(str(index.data(Qt.ItemDataRole.EditRole) or "normal"))))

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: ModelIndex) -> None:
        assert isinstance(editor, QComboBox)
        value = str(editor.currentData())
        if value != index.data(Qt.ItemDataRole.EditRole) and model.setData(index, value):
            self.priority_chosen.emit(index.row(), value)
