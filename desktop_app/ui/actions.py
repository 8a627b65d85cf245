"""The window's actions, menus, tool bar and keyboard shortcuts, in one place."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSize
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QToolBar

from desktop_app.ui.i18n import translate
from desktop_app.ui.theme import icon


@dataclass
class Actions:
    """Every QAction of the main window (triggered signals are connected by the window)."""

    open: QAction
    open_folder: QAction
    export_md: QAction
    export_json: QAction
    copy_md: QAction
    settings: QAction
    quit: QAction
    cancel: QAction
    retry: QAction
    refocus: QAction
    remove: QAction
    priority_high: QAction
    priority_normal: QAction
    priority_low: QAction
    show_pipeline: QAction
    show_log: QAction
    about: QAction
    shortcuts: QAction
    open_log_folder: QAction
    open_sample: QAction
    recent_menu: QMenu
    serve_api: QAction
    toolbar: QToolBar | None = None


def _action(
    window: QMainWindow,
    text: str,
    shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
    icon_name: str = "",
    tip: str = "",
) -> QAction:
    action = QAction(text, window)
    if shortcut:
        action.setShortcut(QKeySequence(shortcut))
    if icon_name:
        action.setIcon(icon(icon_name))
    if tip:
        action.setStatusTip(tip)
        action.setToolTip(
            f"{tip} ({action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)})" if shortcut else tip
        )
    return action


def build_actions(window: QMainWindow) -> Actions:
    """Create the actions, the menu bar and the tool bar of ``window``."""
    a = Actions(
        open=_action(
            window,
            translate("Actions", "&Open…"),
            QKeySequence.StandardKey.Open,
            "open",
            translate("Actions", "Open documents to summarize"),
        ),
        open_folder=_action(
            window,
            translate("Actions", "Open &Folder…"),
            "Ctrl+Shift+O",
            "open",
            translate("Actions", "Open every document in a folder and its subfolders"),
        ),
        export_md=_action(
            window,
            translate("Actions", "Export as &Markdown…"),
            "Ctrl+E",
            "export",
            translate("Actions", "Export the document as Markdown"),
        ),
        export_json=_action(
            window,
            translate("Actions", "Export as &JSON…"),
            "Ctrl+Shift+E",
            "export",
            translate("Actions", "Export the document as JSON"),
        ),
        copy_md=_action(
            window,
            translate("Actions", "&Copy as Markdown"),
            "Ctrl+Shift+C",
            "copy",
            translate("Actions", "Copy the document as Markdown"),
        ),
        settings=_action(
            window,
            translate("Actions", "&Settings…"),
            "Ctrl+,",
            "settings",
            translate("Actions", "Summarizer, workers, database and cache"),
        ),
        quit=_action(
            window,
            translate("Actions", "&Quit"),
            QKeySequence.StandardKey.Quit,
            "quit",
            translate("Actions", "Stop the pipeline and quit"),
        ),
        cancel=_action(
            window,
            translate("Actions", "&Cancel"),
            "Ctrl+.",
            "cancel",
            translate("Actions", "Cancel the chapters not yet summarized"),
        ),
        retry=_action(
            window,
            translate("Actions", "&Retry failed chapters"),
            "Ctrl+R",
            "retry",
            translate("Actions", "Queue failed and cancelled chapters again"),
        ),
        refocus=_action(
            window,
            translate("Actions", "Re-&summarize with focus…"),
            "Ctrl+Shift+R",
            "retry",
            translate("Actions", "Summarize the document again with another focus"),
        ),
        remove=_action(
            window,
            translate("Actions", "Re&move…"),
            QKeySequence.StandardKey.Delete,
            "remove",
            translate("Actions", "Remove the document"),
        ),
        priority_high=_action(
            window, translate("Actions", "&High"), "Ctrl+1", tip=translate("Actions", "Summarize this document first")
        ),
        priority_normal=_action(
            window,
            translate("Actions", "&Normal"),
            "Ctrl+2",
            tip=translate("Actions", "Summarize this document in turn"),
        ),
        priority_low=_action(
            window,
            translate("Actions", "&Low"),
            "Ctrl+3",
            tip=translate("Actions", "Summarize this document after the others"),
        ),
        show_pipeline=_action(
            window,
            translate("Actions", "&Pipeline and log panel"),
            "F9",
            tip=translate("Actions", "Show or hide the pipeline gauges and the log"),
        ),
        show_log=_action(
            window,
            translate("Actions", "Show the &log"),
            "F10",
            "log",
            translate("Actions", "Show the application's log"),
        ),
        about=_action(
            window,
            translate("Actions", "&About Chapterwise"),
            None,
            "about",
            translate("Actions", "Version, libraries and where the data is"),
        ),
        shortcuts=_action(
            window,
            translate("Actions", "&Keyboard shortcuts"),
            "F1",
            tip=translate("Actions", "List the keyboard shortcuts"),
        ),
        open_log_folder=_action(
            window,
            translate("Actions", "Open log &folder"),
            None,
            "log",
            translate("Actions", "Open the folder of the log file (to read it, or to attach it to a bug report)"),
        ),
        open_sample=_action(
            window,
            translate("Actions", "Open a &sample document"),
            None,
            "open",
            translate("Actions", "Open a short tour of Chapterwise, to see a document summarized chapter by chapter"),
        ),
        recent_menu=QMenu(translate("Actions", "Open &Recent"), window),
        serve_api=_action(
            window,
            translate("Actions", "Local &API"),
            "Ctrl+Shift+A",
            "api",
            translate("Actions", "Serve the local HTTP API (the URL shows in the status bar; the token is copied)"),
        ),
    )
    a.settings.setMenuRole(QAction.MenuRole.PreferencesRole)
    a.quit.setMenuRole(QAction.MenuRole.QuitRole)
    a.about.setMenuRole(QAction.MenuRole.AboutRole)
    group = QActionGroup(window)
    for action in (a.priority_high, a.priority_normal, a.priority_low):
        action.setCheckable(True)
        group.addAction(action)
    a.show_pipeline.setCheckable(True)
    a.show_pipeline.setChecked(True)

    bar = window.menuBar()
    file_menu = bar.addMenu(translate("Actions", "&File"))
    file_menu.addAction(a.open)
    file_menu.addAction(a.open_folder)
    file_menu.addMenu(a.recent_menu)
    file_menu.addSeparator()
    for action in (a.export_md, a.export_json, a.copy_md):
        file_menu.addAction(action)
    file_menu.addSeparator()
    file_menu.addAction(a.serve_api)
    file_menu.addAction(a.settings)
    file_menu.addSeparator()
    file_menu.addAction(a.quit)
    doc_menu = bar.addMenu(translate("Actions", "&Document"))
    doc_menu.addAction(a.cancel)
    doc_menu.addAction(a.retry)
    doc_menu.addAction(a.refocus)
    priority = doc_menu.addMenu(icon("priority"), translate("Actions", "&Priority"))
    for action in (a.priority_high, a.priority_normal, a.priority_low):
        priority.addAction(action)
    doc_menu.addSeparator()
    doc_menu.addAction(a.remove)
    view_menu = bar.addMenu(translate("Actions", "&View"))
    view_menu.addAction(a.show_pipeline)
    view_menu.addAction(a.show_log)
    help_menu = bar.addMenu(translate("Actions", "&Help"))
    help_menu.addAction(a.open_sample)
    help_menu.addAction(a.shortcuts)
    help_menu.addAction(a.open_log_folder)
    help_menu.addAction(a.about)

    tools = QToolBar(translate("Actions", "Main"), window)
    tools.setObjectName("mainToolBar")
    tools.setMovable(False)
    tools.setIconSize(QSize(20, 20))
    entry: QAction | None
    for entry in (a.open, None, a.cancel, a.retry, a.remove, None, a.export_md, a.serve_api, a.settings):
        if entry is None:
            tools.addSeparator()
        else:
            tools.addAction(entry)
    window.addToolBar(tools)
    a.toolbar = tools
    return a


def shortcut_table(actions: Actions) -> list[tuple[str, str]]:
    """(shortcut, what it does) for the Help ▸ Keyboard shortcuts dialog and docs/GUI.md."""
    rows = []
    for action in (
        actions.open,
        actions.open_folder,
        actions.export_md,
        actions.export_json,
        actions.copy_md,
        actions.settings,
        actions.cancel,
        actions.retry,
        actions.refocus,
        actions.priority_high,
        actions.priority_normal,
        actions.priority_low,
        actions.remove,
        actions.show_pipeline,
        actions.show_log,
        actions.shortcuts,
        actions.quit,
    ):
        keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        if keys:
            rows.append((keys, action.text().replace("&", "").rstrip("…")))
    return rows
