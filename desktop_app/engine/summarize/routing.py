"""Endpoints, least-busy routing, a circuit breaker per endpoint, and capped jittered retries.

An :class:`EndpointPool` holds one :class:`Endpoint` per configured URL, each with its own
``httpx.Client`` and :class:`CircuitBreaker`. :meth:`EndpointPool.acquire` hands out the endpoint with
the fewest requests in flight (relative to its parallel slots, when known) whose circuit lets a
request through; :func:`call_with_retries` drives one logical request across attempts and endpoints.

Circuit states: *closed* (requests flow) → after ``failure_threshold`` consecutive transient failures
→ *open* (no requests for ``reset_after`` seconds) → *half-open* (``half_open_probes`` probe requests
at once) → closed on a success (a request's, or a health check's), open again on failure. Requests
that arrive while the probes are out wait up to ``probe_wait`` seconds for their verdict instead of
failing at once: after a recovery, a burst of concurrent chapters goes to the server, not to the
fallback.

Slots: an endpoint whose parallel slots are known (``#parallel=N`` on its URL, or learned from the
server) never gets more than that many requests at once. Callers beyond it wait *here*, before the
request is sent, so the time spent waiting for a free slot never counts against the read timeout, and
the cap holds however many workers the pipeline runs (its floor is three).

Thread-safe: workers call :meth:`EndpointPool.acquire` and the breaker methods from many threads; one
condition per pool guards the counters. :meth:`EndpointPool.acquire` blocks while every endpoint's
slots are taken (until one is released or the pool is closed) and while a probe's verdict is awaited;
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
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit, urlunsplit

import httpx

from .base import BackendUnavailableError, CircuitOpenError, SummarizerError, TransientError
from .protocol import ServerCapacity

log = logging.getLogger(__name__)

T = TypeVar("T")
CircuitState = Literal["closed", "open", "half_open"]


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


Admission = Literal["yes", "wait", "no"]


class CircuitBreaker:
    """Per-endpoint breaker. ``clock`` is injectable for tests (the probe wait uses real time). Thread-safe."""

    def __init__(
        self,
        failure_threshold: int = 5,
        reset_after: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        *,
        half_open_probes: int = 1,
        probe_wait: float = 5.0,
    ) -> None:
        self.failure_threshold = failure_threshold
        self.reset_after = reset_after
        self.half_open_probes = max(1, half_open_probes)
        self.probe_wait = probe_wait
        self._clock = clock
        self._cond = threading.Condition()
        self._state: CircuitState = "closed"
        self._failures = 0
        self._opened_at = 0.0
        self._probes = 0

    @property
    def state(self) -> CircuitState:
        with self._cond:
            return self._current_state()

    def _current_state(self) -> CircuitState:
        if self._state == "open" and self._clock() - self._opened_at >= self.reset_after:
            self._state = "half_open"
            self._probes = 0
        return self._state

    def admit(self) -> Admission:
        """``yes`` (a request may go; in half-open state it is a probe), ``wait`` (probes are out), ``no``."""
        with self._cond:
            state = self._current_state()
            if state == "closed":
                return "yes"
            if state == "open":
                return "no"
            if self._probes < self.half_open_probes:
                self._probes += 1
                return "yes"
            return "wait"

    def allow(self) -> bool:
        """Whether a request may go now, without waiting for a probe's verdict."""
        return self.admit() == "yes"

    def available(self) -> bool:
        """Like :meth:`allow` but without taking a probe (for choosing between endpoints)."""
        with self._cond:
            state = self._current_state()
            return state == "closed" or (state == "half_open" and self._probes < self.half_open_probes)

    def wait_verdict(self, timeout: float | None = None) -> None:
        """Block until the probes out have a verdict (or a probe is free), at most ``timeout`` seconds."""
        with self._cond:
            self._cond.wait_for(
                lambda: self._state != "half_open" or self._probes < self.half_open_probes,
                self.probe_wait if timeout is None else timeout,
            )

    def record_success(self) -> None:
        with self._cond:
            self._state = "closed"
            self._failures = 0
            self._probes = 0
            self._cond.notify_all()

    def record_healthy(self) -> bool:
        """A health check got an answer: a half-open circuit closes (True); an open one waits its time."""
        with self._cond:
            if self._current_state() != "half_open":
                return False
        self.record_success()
        return True

    def record_failure(self) -> bool:
        """Count a transient failure; return True when this failure opened the circuit."""
        with self._cond:
            state = self._current_state()
            self._failures += 1
            if state == "half_open" or self._failures >= self.failure_threshold:
                was_open = state == "open"
                self._state = "open"
                self._opened_at = self._clock()
                self._probes = 0
                self._cond.notify_all()
                return not was_open
            return False

    def release_probe(self) -> None:
        """A probe ended without a verdict (e.g. a permanent error): let another probe go."""
        with self._cond:
            if self._probes:
                self._probes -= 1
                self._cond.notify_all()


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

    def __post_init__(self) -> None:
        if self.configured_slots is None:
            self.configured_slots = self.slots

    def load(self) -> float:
        return self.in_flight / self.slots if self.slots else float(self.in_flight)

    def full(self) -> bool:
        return self.slots is not None and self.in_flight >= self.slots


class EndpointPool:
    """The endpoints of one backend, routed least-busy first. Thread-safe."""

    def __init__(self, endpoints: list[Endpoint]) -> None:
        if not endpoints:
            raise ValueError("at least one endpoint is needed")
        self.endpoints = endpoints
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._turn = 0
        self._closed = False
        self._by_thread: dict[int, str] = {}

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
        runs) and, once, while a half-open endpoint's probe is out.
        """
        chosen = self._choose()
        thread = threading.get_ident()
        with self._lock:
            self._by_thread[thread] = chosen.url
        try:
            yield chosen
        finally:
            with self._cond:
                chosen.in_flight -= 1
                self._by_thread.pop(thread, None)
                self._cond.notify_all()

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
                    if self._closed:
                        raise BackendUnavailableError("The summarizer is shutting down.")
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
            pending.wait_verdict()  # outside the pool's lock: the probe's own record() needs it
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

    def record(self, endpoint: Endpoint, error: BaseException | None, latency_ms: float = 0.0) -> None:
        """Tell the endpoint's breaker how a request ended (only transient errors count against it)."""
        if error is None:
            endpoint.breaker.record_success()
            with self._lock:
                endpoint.recent_latency_ms.append(latency_ms)
                del endpoint.recent_latency_ms[:-50]
            return
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

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        for endpoint in self.endpoints:
            endpoint.client.close()


def call_with_retries(
    pool: EndpointPool,
    attempt_fn: Callable[[Endpoint], T],
    *,
    policy: RetryPolicy,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
    retry_on: tuple[type[BaseException], ...] = (TransientError,),
) -> T:
    """Run ``attempt_fn`` on the least-busy endpoint, retrying transient failures with backoff.

    A :class:`CircuitOpenError` (no endpoint may be tried) is raised at once: waiting inside a worker
    would only hold a thread that the pipeline can use for other chapters.
    """
    rng = rng or random.Random()
    last: BaseException | None = None
    for attempt in range(policy.attempts):
        with pool.acquire() as endpoint:
            started = time.perf_counter()
            try:
                value = attempt_fn(endpoint)
            except retry_on as err:
                pool.record(endpoint, err)
                last = err
                hint = getattr(err, "retry_after", None)
            except SummarizerError as err:
                pool.record(endpoint, err)
                raise
            else:
                pool.record(endpoint, None, (time.perf_counter() - started) * 1000.0)
                return value
        if attempt + 1 < policy.attempts:
            delay = policy.delay(attempt, hint, rng)
            log.info("Attempt %d failed (%s); retrying in %.2f s", attempt + 1, last, delay)
            sleep(delay)
    assert last is not None
    raise last
