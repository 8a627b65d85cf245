"""Wiring the window: menus, tool bar and widget signals to the controller, and the dialogs they open.

:func:`connect_menus` makes every connection the window needs once, in one place (the window's
``__init__`` stays a layout). The dialog flows live here too: File ▸ Open, Open Recent, Settings (which
restarts the engine in place when saved), About, the shortcuts table and the sample document. GUI thread only.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices

from desktop_app import resources
from desktop_app.ui import dialogs
from desktop_app.ui.actions import shortcut_table
from desktop_app.ui.i18n import translate
from desktop_app.ui.opening import FILE_FILTER
from desktop_app.ui.widgets.about import AboutDialog
from desktop_app.ui.widgets.settings_dialog import SettingsDialog

if TYPE_CHECKING:
    from desktop_app.ui.main_window import MainWindow


def connect_menus(window: MainWindow) -> None:
    """Connect the actions and the widgets' signals of ``window`` to its controller."""
    c = window.controller
    pane = window.document_pane
    window.drop_area.files_dropped.connect(window.open_files)
    window.documents_panel.document_selected.connect(c.on_document_selected)
    window.documents_panel.priority_chosen.connect(c.set_priority)
    pane.export_requested.connect(window.exporter.export_current)
    pane.refocus_requested.connect(c.refocus)
    pane.chapter_text_wanted.connect(c.on_chapter_text_wanted)
    window.banner.settings_requested.connect(lambda: open_settings(window))
    window.api.failed.connect(lambda message: c.notify(translate("MainWindow", "Local API"), message))
    a = window.menu_actions
    a.open.triggered.connect(lambda: choose_files(window))
    a.open_folder.triggered.connect(lambda: choose_folder(window))
    a.export_md.triggered.connect(lambda: window.exporter.export_current("md"))
    a.export_json.triggered.connect(lambda: window.exporter.export_current("json"))
    a.copy_md.triggered.connect(window.exporter.copy_current_markdown)
    a.settings.triggered.connect(lambda: open_settings(window))
    a.quit.triggered.connect(window.close)
    a.cancel.triggered.connect(c.cancel_current)
    a.retry.triggered.connect(c.retry_current)
    a.refocus.triggered.connect(pane.focus_bar.begin_edit)
    a.remove.triggered.connect(c.remove_current)
    a.priority_high.triggered.connect(lambda: c.set_current_priority("high"))
    a.priority_normal.triggered.connect(lambda: c.set_current_priority("normal"))
    a.priority_low.triggered.connect(lambda: c.set_current_priority("low"))
    a.show_pipeline.toggled.connect(window.bottom_tabs.setVisible)
    a.show_log.triggered.connect(lambda: show_log(window))
    a.about.triggered.connect(lambda: show_about(window))
    a.shortcuts.triggered.connect(lambda: dialogs.show_shortcuts(window, shortcut_table(a)))
    a.open_log_folder.triggered.connect(lambda: open_log_folder(window))
    a.open_sample.triggered.connect(lambda: open_sample(window))
    window.documents_panel.sample_requested.connect(lambda: open_sample(window))
    a.recent_menu.aboutToShow.connect(lambda: fill_recent_menu(window))


def choose_files(window: MainWindow) -> None:
    """File ▸ Open: a file dialog in the folder of the last opened file."""
    recent = window.recent.paths()
    folder = recent[0].parent if recent else Path.home()
    window.open_files(dialogs.ask_open_paths(window, folder, FILE_FILTER))


def choose_folder(window: MainWindow) -> None:
    """File ▸ Open Folder: a folder's documents, its subfolders' too (hidden ones and other files skipped)."""
    recent = window.recent.paths()
    folder = window.prompts.ask_folder(recent[0].parent if recent else Path.home())
    if folder is not None:
        window.open_files([folder])


def open_settings(window: MainWindow) -> SettingsDialog:
    """The settings dialog; saving restarts the engine with the new settings (documents carry on)."""
    dialog = SettingsDialog(window.settings, window, tasks=window.tasks)
    dialog.settings_saved.connect(window.controller.restart_engine)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    if window.prompts.show_dialogs:
        dialog.open()
    return dialog


def show_about(window: MainWindow) -> AboutDialog:
    dialog = AboutDialog(window, backend=window.controller.backend_text(), database=window.controller.database_text())
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    if window.prompts.show_dialogs:
        dialog.open()
    return dialog


def show_log(window: MainWindow) -> None:
    window.menu_actions.show_pipeline.setChecked(True)
    window.bottom_tabs.setCurrentWidget(window.log_panel)


def fill_recent_menu(window: MainWindow) -> None:
    menu = window.menu_actions.recent_menu
    menu.clear()
    recent = window.recent.paths()
    for i, path in enumerate(recent):
        action = menu.addAction(f"&{i + 1}  {path.name}" if i < 9 else path.name)
        action.setToolTip(str(path))
        action.triggered.connect(lambda _c=False, p=path: window.open_files([p]))
    if not recent:
        menu.addAction(translate("MainWindow", "No recent files")).setEnabled(False)


__all__ = [
    "choose_files",
    "choose_folder",
    "connect_menus",
    "fill_recent_menu",
    "open_sample",
    "open_settings",
    "show_about",
    "show_log",
]


def open_sample(window: MainWindow) -> bool:
    """Help ▸ Open a sample document (also the link in the empty documents list): the app's own short tour."""
    sample = resources.find(*resources.SAMPLE)
    if sample is None:  # a broken install; find() logged which file is missing
        window.controller.notify(
            translate("Menus", "No sample document"),
            translate("Menus", "The sample document is missing from this installation; reinstall Chapterwise."),
        )
        return False
    window.open_files([sample])
    return True


def open_log_folder(window: MainWindow) -> bool:
    """Help ▸ Open log folder: the folder of chapterwise.log in the desktop's file manager."""
    folder = window.settings.paths.logs
    folder.mkdir(parents=True, exist_ok=True)
    if QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
        return True
    window.controller.notify(
        translate("Menus", "Cannot open the log folder"),
        translate("Menus", "No file manager opened it. The log file is in:\n{folder}").format(folder=folder),
    )
    return False
