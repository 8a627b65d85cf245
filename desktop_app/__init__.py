"""Chapterwise: summarize long documents chapter by chapter, live."""

from __future__ import annotations

__version__ = "0.1.0"
