"""Help ▸ Open log folder hands the log folder's URL to the desktop (caught here by a URL handler)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices


class _Opened(QObject):
    """Stands in for the file manager: records the URLs the desktop was asked to open."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url)


def test_help_menu_opens_the_log_folder(make_window, isolated_data_dir: Path) -> None:
    window = make_window()
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    assert window.menu_actions.open_log_folder in help_menu.actions()

    opened = _Opened()
    QDesktopServices.setUrlHandler("file", opened, "open")
    try:
        window.menu_actions.open_log_folder.trigger()
    finally:
        QDesktopServices.unsetUrlHandler("file")

    assert [Path(url.toLocalFile()) for url in opened.urls] == [isolated_data_dir / "logs"]
    assert (isolated_data_dir / "logs").is_dir()
