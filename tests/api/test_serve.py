"""``chapterwise serve``: runs the pipeline and the API in the foreground, stops gracefully on SIGTERM/Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from .conftest import markdown_book


def start_serve(data_dir: Path, *extra: str) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "CHAPTERWISE_DATA_DIR": str(data_dir), "CHAPTERWISE_CACHE_ENABLED": "false"}
    process = subprocess.Popen(
        [sys.executable, "-m", "desktop_app.cli", "serve", "--port", "0", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert process.stdout is not None
    line = process.stdout.readline()  # blocks until the server listens (or the process dies)
    match = re.search(r"listening on (http://\S+)", line)
    if match is None:
        process.kill()
        pytest.fail(f"serve did not start: {line!r} {process.stderr.read() if process.stderr else ''}")
    return process, match.group(1)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_serve_runs_the_pipeline_and_stops_gracefully(isolated_data_dir: Path, sig: signal.Signals) -> None:
    process, url = start_serve(isolated_data_dir)
    try:
        assert process.stdout is not None
        token_line = process.stdout.readline()
        token_file = isolated_data_dir / "api_token"
        assert str(token_file) in token_line
        token = token_file.read_text().strip()
        assert token not in token_line  # the token itself is never printed
        assert url.startswith("http://127.0.0.1:")
        assert httpx.get(f"{url}/health").json()["pipeline_running"] is True
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
            body = client.post("/api/upload", files={"file": ("b.md", markdown_book(3))}, data={"wait": "true"}).json()
            assert body["status"] == "done"
        process.send_signal(sig)
        _out, err = process.communicate(timeout=30)
        assert process.returncode == 0, err
        assert "Stopped." in err
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_serve_reports_a_busy_port(isolated_data_dir: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**os.environ, "CHAPTERWISE_DATA_DIR": str(isolated_data_dir)}
        run = subprocess.run(
            [sys.executable, "-m", "desktop_app.cli", "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )
    assert run.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in run.stderr
