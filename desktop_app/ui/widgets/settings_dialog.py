"""The settings dialog: summarizer backend, model, endpoints, API key, workers, database, cache.

Values are validated by the same typed :class:`~desktop_app.config.Settings` the engine uses; a bad
value keeps the dialog open with the reason shown under the form, in the form's own words (the labels,
never the environment names or pydantic's "Value error"), and the reason goes away as soon as the value
is fixed. The fields the built-in summarizer does not use (model, endpoints, API key, test) are disabled
while it is chosen. Saved settings go to
``settings.json`` in the data directory; the window then restarts the engine in place with them
(documents in progress carry on), so nothing needs an application restart.

"Test connection" probes the endpoints the form names (unsaved values included) with
``Engine.test_connection`` on a worker thread, and shows each endpoint's state and reason under the
form; the dialog stays responsive meanwhile.
"""

from __future__ import annotations

import html
from typing import Any

import shiboken6
from pydantic import ValidationError
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop_app.config import Settings, env_name
from desktop_app.engine.events import EndpointHealth
from desktop_app.engine.service import Engine
from desktop_app.ui.i18n import translate
from desktop_app.ui.threads import TaskRunner
from desktop_app.ui.widgets.health_indicator import STATE_COLORS, STATE_WORDS, short_endpoint

BACKENDS = ("extractive", "ollama", "openai", "local")


class SettingsDialog(QDialog):
    """Edits the settings that matter day to day. ``settings_saved(Settings)`` after a valid save."""

    # --- signals
    settings_saved = Signal(object)  # Settings
    connection_tested = Signal(list)  # list[EndpointHealth] of the last "Test connection"

    def __init__(self, settings: Settings, parent: QWidget | None = None, *, tasks: TaskRunner | None = None) -> None:
        super().__init__(parent)
        # The window's task pool outlives the dialog; a dialog on its own brings its own.
        self.tasks = tasks or TaskRunner(self, max_threads=1)
        self.setWindowTitle(translate("SettingsDialog", "Settings"))
        self.setMinimumWidth(520)
        self.settings = settings

        # --- summarizer
        self.backend = QComboBox()
        self.backend.addItems(list(BACKENDS))
        self.backend.setCurrentText(settings.backend)
        self.backend.currentTextChanged.connect(self._on_backend_current_text_changed)
        self.backend.setToolTip(
            translate(
                "SettingsDialog",
                "extractive: built in, offline; ollama: an Ollama server; openai: an OpenAI-compatible server",
            )
        )
        self.model = QLineEdit(settings.model)
        self.model.setPlaceholderText("backend default (llama3.2 / gpt-4o-mini)")
        self.endpoints = QLineEdit(", ".join(settings.endpoints))
        self.endpoints.setPlaceholderText("http://localhost:11434, http://gpu-box:11434")
        self.api_key = QLineEdit(settings.api_key.get_secret_value() if settings.api_key else "")
        self.api_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.api_key.setPlaceholderText("only for hosted OpenAI-compatible APIs")
        self.model_file = QLineEdit(str(settings.model_file or ""))
        self.model_file.setPlaceholderText(translate("SettingsDialog", "a .gguf file, for the local backend"))
        browse = QPushButton(translate("SettingsDialog", "Choose…"))
        browse.clicked.connect(self._on_browse_clicked)
        model_file_row = QHBoxLayout()
        model_file_row.addWidget(self.model_file, 1)
        model_file_row.addWidget(browse)
        summarizer = QGroupBox(translate("SettingsDialog", "Summarizer"))
        form = QFormLayout()
        form.addRow(translate("SettingsDialog", "Backend"), self.backend)
        form.addRow(translate("SettingsDialog", "Model"), self.model)
        form.addRow(translate("SettingsDialog", "Model file"), model_file_row)
        self.test_button = QPushButton(translate("SettingsDialog", "Test connection"))
        self.test_button.setToolTip(
            translate(
                "SettingsDialog", "Check now whether these endpoints answer and have the model (nothing is saved)"
            )
        )
        self.test_button.clicked.connect(self._on_test_button_clicked)
        endpoints_row = QHBoxLayout()
        endpoints_row.addWidget(self.endpoints, 1)
        endpoints_row.addWidget(self.test_button)
        self.test_result = QLabel("")
        self.test_result.setObjectName("connectionResult")
        self.test_result.setWordWrap(True)
        self.test_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.test_result.hide()
        form.addRow(translate("SettingsDialog", "Endpoints"), endpoints_row)
        form.addRow(translate("SettingsDialog", "API key"), self.api_key)
        # The result goes below the form, not in a form row: a word-wrapped label in a QFormLayout row
        # gets the height of one line and the API key row was drawn over the rest.
        box = QVBoxLayout(summarizer)
        box.addLayout(form)
        box.addWidget(self.test_result)

        # --- pipeline
        self.initial_workers = _spin(1, 16, settings.summary_max_workers)
        self.min_workers = _spin(1, 16, settings.min_workers)
        self.max_workers = _spin(1, 64, settings.max_workers)
        pipeline = QGroupBox(translate("SettingsDialog", "Workers"))
        form = QFormLayout(pipeline)
        form.addRow(translate("SettingsDialog", "At start"), self.initial_workers)
        form.addRow(translate("SettingsDialog", "Minimum"), self.min_workers)
        form.addRow(translate("SettingsDialog", "Maximum"), self.max_workers)

        # --- storage and cache
        self.database_url = QLineEdit(settings.database_url)
        self.database_url.setPlaceholderText(f"sqlite:///{settings.data_dir / 'chapterwise.db'}")
        self.cache_enabled = QCheckBox(translate("SettingsDialog", "Cache summaries by content"))
        self.cache_enabled.setChecked(settings.cache_enabled)
        self.cache_entries = _spin(0, 10_000_000, settings.cache_max_entries)
        self.cache_entries.setSingleStep(1000)
        self.cache_ttl_hours = _spin(0, 24 * 365, settings.cache_ttl_seconds // 3600)
        self.cache_ttl_hours.setSuffix(" h")
        self.cache_ttl_hours.setSpecialValueText(translate("SettingsDialog", "never expires"))
        storage = QGroupBox(translate("SettingsDialog", "Storage and cache"))
        form = QFormLayout(storage)
        form.addRow(translate("SettingsDialog", "Database URL"), self.database_url)
        form.addRow("", self.cache_enabled)
        form.addRow(translate("SettingsDialog", "Cache entries"), self.cache_entries)
        form.addRow(translate("SettingsDialog", "Cache TTL"), self.cache_ttl_hours)

        self.error_label = QLabel("")
        self.error_label.setObjectName("settingsError")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #c01c28;")
        self.error_label.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        for widget in (summarizer, pipeline, storage, self.error_label, self.buttons):
            layout.addWidget(widget)
        self._on_backend_current_text_changed(self.backend.currentText())
        self.saved: Settings | None = None
        for line in (self.model, self.endpoints, self.api_key, self.database_url):
            line.textChanged.connect(self._on_form_edited)
        for spin in (
            self.initial_workers,
            self.min_workers,
            self.max_workers,
            self.cache_entries,
            self.cache_ttl_hours,
        ):
            spin.valueChanged.connect(self._on_form_edited)
        self.backend.currentTextChanged.connect(self._on_form_edited)
        self.cache_enabled.toggled.connect(self._on_form_edited)
        self._label_accessibility()

    # --- values

    def candidate(self) -> Settings:
        """The settings the form describes, unsaved; raises ``ValidationError``."""
        return Settings.model_validate({**_plain(self.settings), **self.changes()})

    def changes(self) -> dict[str, Any]:
        """The form as settings fields (only what the dialog edits)."""
        endpoints = [e.strip() for e in self.endpoints.text().split(",") if e.strip()]
        return {
            "backend": self.backend.currentText(),
            "model": self.model.text().strip(),
            "endpoints": endpoints,
            "api_key": self.api_key.text() or None,
            "model_file": self.model_file.text().strip() or None,
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
                problems.append(
                    translate("SettingsDialog", "Endpoints: “%1” is not an http:// or https:// URL").replace("%1", url)
                )
        if changes["summary_max_workers"] > changes["max_workers"]:
            problems.append(translate("SettingsDialog", "Workers: the number at start is above the maximum"))
        try:
            Settings.model_validate({**_plain(self.settings), **changes})
        except ValidationError as err:
            problems += [_problem_text(problem) for problem in err.errors()]
        return "\n".join(dict.fromkeys(problems)) or None

    # --- Qt overrides

    def accept(self) -> None:
        problem = self.validate()
        if problem:
            self.error_label.setText(problem)
            self.error_label.show()
            return
        try:
            self.saved = self.settings.save(self.changes())
        except (ValidationError, OSError, ValueError) as err:
            failed = translate("SettingsDialog", "Could not save the settings: %1")
            self.error_label.setText(failed.replace("%1", str(err)))
            self.error_label.show()
            return
        self.error_label.setText("")
        self.error_label.hide()
        self.settings_saved.emit(self.saved)
        super().accept()

    # --- testing the connection

    def test_connection(self) -> None:
        """Probe the form's endpoints off the GUI thread; the answer appears under the endpoints."""
        bad = [url for url in self.changes()["endpoints"] if not url.startswith(("http://", "https://"))]
        try:
            if bad:
                raise ValueError(f"{bad[0]!r} is not an http:// or https:// URL")
            candidate = self.candidate()
        except (ValidationError, ValueError) as err:
            cannot = translate("SettingsDialog", "Cannot test: %1").replace("%1", html.escape(_first_error(err)))
            self._show_test_text(f"<span style='color:#c01c28'>{cannot}</span>")
            return
        self.test_button.setEnabled(False)
        self.test_button.setText(translate("SettingsDialog", "Testing…"))
        self._show_test_text("<i>" + translate("SettingsDialog", "Testing the connection…") + "</i>")

        def done(results: list[EndpointHealth]) -> None:
            if shiboken6.isValid(self):  # the dialog may have been closed meanwhile
                self._show_test_results(results)

        def failed(err: Exception) -> None:
            done([EndpointHealth(", ".join(candidate.endpoints) or candidate.backend, "down", str(err))])

        self.tasks.submit(lambda: Engine.test_connection(candidate), done, failed)

    def _show_test_results(self, results: list[EndpointHealth]) -> None:
        self.test_button.setEnabled(self.backend.currentText() != "extractive")
        self.test_button.setText(translate("SettingsDialog", "Test connection"))
        lines = []
        for e in results:
            color = STATE_COLORS.get(e.state, "gray")
            lines.append(
                f"<span style='color:{color}'>●</span> <b>{html.escape(short_endpoint(e.url))}</b> "
                f"{STATE_WORDS.get(e.state, e.state)}: {html.escape(e.reason)}"
            )
        self._show_test_text("<br>".join(lines) or translate("SettingsDialog", "No endpoint to test."))
        self.connection_tested.emit(results)

    def _show_test_text(self, text: str) -> None:
        self.test_result.setText(text)
        self.test_result.setAccessibleDescription(html.unescape(text.replace("<br>", "\n")))
        self.test_result.show()
        self.adjustSize()  # grow to the result's height rather than clip it

    def _label_accessibility(self) -> None:
        from desktop_app.ui.accessibility import describe_controls

        for widget, name in (
            (self.backend, "Backend"),
            (self.model, "Model"),
            (self.endpoints, "Endpoints"),
            (self.api_key, "API key"),
            (self.model_file, "Model file"),
            (self.initial_workers, "Workers at start"),
            (self.min_workers, "Minimum workers"),
            (self.max_workers, "Maximum workers"),
            (self.database_url, "Database URL"),
            (self.cache_entries, "Cache entries"),
            (self.cache_ttl_hours, "Cache TTL"),
        ):
            widget.setAccessibleName(_LABELS_BY_NAME[name])
        self.error_label.setAccessibleName(translate("SettingsDialog", "Problems with these settings"))
        self.test_result.setAccessibleName(translate("SettingsDialog", "Connection test result"))
        describe_controls(self)

    # --- slots

    def _on_backend_current_text_changed(self, backend: str) -> None:
        # The built-in summarizer runs offline: no model, endpoint, key or connection to test; the local
        # backend reads a model file instead of a server.
        remote = backend not in ("extractive", "local")
        for widget in (self.endpoints, self.api_key):
            widget.setEnabled(remote)
        self.model.setEnabled(backend != "extractive")
        self.test_button.setEnabled(backend != "extractive")
        self.model_file.setEnabled(backend == "local")
        if backend == "extractive":
            self.test_result.hide()

    def _on_browse_clicked(self) -> None:
        title = translate("SettingsDialog", "Model file")
        path, _ = QFileDialog.getOpenFileName(self, title, self.model_file.text(), "GGUF models (*.gguf)")
        if path:
            self.model_file.setText(path)

    def _on_form_edited(self, *_args: object) -> None:
        # Once a problem is shown, it follows the form: fixed values make it go away at once.
        if self.error_label.text():
            problem = self.validate()
            self.error_label.setText(problem or "")
            self.error_label.setVisible(bool(problem))

    def _on_test_button_clicked(self) -> None:
        self.test_connection()


_LABELS_BY_NAME = {
    "Backend": translate("SettingsDialog", "Backend"),
    "Model": translate("SettingsDialog", "Model"),
    "Endpoints": translate("SettingsDialog", "Endpoints"),
    "API key": translate("SettingsDialog", "API key"),
    "Model file": translate("SettingsDialog", "Model file"),
    "Workers at start": translate("SettingsDialog", "Workers at start"),
    "Minimum workers": translate("SettingsDialog", "Minimum workers"),
    "Maximum workers": translate("SettingsDialog", "Maximum workers"),
    "Database URL": translate("SettingsDialog", "Database URL"),
    "Cache entries": translate("SettingsDialog", "Cache entries"),
    "Cache TTL": translate("SettingsDialog", "Cache TTL"),
}
_FIELDS = {
    "backend": "Backend",
    "model": "Model",
    "endpoints": "Endpoints",
    "api_key": "API key",
    "model_file": "Model file",
    "summary_max_workers": "Workers at start",
    "min_workers": "Minimum workers",
    "max_workers": "Maximum workers",
    "database_url": "Database URL",
    "cache_max_entries": "Cache entries",
    "cache_ttl_seconds": "Cache TTL",
}
_LABELS = {field: _LABELS_BY_NAME[name] for field, name in _FIELDS.items()}


def _problem_text(problem: Any) -> str:
    """One validation problem in the dialog's words: the field's label, no environment names, no "Value error"."""
    message = str(problem.get("msg", ""))
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    for field, label in _LABELS.items():
        message = message.replace(env_name(field), label)
    loc = problem.get("loc") or ()
    if loc and str(loc[0]) in _LABELS:
        return f"{_LABELS[str(loc[0])]}: {message}"
    return message[:1].upper() + message[1:]


def _first_error(err: Exception) -> str:
    if isinstance(err, ValidationError):
        return _problem_text(err.errors()[0])
    return str(err)


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
