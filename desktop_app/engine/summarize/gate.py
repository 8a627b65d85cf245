"""The gate that holds a backend's requests to a learned concurrency limit.

The pipeline's :class:`~desktop_app.engine.pipeline.limiter.ConcurrencyController` is one; a backend that
sends requests to servers (:class:`~.llm.LLMSummarizer`) takes a permit around each request
(:meth:`~.base.Summarizer.gate_requests`), so the limit counts requests at the server and not the
client's own work around them (building the prompt, grounding the answer, flagging clauses), which on a
busy machine would otherwise hold permits while the server has free slots. Called from worker threads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol


class RequestGate(Protocol):
    """Permits for requests: taken just before one is sent, given back once its answer is read."""

    def acquire(self, stop: Callable[[], bool] = ...) -> int | None:
        """Wait for a permit; the requests out before this one, or None when ``stop()`` said so."""
        ...

    def release(self) -> None: ...

    def record(self, endpoint: str | None, latency_ms: float, in_flight: int, work_ms: float | None = None) -> None:
        """A request to ``endpoint`` was answered after ``latency_ms`` with ``in_flight`` out.

        ``work_ms`` is the server's work on it, where known: the time the server reports, or the stream's
        time from its first token to its last (generating, not waiting).
        """
        ...

    def overloaded(self, endpoint: str | None = None) -> None:
        """``endpoint`` answered 429 or 503."""
        ...
