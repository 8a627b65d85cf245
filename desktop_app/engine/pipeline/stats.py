"""Rolling measurements for the pipeline's gauges: latency percentiles and throughput.

All methods are thread-safe; workers and the writer record, the monitor and the UI read.
"""

from __future__ import annotations

import threading
import time
from collections import deque

import numpy as np


class Window:
    """The last ``size`` samples (milliseconds) with their time, for percentiles over a recent window."""

    def __init__(self, size: int = 2000) -> None:
        self._lock = threading.Lock()
        self._samples: deque[tuple[float, float]] = deque(maxlen=size)
        self.total = 0

    def add(self, value_ms: float) -> None:
        with self._lock:
            self._samples.append((time.monotonic(), value_ms))
            self.total += 1

    def values(self, since_s: float | None = None) -> list[float]:
        with self._lock:
            if since_s is None:
                return [v for _, v in self._samples]
            cutoff = time.monotonic() - since_s
            return [v for t, v in self._samples if t >= cutoff]

    def percentiles(self, since_s: float | None = None) -> dict[str, float | None]:
        values = self.values(since_s)
        if not values:
            return {"p50": None, "p95": None, "p99": None, "mean": None, "count": 0}
        array = np.asarray(values)
        p50, p95, p99 = np.percentile(array, [50, 95, 99])
        return {
            "p50": round(float(p50), 2),
            "p95": round(float(p95), 2),
            "p99": round(float(p99), 2),
            "mean": round(float(array.mean()), 2),
            "count": len(values),
        }

    def last(self) -> float | None:
        with self._lock:
            return self._samples[-1][1] if self._samples else None


class Rate:
    """Events per second over a sliding window (throughput)."""

    def __init__(self, window_s: float = 60.0) -> None:
        self._lock = threading.Lock()
        self._window = window_s
        self._times: deque[float] = deque()
        self._started = time.monotonic()

    def add(self, count: int = 1) -> None:
        now = time.monotonic()
        with self._lock:
            self._times.extend([now] * count)
            self._trim(now)

    def per_second(self) -> float:
        now = time.monotonic()
        with self._lock:
            self._trim(now)
            span = min(self._window, max(now - self._started, 1e-3))
            return len(self._times) / span

    def _trim(self, now: float) -> None:
        cutoff = now - self._window
        while self._times and self._times[0] < cutoff:
            self._times.popleft()
