"""Cleaning text extracted from PDF pages, and judging whether it is usable.

- running headers and footers (lines repeated at the top or bottom of many pages, page numbers
  ignored) are removed;
- words hyphenated across a line break are joined (PDFium marks soft hyphens with U+0002);
- lines broken inside a sentence are joined into paragraphs;
- :func:`garbled_ratio` estimates how much of a text is mojibake (fonts without a usable
  character map), :func:`is_contents_page` / :func:`is_index_page` recognise front and back matter.

Pure functions, thread-safe.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter

from desktop_app.engine.ingest.headings import match_heading

#: Lines looked at, at each end of a page, for running headers and footers.
EDGE_LINES = 3
#: A line repeated at a page edge on at least this share of pages (and on 3 pages) is a header.
HEADER_SHARE = 0.3
#: Pages counted around each page for its running lines (:class:`RunningLines`).
RUNNING_WINDOW = 100

_DIGITS = re.compile(r"\d+")
_EDGE_NUMBER = re.compile(r"^\d{1,4}\s+|\s+\d{1,4}$")
_ROMAN_PAGE = re.compile(r"^[ivxlc]{1,6}$", re.IGNORECASE)
_SOFT_HYPHEN_BREAK = re.compile(r"[\u0002\u00ad]\s*\n\s*")
_HYPHEN_BREAK = re.compile(r"(\w)-\n(?=[a-zäöüßàâçéèêëîïôûùüÿñæœ])")
_CONTENTS_WORDS = re.compile(
    r"^(table of )?contents$|^inhalt(sverzeichnis)?$|^sommaire$|^table des mati[èe]res$|^[íi]ndice$|^indice$",
    re.IGNORECASE,
)
_INDEX_WORDS = re.compile(r"^(index|stichwortverzeichnis|register|sachregister|indice analitico)$", re.IGNORECASE)
_ENDS_WITH_PAGE = re.compile(r"(?:\s|\.)(\d{1,4}|[ivxlc]{1,6})$")
# A bullet set in a symbol font whose glyph has no character of its own comes out as the code of its
# slot: "!" in Wingdings-like fonts, U+F0B7 / U+F0A7 (Symbol's and Wingdings' bullets in the private use
# area). At the start of a line, before a word, it is a list item's bullet, never a sentence's end.
_SYMBOL_BULLET = re.compile(r"^([ \t]*)[!\uf0b7\uf0a7\uf076\uf0d8](?=[ \t]+\S)", re.MULTILINE)


def normalize_page(text: str) -> str:
    """Unify line endings and drop characters that only confuse later steps."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    # PDFium reports a hyphen the typesetter added at a line break as U+0002, sometimes with the
    # line break already removed: the word is whole without it.
    text = _SOFT_HYPHEN_BREAK.sub("", text).replace("\x02", "")
    text = text.replace("\ufb01", "fi").replace("\ufb02", "fl").replace("\ufb00", "ff")
    text = _SYMBOL_BULLET.sub("\\1•", text)
    # EDGAR filings separate words with no-break spaces: as ordinary spaces, headings read like headings.
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def _edge_key(line: str) -> str:
    """What repeats in a running line: digits (page numbers) count as equal...

    ...except in heading-like lines, where only a leading or trailing page number is ignored, so
    that "Chapter 1", "Chapter 2" at the tops of their first pages are not taken for a header.
    """
    line = " ".join(line.split())
    if match_heading(line) is not None or match_heading(_EDGE_NUMBER.sub("", line)) is not None:
        return "h:" + _EDGE_NUMBER.sub("", line).casefold()
    return _DIGITS.sub("#", line).casefold()


def _is_page_number(line: str) -> bool:
    s = line.strip().strip("-–— ")
    s = re.sub(r"^(page|seite|p\.)\s*", "", s, flags=re.IGNORECASE)
    s = re.sub(r"\s*(of|von|/)\s*\d+$", "", s)
    return bool(s) and (s.isdigit() or bool(_ROMAN_PAGE.match(s)))


def _edge_count(lines: int) -> int:
    """How many lines at each end of a page can be running lines: fewer on short pages."""
    return max(1, min(EDGE_LINES, lines // 3))


def remove_running_lines(pages: list[str]) -> list[str]:
    """Remove running headers, footers and bare page numbers from each page's text (see :class:`RunningLines`)."""
    lines = RunningLines(len(pages))
    cleaned: list[str] = []
    for page in pages:
        cleaned.extend(lines.add(page))
    return cleaned


class RunningLines:
    """Running headers and footers, told page by page as the pages come, for a document of ``total`` pages.

    A line at a page's edge (its first or last few non-blank lines) is a running line when the same
    :func:`_edge_key` stands at an edge of at least :data:`HEADER_SHARE` of the pages in the page's window
    (and of 3): the :data:`RUNNING_WINDOW` pages around it, or the whole document when it is shorter. A
    window rather than the whole document, so that a page is final once the pages after it in its window are
    read, and a long PDF's first chapters can be sent while its later pages are still being read; on
    documents up to the window's size the two are the same. Every PDF parse uses this one rule, whole or
    streamed. :meth:`add` takes the next page's text and returns the pages that became final, cleaned, in
    order; the last page added returns every page left. Not thread-safe (one parse owns it).
    """

    def __init__(self, total: int, window: int | None = None) -> None:
        self.total = total
        self.size = min(total, window or RUNNING_WINDOW)
        self.threshold = max(3, int(HEADER_SHARE * self.size)) if self.size >= 10 else 3
        self._lines: list[list[str]] = []
        self._edges: list[dict[int, str]] = []  # per page: line index → edge key
        self._counts: Counter[str] = Counter()
        self._counted = (0, 0)  # the pages [first, last) whose edge keys are in _counts
        self._done = 0  # pages returned so far

    def add(self, page: str) -> list[str]:
        """Take the next page's (normalized) text; return the pages that are now final, cleaned."""
        lines = page.split("\n")
        idx = [i for i, ln in enumerate(lines) if ln.strip()]
        k = _edge_count(len(idx))
        self._lines.append(lines)
        self._edges.append({i: _edge_key(lines[i]) for i in idx[:k] + idx[-k:]})
        out: list[str] = []
        while self._done < len(self._lines):
            first = self._window_start(self._done)
            if first + self.size > len(self._lines):
                break
            out.append(self._clean(self._done, first))
            self._done += 1
        return out

    def _window_start(self, page: int) -> int:
        return max(0, min(page - self.size // 2, self.total - self.size))

    def _clean(self, page: int, first: int) -> str:
        lo, hi = self._counted
        if lo == hi:
            lo = hi = first
        while hi < first + self.size:
            self._counts.update(set(self._edges[hi].values()))
            hi += 1
        while lo < first:
            self._counts.subtract(set(self._edges[lo].values()))
            lo += 1
        self._counted = (lo, hi)
        edges = self._edges[page]
        kept = [
            ln
            for i, ln in enumerate(self._lines[page])
            if not (i in edges and ((edges[i] and self._counts[edges[i]] >= self.threshold) or _is_page_number(ln)))
        ]
        self._lines[page] = []  # a page is cleaned once: its lines are not needed any more
        return "\n".join(kept)


def join_hyphenation(text: str) -> str:
    """Join words split across lines: soft hyphens always, hard hyphens before a lower-case letter."""
    text = _SOFT_HYPHEN_BREAK.sub("", text)
    return _HYPHEN_BREAK.sub(r"\1", text)


def reflow(text: str) -> str:
    """Join lines broken inside a sentence; keep lines that end a sentence or look like headings."""
    out: list[str] = []
    for line in text.split("\n"):
        stripped = line.strip()
        if (
            out
            and stripped
            and out[-1]
            and out[-1][-1] not in '.!?:;)"”»'
            and len(out[-1]) > 40
            and (stripped[0].islower() or stripped[0] in ",;")
        ):
            out[-1] = out[-1] + " " + stripped
        else:
            out.append(stripped)
    return "\n".join(out)


def clean_pages(pages: list[str]) -> list[str]:
    """Normalise, strip running lines, join hyphenation and reflow every page."""
    normalized = [normalize_page(p) for p in pages]
    return [reflow(join_hyphenation(p)) for p in remove_running_lines(normalized)]


def _nonblank(text: str) -> list[str]:
    return [" ".join(ln.split()) for ln in text.split("\n") if ln.strip()]


def is_contents_page(text: str) -> bool:
    """A table of contents: titled so, or mostly lines that end in a page number after dot leaders."""
    lines = _nonblank(text)
    if not lines:
        return False
    if any(_CONTENTS_WORDS.match(re.sub(r"^\d+\s+|\s+\d+$", "", ln)) for ln in lines[:4]):
        return True
    leaders = sum(1 for ln in lines if re.search(r"(\.\s?){4,}\s*\d+$", ln))
    return leaders >= 5 and leaders >= 0.4 * len(lines)


def is_index_page(text: str) -> bool:
    """A back-of-book index: titled so, and mostly short lines ending in page numbers."""
    lines = _nonblank(text)
    if len(lines) < 5:
        return False
    titled = any(_INDEX_WORDS.match(re.sub(r"^\d+\s+|\s+\d+$", "", ln)) for ln in lines[:4])
    numbered = sum(1 for ln in lines if len(ln) < 60 and re.search(r"\d+(–\d+)?,?$", ln))
    return titled and numbered >= 0.4 * len(lines)


# --- garbled text

#: Above this share of garbled words a text is reported as garbled.
GARBLED_THRESHOLD = 0.2

_SCRIPT_ALIASES = {"HIRAGANA": "CJK", "KATAKANA": "CJK", "HANGUL": "CJK", "IDEOGRAPHIC": "CJK", "HALFWIDTH": "CJK"}


@functools.lru_cache(maxsize=8192)
def _script(ch: str) -> str | None:
    cat = unicodedata.category(ch)
    if cat[0] not in "L":
        return None
    name = unicodedata.name(ch, "")
    if not name:
        return "UNKNOWN"
    first = name.split(" ", 1)[0]
    if first == "CJK":
        return "CJK"
    return _SCRIPT_ALIASES.get(first, first)


def garbled_ratio(text: str) -> float:
    """Share (0–1) of the text's words that look like mojibake.

    A word counts as garbled when it mixes letters of unrelated scripts (Latin IPA with Bengali,
    Greek with Syriac: what a font without a character map produces), or holds unassigned,
    private-use, control or replacement characters.
    """
    words = text.split()
    if not words:
        return 0.0
    bad = 0
    counted = 0
    # An even sample of the words is as telling as all of them, and a book has hundreds of thousands.
    stride = max(1, len(words) // 5_000)
    for word in words[::stride]:
        scripts: set[str] = set()
        suspicious = False
        for ch in word:
            cat = unicodedata.category(ch)
            if ch == "\ufffd" or cat in ("Co", "Cn") or (cat == "Cc" and ch not in "\t\n\r"):
                suspicious = True
            script = _script(ch)
            if script is not None:
                scripts.add(script)
        if not scripts and not suspicious:
            continue
        counted += 1
        if suspicious or len(scripts - {"LATIN"}) >= 2 or (len(scripts) >= 2 and "CJK" not in scripts):
            bad += 1
    return bad / counted if counted else 0.0
