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

from ..reports import SummarizerStats
from .base import (
    CircuitOpenError,
    Summarizer,
    SummaryRequest,
    SummaryResult,
    UngroundedAnswerError,
    WrappingSummarizer,
)

log = logging.getLogger(__name__)


class FallbackSummarizer(WrappingSummarizer):
    """``primary`` unless its circuits are open, then ``fallback``."""

    def __init__(self, primary: Summarizer, fallback: Summarizer) -> None:
        super().__init__(primary)
        self.primary = primary
        self.fallback = fallback
        self._lock = threading.Lock()
        self.fallbacks = 0
        self._falling_back = False

    def summarize(self, request: SummaryRequest) -> SummaryResult:
        try:
            result = self.primary.summarize(request)
        except (CircuitOpenError, UngroundedAnswerError) as err:
            with self._lock:
                self.fallbacks += 1
                first, self._falling_back = not self._falling_back, True
            # Said once per outage, not once per chapter: the chapters themselves record the fallback.
            log.log(
                logging.WARNING if first else logging.DEBUG,
                "%s is unavailable (%s); using the %s summarizer until it is back",
                self.primary.name,
                err,
                self.fallback.name,
            )
            fallback = self.fallback.summarize(request)
            return replace(fallback, fallback_from=self.primary.name, fallback_reason=str(err))
        if self._falling_back:
            with self._lock:
                self._falling_back = False
            log.info("%s answers again", self.primary.name)
        return result

    def stream(self, request: SummaryRequest) -> Iterator[str]:
        # CircuitOpenError comes before the first token (no endpoint is taken), so nothing is repeated.
        try:
            yield from self.primary.stream(request)
        except CircuitOpenError:
            yield from self.fallback.stream(request)

    def stats(self) -> SummarizerStats:
        return replace(self.primary.stats(), fallbacks=self.fallbacks)

    def interrupt(self) -> None:
        self.primary.interrupt()
        self.fallback.interrupt()

    def close(self) -> None:
        self.primary.close()
        self.fallback.close()
