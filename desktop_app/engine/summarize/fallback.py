"""Fallback: answer with another backend (the extractive one) while the primary's circuits are open.

Only :class:`~.base.CircuitOpenError` triggers it: the primary is known to be down and is not being
called. The result says so in ``fallback_from`` (the pipeline stores it on the chapter), and the cache
does not keep it. Thread-safe.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from dataclasses import replace

from ..reports import SummarizerStats
from .base import CircuitOpenError, Summarizer, SummaryRequest, SummaryResult, WrappingSummarizer

log = logging.getLogger(__name__)


class FallbackSummarizer(WrappingSummarizer):
    """``primary`` unless its circuits are open, then ``fallback``."""

    def __init__(self, primary: Summarizer, fallback: Summarizer) -> None:
        super().__init__(primary)
        self.primary = primary
        self.fallback = fallback
        self._lock = threading.Lock()
        self.fallbacks = 0

    def summarize(self, request: SummaryRequest) -> SummaryResult:
        try:
            return self.primary.summarize(request)
        except CircuitOpenError as err:
            with self._lock:
                self.fallbacks += 1
            log.warning("%s is unavailable (%s); using the %s summarizer", self.primary.name, err, self.fallback.name)
            result = self.fallback.summarize(request)
            return replace(result, fallback_from=self.primary.name, fallback_reason=str(err))

    def stream(self, request: SummaryRequest) -> Iterator[str]:
        # CircuitOpenError comes before the first token (no endpoint is taken), so nothing is repeated.
        try:
            yield from self.primary.stream(request)
        except CircuitOpenError:
            yield from self.fallback.stream(request)

    def stats(self) -> SummarizerStats:
        return replace(self.primary.stats(), fallbacks=self.fallbacks)

    def close(self) -> None:
        self.primary.close()
        self.fallback.close()
