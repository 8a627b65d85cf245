"""The Log tab and the terminal carry what a user reads: health changes once, no library chatter."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from chapterwise_testing.llmsim import LLMSimulator
from desktop_app.engine.service import Engine
from desktop_app.ui.widgets.log_panel import CHATTY_LIBRARIES, QtLogHandler, quiet_libraries
from tests.ui.test_backend_health import ollama_settings


@pytest.fixture
def restore_levels():
    levels = {name: logging.getLogger(name).level for name in CHATTY_LIBRARIES}
    yield
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def test_library_chatter_stays_out_of_the_log_tab(restore_levels) -> None:
    handler = QtLogHandler()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        quiet_libraries("INFO")
        logging.getLogger("httpx").info('HTTP Request: GET http://127.0.0.1:11434/api/tags "HTTP/1.1 200 OK"')
        logging.getLogger("alembic.runtime.migration").info("Running upgrade -> 0001")
        logging.getLogger("httpx").warning("a real problem")
    finally:
        root.removeHandler(handler)
    lines = handler.lines()
    assert len(lines) == 1 and "a real problem" in lines[0]
    quiet_libraries("DEBUG")  # asked for: everything
    assert logging.getLogger("httpx").level == logging.DEBUG


def test_backend_health_is_logged_when_it_changes_not_at_every_probe(
    ui_settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="desktop_app.engine.health")
    with LLMSimulator(latency=0.0) as sim:
        engine = Engine(ollama_settings(ui_settings, tmp_path, sim.url))
        try:
            for _ in range(3):
                assert engine.check_backend().endpoints[0].state == "up"
        finally:
            engine.stop()
    health_lines = [r.getMessage() for r in caplog.records if "Backend endpoint" in r.getMessage()]
    assert len(health_lines) == 1 and " is up: " in health_lines[0]
