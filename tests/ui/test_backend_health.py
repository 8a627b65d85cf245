"""Backend health in the window: the status-bar indicator and the banner follow a real LLM server.

The LLM simulator speaks Ollama's protocol on a local port; stopping it makes the port refuse
connections, starting a new one on the same port brings the endpoint back.
"""

from __future__ import annotations

from pathlib import Path

from chapterwise_testing.llmsim import LLMSimulator
from desktop_app.config import Settings


def ollama_settings(ui_settings: Settings, tmp_path: Path, url: str) -> Settings:
    return ui_settings.model_copy(
        update={
            "backend": "ollama",
            "model": "llama3.2:latest",
            "endpoints": [url],
            "health_check_seconds": 0.2,
            "database_url": f"sqlite:///{tmp_path / 'health.db'}",
        }
    )


def test_indicator_and_banner_follow_the_server_going_down_and_up(qtbot, make_window, ui_settings, tmp_path) -> None:
    sim = LLMSimulator(latency=0.0, slots=2).start()
    url = sim.url
    port = int(url.rsplit(":", 1)[1])
    try:
        window = make_window(settings=ollama_settings(ui_settings, tmp_path, url))
        indicators, banner = window.health_indicators, window.banner

        qtbot.waitUntil(lambda: indicators.states() == {url: "up"}, timeout=10_000)
        [indicator] = indicators.indicators
        assert indicator.text() == f"127.0.0.1:{port} up"
        assert "Answers in" in indicator.toolTip()
        assert not banner.isVisible()

        sim.stop()
        qtbot.waitUntil(lambda: indicators.states() == {url: "down"}, timeout=10_000)
        qtbot.waitUntil(banner.isVisible, timeout=5_000)
        assert indicators.indicators[0].text().endswith(" down")
        assert "Nothing answers at" in indicators.indicators[0].toolTip()
        assert "server running" in banner.text() and url in banner.text()

        sim = LLMSimulator(port=port, latency=0.0, slots=2).start()
        qtbot.waitUntil(lambda: indicators.states() == {url: "up"}, timeout=10_000)
        qtbot.waitUntil(lambda: not banner.isVisible(), timeout=5_000)
    finally:
        sim.stop()


def test_retry_now_probes_at_once_and_a_dismissed_banner_stays_hidden(
    qtbot, make_window, ui_settings, tmp_path
) -> None:
    sim = LLMSimulator(latency=0.0).start()
    url = sim.url
    sim.stop()  # a port that refuses connections from the start
    settings = ollama_settings(ui_settings, tmp_path, url).model_copy(update={"health_check_seconds": 3600})
    window = make_window(settings=settings)
    banner = window.banner
    qtbot.waitUntil(banner.isVisible, timeout=10_000)  # at start, from the loop's first probe

    with qtbot.waitSignal(window.health.health_shown, timeout=10_000) as shown:
        banner.retry_button.click()
        assert not banner.retry_button.isEnabled()
    assert shown.args[0].all_down
    assert banner.retry_button.isEnabled() and banner.isVisible()

    banner.close_button.click()
    assert not banner.isVisible()
    with qtbot.waitSignal(window.health.health_shown, timeout=10_000):
        banner.retry_button.click()
    assert not banner.isVisible(), "dismissed until the backend recovers"


def test_builtin_backend_shows_one_calm_indicator(make_window) -> None:
    window = make_window()
    [indicator] = window.health_indicators.indicators
    assert indicator.text() == "Built-in summarizer"
    assert indicator.state == "up"
    assert not window.banner.isVisible()
