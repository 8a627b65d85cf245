"""The marks of a reference-list entry, and whether a line shows enough of them.

A reference entry ("Smith, J. and K. Lee. 2003. Parsing. In Proceedings of ACL, pages 1–8.") shows
several of a dozen marks: a bracketed number or an author list at its start, "In Proceedings", a
venue or a publisher, pages, a year after a full stop, a volume. Prose with a citation shows one at
most. :mod:`.hygiene` asks :func:`reference_marks` about sentences with few function words. Pure
functions, thread-safe.
"""

from __future__ import annotations

import re

__all__ = ["reference_marks"]

# Marks of a reference entry, each with words one of which it cannot match without (the text is a
# single-spaced line): a substring test rules most prose out at a fraction of a regular expression's
# cost. Ordered cheapest first; the last two have no such words and are tried only when they matter.
_MARKS: tuple[tuple[tuple[str, ...], re.Pattern[str]], ...] = (
    ((), re.compile(r"^\s*\[\d{1,3}\]|^\s*\d{1,3}\.\s+[A-Z][a-z]+,\s")),
    ((), re.compile(r"^[A-Z][\w'-]+,\s+(?:[A-Z]\.\s*){1,3}(?:,|and|&)|^[A-Z][\w'-]+\s+(?:[A-Z]\.\s*){1,3},")),
    (("In Proc", "In Adv"), re.compile(r"\bIn\s+(?:Proceedings\b|Proc\.|Advances in\b)")),
    (
        ("Proceedings of", "Conference on", "Workshop", "Symposium"),
        re.compile(r"\bProceedings of\b|\bConference on\b|\bWorkshop\b|\bSymposium\b"),
    ),
    (("p.", "pages "), re.compile(r"\bpp?\.\s*\d+|\bpages\s+\d+\s*[-–]\s*\d+")),
    (
        ("Journal", "Transactions", "Press", "Publishers", "Verlag", "Springer", "Elsevier", "ACM", "IEEE"),
        re.compile(r"\b(?:Journal|Transactions|Press|Publishers|Verlag|Springer|Elsevier|ACM|IEEE)\b"),
    ),
    (
        ("doi", "arXiv", "ISBN", "ISSN", "Technical Report", "Ph.", "et al."),
        re.compile(
            r"\b(?:doi|arXiv|ISBN|ISSN)\b|Technical Report|Ph\.\s?D\. (?:thesis|dissertation)|"
            r"\bet al\.\s*(?:19|20)\d\d\."
        ),
    ),
    (("19", "20"), re.compile(r"[.,]\s*(?:19|20)\d\d[a-z]?\s*\.\s*[A-Z]|\((?:19|20)\d\d[a-z]?\)\.\s")),
    (("ol.", "o.", "("), re.compile(r"\b(?:Vol|vol|No|no)\.\s*\d+|\b\d+\s*\(\d+\)\s*[:,]\s*\d+")),
    ((), re.compile(r"(?:[A-Z]\.\s*){1,3}[A-Z][a-z]+,\s+(?:and\s+)?(?:[A-Z]\.\s*){1,3}[A-Z][a-z]+")),
)
_REFERENCE_MARKS: tuple[tuple[re.Pattern[str] | None, re.Pattern[str]], ...] = tuple(
    (re.compile("|".join(map(re.escape, words))) if words else None, mark) for words, mark in _MARKS
)


def reference_marks(line: str, needed: int) -> bool:
    """Whether ``line`` shows at least ``needed`` distinct marks of a reference entry.

    Stops as soon as the answer is known: enough marks found, or too few patterns left to find them.
    """
    found = 0
    left = len(_REFERENCE_MARKS)
    for needles, mark in _REFERENCE_MARKS:
        if found + left < needed:
            return False
        left -= 1
        if (needles is None or needles.search(line)) and mark.search(line):
            found += 1
            if found >= needed:
                return True
    return False
