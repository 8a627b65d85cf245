"""Sentence segmentation with exact character spans into the text given to the summarizer.

:func:`sentence_spans` is the one segmentation every summarizer path shares: the extractive ranker,
the chunker that feeds LLM backends, the clause detector, and whoever maps a summary sentence back to
its page or highlights it in the window. Each span ``(start, end)`` indexes the ORIGINAL text, so
``text[start:end]`` is the sentence with surrounding whitespace stripped; nothing is rewritten.

How a text is cut, and why:

- Blank lines always end a sentence (paragraphs, list items, headings set apart).
- A line that reads as a heading ("1 Introduction", "1.1 Topologische Räume", "CHAPTER III",
  "Article 2 Grant of Rights") is a sentence of its own even when no blank line follows it, as PDF
  text lays headings out; otherwise the heading would open the next sentence ("1 Introduction Today,
  very large amounts…"). A run of three spaces or more counts as a line break here: contracts
  converted from EDGAR filings set their headings apart that way on one long line.
- Inside a paragraph, syntok (MIT, a maintained rule-based segmenter that knows abbreviations,
  initials, decimals, quotes and brackets in English, German, Spanish and more) decides the
  boundaries wherever they are ambiguous. A paragraph whose every candidate boundary is plain (a full
  stop after a lower-case word of three or more letters, then a capital) is cut by a regular
  expression instead: the answer is the same and syntok's tokenizer costs 30–60 ms a paper, which
  would make the built-in summarizer slower than the classic methods it replaces.
- A bare number on a line of its own is a page number, and a sentence of its own, except where the prose
  before it has not ended: there it is a footnote's mark ("signed into law by | 1 | President Clinton…")
  and the sentence goes on. A line that opens with a bullet is a list item, never a heading.
- A short quotation (up to 400 characters) stays whole in the sentence that quotes it: '… say to
  itself, "Oh dear! Oh dear! I shall be late!" and ran …' is one sentence, not three broken ones.
- A clause number at the start of a line ("3.02.  Shipment. …") begins a sentence even where the clause
  before it lost its full stop in the layout, unless that line ends by pointing at it ("… in Section").
- A list item's number at the start of a line ("provider: | 1. Transitory communications; | 2. …") belongs
  to its item: the full stop after it ends no sentence, so a list of short items reads as one sentence
  with its lead-in. A list item's bullet ("•") is not part of its sentence's span.
- Run-together sentences from damaged PDFs ("…than implicit.Simple is better…") are repaired: a
  full stop glued between a lower-case word and a capitalised one is a boundary, unless the token is
  a URL, an e-mail address or a file name.

Pure functions, thread-safe.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from enum import Enum

from syntok._segmentation_states import State as _State

from ..title_case import POINTING_WORDS, is_title_case
from .ambiguous import Run as _Run
from .ambiguous import ask_syntok as _ask_syntok
from .boundaries import boundary_matches, plain_ends, subclause_numbers

__all__ = ["paragraph_spans", "sentence_spans", "split_sentences"]

_BLANK = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_LINE = re.compile(r"[^\n]+")
# Inside a line, a run of three spaces or more sets pieces apart as a line break would: texts converted
# from EDGAR filings (CUAD's contracts) lay a whole agreement out on one line, its headings set apart
# that way ("…Canada.     Article 2  Grant of Rights    2.1 Appointment. Pursuant…").
# A run before a word in lower case is not one: it justifies a line laid out at a fixed width ("Company
# hereby   appoints"), and the sentence goes on.
_SOFT_BREAK = re.compile(r"[ \t]{3,}+(?![a-zäöüßàâçéèêëîïôûùœ])")  # possessive: the whole run, or none of it
_CJK_END = re.compile(r"[。！？]")
# A full stop glued between words: "implicit.Simple", "Ende.Der". The boundary is the match's end; a
# pattern that opens with letters rather than a look-behind lets the engine skip ahead between them.
_GLUED = re.compile(r"[a-zäöüßàâçéèêëîïôûùœ]{3}[.!?](?=[A-ZÄÖÜÀÂÇÉÈÊËÎÏÔÛÙŒ][a-zäöüßàâçéèêëîïôûùœ]{2})")
_GLUED_QUICK = re.compile(r"[.!?][A-ZÄÖÜÀÂÇÉÈÊËÎÏÔÛÙŒ]")
_URLISH = re.compile(r"(?:://|^www\.|@)", re.IGNORECASE)
_NEXT_WORD = re.compile(r"\s+[\"'“‘(\[¿¡]?([^\s\"'“‘(\[]+)")
# Words that end in a full stop without ending a sentence: syntok's own list and a few of science's.
# Only used to decide whether syntok must look at a boundary.
_ABBREVIATIONS = frozenset(a.lower() for a in _State.abbreviations) | frozenset(
    "al etc vs cf ca vgl bzw usw bzgl ggf inkl sog zzgl resp approx eq eqs fig figs sec ch vol pp no nos".split()
)
_HEADING_LINE = re.compile(
    r"^\s*(?:(?:\d{1,2}(?:\.\d{1,2}){0,3}\.?|[IVXLC]{1,6}\.|§\s*\d+)\s+\S.{0,90}"
    r"|(?:chapter|kapitel|part|teil|section|article|artikel|appendix|anhang|exhibit|schedule|annex)\s+[\dIVXLCA-H]+\b.{0,80}"
    r"|(?:definition|satz|lemma|theorem|beispiel|example|bemerkung|remark|korollar|corollary|proposition|"
    r"aufgabe|exercise)\s+\d+(?:\.\d+)*(?:\s*\(.{0,60}\))?"
    r"|(?:abstract|introduction|conclusions?|references|bibliography|acknowledge?ments?|"
    r"zusammenfassung|einleitung|literatur(?:verzeichnis)?)\s*:?)\s*$",
    re.IGNORECASE,
)
# Lines that are never part of a sentence: page numbers and print footers ("Page 1/1 Printed by …").
_FURNITURE_LINE = re.compile(
    r"^\s*(?:[-–—]?\s*\d{1,4}\s*[-–—]?|(?:page|seite)\s+\d+(?:\s*(?:/|of|von)\s*\d+)?\b.{0,80}|"
    r"printed (?:by|on|from)\b.{0,80}|\d{1,4}\s*(?:/|of|von)\s*\d{1,4})\s*$",
    re.IGNORECASE,
)
# Running heads: a page number beside a title in capitals ("4 1.1. TOPOLOGISCHE RÄUME").
_RUNNING_HEAD_LINE = re.compile(
    r"^\s*(?:\d{1,4}\s+(?:\d+(?:\.\d+)*\.?\s+)?[A-ZÄÖÜ][A-ZÄÖÜ0-9 .:,&-]{3,}"
    r"|[A-ZÄÖÜ][A-ZÄÖÜ0-9 .:,&-]{3,}\s+\d{1,4})\s*$"
)
_TITLE_WORD = r"[A-Z][\w'’-]*"
_ECHO = re.compile(
    rf"(?:\d{{1,2}}(?:\.\d{{1,2}})*\.?\s+)?(?P<heading>{_TITLE_WORD}"
    rf"(?:\s+(?:{_TITLE_WORD}|of|and|the|to|for|in|on|or|by|with|&)){{0,4}}?\s+(?P<last>{_TITLE_WORD}))"
    r"\s+(?:(?P=last)\s|(?i:(?P=heading))\s)"
)
_LEADING_NUMBER = re.compile(r"^(?:\d{1,2}\.|[IVXLC]{1,6}\.)\s+")
_TITLES = frozenset("mr mrs ms dr prof sen rep gen capt st hr fr frau herr".split())
_NOT_PLAIN = _ABBREVIATIONS | _TITLES
_NUMERIC = re.compile(r"^[\d.,%]*\d[\d.,%]*$")
#: The longest quotation kept whole in the sentence that quotes it (characters).
QUOTE_MAX = 400
_QUOTE = re.compile(r'["“”]')
#: Characters that open a list item (not part of its sentence's span).
BULLETS = frozenset("•◦▪▫●○■□‣⁃∙➢➤►")
_TERMINAL = tuple(".!?:;,\"'”’。！？")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """The sentences of ``text`` as ``(start, end)`` offsets into ``text``, in order.

    ``text[start:end]`` is one sentence without leading or trailing whitespace; spans never overlap
    and never contain a blank line. Headings and other short lines set apart by line breaks come out
    as sentences of their own (the hygiene filters of :mod:`.hygiene` decide whether they may be
    picked). Empty or whitespace-only text gives an empty list.
    """
    pieces: list[tuple[int, int] | _Run] = []
    for start, end in paragraph_spans(text):
        pieces.extend(_paragraph_pieces(text, start, end))
    _ask_syntok(text, [piece for piece in pieces if isinstance(piece, _Run)])
    spans: list[tuple[int, int]] = []
    for piece in pieces:
        if isinstance(piece, _Run):
            spans.extend(_run_sentences(text, piece))
        else:
            spans.append(piece)
    return [_without_bullet(text, s, e) if text[s] in BULLETS else (s, e) for s, e in spans]


def _without_bullet(text: str, start: int, end: int) -> tuple[int, int]:
    """A list item's sentence without its bullet: "• Title II, the …" is "Title II, the …"."""
    words = start + 1
    while words < end and text[words].isspace():
        words += 1
    return (words, end) if start + 1 < words < end else (start, end)


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text`` as strings, each with its inner whitespace collapsed to single spaces.

    Kept for callers that only need the words (chunking, clause matching); a line-break hyphen
    ("summa-\\nrization") is joined back. Use :func:`sentence_spans` to know where a sentence is.
    """
    return [_clean(text[s:e]) for s, e in sentence_spans(text)]


def paragraph_spans(text: str) -> Iterator[tuple[int, int]]:
    """Blocks of ``text`` between blank lines, as stripped ``(start, end)`` offsets."""
    pos = 0
    for match in _BLANK.finditer(text):
        yield from _stripped(text, pos, match.start())
        pos = match.end()
    yield from _stripped(text, pos, len(text))


def _clean(sentence: str) -> str:
    return " ".join(re.sub(r"(\w)-\n\s*(\w)", r"\1\2", sentence).split())


def _stripped(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        yield start, end


def _paragraph_pieces(text: str, start: int, end: int) -> Iterator[tuple[int, int] | _Run]:
    """One paragraph's heading lines as spans, and the prose runs between them with their plain cuts found."""
    run_start: int | None = None
    run_end = start
    lines = _lines(text, start, end)
    after_heading = False
    for i, (ls, le) in enumerate(lines):
        line = text[ls:le]
        if _is_heading_line(line, i, lines, text, after_heading):
            if run_start is not None:
                yield _prose(text, run_start, run_end)
                run_start = None
            yield from _stripped(text, ls, le)
            after_heading = True
            continue
        after_heading = False
        if run_start is None:
            run_start = ls
        run_end = le
    if run_start is not None:
        yield _prose(text, run_start, run_end)


def _lines(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The lines of a paragraph, a line cut further at its runs of three spaces or more."""
    lines: list[tuple[int, int]] = []
    block = text[start:end]
    if "   " not in block and "\t" not in block:  # no soft break anywhere: a substring test, not a regex a line
        return [match.span() for match in _LINE.finditer(text, start, end)]
    for match in _LINE.finditer(text, start, end):
        ls, le = match.span()
        if not _SOFT_BREAK.search(text, ls, le):
            lines.append((ls, le))
            continue
        pos = ls
        for gap in _SOFT_BREAK.finditer(text, ls, le):
            if gap.start() > pos:
                lines.append((pos, gap.start()))
            pos = gap.end()
        if pos < le:
            lines.append((pos, le))
    return lines


def _is_heading_line(line: str, index: int, lines: list[tuple[int, int]], text: str, after_heading: bool) -> bool:
    stripped = line.strip()
    if (_FURNITURE_LINE.match(stripped) or _RUNNING_HEAD_LINE.match(stripped)) and len(lines) > 1:
        return not _footnote_mark(stripped, index, lines, text, after_heading)
    if not stripped or len(lines) == 1 or stripped.endswith(_TERMINAL) or stripped[0] in BULLETS:
        return False
    if _HEADING_LINE.match(stripped) and len(stripped.split()) <= 12:
        # "1 Introduction" but not a wrapped line that happens to start with a number ("3 of them…")
        return not stripped[:1].isdigit() or _title_like(stripped)
    if index > 0:
        previous = text[lines[index - 1][0] : lines[index - 1][1]].rstrip()
        # A short capitalised line after a finished sentence or another heading: a heading.
        return len(stripped.split()) <= 8 and (after_heading or previous.endswith(_TERMINAL)) and _title_like(stripped)
    return len(stripped.split()) <= 8 and _title_like(stripped) and index + 1 < len(lines)


def _footnote_mark(line: str, index: int, lines: list[tuple[int, int]], text: str, after_heading: bool) -> bool:
    """A footnote's number on a line of its own inside a sentence: "signed into law by | 1 | President …".

    A superscript laid out on its own line reads as a page number; where the line before it is prose
    that has not ended, the sentence goes on after it.
    """
    if not line.isdigit() or len(line) > 3 or after_heading or not 0 < index < len(lines) - 1:
        return False
    previous = text[lines[index - 1][0] : lines[index - 1][1]].rstrip()
    return bool(previous) and not previous.endswith(_TERMINAL) and len(previous.split()) >= 4


def _title_like(line: str) -> bool:
    words = [w for w in re.findall(r"[^\W\d_][\w'’-]*", line)]
    if not words:
        return False
    capitalised = sum(1 for w in words if w[0].isupper())
    return words[0][0].isupper() and capitalised / len(words) >= 0.5


def _prose(text: str, start: int, end: int) -> _Run:
    """A run of prose lines with its plain boundaries found by regex; the ambiguous ones wait for syntok."""
    cuts: list[int] = []
    ambiguous: list[int] = []
    for position, verdict in _candidates(text, start, end):
        if verdict is _Verdict.PLAIN:
            cuts.append(position)
        elif verdict is _Verdict.AMBIGUOUS:
            ambiguous.append(position)
    cuts.extend(_glued_cuts(text, start, end))
    cuts.extend(_inline_heading_cuts(text, start, end))
    cuts.extend(_numbered_line_cuts(text, start, end))
    return _Run(start, end, cuts, ambiguous)


def _run_sentences(text: str, run: _Run) -> Iterator[tuple[int, int]]:
    """The sentences of a run once syntok has added its boundaries to ``run.cuts``."""
    pos = run.start
    quotes = _quotations(text, run.start, run.end)
    for cut in sorted(set(run.cuts)):
        if pos < cut < run.end and not any(open_ < cut < close for open_, close in quotes):
            yield from _echo_split(text, pos, cut)
            pos = cut
    yield from _echo_split(text, pos, run.end)


def _quotations(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The short quotations of a run, ``(opening, closing)``: the sentences quoted stay in the sentence
    that quotes them ("… say to itself, "Oh dear! Oh dear! I shall be late!" (when …").

    A straight quote opens where a word follows it and no word precedes it, and closes the other way
    round. A quotation longer than :data:`QUOTE_MAX` characters, or one left open (fiction's speech
    running over paragraphs), cuts as usual.
    """
    found: list[tuple[int, int]] = []
    opening: int | None = None
    for match in _QUOTE.finditer(text, start, end):
        at = match.start()
        before = text[at - 1] if at > start else " "
        after = text[at + 1] if at + 1 < end else " "
        mark = match.group()
        if mark == "“" or (mark == '"' and (before.isspace() or before in "([—–-") and not after.isspace()):
            opening = at
        elif opening is not None and not before.isspace():
            if at - opening <= QUOTE_MAX:
                found.append((opening, at))
            opening = None
    return found


def _echo_split(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """A sentence, its heading set apart when the clause under it opens by echoing it.

    Agreements converted to text run a clause heading into the clause's first sentence with no number
    between them, and the clause often repeats the heading's words: "Business of Distributor
    Distributor is …", "No Waiver No waiver by …". A Title Case run of two to six words followed by its
    own last word, or by itself again, is the heading.
    """
    for s, e in _stripped(text, start, end):
        first = text[s]
        match = _ECHO.match(text, s, e) if first.isupper() or first.isdigit() else None
        if match is None:
            yield s, e
        else:
            yield s, match.end("heading")
            yield from _stripped(text, match.end("heading"), e)


class _Verdict(Enum):
    PLAIN = 1  # certainly a boundary
    NONE = 2  # certainly not one ("e.g. fashion", "{1, . . . , n}", "et al. (2007)")
    AMBIGUOUS = 3  # syntok decides ("et al. The", "J. Smith", "Fig. 3")


def _candidates(text: str, start: int, end: int) -> Iterator[tuple[int, _Verdict]]:
    """Candidate boundaries with the regular expression's verdict.

    The commonest boundary ("… the word. The …") is found for the whole run in one pass of
    ``boundaries.PLAIN``; :func:`_verdict` would call it plain too, at several times the cost.
    """
    plain = plain_ends(text, start, end, _NOT_PLAIN)
    for match in boundary_matches(text, start, end):
        position = match.end()
        yield position, _Verdict.PLAIN if position in plain else _verdict(text, start, match)


def _verdict(text: str, start: int, match: re.Match[str]) -> _Verdict:
    punct = match.group(0)
    following = _NEXT_WORD.match(text, match.end())
    nxt = following.group(1) if following else ""
    if _CJK_END.match(punct):
        return _Verdict.PLAIN
    opens = nxt[:1]
    raw = text[following.start(1) - 1] if following else ""
    if opens in ".,;:" or (raw in "([" and opens.isdigit()):
        return _Verdict.NONE  # ". . .", "et al. (2007)"
    before = text[max(start, match.start() - 40) : match.start()]
    word = before.rsplit(None, 1)[-1] if before and not before[-1].isspace() else ""
    bare = word.strip("\"'“‘()[]").lower()
    if not (opens.isupper() or opens in "\"'“‘¿¡"):
        # lower case, a digit or a bracket next: "e.g. fashion", "et al. 1994", "p. 12"
        if opens.islower() or opens in "({[" or punct[0] in "!?" or bare in _ABBREVIATIONS:
            return _Verdict.NONE
        return _Verdict.AMBIGUOUS
    if punct[0] in "!?":
        return _Verdict.PLAIN
    if bare in _TITLES:
        return _Verdict.NONE  # "Mr. Jordan"
    if punct.startswith(".."):
        return _Verdict.AMBIGUOUS
    if not bare or _NUMERIC.match(bare):
        return _number_verdict(text, start, match.start() - len(word), word)
    if "." in bare or bare in _ABBREVIATIONS:
        return _Verdict.AMBIGUOUS
    if len(bare) == 1 and not bare.isdigit():
        return _Verdict.AMBIGUOUS  # an initial: "J. Smith"
    if "." in nxt.rstrip(".,;:"):
        return _Verdict.AMBIGUOUS  # "U.S." next
    return _Verdict.PLAIN


def _number_verdict(text: str, start: int, position: int, word: str) -> _Verdict:
    """A full stop after a number: none after a list item's number at a line's start, else a sentence's end.

    "provider: | 1. Transitory communications;" ends nothing; "… 96.7%. This" and "… (i) . Other" do.
    """
    if word.isdigit() and len(word) <= 2 and _opens_line(text, start, position):
        return _Verdict.NONE
    return _Verdict.PLAIN


def _opens_line(text: str, start: int, position: int) -> bool:
    """Whether ``position`` begins a line of the run from ``start`` (a run of 3+ spaces counts as a break)."""
    first = position
    while first > start and text[first - 1] in " \t":
        first -= 1
    return first == start or text[first - 1] == "\n" or position - first >= 3


def _glued_cuts(text: str, start: int, end: int) -> Iterator[int]:
    if not _GLUED_QUICK.search(text, start, end):
        return
    segment = text[start:end]
    for match in _GLUED.finditer(segment):
        cut = match.end()
        left = segment.rfind(" ", 0, cut) + 1
        right = segment.find(" ", cut)
        before = segment[left:cut]
        after = segment[cut : right if right >= 0 else len(segment)].rstrip(".,;:!?)\"'”’")
        # Inside a URL, an address or a file name the full stop is not a boundary: "www.Example.com".
        if not (_URLISH.search(before) or "/" in after or "." in after or "@" in after):
            yield start + cut


def _inline_heading_cuts(text: str, start: int, end: int) -> Iterator[int]:
    """Cuts between a clause heading run into its first numbered clause: "Prices and Terms | 4.1 The…".

    A contract's heading can sit on the clause's own line ("4. Prices and Terms 4.1 The prices which…");
    when the words since the last sentence end are a short Title Case run and a clause number
    follows, the heading is set apart so it does not open the clause's sentence.
    """
    for number in subclause_numbers(text, start, end):
        if number == start or not text[number - 1].isspace():
            continue
        lo = max(start, number - 120)
        before = text[lo:number]
        stop = max(before.rfind(". "), before.rfind("! "), before.rfind("? "), before.rfind("\n"))
        chunk = before[stop + 1 :].strip() if stop >= 0 else (before.strip() if lo == start else "")
        chunk = _LEADING_NUMBER.sub("", chunk)
        if chunk and len(chunk.split()) <= 8 and is_title_case(chunk) and not chunk.endswith(_TERMINAL):
            yield number


def _numbered_line_cuts(text: str, start: int, end: int) -> Iterator[int]:
    """Cuts before a clause number that opens a line: "… indicates in writing | 3.02. Shipment. All …".

    A contract's clause can end without its full stop where the text was laid out in lines; the next
    clause's number at the start of a line begins a new sentence, unless the line before ends by pointing
    at it ("as set out in Section | 3.02 The …").
    """
    for number in subclause_numbers(text, start, end):
        line_start = text.rfind("\n", start, number)
        if line_start < 0 or text[line_start + 1 : number].strip():
            continue
        before = text[max(start, line_start - 30) : line_start].rstrip()
        last = before.rsplit(None, 1)[-1].lower() if before else ""
        if last not in POINTING_WORDS:  # "… as set out in Section | 3.02 …"
            yield number
