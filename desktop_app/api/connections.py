"""What one client may hold of the HTTP server: time to send a request, connections, log lines.

uvicorn closes idle keep-alive connections, but a client that sends its headers one byte at a time
(slowloris), or stops half-way through a body, holds its connection (and a file descriptor) forever, and a
flood of connections or bad requests writes a log line each. :class:`GuardedH11Protocol` is uvicorn's h11
protocol with three bounds more:

* **headers**: a request's headers must be complete ``HEADER_TIMEOUT_S`` after its first byte (or after
  the connection opened), however slowly they trickle in;
* **body**: a request body may pause at most ``BODY_IDLE_S`` between two reads;
* **connections**: beyond ``MAX_CONNECTIONS`` open at once, a new connection is closed at once (uvicorn's
  ``limit_concurrency`` still answers 503 to requests past it on open connections).

:class:`RateLimitedLog` lets at most ``per_second`` lines a second through a logger (the access log,
uvicorn's warnings) and says how many it dropped. Everything here runs on the server's event loop thread.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger(__name__)

HEADER_TIMEOUT_S = 10.0
BODY_IDLE_S = 30.0
MAX_CONNECTIONS = 256


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with header and body timeouts and a connection cap (see the module docstring)."""

    header_timeout_s = HEADER_TIMEOUT_S
    body_idle_s = BODY_IDLE_S
    max_connections = MAX_CONNECTIONS

    _read_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.max_connections:
            log.warning("Refused a connection: %d are open (the limit)", self.max_connections)
            transport.abort()
            return
        self._arm(self.header_timeout_s, "its request headers")

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        state = self.conn.their_state
        if state is h11.SEND_BODY:
            self._arm(self.body_idle_s, "more of its request body")  # idle time: re-armed by every read
        elif state is h11.IDLE:
            if self._read_timer is None:  # a new request began on a kept-alive connection
                self._arm(self.header_timeout_s, "its request headers")
        else:
            self._disarm()

    def on_response_complete(self) -> None:
        self._disarm()
        super().on_response_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self, seconds: float, waiting_for: str) -> None:
        self._disarm()
        self._read_timer = self.loop.call_later(seconds, self._too_slow, waiting_for, seconds)

    def _disarm(self) -> None:
        if self._read_timer is not None:
            self._read_timer.cancel()
            self._read_timer = None

    def _too_slow(self, waiting_for: str, seconds: float) -> None:
        self._read_timer = None
        if not self.transport.is_closing():
            log.warning("Closed a connection that sent %s too slowly (%.0f s)", waiting_for, seconds)
            self.transport.close()


class RateLimitedLog(logging.Filter):
    """At most ``per_second`` records a second pass; the next one through says how many were dropped.

    Thread-safe (uvicorn logs from its loop thread; a window may log from others).
    """

    def __init__(self, per_second: int = 20, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.per_second = per_second
        self.clock = clock
        self._lock = threading.Lock()
        self._window = 0
        self._count = 0
        self._dropped = 0

    def filter(self, record: logging.LogRecord) -> bool:
        window = int(self.clock())
        with self._lock:
            if window != self._window:
                self._window, self._count = window, 0
            self._count += 1
            if self._count > self.per_second:
                self._dropped += 1
                return False
            dropped, self._dropped = self._dropped, 0
        if dropped:
            record.msg = f"{record.msg} ({dropped} similar log lines dropped before this one)"
        return True


def rate_limit_server_logs(per_second: int = 20) -> None:
    """Put one :class:`RateLimitedLog` on uvicorn's access and error loggers and this module's (idempotent)."""
    for name in ("uvicorn.access", "uvicorn.error", __name__):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RateLimitedLog) for f in logger.filters):
            logger.addFilter(RateLimitedLog(per_second))
