"""Pages in a PDF's chapters: groups of pages where nothing else gives chapters, and page starts of joined pages.

Pure functions, thread-safe. Page numbers are 1-based, page indexes 0-based.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from desktop_app.engine.ingest.base import ParsedChapter

#: Pages per chapter when the document has no structure at all.
PAGES_PER_GROUP = 10


def nonblank_page_starts(pages: list[tuple[int, str]]) -> list[tuple[int, int]]:
    """Page starts of the text made by joining the non-blank ``(page index, text)`` pairs with newlines."""
    pairs: list[tuple[int, int]] = []
    offset = 0
    for page, text in pages:
        if text.strip():
            pairs.append((offset, page + 1))
            offset += len(text) + 1
    return pairs


def joined_page_starts(clean: Sequence[str], first: int, last: int) -> list[tuple[int, int]]:
    """Page starts of ``"\n".join(clean[first:last])``; blank pages start nothing."""
    pairs: list[tuple[int, int]] = []
    offset = 0
    for page in range(first, last):
        if clean[page].strip() or not pairs:
            if pairs and pairs[-1][0] == offset:
                pairs.pop()
            pairs.append((offset, page + 1))
        offset += len(clean[page]) + 1
    return pairs


def page_groups(clean: Sequence[str]) -> list[ParsedChapter]:
    """Groups of about PAGES_PER_GROUP pages, titled by their page range."""
    n = len(clean)
    groups = max(1, math.ceil(n / PAGES_PER_GROUP))
    size = math.ceil(n / groups)
    chapters = []
    for first in range(0, n, size):
        last = min(n, first + size)
        title = f"Pages {first + 1}–{last}" if last > first + 1 else f"Page {first + 1}"
        chapter = ParsedChapter(title=title, text="\n".join(clean[first:last]), page=first + 1)
        chapter.page_starts = joined_page_starts(clean, first, last)
        chapters.append(chapter)
    return chapters
