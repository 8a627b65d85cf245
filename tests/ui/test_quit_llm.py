"""Quitting mid-run with an LLM backend: the pipeline stops within the promised 5 s, with no traceback.

Each summary takes longer than the quit timeout, so requests are in flight when the window closes. The
window asks the engine to stop within 5 s whatever ``shutdown_timeout`` says; the engine gives its
workers half the time, then cuts the requests still waiting on the silent server (their sockets are shut
down, so the blocked reads end at once), hands those chapters back to the backlog quietly and closes its
HTTP clients only after the workers stopped."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from chapterwise_testing.llmsim import LLMSimulator
from desktop_app.ui import threads
from desktop_app.ui.controller import QUIT_TIMEOUT_S
from tests.ui.test_backend_health import ollama_settings


def test_quitting_mid_run_with_an_llm_backend_is_clean(
    qtbot, ui_settings, tmp_path: Path, book, caplog: pytest.LogCaptureFixture
) -> None:
    from desktop_app.ui.main_window import MainWindow

    caplog.set_level(logging.INFO)
    settings = ollama_settings(ui_settings, tmp_path, "http://127.0.0.1:9").model_copy(
        update={"shutdown_timeout": 30.0}
    )  # the window keeps its 5 s promise whatever this says
    with LLMSimulator(latency=8.0, slots=2) as sim:
        # Not the make_window fixture: its teardown insists on a clean stop, which is what is tested here.
        # Two slots said on the URL, so both requests go out at once (see tests/engine/test_stop_in_flight.py).
        window = MainWindow(
            settings.model_copy(update={"endpoints": [f"{sim.url}#parallel=2"]}), restore_geometry=False
        )
        window.prompts.show_dialogs = False
        window.show()
        try:
            with qtbot.waitSignal(window.document_opened, timeout=20_000):
                window.open_files([book(12)])
            qtbot.waitUntil(lambda: sim.in_flight >= 2, timeout=20_000)
            window.close()
        finally:
            window.close()
            threads.drain(30.0)  # stragglers end before the next test starts its own loops
    assert QUIT_TIMEOUT_S == 5.0
    tracebacks = [r.getMessage() for r in caplog.records if r.exc_info or "client has been closed" in r.getMessage()]
    assert tracebacks == []
    assert window.shutdown_ok, "every loop stopped within the quit timeout"
