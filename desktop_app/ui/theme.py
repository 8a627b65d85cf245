"""Light and dark palettes that follow the system, the style sheet, and the icons.

The Fusion style is used everywhere so the window looks the same on every desktop; its palette is
switched when the system's colour scheme changes (``QStyleHints.colorSchemeChanged``). Icons are SVG,
so they stay sharp at any device pixel ratio.
"""

from __future__ import annotations

import logging
from functools import cache

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication

from desktop_app import resources

log = logging.getLogger(__name__)


@cache
def icon(name: str) -> QIcon:
    """An icon from the package's ``resources/icons/<name>.svg`` (an empty icon, and a warning, if it is missing)."""
    path = resources.find("icons", f"{name}.svg")
    return QIcon(str(path)) if path else QIcon()


def is_dark(app: QGuiApplication) -> bool:
    scheme = app.styleHints().colorScheme()
    if scheme == Qt.ColorScheme.Dark:
        return True
    if scheme == Qt.ColorScheme.Light:
        return False
    return app.palette().color(QPalette.ColorRole.Window).lightness() < 128


def light_palette() -> QPalette:
    p = QPalette()
    roles = {
        QPalette.ColorRole.Window: "#f4f5f7",
        QPalette.ColorRole.WindowText: "#1f2328",
        QPalette.ColorRole.Base: "#ffffff",
        QPalette.ColorRole.AlternateBase: "#f6f8fa",
        QPalette.ColorRole.Text: "#1f2328",
        QPalette.ColorRole.Button: "#eef0f3",
        QPalette.ColorRole.ButtonText: "#1f2328",
        QPalette.ColorRole.Highlight: "#3d74d9",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.ToolTipBase: "#ffffff",
        QPalette.ColorRole.ToolTipText: "#1f2328",
        QPalette.ColorRole.PlaceholderText: "#8c959f",
        QPalette.ColorRole.Link: "#2f63c7",
        QPalette.ColorRole.Mid: "#6e7781",
        QPalette.ColorRole.Midlight: "#d0d7de",
    }
    for role, color in roles.items():
        p.setColor(role, QColor(color))
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor("#a0a7af"))
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor("#a0a7af"))
    return p


def dark_palette() -> QPalette:
    p = QPalette()
    roles = {
        QPalette.ColorRole.Window: "#1e2127",
        QPalette.ColorRole.WindowText: "#e6e6e6",
        QPalette.ColorRole.Base: "#16181d",
        QPalette.ColorRole.AlternateBase: "#1c1f25",
        QPalette.ColorRole.Text: "#e6e6e6",
        QPalette.ColorRole.Button: "#2a2e36",
        QPalette.ColorRole.ButtonText: "#e6e6e6",
        QPalette.ColorRole.Highlight: "#3d74d9",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.ToolTipBase: "#2a2e36",
        QPalette.ColorRole.ToolTipText: "#e6e6e6",
        QPalette.ColorRole.PlaceholderText: "#7d8590",
        QPalette.ColorRole.Link: "#78aeed",
        QPalette.ColorRole.Mid: "#9198a1",
        QPalette.ColorRole.Midlight: "#3a3f48",
    }
    for role, color in roles.items():
        p.setColor(role, QColor(color))
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor("#6b7079"))
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor("#6b7079"))
    return p


def apply_theme(app: QApplication, scheme: str = "system") -> None:
    """Fusion, a palette for the system's colour scheme (or ``scheme`` = "light"/"dark"), the style sheet."""
    app.setStyle("Fusion")
    dark = is_dark(app) if scheme == "system" else scheme == "dark"
    app.setPalette(dark_palette() if dark else light_palette())
    app.setProperty("chapterwise_dark", dark)
    qss = resources.find("styles", "chapterwise.qss")
    if qss:
        app.setStyleSheet(qss.read_text(encoding="utf-8"))
    if scheme == "system" and not app.property("chapterwise_theme_follows"):
        app.setProperty("chapterwise_theme_follows", True)
        app.styleHints().colorSchemeChanged.connect(lambda _s: apply_theme(app))
