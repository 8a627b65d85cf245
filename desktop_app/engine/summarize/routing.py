"""Endpoints, least-busy routing, a circuit breaker per endpoint, and capped jittered retries.

An :class:`EndpointPool` holds one :class:`Endpoint` per configured URL, each with its own
``httpx.Client`` and :class:`CircuitBreaker`. :meth:`EndpointPool.acquire` hands out the endpoint with
the fewest requests in flight (relative to its parallel slots, when known) whose circuit lets a
request through; :func:`call_with_retries` drives one logical request across attempts and endpoints.

Circuit states are :mod:`.breaker`'s. Requests that arrive while a half-open endpoint's probes are out
wait for their verdict instead of failing at once: after a recovery, a burst of concurrent chapters goes
to the server, not to the fallback.

Slots: an endpoint whose parallel slots are known (``#parallel=N`` on its URL, or learned from the
server) never gets more than that many requests at once. Callers beyond it wait *here*, before the
request is sent, so the time spent waiting for a free slot never counts against the read timeout, and
the cap holds however many workers the pipeline runs (its floor is three).

Stopping: :meth:`EndpointPool.interrupt` (a stop's deadline is near) refuses new requests, wakes the
callers waiting for a slot, a probe's verdict or a retry, and cuts the connections in flight (see
:mod:`.transport`); every one of them then raises :class:`~.base.SummarizerStoppedError`: not retried,
not counted against the endpoint. :meth:`EndpointPool.close` does the same, then closes the clients.

Thread-safe: workers call :meth:`EndpointPool.acquire` and the breaker methods from many threads; one
condition per pool guards the counters. :meth:`EndpointPool.acquire` blocks while every endpoint's
slots are taken (until one is released or the pool stops) and while a probe's verdict is awaited;
the retry sleep is replaceable (``sleep=``) to make tests instant.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import httpx

from .base import (
    STOPPED_MESSAGE,
    CircuitOpenError,
    RateLimitedError,
    ServerBusyError,
    SummarizerError,
    SummarizerStoppedError,
    TransientError,
)
from .breaker import CircuitBreaker
from .gate import RequestGate
from .protocol import ServerCapacity
from .transport import CuttableTransport

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Capped exponential backoff with full jitter: ``sleep = uniform(0, min(cap, base * 2**n))``.

    A server's ``Retry-After`` hint wins over the computed delay, but never beyond ``max_retry_after``
    (past that, the chapter is better re-queued by the pipeline than held by a worker).
    """

    attempts: int = 4
    base: float = 0.5
    cap: float = 8.0
    max_retry_after: float = 30.0

    def delay(self, attempt: int, hint: float | None, rng: random.Random) -> float:
        if hint is not None:
            return min(hint, self.max_retry_after)
        return rng.uniform(0.0, min(self.cap, self.base * (2**attempt)))


def parse_endpoint(spec: str) -> tuple[str, int | None]:
    """Split ``http://host:port/path#parallel=4`` into the URL and its parallel slots (if given)."""
    parts = urlsplit(spec.strip())
    slots: int | None = None
    for item in parts.fragment.split("&"):
        key, _, value = item.partition("=")
        if key in ("parallel", "slots") and value.isdigit() and int(value) > 0:
            slots = int(value)
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), parts.query, "")), slots


@dataclass(eq=False)
class Endpoint:
    """One server: its URL, client, breaker and load counters.

    ``slots`` is how many requests it gets at once (None: no cap): the URL's ``#parallel=N`` where given,
    lowered to what the server says it runs once that is learned (:meth:`EndpointPool.set_learned_slots`).
    ``transport`` is the client's, when its requests can be cut at a stop (:meth:`cut`).
    """

    url: str
    client: httpx.Client
    breaker: CircuitBreaker
    slots: int | None = None
    in_flight: int = 0
    requests: int = 0
    errors: int = 0
    last_error: str = ""
    recent_latency_ms: list[float] = field(default_factory=list)
    configured_slots: int | None = None
    waiting: int = 0
    #: What the server said about itself, once learned (see ``LLMSummarizer.capacity``).
    capacity: ServerCapacity | None = None
    transport: CuttableTransport | None = None

    def __post_init__(self) -> None:
        if self.configured_slots is None:
            self.configured_slots = self.slots

    def load(self) -> float:
        return self.in_flight / self.slots if self.slots else float(self.in_flight)

    def full(self) -> bool:
        return self.slots is not None and self.in_flight >= self.slots

    def cut(self) -> int:
        """End the requests in flight at once (their connections are shut down); how many were cut."""
        return self.transport.cut() if self.transport is not None else 0


class EndpointPool:
    """The endpoints of one backend, routed least-busy first. Thread-safe."""

    def __init__(self, endpoints: list[Endpoint]) -> None:
        if not endpoints:
            raise ValueError("at least one endpoint is needed")
        self.endpoints = endpoints
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._turn = 0
        self._stopping = threading.Event()
        self._by_thread: dict[int, str] = {}
        #: Holds the requests to the pipeline's learned limit (``LLMSummarizer.gate_requests``); None: no gate.
        self.gate: RequestGate | None = None
        self._gate_in_flight: dict[int, int] = {}
        self._work_ms: dict[int, float] = {}  # the server's work on each thread's current request

    @property
    def max_concurrency(self) -> int | None:
        """Sum of the endpoints' parallel slots, or None when any is unknown."""
        slots = [e.slots for e in self.endpoints]
        return None if any(s is None for s in slots) else sum(s for s in slots if s is not None)

    def set_learned_slots(self, endpoint: Endpoint, slots: int | None) -> None:
        """Use the slot count the server reported; a smaller ``#parallel=N`` on the URL still wins."""
        if not slots or slots < 1:
            return
        with self._cond:
            configured = endpoint.configured_slots
            endpoint.slots = min(configured, slots) if configured else slots
            self._cond.notify_all()

    @contextmanager
    def acquire(self) -> Iterator[Endpoint]:
        """Reserve the least-busy endpoint whose circuit allows a request; raise CircuitOpenError if none.

        Blocks while every usable endpoint's slots are taken (the request is not sent yet, so no timeout
        runs) and, once, while a half-open endpoint's probe is out; before that, for a permit of the
        :attr:`gate` when there is one.
        """
        gate, thread = self.gate, threading.get_ident()
        if gate is not None:
            before = gate.acquire(self._stopping.is_set)
            if before is None:
                raise SummarizerStoppedError(STOPPED_MESSAGE)
            self._gate_in_flight[thread] = before + 1
        try:
            chosen = self._choose()
            with self._lock:
                self._by_thread[thread] = chosen.url
            try:
                yield chosen
            finally:
                with self._cond:
                    chosen.in_flight -= 1
                    self._by_thread.pop(thread, None)
                    self._cond.notify_all()
        finally:
            if gate is not None:
                self._gate_in_flight.pop(thread, None)
                gate.release()

    def active(self) -> dict[int, str]:
        """Which endpoint each thread is talking to right now (thread ident → URL), for ``inspect active``."""
        with self._lock:
            return dict(self._by_thread)

    def _choose(self) -> Endpoint:
        verdict_waited = False
        while True:
            with self._cond:
                pending: CircuitBreaker | None = None
                full: Endpoint | None = None
                while True:
                    if self._stopping.is_set():
                        raise SummarizerStoppedError(STOPPED_MESSAGE)
                    self._turn += 1
                    n = len(self.endpoints)
                    # Rotate the start so ties spread evenly instead of always hitting the first URL.
                    ordered = [self.endpoints[(self._turn + i) % n] for i in range(n)]
                    ordered.sort(key=Endpoint.load)
                    pending = full = None
                    for endpoint in ordered:
                        if endpoint.full():
                            if full is None and endpoint.breaker.state != "open":
                                full = endpoint
                            continue
                        verdict = endpoint.breaker.admit()
                        if verdict == "yes":
                            endpoint.in_flight += 1
                            endpoint.requests += 1
                            return endpoint
                        if verdict == "wait" and pending is None:
                            pending = endpoint.breaker
                    if full is None:
                        break
                    # A healthy endpoint is busy: wait for one of its slots, not counted against any timeout.
                    full.waiting += 1
                    try:
                        self._cond.wait(1.0)
                    finally:
                        full.waiting -= 1
            if pending is None or verdict_waited:
                break
            verdict_waited = True
            pending.wait_verdict(stop=self._stopping.is_set)  # outside the pool's lock: record() needs it
        urls = ", ".join(e.url for e in self.endpoints)
        raise CircuitOpenError(
            f"The summarizer server ({urls}) failed repeatedly and is paused; "
            f"it is tried again in {self.endpoints[0].breaker.reset_after:.0f} s."
        )

    def record_healthy(self, url: str) -> None:
        """A health check reached ``url``: a half-open circuit there closes."""
        for endpoint in self.endpoints:
            if endpoint.url == url and endpoint.breaker.record_healthy():
                log.info("Circuit closed for %s: the health check got an answer", url)
                with self._cond:
                    self._cond.notify_all()

    def note_work(self, work_ms: float | None) -> None:
        """How long the server worked on the calling thread's request (passed on to the gate by :meth:`record`)."""
        if work_ms is not None:
            self._work_ms[threading.get_ident()] = work_ms

    def record(self, endpoint: Endpoint, error: BaseException | None, latency_ms: float = 0.0) -> None:
        """Tell the endpoint's breaker how a request ended (only transient errors count against it)."""
        gate = self.gate
        work_ms = self._work_ms.pop(threading.get_ident(), None)
        if error is None:
            endpoint.breaker.record_success()
            with self._lock:
                endpoint.recent_latency_ms.append(latency_ms)
                del endpoint.recent_latency_ms[:-50]
            in_flight = self._gate_in_flight.get(threading.get_ident())
            if gate is not None and in_flight is not None:
                gate.record(endpoint.url, latency_ms, in_flight, work_ms)
            return
        if gate is not None and isinstance(error, RateLimitedError | ServerBusyError):
            gate.overloaded(endpoint.url)
        with self._lock:
            endpoint.errors += 1
            endpoint.last_error = str(error)
        if isinstance(error, TransientError):
            if endpoint.breaker.record_failure():
                log.warning("Circuit opened for %s after repeated failures: %s", endpoint.url, error)
        else:
            endpoint.breaker.release_probe()

    def stats(self) -> list[dict[str, Any]]:
        with self._lock:
            return [
                {
                    "url": e.url,
                    "in_flight": e.in_flight,
                    "limit": e.slots,
                    "waiting": e.waiting,
                    "capacity": e.capacity.to_dict() if e.capacity else None,
                    "circuit": e.breaker.state,
                    "requests": e.requests,
                    "errors": e.errors,
                    "last_error": e.last_error,
                }
                for e in self.endpoints
            ]

    @property
    def stopping(self) -> bool:
        """Whether :meth:`interrupt` or :meth:`close` was called: requests are refused and cut."""
        return self._stopping.is_set()

    def pause(self, seconds: float) -> None:
        """The retry backoff: sleeps ``seconds``, or less when the pool stops meanwhile."""
        self._stopping.wait(seconds)

    def interrupt(self) -> int:
        """Refuse new requests, wake every waiting caller and cut the open connections. Any thread.

        Returns how many connections were shut down (a request waiting on one ends at once).
        """
        with self._cond:
            self._stopping.set()
            self._cond.notify_all()
        cut = 0
        for endpoint in self.endpoints:
            endpoint.breaker.wake()
            cut += endpoint.cut()
        return cut

    def close(self) -> None:
        """Stop as :meth:`interrupt` does, then close the clients (after the workers stopped)."""
        self.interrupt()
        for endpoint in self.endpoints:
            endpoint.client.close()


def call_with_retries(
    pool: EndpointPool,
    attempt_fn: Callable[[Endpoint], T],
    *,
    policy: RetryPolicy,
    sleep: Callable[[float], None] | None = None,
    rng: random.Random | None = None,
    retry_on: tuple[type[BaseException], ...] = (TransientError,),
) -> T:
    """Run ``attempt_fn`` on the least-busy endpoint, retrying transient failures with backoff.

    A :class:`CircuitOpenError` (no endpoint may be tried) is raised at once: waiting inside a worker
    would only hold a thread that the pipeline can use for other chapters. Once the pool stops, any
    failure is :class:`~.base.SummarizerStoppedError` (the request was cut, or the client closed under
    it): neither retried nor counted. ``sleep`` is the backoff (default: :meth:`EndpointPool.pause`,
    which a stop cuts short).
    """
    rng = rng or random.Random()
    last: BaseException | None = None
    for attempt in range(policy.attempts):
        with pool.acquire() as endpoint:
            started = time.perf_counter()
            try:
                value = attempt_fn(endpoint)
            except retry_on as err:
                _raise_if_stopping(pool, err)
                pool.record(endpoint, err)
                last = err
                hint = getattr(err, "retry_after", None)
            except SummarizerError as err:
                _raise_if_stopping(pool, err)
                pool.record(endpoint, err)
                raise
            except Exception as err:  # e.g. httpx's "the client has been closed"
                _raise_if_stopping(pool, err)
                raise
            else:
                pool.record(endpoint, None, (time.perf_counter() - started) * 1000.0)
                return value
        if attempt + 1 < policy.attempts:
            delay = policy.delay(attempt, hint, rng)
            log.info("Attempt %d failed (%s); retrying in %.2f s", attempt + 1, last, delay)
            (sleep or pool.pause)(delay)
    assert last is not None
    raise last


def _raise_if_stopping(pool: EndpointPool, err: BaseException) -> None:
    if pool.stopping:
        log.debug("Request cut by the stop: %s", err)
        raise SummarizerStoppedError(STOPPED_MESSAGE) from err
