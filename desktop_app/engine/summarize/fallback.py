"""Fallback: answer with another backend (the extractive one) while the primary's circuits are open.

:class:`~.base.CircuitOpenError` triggers it (the primary is known to be down and is not being called),
and so does :class:`~.base.UngroundedAnswerError` (the model answered twice with text the chapter does
not support: better an extractive summary than garbage). The result says so in ``fallback_from`` and
``fallback_reason`` (the pipeline stores them on the chapter), and the cache does not keep it. Thread-safe.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from .base import CircuitOpenError, Summarizer, SummaryRequest, SummaryResult, UngroundedAnswerError

log = logging.getLogger(__name__)


class FallbackSummarizer:
    """``primary`` unless its circuits are open, then ``fallback``."""

    def __init__(self, primary: Summarizer, fallback: Summarizer) -> None:
        self.primary = primary
        self.fallback = fallback
        self.name = primary.name
        self.model = primary.model
        self.cpu_bound = primary.cpu_bound
        self._lock = threading.Lock()
        self.fallbacks = 0

    @property
    def max_concurrency(self) -> int | None:
        """The primary's slots, which it may learn from its servers after start."""
        return self.primary.max_concurrency

    def summarize(self, request: SummaryRequest) -> SummaryResult:
        try:
            return self.primary.summarize(request)
        except (CircuitOpenError, UngroundedAnswerError) as err:
            with self._lock:
                self.fallbacks += 1
            log.warning(
                "%s could not summarize (%s); using the %s summarizer", self.primary.name, err, self.fallback.name
            )
            result = self.fallback.summarize(request)
            return replace(result, fallback_from=self.primary.name, fallback_reason=str(err))

    def stream(self, request: SummaryRequest) -> Iterator[str]:
        # CircuitOpenError comes before the first token (no endpoint is taken), so nothing is repeated.
        try:
            yield from self.primary.stream(request)
        except CircuitOpenError:
            yield from self.fallback.stream(request)

    def stats(self) -> dict[str, Any]:
        inner = getattr(self.primary, "stats", None)
        data: dict[str, Any] = dict(inner()) if callable(inner) else {}
        data["fallbacks"] = self.fallbacks
        return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self.primary, name)

    def close(self) -> None:
        self.primary.close()
        self.fallback.close()
