"""Upper-case heading lines ("RECITALS", "TERM AND TERMINATION") as chapters, where nothing is numbered.

The last resort of the text parsers before cutting a text into parts: contracts and reports without
numbers still set their headings in capitals on lines of their own. Pure functions, thread-safe.
"""

from __future__ import annotations

import re

from desktop_app.engine.ingest.numbering import Candidate, NumberedChapter, NumberedStructure

_UPPER_LINE = re.compile(r"^[ \t]*(?P<title>[A-Z][A-Z0-9 ,&/'’()\-–]{2,80}[A-Z)])[ \t]*$", re.M)


def find_upper_headings(text: str) -> NumberedStructure | None:
    """Chapters at lines set all in capitals ("RECITALS", "TERM AND TERMINATION"), or None.

    Used only where no numbered series was found. A line qualifies when it stands alone (a blank line or the
    text's start before it), has one to ten words, and at least three such lines are found, spread out (each
    followed by some text): a signature block's capitals are not chapters.
    """
    heads: list[Candidate] = []
    for m in _UPPER_LINE.finditer(text):
        title = " ".join(m.group("title").split())
        words = title.split()
        before = text[max(0, m.start() - 400) : m.start()].rstrip(" \t")
        if not 1 <= len(words) <= 10 or sum(ch.isalpha() for ch in title) < 4:
            continue
        if before and not before.endswith("\n\n"):
            continue
        heads.append(Candidate(m.start(), m.end(), title, "upper", (len(heads) + 1,), True, True))
    kept = [
        h
        for n, h in enumerate(heads)
        if len(text[h.title_end : heads[n + 1].start if n + 1 < len(heads) else len(text)].split()) >= 20
    ]
    if len(kept) < 3:
        return None
    return NumberedStructure([NumberedChapter(h.title, h.start, h.title_end, True) for h in kept], "upper")
