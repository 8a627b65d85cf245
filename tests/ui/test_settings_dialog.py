"""The settings dialog refuses bad values, saves good ones and the window applies them without a restart."""

from __future__ import annotations

import json

import pytest

from desktop_app.ui.widgets.settings_dialog import SettingsDialog
from desktop_app.ui.window_menus import open_settings


@pytest.fixture
def dialog(qtbot, ui_settings) -> SettingsDialog:
    dlg = SettingsDialog(ui_settings)
    qtbot.addWidget(dlg)
    return dlg


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda d: (d.min_workers.setValue(8), d.max_workers.setValue(4)),
            "Minimum workers (8) is above Maximum workers (4)",
        ),
        (lambda d: d.database_url.setText("mysql://db/chapterwise"), "Database URL"),
        (lambda d: (d.backend.setCurrentText("ollama"), d.endpoints.setText("ftp://gpu-box")), "not an http"),
        (lambda d: (d.initial_workers.setValue(12), d.max_workers.setValue(6)), "above the maximum"),
    ],
    ids=["min-above-max", "database-url", "endpoint-url", "initial-above-max"],
)
def test_bad_values_are_refused(dialog: SettingsDialog, ui_settings, edit, message: str) -> None:
    edit(dialog)
    saved: list[object] = []
    dialog.settings_saved.connect(saved.append)
    dialog.accept()
    assert message in dialog.error_label.text()
    assert not saved
    assert not ui_settings.settings_path.exists(), "nothing is written when a value is bad"


def test_good_values_are_saved(dialog: SettingsDialog, ui_settings) -> None:
    dialog.backend.setCurrentText("ollama")
    dialog.model.setText("llama3.2")
    dialog.endpoints.setText("http://localhost:11434, http://gpu-box:11434")
    dialog.api_key.setText("secret")
    dialog.max_workers.setValue(8)
    dialog.cache_ttl_hours.setValue(48)
    saved: list[object] = []
    dialog.settings_saved.connect(saved.append)
    dialog.accept()
    assert dialog.error_label.text() == ""
    assert len(saved) == 1
    result = saved[0]
    assert result.backend == "ollama" and result.endpoints == ["http://localhost:11434", "http://gpu-box:11434"]
    assert result.max_workers == 8 and result.cache_ttl_seconds == 48 * 3600
    assert result.api_key.get_secret_value() == "secret"
    on_disk = json.loads(ui_settings.settings_path.read_text(encoding="utf-8"))
    assert on_disk["model"] == "llama3.2" and on_disk["max_workers"] == 8


def test_saved_settings_apply_without_restart(qtbot, make_window, book) -> None:
    window = make_window()
    with qtbot.waitSignal(window.chapters_loaded, timeout=20_000):
        window.open_files([book(3)])
    dialog = open_settings(window)
    dialog.max_workers.setValue(5)
    dialog.min_workers.setValue(2)
    dialog.initial_workers.setValue(2)
    with qtbot.waitSignal(window.engine_restarted, timeout=20_000):
        dialog.accept()
    assert window.engine.worker_bounds()[1] == 5
    assert window.settings.min_workers == 2
    # The documents are listed again from the new engine.
    qtbot.waitUntil(lambda: window.documents_model.rowCount() == 1, timeout=10_000)


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_test_connection_shows_up_and_down_without_saving(qtbot, dialog: SettingsDialog, ui_settings) -> None:
    from chapterwise_testing.llmsim import LLMSimulator

    dialog.backend.setCurrentText("ollama")
    dialog.model.setText("llama3.2:latest")
    with LLMSimulator(latency=0.0) as sim:
        dialog.endpoints.setText(sim.url)
        with qtbot.waitSignal(dialog.connection_tested, timeout=10_000) as tested:
            dialog.test_button.click()
            assert not dialog.test_button.isEnabled()  # the probe runs on a worker thread
            assert "Testing" in dialog.test_result.text()
        [result] = tested.args[0]
        assert result.state == "up"
        assert "up: Answers in" in dialog.test_result.text()
        assert dialog.test_button.isEnabled()

    closed = f"http://127.0.0.1:{_closed_port()}"
    dialog.endpoints.setText(closed)
    with qtbot.waitSignal(dialog.connection_tested, timeout=10_000) as tested:
        dialog.test_button.click()
    [result] = tested.args[0]
    assert result.state == "down"
    assert f"Nothing answers at {closed}" in dialog.test_result.text()
    assert "down:" in dialog.test_result.text()
    assert not ui_settings.settings_path.exists(), "testing saves nothing"


def test_test_connection_refuses_a_bad_url_at_once(dialog: SettingsDialog) -> None:
    dialog.backend.setCurrentText("ollama")
    dialog.endpoints.setText("gpu-box:11434")
    dialog.test_button.click()
    assert "Cannot test" in dialog.test_result.text() and "not an http" in dialog.test_result.text()
    assert dialog.test_button.isEnabled()


def test_a_problem_reads_in_the_form_s_words_and_goes_away_when_fixed(dialog: SettingsDialog) -> None:
    dialog.min_workers.setValue(8)
    dialog.max_workers.setValue(4)
    dialog.accept()
    shown = dialog.error_label.text()
    assert shown == "Minimum workers (8) is above Maximum workers (4)"
    assert "CHAPTERWISE_" not in shown and "Value error" not in shown
    assert dialog.error_label.isVisibleTo(dialog)
    dialog.max_workers.setValue(6)  # still wrong: the message follows the value
    assert dialog.error_label.text() == "Minimum workers (8) is above Maximum workers (6)"
    dialog.max_workers.setValue(8)  # fixed
    assert dialog.error_label.text() == "" and not dialog.error_label.isVisibleTo(dialog)


def test_the_built_in_summarizer_disables_the_llm_fields(dialog: SettingsDialog) -> None:
    llm_fields = (dialog.model, dialog.endpoints, dialog.api_key, dialog.test_button)
    dialog.backend.setCurrentText("extractive")
    assert not any(w.isEnabled() for w in llm_fields)
    dialog.backend.setCurrentText("openai")
    assert all(w.isEnabled() for w in llm_fields)


def test_the_connection_result_is_not_drawn_under_the_api_key(qtbot, dialog: SettingsDialog) -> None:
    dialog.show()
    dialog.backend.setCurrentText("ollama")
    dialog.endpoints.setText("gpu-box:11434")  # refused at once, with a long two-line reason
    dialog.test_button.click()
    qtbot.waitUntil(dialog.test_result.isVisible)
    result = dialog.test_result
    top_left = result.mapTo(dialog, result.rect().topLeft())
    key_bottom = dialog.api_key.mapTo(dialog, dialog.api_key.rect().bottomLeft()).y()
    assert top_left.y() > key_bottom, "the result starts below the API key row"
    assert result.height() >= result.heightForWidth(result.width()), "the result gets the height its text needs"


def test_local_backend_takes_a_model_file(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from desktop_app.config import Settings

    dialog = SettingsDialog(Settings(data_dir=tmp_path))
    qtbot.addWidget(dialog)
    assert not dialog.model_file.isEnabled()
    dialog.backend.setCurrentText("local")
    assert dialog.model_file.isEnabled() and not dialog.endpoints.isEnabled()
    dialog.model_file.setText(str(tmp_path / "model.gguf"))
    candidate = dialog.candidate()
    assert candidate.backend == "local" and candidate.model_file == tmp_path / "model.gguf"
