"""Status-bar indicators of the summarizer backend: one coloured dot and a short label per LLM endpoint.

States come from the engine's :class:`~desktop_app.engine.events.BackendHealth`: up (green), slow
(amber), down (red), circuit open (a red ring, "paused": the summarizer stopped sending it requests
after repeated failures). The reason, and the latency of the last probe, are the tooltip. The built-in
extractive summarizer shows a single calm "Built-in summarizer" indicator.

The dots are painted with ``QPainter`` in logical pixels sized from the font, so they stay round and
sharp at any device pixel ratio, and their colours read on light and dark palettes alike.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from desktop_app.engine.events import BackendHealth, EndpointHealth

#: Dot colours: chosen to read on both the light and the dark palette.
STATE_COLORS = {"up": "#2ea043", "slow": "#d29922", "down": "#cf222e", "circuit_open": "#cf222e", "loading": "#d29922"}
#: The word shown after the endpoint's name.
STATE_WORDS = {
    "up": "up",
    "slow": "slow",
    "down": "down",
    "circuit_open": "paused",
    "checking": "checking…",
    "loading": "loading",
}
BUILT_IN = "built-in"


def short_endpoint(url: str) -> str:
    """``http://127.0.0.1:11434/v1`` → ``127.0.0.1:11434``: enough to tell endpoints apart in a status bar."""
    if url == BUILT_IN:
        return "Built-in summarizer"
    parts = urlsplit(url)
    return parts.netloc or url


def health_tooltip(endpoint: EndpointHealth) -> str:
    """The reason a user can act on, the URL and the latency of the last probe."""
    lines = [endpoint.reason]
    if endpoint.url != BUILT_IN:
        lines.append(endpoint.url)
        if endpoint.latency_ms is not None:
            lines.append(f"Last check: {endpoint.latency_ms:.0f} ms")
    return "\n".join(lines)


class StatusDot(QWidget):
    """A small round dot in the colour of a state; hollow for a paused (circuit open) endpoint."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = "checking"
        self.setAttribute(Qt.WidgetAttribute.WA_TranslucentBackground)

    def set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.update()

    def color(self) -> QColor:
        if self.state in STATE_COLORS:
            return QColor(STATE_COLORS[self.state])
        return self.palette().color(QPalette.ColorRole.Mid)

    # --- Qt overrides

    def sizeHint(self) -> QSize:
        side = max(8, round(self.fontMetrics().height() * 0.75))
        return QSize(side, side)

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        diameter = min(self.width(), self.height()) * 0.72
        rect = QRectF((self.width() - diameter) / 2, (self.height() - diameter) / 2, diameter, diameter)
        color = self.color()
        if self.state in ("circuit_open", "checking"):
            pen = QPen(color, max(1.5, diameter / 5))
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            inset = pen.widthF() / 2
            painter.drawEllipse(rect.adjusted(inset, inset, -inset, -inset))
        else:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(color)
            painter.drawEllipse(rect)


class EndpointIndicator(QWidget):
    """One endpoint: a :class:`StatusDot` and "127.0.0.1:11434 up"; the reason on hover."""

    def __init__(self, url: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.url = url
        self.state = "checking"
        self.reason = ""
        self.dot = StatusDot()
        self.label = QLabel()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.setSpacing(4)
        layout.addWidget(self.dot)
        layout.addWidget(self.label)
        self._show("checking", "Checking whether the endpoint answers…")

    def set_health(self, endpoint: EndpointHealth) -> None:
        self._show(endpoint.state, health_tooltip(endpoint))
        self.reason = endpoint.reason

    def text(self) -> str:
        return self.label.text()

    def _show(self, state: str, tooltip: str) -> None:
        self.state = state
        self.dot.set_state(state)
        name = short_endpoint(self.url)
        self.label.setText(name if self.url == BUILT_IN else f"{name} {STATE_WORDS.get(state, state)}")
        self.setToolTip(tooltip)
        self.setAccessibleName(f"Summarizer endpoint {name}: {STATE_WORDS.get(state, state)}")


class HealthIndicators(QWidget):
    """The row of endpoint indicators for the status bar. GUI thread only."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("backendHealth")
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(2)
        self.indicators: list[EndpointIndicator] = []

    def show_checking(self, urls: list[str]) -> None:
        """Before the first probe: every configured endpoint, grey, "checking…"."""
        self._rebuild(urls or ["backend"])

    def show_health(self, health: BackendHealth) -> None:
        urls = [e.url for e in health.endpoints]
        if urls != [i.url for i in self.indicators]:
            self._rebuild(urls)
        for indicator, endpoint in zip(self.indicators, health.endpoints, strict=True):
            indicator.set_health(endpoint)

    def show_builtin(self) -> None:
        self.show_health(
            BackendHealth(
                "extractive",
                (
                    EndpointHealth(
                        BUILT_IN, "up", "The built-in summarizer runs on this computer: no server is needed.", 0.0
                    ),
                ),
            )
        )

    def states(self) -> dict[str, str]:
        """url → state, for tests and the About dialog."""
        return {i.url: i.state for i in self.indicators}

    def _rebuild(self, urls: list[str]) -> None:
        for indicator in self.indicators:
            self._layout.removeWidget(indicator)
            indicator.deleteLater()
        self.indicators = [EndpointIndicator(url, self) for url in urls]
        for indicator in self.indicators:
            self._layout.addWidget(indicator)
