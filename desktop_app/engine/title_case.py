"""Title Case as documents write their headings: "Prices and Terms", "Termination for Cause".

Shared by the parser (where a run-in heading's title ends) and the summarizer (a heading run into the
sentence it heads). Pure functions.
"""

from __future__ import annotations

#: Small words a title keeps in lower case.
SMALL_WORDS = frozenset("a an and as at by for from in of on or the to under with".split())


def is_title_case(words: str, *, numbers: bool = False) -> bool:
    """Every word capitalised but the small ones in lower case (and, with ``numbers``, numbers):
    "Prices and Terms", not "As shown in Section"."""
    return all(w[:1].isupper() or w in SMALL_WORDS or (numbers and w[:1].isdigit()) for w in words.split())
