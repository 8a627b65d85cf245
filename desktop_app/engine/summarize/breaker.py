"""The circuit breaker of one endpoint: closed → open after repeated failures → half-open probes → closed.

States: *closed* (requests flow) → after ``failure_threshold`` consecutive transient failures → *open*
(no requests for ``reset_after`` seconds) → *half-open* (``half_open_probes`` probe requests at once) →
closed on a success (a request's, or a health check's), open again on failure. Requests that arrive while
the probes are out wait up to ``probe_wait`` seconds for their verdict (:meth:`CircuitBreaker.wait_verdict`)
instead of failing at once; a stop wakes them (:meth:`CircuitBreaker.wake`).

Thread-safe: one condition guards the state; workers, the health monitor and the stopping thread call it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Literal

CircuitState = Literal["closed", "open", "half_open"]
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

    def wait_verdict(self, timeout: float | None = None, *, stop: Callable[[], bool] = lambda: False) -> None:
        """Block until the probes out have a verdict (or a probe is free, or ``stop()``), at most ``timeout`` s."""
        with self._cond:
            self._cond.wait_for(
                lambda: self._state != "half_open" or self._probes < self.half_open_probes or stop(),
                self.probe_wait if timeout is None else timeout,
            )

    def wake(self) -> None:
        """Wake the callers of :meth:`wait_verdict` so they look at their ``stop`` again."""
        with self._cond:
            self._cond.notify_all()

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


__all__ = ["Admission", "CircuitBreaker", "CircuitState"]
