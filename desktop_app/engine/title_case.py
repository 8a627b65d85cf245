"""Title Case as documents write their headings ("Prices and Terms", "Termination for Cause"), and the words
that point at a heading's number rather than open it ("see Section 5.1").

Shared by the parser (where a run-in heading's title ends) and the summarizer (a heading run into the
sentence it heads, a clause number at a line's start). Pure functions.
"""

from __future__ import annotations

#: Small words a title keeps in lower case.
SMALL_WORDS = frozenset("a an and as at by for from in of on or the to under with".split())


def is_title_case(words: str, *, numbers: bool = False) -> bool:
    """Every word capitalised but the small ones in lower case (and, with ``numbers``, numbers):
    "Prices and Terms", not "As shown in Section"."""
    return all(w[:1].isupper() or w in SMALL_WORDS or (numbers and w[:1].isdigit()) for w in words.split())


#: Words that point at the clause number after them, not head it: "see Section 5.1", "Sections 2.1 and 2.2",
#: "as set out in Exhibit | 3.02".
POINTING_WORDS = frozenset(
    "section sections clause clauses article articles paragraph paragraphs schedule schedules exhibit exhibits "
    "annex annexes § and or to through".split()
)
