"""A slow or greedy client holds neither the server's connections nor its log."""

from __future__ import annotations

import logging
import socket
import threading
from urllib.parse import urlsplit

import httpx
import pytest

from desktop_app.api.connections import GuardedH11Protocol, RateLimitedLog

from .conftest import MakeApi


def _connect(url: str) -> socket.socket:
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
    return sock


def _closed_by_server(sock: socket.socket, trickle: bytes, *, within: float) -> bool:
    """Send ``trickle`` every 0.2 s until the server closes the connection (True) or ``within`` passes."""
    tick = threading.Event()
    sock.settimeout(0.05)
    for _ in range(int(within / 0.2)):
        try:
            if sock.recv(1024) == b"":
                return True
        except TimeoutError:
            pass
        except ConnectionError:
            return True
        try:
            sock.sendall(trickle)
        except OSError:
            return True
        tick.wait(0.2)
    return False


@pytest.fixture
def short_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(GuardedH11Protocol, "header_timeout_s", 1.0)
    monkeypatch.setattr(GuardedH11Protocol, "body_idle_s", 1.0)


def test_headers_sent_one_byte_at_a_time_are_cut_off(make_api: MakeApi, short_limits: None) -> None:
    api = make_api(start_engine=False)
    with _connect(api.url) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        assert _closed_by_server(sock, b"X", within=10), "a slowloris client is disconnected"
    assert httpx.get(f"{api.url}/health").status_code == 200


def test_a_body_that_stops_arriving_is_cut_off(make_api: MakeApi, short_limits: None) -> None:
    api = make_api(start_engine=False)
    with _connect(api.url) as sock:
        sock.sendall(
            b"POST /api/documents/abcd/retry HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + f"Authorization: Bearer {api.token}\r\n".encode()
            + b"Content-Length: 1000\r\n\r\n"
            + b"x" * 10
        )
        assert _closed_by_server(sock, b"", within=10), "a stalled body frees its connection"


def test_connections_past_the_cap_are_refused(make_api: MakeApi, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(GuardedH11Protocol, "max_connections", 4)
    api = make_api(start_engine=False)
    held = [_connect(api.url) for _ in range(4)]
    try:
        extra = [_connect(api.url) for _ in range(4)]
        refused = [s for s in extra if _closed_by_server(s, b"", within=2)]
        assert len(refused) == 4, "connections past the cap are closed at once"
        for sock in extra:
            sock.close()
    finally:
        for sock in held:
            sock.close()
    assert httpx.get(f"{api.url}/health").status_code == 200, "the server serves again once they are gone"


def test_log_lines_are_rate_limited_and_the_drop_is_said() -> None:
    now = [100.0]
    limit = RateLimitedLog(per_second=20, clock=lambda: now[0])

    def record(i: int) -> logging.LogRecord:
        return logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, "request %d", (i,), None)

    passed = [r for r in map(record, range(1000)) if limit.filter(r)]
    assert len(passed) == 20
    now[0] += 1.0
    after = record(1000)
    assert limit.filter(after)
    assert after.getMessage() == "request 1000 (980 similar log lines dropped before this one)"


@pytest.mark.postgres
def test_a_database_outage_answers_503_not_500(make_api: MakeApi) -> None:
    from tests.conftest import PostgresServer, _pg_bindir

    bindir = _pg_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL is not installed")
    server = PostgresServer(bindir)
    server.start()
    try:
        api = make_api(database_url=server.create_database(), start_engine=False)
        with api.client() as client:
            assert client.get("/api/documents").status_code == 200
            server.pause()
            answer = client.get("/api/documents")
            assert answer.status_code == 503 and answer.headers["retry-after"] == "5"
            assert answer.json()["message"].startswith("Database unavailable: ")
            assert "keeps its work and retries" in answer.json()["message"]
            server.resume()
            assert client.get("/api/documents").status_code == 200
    finally:
        server.stop()
