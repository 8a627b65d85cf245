"""The simulator's server: routes, slots and queueing, fault injection.

Endpoints: ``POST /api/chat`` and ``/api/generate`` (NDJSON stream or ``stream: false``), ``POST
/api/show``, ``GET /api/tags``, ``GET /api/version`` (Ollama); ``POST /v1/chat/completions`` and
``/v1/completions`` (SSE ending in ``data: [DONE]``, or JSON), ``GET /v1/models`` (OpenAI); ``GET
/props`` and ``/slots`` (llama.cpp: context size, slots, chat template). Streams use HTTP/1.1 chunked
encoding, as the real servers do, and keep their connections (Nagle's algorithm off, as in Go's servers).

Behaviours of real servers it reproduces: ``finish_reason: "length"`` (Ollama ``done_reason``) when
``max_tokens`` cuts the answer; a prompt longer than ``n_ctx`` gets llama.cpp's 400
``exceed_context_size_error``; ``loading=True`` answers llama.cpp's 503 "Loading model" everywhere;
requests beyond ``slots`` wait for a free slot before the first byte (as llama.cpp's ``--parallel``
does); with ``prompt_tokens_per_second``, a longer prompt takes longer before the first token; with
``stream_over_latency``, the answer's tokens stream out over the latency, as a server generating sends them;
``chat_template=False`` reports a model without a template. ``summary_answer`` and ``clause_answer``
replace the model's answers (an unrelated text, a clause answer that is not JSON).

Like Ollama, the server runs at most ``slots`` generations at once and queues the rest; with
``max_queue`` set, a request arriving to a full queue gets 503. Faults (:data:`FAULTS`) are injected
with :meth:`LLMSimulator.inject` (consumed by the next chat requests, in order) or per request with
an ``X-Sim-Fault`` header.

Threads: one daemon thread serves, one thread per connection handles requests; every wait (latency,
queue, a "timeout" fault) ends early when the simulator stops.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

log = logging.getLogger(__name__)

#: 500, 503 and 429 answer at once; "timeout" holds the request without answering; "malformed" sends
#: a broken line mid-stream; "midstream_error" an error object with HTTP 200; "cut" closes the
#: connection mid-stream; "nofinish" ends the stream with ``[DONE]`` but no ``finish_reason``; "length"
#: cuts the answer at three tokens with ``finish_reason: "length"``; "404" says the model is missing.
FAULTS = ("500", "503", "429", "404", "timeout", "malformed", "midstream_error", "cut", "nofinish", "length")


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


class LLMSimulator:
    """The simulator; see the module docstring. Thread-safe; start/stop from one thread."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        latency: float = 0.0,
        tokens_per_second: float = 0.0,
        prompt_tokens_per_second: float = 0.0,
        stream_over_latency: bool = False,
        slots: int = 1,
        max_queue: int | None = None,
        api_key: str | None = None,
        models: tuple[str, ...] = ("llama3.2:latest", "qwen2.5:7b-instruct"),
        retry_after: float = 1.0,
        hang_seconds: float = 30.0,
        n_ctx: int = 32768,
        chat_template: bool = True,
    ) -> None:
        self.latency = latency
        self.tokens_per_second = tokens_per_second
        #: How fast a slot reads the prompt (0: at once), so a longer chapter takes longer, as on a real server.
        self.prompt_tokens_per_second = prompt_tokens_per_second
        #: The answer's tokens stream out over ``latency`` (the last one at its end), as a server generating
        #: sends them, instead of all at once after it.
        self.stream_over_latency = stream_over_latency
        self.slots = slots
        self.max_queue = max_queue
        self.api_key = api_key
        self.models = models
        self.retry_after = retry_after
        self.hang_seconds = hang_seconds
        self.n_ctx = n_ctx
        self.chat_template = chat_template
        self.loading = False
        self.summary_answer: str | None = None
        self.clause_answer: str | None = None
        self.requests: deque[RecordedRequest] = deque(maxlen=2000)
        self.in_flight = 0
        self.waiting = 0
        self.max_in_flight = 0
        #: Slot-seconds spent on requests so far (the requests in flight integrated over time).
        self.busy_seconds = 0.0
        #: Request-seconds spent waiting for a slot so far (the queued requests integrated over time): its
        #: growth over a span, divided by the span, is the mean number of requests queued meanwhile.
        self.queued_seconds = 0.0
        self._busy_at = time.monotonic()
        self.served = 0
        self._faults: deque[tuple[str, float | None]] = deque()
        self._cond = threading.Condition()
        self._slots = threading.Semaphore(slots)
        self._stopping = threading.Event()
        self._server = _QuietServer((host, port), _make_handler(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def connections(self) -> int:
        """How many connections clients have opened so far."""
        return self._server.accepted

    def start(self) -> LLMSimulator:
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="llmsim", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        with self._cond:
            self._cond.notify_all()
        self._server.shutdown()
        self._server.server_close()
        self._server.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> LLMSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def inject(self, fault: str, count: int = 1, *, retry_after: float | None = None) -> None:
        """Make the next ``count`` chat requests fail with ``fault`` (one of :data:`FAULTS`)."""
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; choose from {FAULTS}")
        with self._cond:
            self._faults.extend([(fault, retry_after)] * count)

    def clear_faults(self) -> None:
        with self._cond:
            self._faults.clear()

    def wait_until(self, predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
        """Block until ``predicate()`` holds (checked whenever the server's counters change)."""
        with self._cond:
            return self._cond.wait_for(predicate, timeout)

    # --- used by the handler

    def next_fault(self, header: str | None) -> tuple[str | None, float | None]:
        if header:
            return header, None
        with self._cond:
            return self._faults.popleft() if self._faults else (None, None)

    def has_model(self, name: str) -> bool:
        return any(name in (m, m.split(":")[0]) for m in self.models)

    def enter_queue(self) -> bool:
        """Take a generation slot, queueing as Ollama does; False = queue full or stopping."""
        with self._cond:
            if self.max_queue is not None and self.waiting >= self.max_queue and self.in_flight >= self.slots:
                return False
            self._count_busy()
            self.waiting += 1
            self._cond.notify_all()
        try:
            while not self._slots.acquire(timeout=0.05):
                if self._stopping.is_set():
                    return False
        finally:
            with self._cond:
                self._count_busy()
                self.waiting -= 1
        with self._cond:
            self._count_busy()
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self._cond.notify_all()
        return True

    def leave(self) -> None:
        self._slots.release()
        with self._cond:
            self._count_busy()
            self.in_flight -= 1
            self.served += 1
            self._cond.notify_all()

    def busy_now(self) -> float:
        """Slot-seconds spent on requests until now."""
        with self._cond:
            self._count_busy()
            return self.busy_seconds

    def stats(self) -> dict[str, Any]:
        """The simulator's counters now (``GET /sim/stats`` serves them to a parent in another process)."""
        with self._cond:
            self._count_busy()
            return {
                "served": self.served,
                "in_flight": self.in_flight,
                "waiting": self.waiting,
                "max_in_flight": self.max_in_flight,
                "connections": self.connections,
                "busy_seconds": self.busy_seconds,
                "queued_seconds": self.queued_seconds,
            }

    def _count_busy(self) -> None:
        """Integrate the requests in flight and those queued up to now (call before either changes)."""
        now = time.monotonic()
        elapsed = now - self._busy_at
        self.busy_seconds += self.in_flight * elapsed
        self.queued_seconds += self.waiting * elapsed
        self._busy_at = now

    def pause(self, seconds: float) -> None:
        if seconds > 0:
            self._stopping.wait(seconds)

    def record(self, request: RecordedRequest) -> None:
        with self._cond:
            self.requests.append(request)
            self._cond.notify_all()


class _QuietServer(ThreadingHTTPServer):
    """A client hanging up mid-answer is normal for a simulator that injects faults: log, don't print."""

    daemon_threads = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        #: Connections accepted so far: a client that keeps its connections opens one per slot it uses.
        self.accepted = 0

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
            self.accepted += 1
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """End every open connection, as a server that stops does (keep-alive ones too)."""
        with self._open_lock:
            open_now, self._open = list(self._open), set()
        for sock in open_now:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("llmsim connection from %s ended abruptly", client_address, exc_info=True)


def _make_handler(sim: LLMSimulator) -> type[BaseHTTPRequestHandler]:
    from .handler import SimHandler

    return type("BoundSimHandler", (SimHandler,), {"sim": sim})


def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + ".000000Z"


def completion_id() -> str:
    return "chatcmpl-" + uuid.uuid4().hex[:24]


def dumps(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()
