"""The numbers Word draws before list paragraphs ("1.", "6.1", "(a)"), which are not in the paragraph's text.

A contract typed in Word numbers its sections with automatic numbering: the paragraph holds "Services. At
the request …" and Word draws "1." before it from the numbering part. Without the label the numbered
structure is invisible, so :class:`ListLabels` renders it the way Word does: per list (``numId``) and level
(``ilvl``) a counter, reset below the level that counts, formatted by the level's ``numFmt`` into its
``lvlText`` ("%1.%2"). Bullets have no label. Runs in the ingest child process; one instance per document
(it counts as it goes), not shared between threads.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MAX_LEVELS = 9
_ROMAN = [(1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"), (40, "xl")]
_ROMAN += [(10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")]


def _roman(n: int) -> str:
    out = []
    for value, letters in _ROMAN:
        while n >= value:
            out.append(letters)
            n -= value
    return "".join(out)


def _format(n: int, fmt: str) -> str:
    if fmt in ("lowerLetter", "upperLetter"):
        letter = chr(ord("a") + (n - 1) % 26) * (1 + (n - 1) // 26)
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt in ("lowerRoman", "upperRoman"):
        text = _roman(n)
        return text.upper() if fmt == "upperRoman" else text
    return str(n)


def _val(el: Any, tag: str) -> str | None:
    child = el.find(f"{_W}{tag}") if el is not None else None
    return child.get(f"{_W}val") if child is not None else None


class ListLabels:
    """Renders the automatic number of each paragraph of one document, in reading order."""

    def __init__(self, document: Any) -> None:
        #: numId → ilvl → (numFmt, lvlText, start)
        self._levels: dict[str, dict[int, tuple[str, str, int]]] = {}
        self._counters: dict[str, list[int]] = {}
        try:
            numbering = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError) as exc:
            log.debug("no numbering part: %r", exc)
            return
        abstract: dict[str, dict[int, tuple[str, str, int]]] = {}
        for node in numbering.iterchildren(f"{_W}abstractNum"):
            levels: dict[int, tuple[str, str, int]] = {}
            for lvl in node.iterchildren(f"{_W}lvl"):
                ilvl = int(lvl.get(f"{_W}ilvl") or 0)
                start = _val(lvl, "start")
                levels[ilvl] = (
                    _val(lvl, "numFmt") or "decimal",
                    _val(lvl, "lvlText") or "",
                    int(start) if start and start.isdigit() else 1,
                )
            abstract[node.get(f"{_W}abstractNumId") or ""] = levels
        for num in numbering.iterchildren(f"{_W}num"):
            ref = _val(num, "abstractNumId")
            if ref in abstract:
                self._levels[num.get(f"{_W}numId") or ""] = abstract[ref]

    def _num_pr(self, paragraph: Any) -> tuple[str, int] | None:
        ppr = paragraph._p.pPr
        num_pr = ppr.find(f"{_W}numPr") if ppr is not None else None
        style = paragraph.style
        depth = 0
        while num_pr is None and style is not None and depth < 10:
            spr = style.element.find(f"{_W}pPr")
            num_pr = spr.find(f"{_W}numPr") if spr is not None else None
            style, depth = style.base_style, depth + 1
        if num_pr is None:
            return None
        num_id = _val(num_pr, "numId")
        ilvl = _val(num_pr, "ilvl")
        if not num_id or num_id == "0":
            return None
        return num_id, int(ilvl) if ilvl and ilvl.isdigit() else 0

    def label(self, paragraph: Any) -> str:
        """The number Word shows before ``paragraph`` ("2.", "6.1"), or "" (none, or a bullet).

        Call once per paragraph, in document order: the counters advance.
        """
        found = self._num_pr(paragraph)
        if found is None:
            return ""
        num_id, ilvl = found
        levels = self._levels.get(num_id)
        if not levels or ilvl not in levels or ilvl >= _MAX_LEVELS:
            return ""
        counters = self._counters.setdefault(num_id, [0] * _MAX_LEVELS)
        fmt, text, start = levels[ilvl]
        counters[ilvl] = counters[ilvl] + 1 if counters[ilvl] else start
        for deeper in range(ilvl + 1, _MAX_LEVELS):
            counters[deeper] = 0
        if fmt in ("bullet", "none") or not text:
            return ""
        for level in range(ilvl + 1):
            value = counters[level] or levels.get(level, ("decimal", "", 1))[2]
            level_fmt = levels.get(level, ("decimal", "", 1))[0]
            text = text.replace(f"%{level + 1}", _format(value, level_fmt))
        return text
