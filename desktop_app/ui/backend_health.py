"""Keeps the status-bar indicators and the banner in step with the engine's backend health.

The engine's health loop probes the LLM endpoints every ``health_check_seconds`` and publishes
``BackendHealth`` when a state or reason changes; the bridge delivers it as ``backend_health_changed``.
"Retry now" probes at once with ``Engine.check_backend`` on the task pool (it blocks for up to a few
seconds) and applies the answer even when nothing changed, so the button always gives feedback.

The built-in extractive backend has no loop: it is shown as one calm "Built-in summarizer" indicator.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, Slot

from desktop_app.engine.events import BackendHealth

if TYPE_CHECKING:
    from desktop_app.engine.service import Engine
    from desktop_app.ui.bridge import EngineBridge
    from desktop_app.ui.threads import TaskRunner
    from desktop_app.ui.widgets.banner import BackendBanner
    from desktop_app.ui.widgets.health_indicator import HealthIndicators

log = logging.getLogger(__name__)


class BackendHealthController(QObject):
    """Feeds :class:`HealthIndicators` and :class:`BackendBanner` from one engine at a time. GUI thread."""

    # --- signals
    health_shown = Signal(object)  # BackendHealth now on screen

    def __init__(
        self, indicators: HealthIndicators, banner: BackendBanner, tasks: TaskRunner, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.indicators = indicators
        self.banner = banner
        self.tasks = tasks
        self.engine: Engine | None = None
        self.health: BackendHealth | None = None
        self._generation = 0
        banner.retry_requested.connect(self._on_banner_retry_requested)

    def attach(self, engine: Engine, bridge: EngineBridge) -> None:
        """Follow ``engine`` (called on every engine start, including after the settings changed)."""
        self.engine = engine
        self._generation += 1
        self.health = None
        self.banner.show_health(None)
        bridge.backend_health_changed.connect(self._on_bridge_backend_health_changed)
        if engine.settings.backend == "extractive":
            self.indicators.show_builtin()
        elif engine.health.current is not None:
            self._show(engine.health.current)
        else:
            self.indicators.show_checking(list(engine.settings.endpoints))

    def retry(self) -> None:
        """Probe the endpoints now, off the GUI thread."""
        engine, generation = self.engine, self._generation
        if engine is None or engine.settings.backend == "extractive":
            return
        self.banner.set_checking(True)

        def done(health: BackendHealth) -> None:
            if generation == self._generation:
                self._show(health)

        def failed(err: Exception) -> None:
            log.warning("Backend check failed: %s", err)
            if generation == self._generation:
                self.banner.set_checking(False)

        self.tasks.submit(engine.check_backend, done, failed)

    # --- slots

    @Slot(object)
    def _on_bridge_backend_health_changed(self, health: BackendHealth) -> None:
        if self.engine is not None and self.engine.settings.backend != "extractive":
            self._show(health)

    @Slot()
    def _on_banner_retry_requested(self) -> None:
        self.retry()

    # --- helpers

    def _show(self, health: BackendHealth) -> None:
        self.health = health
        self.indicators.show_health(health)
        self.banner.show_health(health)
        self.health_shown.emit(health)
