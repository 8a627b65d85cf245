"""The settings dialog: summarizer backend, model, endpoints, API key, workers, database, cache.

Values are validated by the same typed :class:`~desktop_app.config.Settings` the engine uses; a bad
value keeps the dialog open with the reason shown under the form. Saved settings go to
``settings.json`` in the data directory; the window then restarts the engine in place with them
(documents in progress carry on), so nothing needs an application restart.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop_app.config import Settings, env_name

BACKENDS = ("extractive", "ollama", "openai")


class SettingsDialog(QDialog):
    """Edits the settings that matter day to day. ``settings_saved(Settings)`` after a valid save."""

    # --- signals
    settings_saved = Signal(object)  # Settings

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setMinimumWidth(520)
        self.settings = settings

        # --- summarizer
        self.backend = QComboBox()
        self.backend.addItems(list(BACKENDS))
        self.backend.setCurrentText(settings.backend)
        self.backend.currentTextChanged.connect(self._on_backend_current_text_changed)
        self.model = QLineEdit(settings.model)
        self.model.setPlaceholderText("backend default (llama3.2 / gpt-4o-mini)")
        self.endpoints = QLineEdit(", ".join(settings.endpoints))
        self.endpoints.setPlaceholderText("http://localhost:11434, http://gpu-box:11434")
        self.api_key = QLineEdit(settings.api_key.get_secret_value() if settings.api_key else "")
        self.api_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.api_key.setPlaceholderText("only for hosted OpenAI-compatible APIs")
        summarizer = QGroupBox("Summarizer")
        form = QFormLayout(summarizer)
        form.addRow("Backend", self.backend)
        form.addRow("Model", self.model)
        form.addRow("Endpoints", self.endpoints)
        form.addRow("API key", self.api_key)

        # --- pipeline
        self.initial_workers = _spin(1, 16, settings.summary_max_workers)
        self.min_workers = _spin(1, 16, settings.min_workers)
        self.max_workers = _spin(1, 64, settings.max_workers)
        pipeline = QGroupBox("Workers")
        form = QFormLayout(pipeline)
        form.addRow("At start", self.initial_workers)
        form.addRow("Minimum", self.min_workers)
        form.addRow("Maximum", self.max_workers)

        # --- storage and cache
        self.database_url = QLineEdit(settings.database_url)
        self.database_url.setPlaceholderText(f"sqlite:///{settings.data_dir / 'chapterwise.db'}")
        self.cache_enabled = QCheckBox("Cache summaries by content")
        self.cache_enabled.setChecked(settings.cache_enabled)
        self.cache_entries = _spin(0, 10_000_000, settings.cache_max_entries)
        self.cache_entries.setSingleStep(1000)
        self.cache_ttl_hours = _spin(0, 24 * 365, settings.cache_ttl_seconds // 3600)
        self.cache_ttl_hours.setSuffix(" h")
        self.cache_ttl_hours.setSpecialValueText("never expires")
        storage = QGroupBox("Storage and cache")
        form = QFormLayout(storage)
        form.addRow("Database URL", self.database_url)
        form.addRow("", self.cache_enabled)
        form.addRow("Cache entries", self.cache_entries)
        form.addRow("Cache TTL", self.cache_ttl_hours)

        self.error_label = QLabel("")
        self.error_label.setObjectName("settingsError")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #c01c28;")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        for widget in (summarizer, pipeline, storage, self.error_label, self.buttons):
            layout.addWidget(widget)
        self._on_backend_current_text_changed(self.backend.currentText())
        self.saved: Settings | None = None

    # --- values

    def changes(self) -> dict[str, Any]:
        """The form as settings fields (only what the dialog edits)."""
        endpoints = [e.strip() for e in self.endpoints.text().split(",") if e.strip()]
        return {
            "backend": self.backend.currentText(),
            "model": self.model.text().strip(),
            "endpoints": endpoints,
            "api_key": self.api_key.text() or None,
            "summary_max_workers": self.initial_workers.value(),
            "min_workers": self.min_workers.value(),
            "max_workers": self.max_workers.value(),
            "database_url": self.database_url.text().strip(),
            "cache_enabled": self.cache_enabled.isChecked(),
            "cache_max_entries": self.cache_entries.value(),
            "cache_ttl_seconds": self.cache_ttl_hours.value() * 3600,
        }

    def validate(self) -> str | None:
        """None if the form is valid, else the reason (one line per bad field)."""
        changes = self.changes()
        problems = []
        for url in changes["endpoints"]:
            if not url.startswith(("http://", "https://")):
                problems.append(f"Endpoints: {url!r} is not an http:// or https:// URL")
        if changes["summary_max_workers"] > changes["max_workers"]:
            problems.append("Workers: the number at start is above the maximum")
        try:
            Settings.model_validate({**_plain(self.settings), **changes})
        except ValidationError as err:
            for problem in err.errors():
                field = str(problem["loc"][0]) if problem.get("loc") else "settings"
                label = _LABELS.get(field, env_name(field))
                problems.append(f"{label}: {problem['msg']}")
        return "\n".join(problems) or None

    # --- Qt overrides

    def accept(self) -> None:
        problem = self.validate()
        if problem:
            self.error_label.setText(problem)
            return
        try:
            self.saved = self.settings.save(self.changes())
        except (ValidationError, OSError, ValueError) as err:
            self.error_label.setText(f"Could not save the settings: {err}")
            return
        self.error_label.setText("")
        self.settings_saved.emit(self.saved)
        super().accept()

    # --- slots

    def _on_backend_current_text_changed(self, backend: str) -> None:
        remote = backend != "extractive"
        for widget in (self.endpoints, self.api_key):
            widget.setEnabled(remote)


_LABELS = {
    "backend": "Backend",
    "model": "Model",
    "endpoints": "Endpoints",
    "api_key": "API key",
    "summary_max_workers": "Workers at start",
    "min_workers": "Minimum workers",
    "max_workers": "Maximum workers",
    "database_url": "Database URL",
    "cache_max_entries": "Cache entries",
    "cache_ttl_seconds": "Cache TTL",
}


def _spin(low: int, high: int, value: int) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, high)
    spin.setValue(max(low, min(high, value)))
    spin.setGroupSeparatorShown(True)
    return spin


def _plain(settings: Settings) -> dict[str, Any]:
    data = settings.model_dump()
    if settings.api_key is not None:
        data["api_key"] = settings.api_key.get_secret_value()
    if settings.api_token is not None:
        data["api_token"] = settings.api_token.get_secret_value()
    return data
