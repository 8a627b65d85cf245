"""Every control of the window and the settings dialog has an accessible name and description, read from
Qt's own accessibility tree (what a screen reader gets); the main controls are reachable with Tab."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QTabBar, QWidget

from desktop_app.ui.accessibility import CONTROL_TYPES
from desktop_app.ui.widgets.settings_dialog import SettingsDialog

R = QAccessible.Role
#: Roles a user operates. Qt gives tab bars and menu items a name but no description slot.
OPERATED = {
    R.PushButton,
    R.CheckBox,
    R.RadioButton,
    R.ComboBox,
    R.EditableText,
    R.SpinBox,
    R.Table,
    R.List,
    R.PageTab,
    R.PageTabList,
    R.ButtonMenu,
    R.ButtonDropDown,
    R.Slider,
    R.Tree,
    R.ToolBar,
    R.MenuItem,
}


def _walk(iface, found: list) -> None:
    if iface is None or not iface.isValid():
        return
    found.append(iface)
    if iface.role() == R.Table:
        return  # the cells are data, named by the model
    for i in range(iface.childCount()):
        _walk(iface.child(i), found)


def _problems(root: QWidget) -> tuple[int, list[str]]:
    found: list = []
    _walk(QAccessible.queryAccessibleInterface(root), found)
    operated = [i for i in found if i.role() in OPERATED]
    problems = []
    for iface in operated:
        name = iface.text(QAccessible.Text.Name).strip()
        obj = iface.object()
        what = f"{iface.role().name} {type(obj).__name__ if obj else ''} {obj.objectName() if obj else ''}"
        if not name:
            problems.append(f"no name: {what}")
        described = bool(iface.text(QAccessible.Text.Description).strip())
        if isinstance(obj, CONTROL_TYPES) and not isinstance(obj, QTabBar) and not described:
            problems.append(f"no description: {what} {name!r}")
    return len(operated), problems


def test_every_control_of_the_window_has_a_name_and_a_description(qtbot, make_window) -> None:
    window = make_window()
    count, problems = _problems(window)
    assert count > 40, "the walk reaches the menus, the tool bar, the tables and the buttons"
    assert problems == []


def test_every_control_of_the_settings_dialog_has_a_name_and_a_description(qtbot, ui_settings) -> None:
    dialog = SettingsDialog(ui_settings)
    qtbot.addWidget(dialog)
    dialog.show()
    count, problems = _problems(dialog)
    assert count >= 12
    assert problems == []
    names = {dialog.min_workers.accessibleName(), dialog.max_workers.accessibleName(), dialog.api_key.accessibleName()}
    assert names == {"Minimum workers", "Maximum workers", "API key"}


def test_the_main_controls_are_reachable_with_tab(qtbot, make_window) -> None:
    window = make_window()
    chain: list[QWidget] = []
    widget = window.nextInFocusChain()
    while widget is not window and widget not in chain:
        chain.append(widget)
        widget = widget.nextInFocusChain()
    tabbable = [w for w in chain if w.focusPolicy() & Qt.FocusPolicy.TabFocus and w.isVisibleTo(window)]
    for control in (
        window.documents_panel.table,
        window.document_pane.table,
        window.document_pane.summary_view,
        window.focus_field.edit,
        window.document_pane.export_md_button,
    ):
        assert control in tabbable, control.accessibleName()
    order = [tabbable.index(window.documents_panel.table), tabbable.index(window.document_pane.table)]
    assert order == sorted(order), "the documents come before their chapters"


def test_the_window_is_usable_with_the_keyboard_alone(qtbot, make_window, book, tmp_path) -> None:
    from pathlib import Path

    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    window = make_window()
    window.show()
    window.activateWindow()
    qtbot.waitExposed(window)
    for name, seed in (("first.md", 1), ("second.md", 2)):
        with qtbot.waitSignal(window.document_opened, timeout=20_000):
            window.open_files([book(2, name, seed=seed)])
    qtbot.waitUntil(lambda: window.documents_model.rowCount() == 2, timeout=10_000)
    table = window.documents_panel.table
    # Tab (never the mouse) reaches the documents: at most once round the window's controls.
    window.focus_field.edit.setFocus()
    for _ in range(40):
        if QApplication.focusWidget() is table:
            break
        QTest.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is table
    before = window.current_id
    QTest.keyClick(table, Qt.Key.Key_Up if table.currentIndex().row() == 1 else Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: window.current_id not in (None, before), timeout=5_000)
    # A shortcut exports the document the keys chose.
    window.prompts.ask_save_path = lambda suggested, fmt: str(Path(tmp_path) / suggested)
    with qtbot.waitSignal(window.exported, timeout=10_000) as exported:
        QTest.keyClick(table, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    chosen = window.documents_model.get(window.current_id or "")
    assert chosen is not None and Path(exported.args[0]).name == chosen.file_name  # "second.md" → second.md
