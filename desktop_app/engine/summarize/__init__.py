"""Summarizer backends behind one protocol (see :mod:`.base`)."""

from __future__ import annotations

from .base import (
    PROMPT_VERSION,
    ClauseFlag,
    Summarizer,
    SummarizerError,
    SummaryRequest,
    SummaryResult,
)

__all__ = ["PROMPT_VERSION", "ClauseFlag", "Summarizer", "SummarizerError", "SummaryRequest", "SummaryResult"]
