"""The message bar at the top of the window that says the summarizer backend does not answer, and why.

Shown when every endpoint of the configured backend is down (or paused), at start or later, with each
endpoint's reason (they name what to check: the URL, whether the server runs, whether the model is
pulled), a "Retry now" button and a "Settings…" button. It hides itself when an endpoint answers again.
Dismissing it hides it until the backend has recovered and failed again.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QStyle, QToolButton, QVBoxLayout, QWidget

from desktop_app.engine.events import BackendHealth
from desktop_app.ui.i18n import translate

BACKEND_NAMES = {"ollama": "Ollama", "openai": "the OpenAI-compatible server"}


class BackendBanner(QFrame):
    """A dismissible warning bar about the backend. GUI thread only."""

    # --- signals
    retry_requested = Signal()
    settings_requested = Signal()
    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("backendBanner")
        # A translucent red reads as a warning on the light and the dark palette alike.
        self.setStyleSheet(
            "QFrame#backendBanner { background: rgba(207, 34, 46, 0.12);"
            " border: 1px solid rgba(207, 34, 46, 0.55); border-radius: 5px; }"
            " QFrame#backendBanner QLabel { background: transparent; border: none; }"
        )
        self._dismissed = False
        self.health: BackendHealth | None = None

        icon_label = QLabel()
        side = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize)
        icon_label.setPixmap(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(side, side))
        icon_label.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.title_label = QLabel()
        self.title_label.setObjectName("bannerTitle")
        self.title_label.setWordWrap(True)
        self.reason_label = QLabel()
        self.reason_label.setObjectName("bannerReasons")
        self.reason_label.setWordWrap(True)
        self.reason_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.retry_button = QPushButton(translate("BackendBanner", "Retry now"))
        self.retry_button.setToolTip(translate("BackendBanner", "Check the endpoints again now"))
        self.retry_button.clicked.connect(self.retry_requested)
        self.settings_button = QPushButton(translate("BackendBanner", "Settings…"))
        self.settings_button.setToolTip(
            translate("BackendBanner", "Change the backend, the model or the endpoint URLs")
        )
        self.settings_button.clicked.connect(self.settings_requested)
        self.close_button = QToolButton()
        self.close_button.setAutoRaise(True)
        self.close_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_TitleBarCloseButton))
        self.close_button.setToolTip(
            translate("BackendBanner", "Hide this message until the backend recovers and fails again")
        )
        self.close_button.setAccessibleName(translate("BackendBanner", "Hide this message"))
        self.close_button.clicked.connect(self.dismiss)

        texts = QVBoxLayout()
        texts.setSpacing(2)
        texts.addWidget(self.title_label)
        texts.addWidget(self.reason_label)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.addWidget(icon_label)
        layout.addLayout(texts, 1)
        for widget in (self.retry_button, self.settings_button, self.close_button):
            layout.addWidget(widget, 0, Qt.AlignmentFlag.AlignVCenter)
        self.hide()

    # --- public

    def show_health(self, health: BackendHealth | None) -> None:
        """Show the banner if every endpoint is down, hide it as soon as one answers again."""
        self.health = health
        self.set_checking(False)
        if health is None or not health.all_down:
            self._dismissed = False
            self.hide()
            return
        server = BACKEND_NAMES.get(health.backend, health.backend)
        many = len(health.endpoints) > 1
        headline = translate("BackendBanner", "The summarizer backend does not answer.")
        advice = (
            translate(
                "BackendBanner",
                "Chapters cannot be summarized by %1 until one of its endpoints answers: "
                "check the URL, that the server is running and that the model is pulled.",
            )
            if many
            else translate(
                "BackendBanner",
                "Chapters cannot be summarized by %1 until it answers: check the "
                "URL, that the server is running and that the model is pulled.",
            )
        )
        self.title_label.setText(f"<b>{headline}</b> {advice.replace('%1', server)}")
        self.reason_label.setText("<br>".join(html.escape(e.reason) for e in health.endpoints))
        self.setVisible(not self._dismissed)

    def set_checking(self, on: bool) -> None:
        """While a retry runs: the button says so and cannot be pressed twice."""
        self.retry_button.setEnabled(not on)
        self.retry_button.setText(
            translate("BackendBanner", "Checking…") if on else translate("BackendBanner", "Retry now")
        )

    def dismiss(self) -> None:
        self._dismissed = True
        self.hide()
        self.dismissed.emit()

    def text(self) -> str:
        """The banner's text without markup (tests, accessibility)."""
        reasons = self.reason_label.text().replace("<br>", "\n")
        return f"{self.title_label.text()}\n{html.unescape(reasons)}".replace("<b>", "").replace("</b>", "")
