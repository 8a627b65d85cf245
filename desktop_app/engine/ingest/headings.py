"""Recognising chapter headings in plain lines of text ("Chapter 3", "TITLE IV: …", "2 Bar").

Shared by the PDF and the plain-text parsers. A single line is judged by :func:`match_heading`;
:func:`select_headings` then keeps only a consistent series (one keyword, increasing numbers) so
that body sentences such as "Title I implements the treaties" or numbered list items do not
split a document. Pure functions, thread-safe.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

P = TypeVar("P")

_WORD_NUMBERS = {
    w: i + 1
    for i, w in enumerate(
        [
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ]
    )
}
_ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}
_KEYWORDS = (
    "chapter|kapitel|chapitre|cap[ií]tulo|capitolo|hoofdstuk|part|teil|partie|book|buch|livre|"
    "title|titel|titre|article|artikel|section|appendix|anhang|lecture|lesson|unit"
)
_KEYWORD_RE = re.compile(
    rf"^(?P<kw>{_KEYWORDS})\s+(?P<num>\d{{1,3}}|[ivxlcdm]{{1,8}}|[a-z]|{'|'.join(_WORD_NUMBERS)})"
    r"(?P<rest>(?:\s*[:.\-–—]\s*|\s+|$).*)$",
    re.IGNORECASE,
)
_NUMBERED_RE = re.compile(r"^(?P<num>\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+(?P<rest>\S.*)$")
_TRAILING_PAGE = re.compile(r"(?:\.\s*){2,}\s*\d+$|\s\d{1,4}$")
MAX_HEADING_CHARS = 120
MAX_HEADING_WORDS = 14


@dataclass(frozen=True, slots=True)
class Heading:
    """One line that reads like a heading."""

    title: str
    #: The series it belongs to: a keyword ("chapter", "title") or "numbered".
    series: str
    number: int
    #: 1 for "Chapter 3" or "3 Foo", 2 for "3.1 Foo", ...
    depth: int = 1


def roman_to_int(text: str) -> int | None:
    """Value of a Roman numeral, or None when ``text`` is not one in canonical form."""
    text = text.lower()
    if not text or any(ch not in _ROMAN for ch in text):
        return None
    total = 0
    for i, ch in enumerate(text):
        value = _ROMAN[ch]
        if i + 1 < len(text) and _ROMAN[text[i + 1]] > value:
            total -= value
        else:
            total += value
    return total if 0 < total < 400 else None


def _number(token: str) -> int | None:
    low = token.lower()
    if low.isdigit():
        return int(low)
    if low in _WORD_NUMBERS:
        return _WORD_NUMBERS[low]
    roman = roman_to_int(low)
    if roman is not None:
        return roman
    if len(low) == 1 and low.isalpha():
        return ord(low) - ord("a") + 1
    return None


def match_heading(line: str) -> Heading | None:
    """Return the heading this single line states, or None for body text."""
    line = " ".join(line.split())
    if not line or len(line) > MAX_HEADING_CHARS or len(line.split()) > MAX_HEADING_WORDS:
        return None
    m = _KEYWORD_RE.match(line)
    if m is not None:
        kw, rest = m.group("kw"), m.group("rest").strip(" :.-–—")
        number = _number(m.group("num"))
        if number is None:
            return None
        # "Title I implements the treaties": a sentence, not a heading. A heading's keyword is
        # capitalised, and what follows the number is empty, set off by punctuation or capitalised.
        if not kw[0].isupper():
            return None
        separated = bool(re.match(r"\s*[:.\-–—]", m.group("rest")))
        if rest and not separated and not (rest[0].isupper() or rest[0].isdigit() or kw.isupper()):
            return None
        if rest.endswith((".", ",", ";")) and not kw.isupper():
            return None
        return Heading(title=line, series=kw.lower(), number=number)
    m = _NUMBERED_RE.match(line)
    if m is not None:
        rest = m.group("rest")
        if not (rest[0].isupper() or (not rest[0].isascii() and rest[0].isalpha())):
            return None
        if _TRAILING_PAGE.search(line) or rest.endswith((".", ",", ";", ":")):
            return None
        if sum(ch.isalpha() for ch in rest) < 2:
            return None
        parts = m.group("num").split(".")
        return Heading(title=line, series="numbered", number=int(parts[0]), depth=len(parts))
    return None


def _keyword_series(found: Sequence[tuple[P, Heading]]) -> list[tuple[P, Heading]]:
    by_series: dict[str, list[tuple[P, Heading]]] = {}
    for pos, h in found:
        if h.series != "numbered":
            by_series.setdefault(h.series, []).append((pos, h))
    best: list[tuple[P, Heading]] = []
    for items in by_series.values():
        chain: list[tuple[P, Heading]] = []
        for pos, h in items:
            if not chain or h.number > chain[-1][1].number:
                chain.append((pos, h))
        if len(chain) > len(best):
            best = chain
    return best


def _numbered_series(found: Sequence[tuple[P, Heading]]) -> list[tuple[P, Heading]]:
    chain: list[tuple[P, Heading]] = []
    for pos, h in found:
        if h.series == "numbered" and h.depth == 1 and h.number == (chain[-1][1].number + 1 if chain else 1):
            chain.append((pos, h))
    return chain


def select_headings(found: Sequence[tuple[P, Heading]]) -> list[tuple[P, Heading]]:
    """Keep the consistent series of chapter headings among candidate ``(position, heading)``.

    A keyword series ("Chapter 1", "Chapter 2", …) wins over numbered headings; numbered headings
    must count up from 1 in steps of 1. Fewer than two headings is no structure: returns [].
    """
    keyword = _keyword_series(found)
    if len(keyword) >= 2:
        return keyword
    numbered = _numbered_series(found)
    return numbered if len(numbered) >= 2 else []
