"""The API is locked down: token on every route but /health, Host check, CORS only when configured,
upload size cap, sanitized names, JSON errors without stack traces."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import websockets.sync.client as ws_client
from pydantic import SecretStr
from websockets.exceptions import InvalidStatus

from desktop_app.api.security import allowed_hosts, host_name, load_or_create_token, sanitize_file_name
from desktop_app.config import Settings

from .conftest import LiveApi, MakeApi, markdown_book

DOC = "00000000-0000-0000-0000-000000000000"
PROTECTED = [
    ("GET", "/api/pipeline/status"),
    ("POST", "/api/upload"),
    ("POST", "/api/document-summarizer/summarize/"),
    ("GET", f"/api/document-summarizer/sessions/{DOC}/status/"),
    ("GET", "/api/documents"),
    ("GET", f"/api/documents/{DOC}"),
    ("GET", f"/api/documents/{DOC}/export"),
    ("POST", f"/api/documents/{DOC}/retry"),
    ("POST", f"/api/documents/{DOC}/cancel"),
    ("PUT", f"/api/documents/{DOC}/priority"),
    ("DELETE", f"/api/documents/{DOC}"),
    ("GET", "/api/events"),
    ("GET", "/metrics"),
    ("GET", "/docs"),
    ("GET", "/openapi.json"),
    ("GET", "/no/such/route"),
]


def assert_json_error(response: httpx.Response, status: int, code: str | None = None) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) >= {"error", "message", "status"}
    assert body["status"] == status
    if code:
        assert body["error"] == code
    assert "Traceback" not in response.text
    return body


# --- token


def test_health_needs_no_token_and_says_nothing_private(api: LiveApi) -> None:
    response = httpx.get(f"{api.url}/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert api.token not in response.text


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_every_other_route_answers_401_without_a_token(api: LiveApi, method: str, path: str) -> None:
    response = httpx.request(method, f"{api.url}{path}")
    body = assert_json_error(response, 401, "unauthorized")
    assert "Bearer" in str(body["message"])
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Bearer wrong-token", "Basic dXNlcjpwYXNz", "Bearer", "token"])
def test_a_wrong_token_is_refused(api: LiveApi, header: str) -> None:
    response = httpx.get(f"{api.url}/api/pipeline/status", headers={"Authorization": header})
    assert_json_error(response, 401, "unauthorized")


def test_query_token_works_for_event_streams_only(api: LiveApi) -> None:
    assert_json_error(httpx.get(f"{api.url}/api/pipeline/status", params={"token": api.token}), 401)
    with httpx.stream("GET", f"{api.url}/api/events", params={"token": api.token}, timeout=10) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
    docs = httpx.get(f"{api.url}/docs", params={"token": api.token})
    assert docs.status_code == 200
    assert "/openapi.json?token=" in docs.text
    assert httpx.get(f"{api.url}/openapi.json", params={"token": api.token}).json()["openapi"].startswith("3.")


def test_websocket_needs_the_token(api: LiveApi) -> None:
    with pytest.raises(InvalidStatus) as info:
        ws_client.connect(f"ws://127.0.0.1:{api.server.bound_port}/api/ws", open_timeout=10)
    assert info.value.response.status_code == 401
    with ws_client.connect(f"ws://127.0.0.1:{api.server.bound_port}/api/ws?token={api.token}", open_timeout=10) as ws:
        assert '"ready"' in str(ws.recv(timeout=10))


def test_token_file_is_generated_once_with_owner_only_permissions(isolated_data_dir: object, tmp_path: object) -> None:
    settings = Settings()
    token, source = load_or_create_token(settings)
    assert len(token) >= 40
    path = settings.data_dir / "api_token"
    assert source == str(path)
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_token(settings) == (token, source)  # kept across starts


def test_environment_token_wins(make_api: MakeApi) -> None:
    token = "from-the-environment-" + "x" * 16
    api = make_api(api_token=SecretStr(token))
    assert api.server.token_source == "CHAPTERWISE_API_TOKEN"
    ok = httpx.get(f"{api.url}/api/pipeline/status", headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 200
    assert not (api.settings.data_dir / "api_token").exists()


# --- Host header (DNS rebinding)


@pytest.mark.parametrize("host", ["evil.example.com", "evil.example.com:8000", "127.0.0.1.nip.io", "192.168.1.10"])
def test_a_foreign_host_header_is_rejected_even_with_the_token(api: LiveApi, host: str) -> None:
    response = httpx.get(f"{api.url}/api/pipeline/status", headers={**api.auth, "Host": host})
    body = assert_json_error(response, 421, "host_not_allowed")
    assert "this computer" in str(body["message"])
    assert_json_error(httpx.get(f"{api.url}/health", headers={"Host": host}), 421)


@pytest.mark.parametrize("host", ["localhost", "localhost:1234", "127.0.0.1", "[::1]:8000", "LOCALHOST"])
def test_local_host_names_are_served(api: LiveApi, host: str) -> None:
    response = httpx.get(f"{api.url}/api/pipeline/status", headers={**api.auth, "Host": host})
    assert response.status_code == 200


def test_host_names_parse() -> None:
    assert host_name("[::1]:80") == "::1"
    assert host_name("Example.com:443") == "example.com"
    assert allowed_hosts("0.0.0.0") >= {"localhost", "127.0.0.1", "::1", "0.0.0.0"}


# --- CORS


def test_no_cors_headers_unless_configured(client: httpx.Client) -> None:
    response = client.get("/api/pipeline/status", headers={"Origin": "http://localhost:3000"})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers
    preflight = client.options(
        "/api/upload", headers={"Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST"}
    )
    assert "access-control-allow-origin" not in preflight.headers


def test_configured_origins_get_cors(make_api: MakeApi) -> None:
    api = make_api(cors_origins=["http://localhost:3000"])
    preflight = httpx.options(
        f"{api.url}/api/upload",
        headers={
            "Origin": "http://localhost:3000",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "http://localhost:3000"
    other = httpx.get(f"{api.url}/api/pipeline/status", headers={**api.auth, "Origin": "http://evil.example"})
    assert "access-control-allow-origin" not in other.headers


# --- upload size and names


def test_upload_over_the_limit_gets_413(make_api: MakeApi) -> None:
    api = make_api(max_file_mb=1)
    big = b"# Big\n\n" + b"word " * (2 * 1024 * 1024 // 5)
    with api.client() as client:
        response = client.post("/api/upload", files={"file": ("big.md", big)})
        body = assert_json_error(response, 413, "too_large")
        assert "1 MB" in str(body["message"])
        assert client.get("/api/documents").json()["documents"] == []


def test_chunked_upload_over_the_limit_gets_413(make_api: MakeApi) -> None:
    api = make_api(max_file_mb=1)

    def chunks() -> Iterator[bytes]:
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="big.md"\r\n\r\n'
        for _ in range(40):
            yield b"x" * 65536
        yield b"\r\n--b--\r\n"

    with api.client() as client:
        response = client.post(
            "/api/upload", content=chunks(), headers={"Content-Type": "multipart/form-data; boundary=b"}
        )
        assert_json_error(response, 413, "too_large")


def test_file_names_are_sanitized(client: httpx.Client) -> None:
    # Raw multipart, so the control characters reach the server as they are (httpx would escape them).
    name = "../../etc/\x07evil\u202ename\x1b.md".encode()
    body = (
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="'
        + name
        + b'"\r\n\r\n'
        + markdown_book(2)
        + b"\r\n--b--\r\n"
    )
    response = client.post("/api/upload", content=body, headers={"Content-Type": "multipart/form-data; boundary=b"})
    assert response.status_code == 200, response.text
    doc = client.get(f"/api/documents/{response.json()['document_id']}").json()
    assert doc["file_name"] == "evilname.md"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("report.pdf", "report.pdf"),
        ("../../a.md", "a.md"),
        ("C:\\Users\\x\\b.docx", "b.docx"),
        ("..", "upload"),
        ("", "upload"),
        (None, "upload"),
        ("a\nb\tc.txt", "abc.txt"),
        ("rapport d'été.pdf", "rapport d'été.pdf"),
        ('a<b>:"c|?*.md', "a_b_c_.md"),
        ("x" * 300 + ".pdf", "x" * 196 + ".pdf"),
    ],
)
def test_sanitize_file_name(raw: str | None, clean: str) -> None:
    assert sanitize_file_name(raw) == clean


# --- errors are JSON


def test_unknown_routes_and_methods_answer_json(client: httpx.Client) -> None:
    assert_json_error(client.get("/api/nothing"), 404, "not_found")
    assert_json_error(client.delete("/api/pipeline/status"), 405, "method_not_allowed")


def test_validation_errors_name_the_field(client: httpx.Client) -> None:
    body = assert_json_error(client.post("/api/upload", data={"wait": "true"}), 422, "invalid_request")
    assert "file" in str(body["message"])
    body = assert_json_error(client.put(f"/api/documents/{DOC}/priority", json={"priority": "urgent"}), 422)
    assert "priority" in str(body["message"])


def test_an_unexpected_failure_is_a_json_500_without_a_traceback(
    api: LiveApi, client: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> dict[str, object]:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(api.engine, "status", broken)
    body = assert_json_error(client.get("/api/pipeline/status"), 500, "internal_error")
    assert "secret internal detail" not in str(body)


def test_a_short_api_token_is_refused_with_how_to_make_one(monkeypatch: pytest.MonkeyPatch) -> None:
    from desktop_app.config import SettingsError, load_settings

    monkeypatch.setenv("CHAPTERWISE_API_TOKEN", "x")
    with pytest.raises(SettingsError) as err:
        load_settings()
    message = str(err.value)
    assert "CHAPTERWISE_API_TOKEN" in message and "at least 32 characters" in message
    assert "secrets.token_urlsafe(32)" in message
    assert "'x'" not in message, "the refused token is not repeated"


def test_a_short_api_token_in_the_settings_file_is_refused(isolated_data_dir: Path) -> None:
    from desktop_app.config import SettingsError, load_settings

    isolated_data_dir.mkdir(parents=True, exist_ok=True)
    (isolated_data_dir / "settings.json").write_text('{"api_token": "x"}', encoding="utf-8")
    with pytest.raises(SettingsError, match=r"CHAPTERWISE_API_TOKEN: .*at least 32 characters"):
        load_settings()
