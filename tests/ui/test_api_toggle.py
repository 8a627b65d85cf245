"""The toolbar's Local API toggle serves the window's own engine, shows the URL and copies the token."""

from __future__ import annotations

import httpx
import pytest
from PySide6.QtGui import QGuiApplication

from desktop_app.config import Settings


def test_toggle_serves_the_window_engine_and_stops(qtbot, make_window, book, ui_settings: Settings) -> None:
    window = make_window(settings=ui_settings.model_copy(update={"api_port": 0}))
    action = window.menu_actions.serve_api
    with qtbot.waitSignal(window.api.serving_changed, timeout=20_000) as serving:
        action.trigger()
    url = str(serving.args[0])
    assert url.startswith("http://127.0.0.1:")
    assert window.api_label.isVisible() and url in window.api_label.text()
    token = QGuiApplication.clipboard().text()
    assert token and token == window.api.server.token

    doc = window.engine.add_file(book(3))
    with httpx.Client(base_url=url, timeout=10) as client:
        assert client.get("/api/documents").status_code == 401, "the token is required"
        listed = client.get("/api/documents", headers={"Authorization": f"Bearer {token}"}).json()
    assert [d["id"] for d in listed["documents"]] == [doc.id], "the API serves the window's own documents"

    with qtbot.waitSignal(window.api.serving_changed, timeout=20_000) as stopped:
        action.trigger()
    assert stopped.args[0] == ""
    assert not window.api_label.isVisible()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/health", timeout=2)


def test_a_taken_port_is_reported_and_the_toggle_goes_back_off(qtbot, make_window, ui_settings: Settings) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        window = make_window(settings=ui_settings.model_copy(update={"api_port": port}))
        window.menu_actions.serve_api.trigger()
        qtbot.waitUntil(lambda: not window.menu_actions.serve_api.isChecked(), timeout=20_000)
    assert any("Local API" in notice and str(port) in notice for notice in window.notices)
