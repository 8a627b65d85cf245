"""Build the configured summarizer backend from settings.

This is the one place the pipeline asks for a backend; wrappers (cache, long-chapter map/reduce,
fallback) are composed here so the pipeline only ever sees the :class:`Summarizer` protocol.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import Summarizer
from .extractive import ExtractiveSummarizer

if TYPE_CHECKING:
    from desktop_app.config import Settings


def make_summarizer(settings: Settings) -> Summarizer:
    """Return the backend named by ``settings.backend``, ready for concurrent use."""
    if settings.backend == "extractive":
        return ExtractiveSummarizer(model=settings.model)
    raise ValueError(f"Unknown summarizer backend {settings.backend!r}")
