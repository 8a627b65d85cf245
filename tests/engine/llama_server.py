"""llama.cpp's own server for the tests: the binary ``make llama-server`` builds, and the tiny model.

``llama_server_factory`` starts ``llama-server`` on a free loopback port (``--host 127.0.0.1``; its
default is loopback too, said explicitly) with the tiny deterministic model of :mod:`.tiny_gguf`, and
stops it after the test. Servers wait for readiness on their own log ("listening", then a 200 from
``/health``), never on a fixed sleep.

Where the binary is: ``CHAPTERWISE_LLAMA_SERVER`` if set, else the cache folder of
``scripts/llama-server.sh``. It is missing only where nobody built it: those tests then skip with the
command that builds it, except under CI (``CI`` set), where ``make test`` builds it first, so a missing
binary is a failure there.

Import explicitly (``from tests.engine.llama_server import ...``); pytest fixtures are re-exported by the
importing module.
"""

from __future__ import annotations

import os
import socket
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.engine.tiny_gguf import write_tiny_model

ROOT = Path(__file__).resolve().parents[2]
BUILD_SCRIPT = ROOT / "scripts" / "llama-server.sh"


def llama_server_binary() -> Path | None:
    override = os.environ.get("CHAPTERWISE_LLAMA_SERVER")
    if override:
        return Path(override)
    path = subprocess.run(
        ["bash", str(BUILD_SCRIPT), "--path"], check=True, capture_output=True, text=True
    ).stdout.strip()
    return Path(path) if Path(path).is_file() else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LlamaServer:
    """One ``llama-server`` process; ``url`` is its root (the OpenAI API is under ``url + "/v1"``)."""

    def __init__(
        self,
        binary: Path,
        model: Path,
        *,
        parallel: int = 1,
        ctx: int = 2048,
        alias: str | None = None,
        extra: tuple[str, ...] = (),
    ) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log: list[str] = []
        self._listening = threading.Event()
        args = [
            str(binary),
            "-m",
            str(model),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "-c",
            str(ctx),
            "-np",
            str(parallel),
            "-t",
            "1",
            "--no-webui",
            "--offline",
            *extra,
        ]
        if alias:
            args += ["--alias", alias]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LLAMA_ARG_", "LLAMA_"))}
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.log.append(line.rstrip())
            if "listening on" in line:
                self._listening.set()
        self._listening.set()  # the process ended: stop waiting

    def wait_ready(self, timeout: float = 60.0) -> None:
        if not self._listening.wait(timeout) or self.process.poll() is not None:
            raise RuntimeError("llama-server did not start:\n" + "\n".join(self.log[-30:]))
        ready = threading.Event()
        with httpx.Client(timeout=5.0) as client:
            for _ in range(int(timeout * 10)):
                if client.get(self.url + "/health").status_code == 200:
                    return
                ready.wait(0.1)  # the model loads after the port opens: poll its health, not a fixed sleep
        raise RuntimeError("llama-server never became ready:\n" + "\n".join(self.log[-30:]))

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)


@pytest.fixture(scope="session")
def llama_server_bin() -> Path:
    binary = llama_server_binary()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("llama-server is missing although CI builds it (make test runs scripts/llama-server.sh)")
        pytest.skip("llama-server is not built here: `make llama-server` builds it (6–13 minutes, once)")
    return binary


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    corpus = ROOT.parent / "shared" / "corpus"
    target = tmp_path_factory.mktemp("gguf") / "chapterwise-tiny.gguf"
    return write_tiny_model(target, corpus if corpus.is_dir() else None)


@pytest.fixture
def llama_server_factory(llama_server_bin: Path, tiny_model: Path) -> Iterator[Callable[..., LlamaServer]]:
    servers: list[LlamaServer] = []

    def start(**kwargs: object) -> LlamaServer:
        server = LlamaServer(llama_server_bin, tiny_model, **kwargs)  # type: ignore[arg-type]
        servers.append(server)
        server.wait_ready()
        return server

    yield start
    for server in servers:
        server.stop()
