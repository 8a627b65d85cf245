"""The About dialog: what Chapterwise is, and the versions it runs with."""

from __future__ import annotations

import platform
import sys
from importlib import metadata

import PySide6
from PySide6.QtCore import Qt, qVersion
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from desktop_app import __version__
from desktop_app.ui.i18n import translate
from desktop_app.ui.theme import icon


def versions() -> dict[str, str]:
    """The versions worth quoting in a bug report."""
    out = {
        "Chapterwise": __version__,
        "Python": platform.python_version(),
        "Qt": qVersion(),
        "PySide6": PySide6.__version__,
    }
    for dist in ("pyqtgraph", "SQLAlchemy", "pypdf", "pypdfium2", "httpx", "diskcache"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    out["Platform"] = f"{platform.system()} {platform.release()} ({sys.platform})"
    return out


class AboutDialog(QDialog):
    """Name, one line of purpose, and the versions table."""

    def __init__(self, parent: QWidget | None = None, *, backend: str = "", database: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle(translate("AboutDialog", "About Chapterwise"))
        logo = QLabel()
        logo.setPixmap(icon("chapterwise").pixmap(64, 64))
        logo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        title = QLabel(f"<h2>Chapterwise {__version__}</h2>")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        blurb = QLabel(
            translate("AboutDialog", "Summarizes long documents chapter by chapter, live, on your own machine.")
        )
        blurb.setWordWrap(True)
        blurb.setAlignment(Qt.AlignmentFlag.AlignCenter)
        rows = "".join(f"<tr><td><b>{k}</b></td><td>&nbsp;&nbsp;{v}</td></tr>" for k, v in versions().items())
        if backend:
            rows += f"<tr><td><b>{translate('AboutDialog', 'Summarizer')}</b></td><td>&nbsp;&nbsp;{backend}</td></tr>"
        if database:
            rows += f"<tr><td><b>{translate('AboutDialog', 'Database')}</b></td><td>&nbsp;&nbsp;{database}</td></tr>"
        self.table = QLabel(f"<table>{rows}</table>")
        self.table.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (logo, title, blurb, self.table, buttons):
            layout.addWidget(widget)
