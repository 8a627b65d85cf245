"""Numbered structure in running text: "ARTICLE I", "Section 2.", "§ 3", "4. Fees.", "5.0 TERM", "5.1 …".

Contracts, statutes and papers number their parts, and the numbering is the author's own structure: the top
level makes chapters, the levels below make sections. Text extracted from files often loses its line breaks
(CUAD's texts join paragraphs with runs of spaces; headings run into their first sentence, "1. Services. At
the request…"), so headings are looked for where a paragraph can start: at a line start, after a run of
three or more spaces, or (weaker evidence) after the end of a sentence.

:func:`find_structure` returns the chosen top-level headings, the sections under each, and the span of a
table of contents when the text lists its headings first. A single candidate proves nothing: a series must
count up (1, 2, 3 …, a missed number is tolerated) in one style. Pure functions, thread-safe.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from desktop_app.engine.ingest.headings import roman_to_int
from desktop_app.engine.title_case import POINTING_WORDS, SMALL_WORDS, is_title_case

#: Keywords that open a numbered heading; "§" is handled apart (no word boundary).
_KEYWORDS = (
    "article|section|chapter|part|title|book|appendix|schedule|exhibit|annex|clause|kapitel|teil|artikel|"
    "abschnitt|chapitre|titre|partie|lecture|lesson|unit"
)
_LABEL = re.compile(
    rf"(?:(?P<kw>(?i:{_KEYWORDS}))[ \t]+|(?P<par>§§?)[ \t]*)"
    r"(?P<knum>\d{1,3}(?:\.\d{1,3}){0,3}|[IVXLC]{1,7}\b|[ivxlc]{1,7}\b|[A-Z]\b)\.?"
    r"|(?P<num>\d{1,3}(?:\.\d{1,3}){0,3})(?P<dot>\.?)(?=[ \t\n])"
)
#: Where a heading can begin (see :func:`_boundary`); matching the labels only there keeps a book fast.
_PLACES = re.compile(r"(?:^[ \t]*|[ \t]{3,}|[.;:!?)\]”\"][ \t]{1,2})(?=[\d§A-Za-z])", re.M)
_SENTENCE_END = re.compile(r"[.;:!?)\]”\"][ \t]{1,2}$")
#: Words that, before a number, make it a reference ("see Section 5. 6 …" is not a heading).
_REFERENCE_BEFORE = re.compile(r"(?i:\b(?:section|article|paragraph|clause|and|or|to|of|in|under|§))[ \t]*$")
_UPPER_WORDS = re.compile(r"^[^a-z]*?[A-Z][A-Z0-9 ,&/'’()\-–]*[A-Z)]")
#: Inside a heading's line, a title's full stop before the sentence it heads: "2.3 Delivery.  Other than …".
_TITLE_STOP = re.compile(r"(?<!\b[A-Z])\.[ \t]+(?=[A-Z“\"(])")
#: A heading phrase that runs into its first sentence ends at the first of these.
_TITLE_END = re.compile(_TITLE_STOP.pattern + r"|:[ \t]|[ \t]{2,}|\n|\.$")
MAX_TITLE_CHARS = 100
#: A word that labels a heading (a number, a Roman numeral, a keyword): where one title ends, the next begins.
_LABEL_WORD = re.compile(r"(?<!\S)(?:\d[\d.]*|[IVXLC]+\.?|ARTICLE|Article|SECTION|Section|Chapter|CHAPTER)(?!\S)")
_WORD = re.compile(r"\S+")
#: A clause's number, which starts the next heading: "4.1", "12.", "9.1.2".
_CLAUSE_NUMBER = re.compile(r"\d+(?:\.\d+)+\.?|\d+\.")
#: Words a contract's sentence opens with after a run-in heading: "3. Term The term of …".
_OPENERS = frozenset(
    "the this these each either neither any all no if in upon unless except subject notwithstanding".split()
)
#: How far around a candidate the text is read (lines longer than this are paragraphs run together).
_LOOK = 400
#: A heading line ending in one of these words goes on on the next line.
_CONTINUED = re.compile(r"\s(and|of|the|for|in|on|to|with|or|und|oder|der|die|das|des|von|im|et|de|des|du|la|le)$")
MAX_TITLE_WORDS = 14
#: A chapter under this many words (heading included) is a list item; a series made of many is a list.
MIN_CHAPTER_WORDS = 15


@dataclass(frozen=True, slots=True)
class Candidate:
    """One place that reads like a numbered heading."""

    start: int
    #: Where the heading's own words end (the body starts after a standalone heading's line).
    title_end: int
    title: str
    #: "numbered", or the keyword in lower case ("article", "section", "§").
    style: str
    numbers: tuple[int, ...]
    #: At a line start or after a run of spaces (True), or only after a sentence's end (False).
    strong: bool
    #: The heading stands on a line of its own.
    standalone: bool

    @property
    def depth(self) -> int:
        """1 for "3", "3." and "3.0"; 2 for "3.1" and "3.01"; 3 for "3.1.2"."""
        nums = self.numbers
        while len(nums) > 1 and nums[-1] == 0:
            nums = nums[:-1]
        return len(nums)


@dataclass(frozen=True, slots=True)
class NumberedSection:
    """A lower-level heading inside a chapter, with its offsets in the whole text."""

    title: str
    start: int
    level: int


@dataclass(frozen=True, slots=True)
class NumberedChapter:
    """A top-level heading; the chapter runs from ``start`` to the next chapter's start."""

    title: str
    start: int
    title_end: int
    standalone: bool
    sections: list[NumberedSection] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class NumberedStructure:
    """What :func:`find_structure` found: chapters in order, and the table of contents' span, if any."""

    chapters: list[NumberedChapter]
    style: str
    contents: tuple[int, int] | None = None


def _number(token: str) -> tuple[int, ...] | None:
    if token[0].isdigit():
        return tuple(int(part) for part in token.split(".") if part)
    value = roman_to_int(token)
    if value is not None:
        return (value,)
    if len(token) == 1 and token.isalpha():
        return (ord(token.upper()) - ord("A") + 1,)
    return None


def _boundary(text: str, pos: int) -> bool | None:
    """True where a paragraph plainly starts at ``pos``, False after a sentence's end, None elsewhere."""
    # A look behind of a few hundred characters: a text may be one line of megabytes.
    line_start = text.rfind("\n", max(0, pos - _LOOK), pos) + 1
    before = text[max(line_start, pos - _LOOK) : pos]
    if not before.strip():
        return True
    if before.endswith(("   ", "\t")):
        return True
    if _SENTENCE_END.search(before) and not _REFERENCE_BEFORE.search(before.rstrip(" \t.;:")):
        return False
    return None


def _title(text: str, start: int, body: int) -> tuple[str, int, bool]:
    """The heading's words from ``start`` (label included), where they end, and whether they fill the line."""
    line_end = text.find("\n", start, start + _LOOK)
    line_end = min(len(text), start + _LOOK) if line_end < 0 else line_end
    line = text[start:line_end].rstrip()
    rest = text[body:line_end].rstrip()
    if not rest.strip() and line_end < len(text):
        # "ARTICLE II" with its name on the next line ("MARKETING AND SUPPORT"): one heading.
        next_end = text.find("\n", line_end + 1, line_end + 1 + _LOOK)
        next_end = min(len(text), line_end + 1 + _LOOK) if next_end < 0 else next_end
        following = text[line_end + 1 : next_end].strip()
        if (
            following
            and len(following.split()) <= 10
            and following[0].isupper()
            and not following.endswith((".", ",", ";", ":"))
        ):
            return " ".join(f"{line} {following}".split()), next_end, True
    words = len(rest.split())
    fits = words <= MAX_TITLE_WORDS and len(line) <= MAX_TITLE_CHARS and not rest.endswith((",", ";"))
    stop = _TITLE_STOP.search(rest)
    if fits and stop is not None and rest[stop.end() :].strip() and is_title_case(rest[: stop.start()], numbers=True):
        # A short line holding a title and its body's first words (text wrapped at a fixed width).
        return " ".join(text[start : body + stop.start()].split()), body + stop.start() + 1, False
    if fits and (not rest.endswith(".") or words <= 8):
        if _CONTINUED.search(line) and line_end < len(text):
            # "2 Mannigfaltigkeiten und" / "Simplizialkomplexe": a title broken over two lines.
            next_end = text.find("\n", line_end + 1, line_end + 1 + _LOOK)
            next_end = min(len(text), line_end + 1 + _LOOK) if next_end < 0 else next_end
            following = text[line_end + 1 : next_end].strip()
            if following and len(following.split()) <= 6 and not following.endswith((".", ",", ";", ":")):
                return " ".join(f"{line} {following}".split()), next_end, True
        return " ".join(line.split()), start + len(line), True
    upper = _UPPER_WORDS.match(rest)
    after = rest[upper.end() : upper.end() + 1] if upper is not None else ""
    # A capitalised run is the title when it ends a word and is more than one word or ends a sentence:
    # "6. FEES AND COSTS. 6.1 …", not the "STAAR" of "5. STAAR Obligations …".
    if (
        upper is not None
        and after in ("", " ", ".", ":", ";")
        and (len(upper.group(0).split()) >= 2 or after in ("", ".", ":"))
        and len(upper.group(0)) >= 3
    ):
        # "6. FEES AND COSTS. 6.1 Initial …", "ARTICLE II MARKETING AND SUPPORT 2.01 …"
        words_up = upper.group(0).split()
        # The last capitalised word may begin the sentence that follows: keep it when the run is all caps.
        end = body + upper.end()
        return " ".join((text[start:body] + " ".join(words_up)).split()), end, False
    run_in = _run_in_title(text, body, line_end)
    if run_in is not None:
        return " ".join(text[start:run_in].split()), run_in, False
    m = _TITLE_END.search(text, body, min(line_end, body + MAX_TITLE_CHARS + 1))
    m = _past_justifying_spaces(text, m, body, line_end)
    if m is not None and m.start() > body and len(text[body : m.start()].split()) <= MAX_TITLE_WORDS:
        end = m.start() + (1 if text[m.start()] == "." else 0)
        return " ".join(text[start:end].split()).rstrip(".:"), end, False
    # A numbered paragraph without a title of its own: name it by its first words.
    first = text[body:line_end].split()[:6]
    head = " ".join(text[start:body].split())
    return f"{head} {' '.join(first)}…", body, False


def _past_justifying_spaces(text: str, m: re.Match[str] | None, body: int, line_end: int) -> re.Match[str] | None:
    """Spaces that justify a fixed-width line ("Accrued  Obligations.  In the event …") are not the title's end
    when title-case words go on to a full stop: that stop is, unless a label follows the spaces
    ("Article 2 Grant of Rights   2.1 Appointment. …")."""
    if m is None or m.group(0).strip(" \t") != "":
        return m
    stop = _TITLE_STOP.search(text, m.end(), min(line_end, body + MAX_TITLE_CHARS + 1))
    if stop is None or len(text[body : stop.start()].split()) > MAX_TITLE_WORDS:
        return m
    if is_title_case(text[body : stop.start()], numbers=True) and not _LABEL_WORD.search(text[m.end() : stop.start()]):
        return stop
    return m


def _run_in_title(text: str, body: int, line_end: int) -> int | None:
    """Where a Title Case heading ends that runs into its first sentence with no stop between them.

    "3. Term The term of this Agreement …", "2. Business of Distributor Distributor is …", "4. Prices and
    Terms 4.1 The prices …": the title is the capitalised words up to the next clause's number, or up to
    the word that opens the sentence, when that word is one a sentence opens with ("The", "Neither") or
    echoes the title ("Distributor"). None where that is not plain ("1. Party B shall …"): the stop-based
    rules decide.
    """
    words: list[re.Match[str]] = []
    for m in _WORD.finditer(text, body, min(line_end, body + MAX_TITLE_CHARS + 40)):
        word = m.group(0)
        if _CLAUSE_NUMBER.fullmatch(word):
            if words and words[-1].group(0).lower() in POINTING_WORDS:
                return None  # "… Section 5.1 shows": a reference, not the next heading
            return _title_end(words, echo=False)
        if word[:1].isupper() or word in SMALL_WORDS:
            if word[-1] in ".:;,)" or len(words) >= MAX_TITLE_WORDS:
                return None  # a stop in reach: the other rules read it
            words.append(m)
            continue
        return _title_end(words, echo=True) if word[:1].islower() else None
    return None


def _title_end(words: list[re.Match[str]], *, echo: bool) -> int | None:
    """The end of the title among ``words``; with ``echo``, the last capitalised word opens the sentence."""
    words = list(words)
    _drop_small(words)
    if echo:
        if len(words) < 2:
            return None
        opener = words.pop().group(0)
        if opener.lower() not in _OPENERS and opener not in {w.group(0) for w in words}:
            return None
        # The sentence may open a word earlier: "20. Integrated Agreement This Agreement constitutes …",
        # "Duties of Party A   Party A shall …".
        while len(words) > 1 and (
            words[-1].group(0).lower() in _OPENERS or words[-1].group(0) in {w.group(0) for w in words[:-1]}
        ):
            words.pop()
        _drop_small(words)
    return words[-1].end() if words else None


def _drop_small(words: list[re.Match[str]]) -> None:
    """A title does not end in a small word written in lower case ("… of the")."""
    while words and words[-1].group(0) in SMALL_WORDS:
        words.pop()


def find_candidates(text: str) -> list[Candidate]:
    """Every place in ``text`` that reads like a numbered heading, in order."""
    found: list[Candidate] = []
    for place in _PLACES.finditer(text):
        pos = place.end()
        m = _LABEL.match(text, pos)
        if m is None or (pos > 0 and not text[pos - 1].isspace()):
            continue
        strong = _boundary(text, pos)
        if strong is None:
            continue
        body = m.end()
        while body < len(text) and text[body] in " \t:.-–—":
            body += 1
        nxt = text[body : body + 1]
        if m.group("num") is not None:
            token, style = m.group("num"), "numbered"
            numbers = _number(token)
            if numbers is None or numbers[0] == 0:
                continue
            # "1. Services", "1.0 DEFINITIONS", "“Affiliate” means": a heading's words start capitalised.
            if not (nxt.isupper() or (nxt != "" and nxt in '“"(')):
                continue
            if len(numbers) == 1 and not m.group("dot") and not strong:
                continue  # "… in 2 Days": a bare number after a sentence is rarely a heading
        else:
            token = m.group("knum")
            style = (m.group("kw") or "§").lower()
            if m.group("kw") is not None and not m.group("kw")[0].isupper():
                continue  # "see article 5": a heading's keyword is capitalised
            numbers = _number(token)
            if numbers is None:
                continue
            # "Article 2 above shall": a heading's keyword is followed by its title, punctuation or nothing.
            sep = text[m.end() : body]
            if nxt and nxt != "\n" and not (nxt.isupper() or nxt.isdigit() or nxt in '“"(' or sep.strip()):
                continue
        title, title_end, standalone = _title(text, pos, body)
        found.append(Candidate(pos, title_end, title, style, numbers, strong, standalone))
    return found


# --- choosing the series


def _weight(c: Candidate) -> float:
    if c.standalone:
        return 1.2
    return 1.0 if c.strong else 0.6


def _chain(cands: list[Candidate]) -> tuple[float, list[Candidate]]:
    """The best series counting up from 1 or 2 (a missed number costs a little), by summed weight.

    Linear in the candidates: the best chain ending at each number seen so far is kept, so a book's
    thousands of numbered list items cost no more than a pass.
    """
    best = [0.0] * len(cands)
    prev = [-1] * len(cands)
    ending: dict[int, int] = {}  # number → index of the best chain ending in that number so far
    for i, c in enumerate(cands):
        k = c.numbers[0]
        if k <= 2:
            best[i] = _weight(c)
        for step, cost in ((1, 0.0), (2, 0.5)):
            j = ending.get(k - step)
            if j is not None and best[j] + _weight(c) - cost > best[i]:
                best[i], prev[i] = best[j] + _weight(c) - cost, j
        if best[i] and (k not in ending or best[i] > best[ending[k]]):
            ending[k] = i
    if not cands or max(best) == 0:
        return 0.0, []
    last = max(range(len(cands)), key=lambda n: best[n])
    chain: list[Candidate] = []
    i = last
    while i >= 0:
        chain.append(cands[i])
        i = prev[i]
    return best[last], chain[::-1]


def _contents(cands: list[Candidate], text: str) -> tuple[int, int] | None:
    """The span of a table of contents: three or more top-level headings listed with next to no text between.

    The first such run counts; it ends where the numbering starts again (the body's first heading). It is
    left out of the series, and the body headings it lists weigh more (see :func:`find_structure`).
    """
    run: list[Candidate] = []
    for a, b in itertools.pairwise(cands):
        between = text[a.title_end : b.start]
        if b.numbers[0] <= a.numbers[0]:
            if len(run) >= 3:
                break  # the numbering starts again: the body after the contents
            run = []
        elif len(between.split()) <= 3:
            if not run:
                run.append(a)
            run.append(b)
        elif len(run) >= 3:
            break
        else:
            run = []
    if len(run) < 3:
        return None
    end = text.find("\n", run[-1].title_end)
    return run[0].start, len(text) if end < 0 else end


def _entry_key(title: str) -> tuple[str, ...]:
    """A heading's first words, lower-cased, without a contents line's page number: "3. Fees and Costs 4"."""
    words = re.findall(r"\w+", title.casefold())
    if len(words) > 2 and words[-1].isdigit():
        words = words[:-1]
    return tuple(words[:4])


def _sections(chapter: Candidate, inner: list[Candidate]) -> list[NumberedSection]:
    """Decimal headings under ``chapter`` ("6.1", "6.1.2"), each counting up within its parent."""
    top = chapter.numbers[0]
    out: list[NumberedSection] = []
    last: dict[int, tuple[int, ...]] = {}
    for c in inner:
        if c.depth < 2 or c.numbers[0] != top:
            continue
        level = c.depth
        key = c.numbers[:level]
        seen = last.get(level)
        if seen is not None and key[:-1] == seen[:-1] and key[-1] <= seen[-1]:
            continue  # not counting up: a reference or a list item
        last[level] = key
        for deeper in [lvl for lvl in last if lvl > level]:
            del last[deeper]
        out.append(NumberedSection(c.title, c.start, level))
    return out


#: Keywords of appended matter: their series follows the body's and is never its top level.
_BACK_KEYWORDS = {"numbered", "appendix", "schedule", "exhibit", "annex"}


def _encloses(outer: list[Candidate], inner: list[Candidate]) -> bool:
    """Whether most of ``inner``'s headings stand between ``outer``'s first and last."""
    lo, hi = outer[0].start, outer[-1].start
    return sum(lo < c.start < hi for c in inner) >= 0.5 * len(inner)


def _balanced(chain: list[Candidate], text: str) -> bool:
    """A few headings leaving nearly all the text under one of them are not the document's structure."""
    ends = [c.start for c in chain[1:]] + [len(text)]
    sizes = [len(text[c.start : end].split()) for c, end in zip(chain, ends, strict=True)]
    if sum(size < MIN_CHAPTER_WORDS for size in sizes) > 0.3 * len(sizes):
        return False  # the steps of a form or a worksheet ("5. Subtract line 4 from line 1.")
    return len(chain) >= 4 or max(sizes) <= 0.8 * max(1, sum(sizes))


def _counts_up(chain: list[Candidate]) -> bool:
    """A series that skips more than a quarter of its numbers is a list picked from several, not headings."""
    missing = chain[-1].numbers[0] - chain[0].numbers[0] + 1 - len(chain)
    return missing <= 0.25 * len(chain)


def find_structure(text: str, *, skip: Sequence[tuple[int, int]] = ()) -> NumberedStructure | None:
    """The numbered chapters of ``text`` with their sections, or None when it shows no numbered series.

    Candidates inside the ``skip`` spans (an index's pages) are ignored.
    """
    cands = [c for c in find_candidates(text) if not any(a <= c.start < b for a, b in skip)]
    top = [c for c in cands if c.depth == 1]
    styles = {c.style for c in top}
    ranked: list[tuple[float, str, list[Candidate]]] = []
    tocs: dict[str, tuple[int, int] | None] = {}
    for style in sorted(styles):
        series = [c for c in top if c.style == style]
        toc = _contents(series, text)
        listed: set[tuple[str, ...]] = set()
        if toc is not None:
            lo, hi = toc
            listed = {_entry_key(c.title) for c in series if lo <= c.start < hi}
            body = [c for c in series if not lo <= c.start < hi]
            # Contents list headings that come again below them; a short list that does not is just a list.
            if sum(_entry_key(c.title) in listed for c in body) >= max(2, len(listed) / 2):
                series = body
            else:
                toc, listed = None, set()
        score, chain = _chain(series)
        # The contents are the author's own list of the top level: headings it lists count double.
        score += sum(_entry_key(c.title) in listed for c in chain)
        if len(chain) >= 2 and _counts_up(chain) and _balanced(chain, text):
            ranked.append((score, style, chain))
            tocs[style] = toc
    ranked.sort(key=lambda entry: -entry[0])
    best: tuple[float, str, list[Candidate]] = ranked[0] if ranked else (0.0, "", [])
    contents = tocs.get(best[1])
    score, style, chain = best
    if not chain:
        return None
    keyword = [
        entry
        for entry in ranked
        if entry[1] not in _BACK_KEYWORDS and sum(c.strong for c in entry[2]) >= 2 and _encloses(entry[2], chain)
    ]
    if style == "numbered" and keyword and contents is None:
        # "TITLE I … 1. … 2. … TITLE II": numbered items inside keyword parts are not the top level.
        score, style, chain = keyword[0]
        contents = tocs[style]
    chapters: list[NumberedChapter] = []
    starts = [c.start for c in cands]
    for n, head in enumerate(chain):
        end = chain[n + 1].start if n + 1 < len(chain) else len(text)
        inner = cands[bisect.bisect_left(starts, head.title_end) : bisect.bisect_left(starts, end)]
        chapters.append(
            NumberedChapter(head.title, head.start, head.title_end, head.standalone, _sections(head, inner))
        )
    return NumberedStructure(chapters, style, contents)


def sections_in(title: str, text: str) -> list[NumberedSection]:
    """Numbered sections in a chapter's ``text`` whose numbers continue its ``title``'s ("3 Foo" → "3.1", "3.2").

    For chapters whose boundaries came from elsewhere (an outline, a TOC, heading styles): [] when the title
    carries no number or no section counts on from it.
    """
    heads = [c for c in find_candidates(title) if c.start == 0 and c.depth == 1]
    if not heads:
        return []
    inner = find_candidates(text)
    return _sections(heads[0], inner)
