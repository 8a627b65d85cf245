"""Backend health against a real LLM server (the simulator): up, slow, down, model missing, and back up."""

from __future__ import annotations

from pathlib import Path

import pytest

from chapterwise_testing.llmsim import LLMSimulator
from desktop_app.config import Settings
from desktop_app.engine.events import BackendHealth, EventBus
from desktop_app.engine.health import HealthMonitor, probe

from .pipeline_helpers import EventLog


def ollama(tmp_path: Path, url: str, model: str = "llama3.2:latest") -> Settings:
    return Settings(data_dir=tmp_path, backend="ollama", model=model, endpoints=[url])


def test_builtin_backend_is_always_up(tmp_path: Path) -> None:
    [health] = probe(Settings(data_dir=tmp_path))
    assert health.state == "up" and health.url == "built-in"


def test_up_then_down_then_up_again_with_events(tmp_path: Path) -> None:
    bus, log = EventBus(), EventLog()
    bus.subscribe(log)
    with LLMSimulator() as sim:
        url = sim.url
        monitor = HealthMonitor(ollama(tmp_path, url), bus)
        assert monitor.check().endpoints[0].state == "up"
    # The server is gone: the same port now refuses connections.
    down = monitor.check().endpoints[0]
    assert down.state == "down"
    assert "Nothing answers at" in down.reason and "running" in down.reason
    port = int(url.rsplit(":", 1)[1])
    with LLMSimulator(port=port):
        assert monitor.check().endpoints[0].state == "up"
    states = [e.endpoints[0].state for e in log.of(BackendHealth)]
    assert states == ["up", "down", "up"], "an event on every change, and only then"


def test_missing_model_says_how_to_pull_it(tmp_path: Path) -> None:
    with LLMSimulator() as sim:
        [health] = probe(ollama(tmp_path, sim.url, model="mistral-nemo"))
    assert health.state == "down"
    assert "ollama pull mistral-nemo" in health.reason


def test_an_endpoint_that_answers_slowly_is_slow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from desktop_app.engine import health

    monkeypatch.setattr(health, "SLOW_MS", 0.0)
    with LLMSimulator() as sim:
        settings = Settings(data_dir=tmp_path, backend="openai", model="llama3.2:latest", endpoints=[sim.url])
        [result] = probe(settings)
    assert result.state == "slow" and result.url.endswith("/v1")
