"""Serving the API with uvicorn: in a background thread for the window and tests (:class:`ApiServer`), or in
the foreground for ``chapterwise serve`` (:func:`serve`).

The listening socket is bound on the calling thread before uvicorn starts, so a busy port is an ``OSError``
the caller sees at once, and port 0 gives a real ephemeral port (``ApiServer.url``) before the first request.
uvicorn serves with keep-alive, header and body timeouts, a connection cap and rate-limited logs
(:mod:`.connections`), so a slow or greedy client cannot hold the server's workers, descriptors or log.
"""

from __future__ import annotations

import logging
import re
import signal
import socket
import sys
import threading
from types import FrameType
from typing import Any

import uvicorn

from desktop_app.config import Settings
from desktop_app.engine.memory import settle_memory
from desktop_app.engine.private import remove_orphans
from desktop_app.engine.service import Engine

from .app import create_app
from .connections import GuardedH11Protocol, rate_limit_server_logs
from .events import EventHub
from .security import load_or_create_token
from .uploads import UPLOAD_PREFIX, upload_dir

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_DATABASE = 4

#: An idle kept-alive connection is closed after this many seconds.
KEEP_ALIVE_S = 5
#: Requests (and open event streams) served at once; beyond, uvicorn answers 503.
MAX_REQUESTS = 200
#: Request line and headers together (h11 answers 400 beyond).
MAX_HEADER_BYTES = 16 * 1024


class _RedactToken(logging.Filter):
    """Access-log lines never show ``?token=``."""

    _pattern = re.compile(r"(token=)[^&\s\"]+")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args and isinstance(record.args, tuple):
            record.args = tuple(self._pattern.sub(r"\1***", a) if isinstance(a, str) else a for a in record.args)
        return True


class _Server(uvicorn.Server):
    """uvicorn's server, telling when it listens and ending event streams before its graceful shutdown."""

    def __init__(self, config: uvicorn.Config, hub: EventHub) -> None:
        super().__init__(config)
        self.ready = threading.Event()
        self.hub = hub

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.ready.set()

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        # Open SSE/WebSocket streams never end by themselves; uvicorn would wait for them.
        self.hub.close_streams()
        super().handle_exit(sig, frame)


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (IPv4 or IPv6; port 0 = any free port)."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host.strip("[]"), port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        if sys.platform != "win32":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        # Listen at once: connections made before uvicorn's loop runs wait in the backlog instead of being
        # refused, so "listening on …" is true as soon as it is printed.
        sock.listen(2048)
        sock.set_inheritable(True)
    except OSError:
        sock.close()
        raise
    return sock


class ApiServer:
    """The local API for an engine the caller owns (and starts and stops itself).

    ``start()`` serves uvicorn in a daemon thread and returns once it listens; ``stop()`` ends the event
    streams, lets requests in flight finish (5 s at most) and joins the thread. Neither touches the engine.
    ``token`` is what clients send as ``Authorization: Bearer <token>``; ``token_source`` says where it is
    kept (the token file's path, or ``CHAPTERWISE_API_TOKEN``).
    """

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        host: str | None = None,
        port: int | None = None,
        *,
        access_log: bool = False,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.host = host or settings.api_host
        self.port = settings.api_port if port is None else port
        self.token, self.token_source = load_or_create_token(settings)
        # Copies of uploads a crash interrupted: nobody will parse or remove them otherwise.
        remove_orphans(upload_dir(settings), prefix=UPLOAD_PREFIX, older_than_s=max(3600.0, 2 * settings.parse_timeout))
        self.app = create_app(engine, settings, token=self.token, bind_host=self.host)
        self.access_log = access_log
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    # --- where

    @property
    def bound_port(self) -> int:
        if self._socket is None:
            return self.port
        return int(self._socket.getsockname()[1])

    @property
    def url(self) -> str:
        host = self.host
        if host in ("0.0.0.0", "::", ""):
            host = "127.0.0.1"
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"
        return f"http://{host}:{self.bound_port}"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # --- lifecycle

    def _make_server(self) -> _Server:
        config = uvicorn.Config(
            self.app,
            log_config=None,
            access_log=self.access_log,
            lifespan="on",
            timeout_graceful_shutdown=5,
            server_header=False,
            proxy_headers=False,
            # A slow or greedy client holds neither a connection nor the log (see .connections).
            http=GuardedH11Protocol,
            timeout_keep_alive=KEEP_ALIVE_S,
            limit_concurrency=MAX_REQUESTS,
            h11_max_incomplete_event_size=MAX_HEADER_BYTES,
        )
        rate_limit_server_logs()
        return _Server(config, self.app.state.ctx.hub)

    def bind(self) -> None:
        """Bind the listening socket now (raises ``OSError`` if the port is taken)."""
        if self._socket is None:
            self._socket = bind_socket(self.host, self.port)

    def start(self, timeout: float = 15.0) -> ApiServer:
        """Serve in a background thread; returns once the server listens (raises ``RuntimeError`` if it cannot)."""
        if self.running:
            return self
        self.bind()
        assert self._socket is not None
        self._server = server = self._make_server()
        self._thread = threading.Thread(
            target=server.run, kwargs={"sockets": [self._socket]}, name="api-server", daemon=True
        )
        self._thread.start()
        while not server.ready.wait(0.05):
            if not self._thread.is_alive() or (timeout := timeout - 0.05) <= 0:
                self.stop()
                raise RuntimeError(f"The API server did not start on {self.url}; see the log")
        log.info("Local API listening on %s", self.url)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving (thread-safe, idempotent). The engine keeps running."""
        server, thread = self._server, self._thread
        if server is not None:
            self.app.state.ctx.hub.close_streams()
            server.should_exit = True
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
            if thread.is_alive():
                log.warning("The API server thread did not stop within %.0f s", timeout)
        if self._socket is not None:
            self._socket.close()
            self._socket = None
        self._server = self._thread = None

    def run_foreground(self) -> None:
        """Serve on the calling (main) thread until SIGINT/SIGTERM; uvicorn finishes requests in flight."""
        self.bind()
        assert self._socket is not None
        self._server = self._make_server()
        try:
            self._server.run(sockets=[self._socket])
        finally:
            self._socket.close()
            self._socket = None
            self._server = None


def serve(settings: Settings, host: str | None = None, port: int | None = None) -> int:
    """``chapterwise serve``: run the pipeline and the API until Ctrl-C or SIGTERM, then stop both gracefully."""
    from desktop_app.engine.service import DatabaseError

    try:
        engine = Engine(settings)
    except DatabaseError as err:
        print(f"chapterwise: {err}", file=sys.stderr)
        return EXIT_DATABASE
    server = ApiServer(engine, settings, host, port, access_log=True)
    try:
        server.bind()
    except OSError as err:
        print(f"chapterwise: cannot listen on {server.host}:{server.port}: {err.strerror or err}", file=sys.stderr)
        engine.stop()
        return EXIT_USAGE
    logging.getLogger("uvicorn.access").addFilter(_RedactToken())
    engine.start()
    settle_memory()
    print(f"Chapterwise API listening on {server.url}  (docs: {server.url}/docs)", flush=True)
    if server.token_source == "CHAPTERWISE_API_TOKEN":
        print("API token: taken from CHAPTERWISE_API_TOKEN", flush=True)
    else:
        print(f"API token: stored in {server.token_source} (send it as 'Authorization: Bearer <token>')", flush=True)
    if server.host not in ("127.0.0.1", "localhost", "::1"):
        print(
            f"Warning: bound to {server.host}: other machines may reach this API (the token still applies).",
            file=sys.stderr,
            flush=True,
        )
    previous = _quiet_signals()
    try:
        server.run_foreground()
    finally:
        print("Stopping: finishing chapters in flight…", file=sys.stderr, flush=True)
        clean = engine.stop()
        _restore_signals(previous)
        if not clean:
            log.warning("Some chapters were still being summarized; they stay in the backlog for the next start")
    print("Stopped.", file=sys.stderr, flush=True)
    return EXIT_OK


def _quiet_signals() -> dict[int, Any]:
    # uvicorn handles SIGINT/SIGTERM itself, then re-raises them with the handlers it found: make those
    # harmless so the engine still stops gracefully afterwards (instead of a KeyboardInterrupt or a kill).
    previous: dict[int, Any] = {}
    if threading.current_thread() is not threading.main_thread():
        return previous
    for sig in (signal.SIGINT, signal.SIGTERM):
        previous[sig] = signal.signal(sig, lambda signum, frame: None)
    return previous


def _restore_signals(previous: dict[int, Any]) -> None:
    for sig, handler in previous.items():
        signal.signal(sig, handler)
