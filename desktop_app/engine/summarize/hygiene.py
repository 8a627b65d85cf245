"""Which sentences are not prose a reader should be shown: headings, front matter, references, tables…

Extracted text carries much that a segmenter cuts into "sentences" but no summary should quote:
section headings, a paper's title/author/affiliation block, e-mail and URL lines, reference-list
entries, table rows, figure and table captions, formula fragments, running headers and footers, page
numbers; and in agreements, clause headings ("3.5 Service of Products in Territory."), fragments ("(30)
days of …", lead-ins ending in a colon), signature blocks and defined-term lists. :func:`junk_kind`
judges one sentence on its own; :func:`junk_kinds` and :func:`judge` judge every sentence of a text with
its context (a line repeated on many pages is a running header; what follows a
"References" heading is the reference list; what precedes "Abstract" is the title block).

The rules are deliberately conservative where prose is at stake: a sentence is junk only when it
shows a class's marks clearly, so a summary can still quote "Figure 3 shows that…" or a sentence
with a citation. Pure functions, thread-safe.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from enum import StrEnum

from .reference_marks import reference_marks
from .sentences import sentence_spans
from .terms import count_words

__all__ = ["Junk", "is_heading", "judge", "junk_kind", "junk_kinds"]


class Junk(StrEnum):
    """Why a sentence may not be picked for a summary."""

    HEADING = "heading"
    FRONT_MATTER = "front matter"  # title, authors, affiliations, venue, copyright
    CONTACT = "e-mail or URL"
    REFERENCE = "reference entry"
    TABLE = "table row"
    CAPTION = "caption"
    FORMULA = "formula"
    RUNNING_HEAD = "running header or footer"
    PAGE_NUMBER = "page number"
    FRAGMENT = "fragment"  # begins mid-sentence: ". γ1 und γ2 aus Abbildung 3.3a nicht homotop."
    SIGNATURE = "signature block"  # "By: /s/ … Name: … Title: …", "IN WITNESS WHEREOF …"
    DEFINITIONS = "defined-term list"  # '"Affiliate", "Products" and "Territory" …'


_CLOSE = tuple(".!?\"'”’)]。！？")
_HEADING_CLOSE = tuple(".!?:;,\"'”’。！？")  # "Beispiel 9 (diskrete Metrik)" is still a heading
_FUNCTION_WORDS = frozenset(
    """
    a an the of to in on at by for with from and or but not is are was were be been being has have had
    do does did this that these those it its as if than then so such which who whom whose what when
    where while we our us you your he she his her they their them i my me there here can could will
    would should may might must shall into over under between about after before also only very
    der die das den dem des ein eine einer eines einem und oder nicht ist sind war wird werden hat
    haben mit von zu im in auf für aus bei nach wenn dann so sich es er sie wir man auch nur noch
    le la les un une des et ou est sont avec pour dans par sur que qui ne pas el los las y en es
    """.split()
)

# Words a sentence cannot end on: what ends on one without punctuation was cut off.
_DANGLING = _FUNCTION_WORDS | frozenset("within without upon through during including against among toward".split())

_PAGE_NUMBER = re.compile(
    r"^\s*(?:[-–—]\s*)?(?:(?:page|seite|p\.)\s*)?\d{1,4}(?:\s*(?:/|of|von)\s*\d{1,4})?(?:\s*[-–—])?\s*$",
    re.IGNORECASE,
)
_FOOTER = re.compile(
    r"^\s*(?:(?:page|seite)\s+\d+(?:\s*(?:/|of|von)\s*\d+)?\b|printed (?:by|on|from)\b"
    r"|source:\s.{0,160}\d{1,2}/\d{1,2}/\d{2,4}\s*$)",  # EDGAR's "Source: COMPANY, FORM, 10/28/2016"
    re.IGNORECASE,
)
# A page number beside a title in capitals: "4 1.1. TOPOLOGISCHE RÄUME", "INTRODUCTION 7".
_RUNNING_HEAD = re.compile(
    r"^\s*(?:\d{1,4}\s+(?:\d+(?:\.\d+)*\.?\s+)?[A-ZÄÖÜ][A-ZÄÖÜ0-9 .:,&-]{3,}|[A-ZÄÖÜ][A-ZÄÖÜ0-9 .:,&-]{3,}\s+\d{1,4})$"
)
_NUMBERED_HEADING = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2}){0,4}\.?|[IVXLC]{1,6}\.|[A-Z]\.)\s+\S")
_CAPTION = re.compile(
    r"^(?:figure|fig\.?|table|tab\.?|abbildung|abb\.?|tabelle|chart|graph|listing|algorithm|plate|exhibit)"
    r"\s*[\dIVX]+(?:[.-]\d+)*\s*[:.|)]",
    re.IGNORECASE,
)
# A caption the PDF's layout glued into the text around it: "… (b) Fall 2 Abbildung 4.20: Zwei Punkte …".
_GLUED_CAPTION = re.compile(r"\b(?:Figure|Fig\.|Table|Abbildung|Abb\.|Tabelle)\s*\d+(?:\.\d+)*[a-z]?:\s")
# Begins mid-sentence: punctuation, a lower-case word, or a list mark or restated number before one
# ("(30) days of Distributor's receipt…", "(b) any negligence or fault;").
_FRAGMENT_START = re.compile(r"^(?:[.,;:)\]}|!?]|[a-zäöüß][a-zäöüß]*\b(?![.'’])|\((?:\d{1,3}|[a-z]{1,4})\)\s+[a-z])")
# A table's numbered note, its number in brackets and a dash: "(2) - Assumes shipper transports …".
_TABLE_NOTE = re.compile(r"\(\d{1,2}\)\s*[-–—]\s")
# A footnote as a PDF's text layer gives it: its superscript mark run into its first word ("7While there …").
_FOOTNOTE = re.compile(r"\d{1,2}[A-Z][a-z]+\s")
# A notice clause's address lines, run into the lead-in that names the party they are for.
_ADDRESS_OPENINGS = ("If to ", "if to ", "With a copy to", "with a copy to", "With copies to", "with copies to")
_ADDRESS_LEAD = re.compile(r"(?:[Ii]f to (?:the )?[A-Z][^:]{0,50}|[Ww]ith (?:a copy|copies) to\b[^:]{0,20}):\s")
_TRAILING_NUMBER = re.compile(r"\s(\d{1,2})\.$")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\{[\w\s,.-]+\}\s*@[\w.-]+")
_URL = re.compile(r"(?:https?://|ftp://|www\.)\S+", re.IGNORECASE)
_REFERENCE_START = re.compile(r"^In\s+(?:Proceedings\b|Proc\.|Advances in\b)|^\[\d{1,3}\]\s+[A-Z]")
_AFFILIATION = re.compile(
    r"\b(?:University|Universität|Université|Universidad|Institute|Institut|Department|Dept\.|Laboratory|"
    r"Laboratories|Labs?|School of|College|Faculty|Fakultät|Research Center|Corporation|Inc\.|GmbH)\b"
)
_FRONT = re.compile(
    r"(?:^|\s)(?:©|\(c\)\s*(?:(?:19|20)\d\d|copyright)|c\s+(?:19|20)\d\d\s+Association|Copyright\b|All rights reserved|"
    r"ISBN\b|"
    r"Proceedings of the [\w\s]+,\s*pages\s+\d)",
    re.IGNORECASE,
)
# Single letters, a letter with an index ("x1", "U2"), numbers, and bracket clutter: a formula's tokens.
_MATH_TOKENS = re.compile(r"(?<!\S)(?:[^\W\d_]\d*|[^\W\d_][_^]\S*|\d+(?:[.,]\d+)?|[(){}\[\]|,;:]+\S*)(?!\S)")
# Punctuation around a word, removed before it is looked up among the function words.
_PUNCTUATION_MARKS = ".,;:()"
_PUNCTUATION = str.maketrans("", "", _PUNCTUATION_MARKS)
_FRONT_MARKERS = ("©", "(c)", "c 19", "c 20", "copyright", "rights reserved", "isbn", "proceedings of the")
_MATH_SYMBOL = re.compile(r"[=<>+×÷±∈∉⊆⊂⊇⊃∩∪∅→←⇔⇒∀∃∑∏∫√∞≤≥≠≈∼∘∂∇◦]")
_NUMBERS = re.compile(r"(?<!\S)[(\[]?[-+±]?\d+(?:[.,]\d+)?%?[)\]]?[,;]?(?!\S)")
_SECTION_TITLES = re.compile(
    r"^(?:abstract|introduction|conclusions?|references|bibliography|acknowledge?ments?|related work|"
    r"background|discussion|results|evaluation|experiments?|zusammenfassung|einleitung|literatur|"
    r"literaturverzeichnis|vorwort|contents|table of contents|inhaltsverzeichnis|index)\s*:?$",
    re.IGNORECASE,
)
_REFERENCES_HEADING = re.compile(
    r"^(?:\d+\.?\s+)?(?:references|bibliography|literatur(?:verzeichnis)?|works cited)\s*:?$", re.IGNORECASE
)
_SECTION_NUMBER = re.compile(r"^\d{1,2}(?:\.\d{1,2}){0,4}\.?\s+[^\W\d_]")
_DIGITS = re.compile(r"\d")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_START_HEADING = re.compile(r"^(?:\d+\.?\s+)?(?:abstract|introduction|einleitung|zusammenfassung)\s*:?$", re.IGNORECASE)


# Contracts: a clause number or a numbering word ("2.1", "(b)", "IV.", "Article", "Section 3:").
_NUMBERING_WORD = re.compile(
    r"\(?(?:\d{1,3}(?:\.\d{1,3}){0,3}|[a-z]|[ivx]{1,5}|[IVXLC]{1,6})[.):]*|§"
    r"|(?:article|section|clause|schedule|exhibit|annex|appendix|part)[.:]?",
    re.IGNORECASE,
)
# A lower-case word of five letters or more: prose, not a heading (a quick test before the word-by-word one).
_PROSE_WORD = re.compile(r"(?<![\w-])[a-z]{5,}")
_SIGNATURE_LABEL = re.compile(r"\b(?:By|Name|Title|Date|Its|Signature|Signed|Witness|Company seal)\s*:")
_NEXT_ITEM_NUMBER = re.compile(r"(?:[^\W\d_]|[);])\s+[IVXL]{2,5}\.$")
_MEANING_REFERENCE = re.compile(
    r"\b(?:has|have|shall have) the meanings? (?:set forth|given|ascribed|assigned|specified)"
)
_QUOTED_TERM = re.compile(r"[\"“][A-Z][^\"“”]{0,40}[\"”]")


def is_heading(sentence: str) -> bool:
    """A heading: a short line without closing punctuation, numbered ("2 Previous Work") or not."""
    line = sentence.strip()
    if not line or line.endswith(_HEADING_CLOSE):
        return False
    words = line.split()
    if _SECTION_TITLES.match(line):
        return True
    if _NUMBERED_HEADING.match(line) and len(words) <= 14:
        return True
    return len(words) <= 12


def junk_kind(sentence: str) -> Junk | None:
    """The junk class of one sentence judged on its own, or None for prose worth showing."""
    return _line_kind(" ".join(sentence.split()))


def _line_kind(line: str, function_words: int = -1) -> Junk | None:
    """:func:`junk_kind` of a sentence already single-spaced.

    ``function_words`` is how many of its words are function words, when the caller counted them for
    many lines at once (:func:`.terms.count_words`); -1 counts them here.
    """
    if not line:
        return Junk.PAGE_NUMBER
    if _PAGE_NUMBER.match(line):
        return Junk.PAGE_NUMBER
    if _FOOTER.match(line) or _RUNNING_HEAD.match(line):
        return Junk.RUNNING_HEAD
    if _CAPTION.match(line) or (("Fig" in line or "Tab" in line or "Abb" in line) and _GLUED_CAPTION.search(line)):
        return Junk.CAPTION
    if line[0] == "(" and _TABLE_NOTE.match(line):
        return Junk.CAPTION  # a table's numbered note: "(2) - Assumes shipper transports …"
    if line[0].isdigit() and _FOOTNOTE.match(line):
        return Junk.CAPTION  # a page's footnote, its mark run into its first word: "7While there is no …"
    if _FRAGMENT_START.match(line):
        return Junk.FRAGMENT
    words = line.count(" ") + 1  # the line is single-spaced
    if words >= 4 and not line.endswith(_HEADING_CLOSE) and line[line.rfind(" ") + 1 :].lower() in _DANGLING:
        return Junk.FRAGMENT  # cut off mid-sentence: "… which is discovered by Distributor within"
    if line.startswith(_ADDRESS_OPENINGS) and _ADDRESS_LEAD.match(line):
        return Junk.CONTACT  # a notice clause's address: "If to the Distributor to: Electric City of Illinois L.L.C."
    if "@" in line and _EMAIL.search(line):
        return Junk.CONTACT
    lowered = line.lower()
    if "http" in lowered or "www." in lowered or "ftp:" in lowered:
        urls = _URL.findall(line)
        if urls and (words < 15 or _URL.match(line) or len(urls) > 1 or re.search(r"\d(?:https?|www)", line)):
            return Junk.CONTACT
    if any(marker in lowered for marker in _FRONT_MARKERS) and _FRONT.search(line):
        return Junk.FRONT_MATTER
    if function_words < 0:
        function_words = sum(map(_FUNCTION_WORDS.__contains__, lowered.translate(_PUNCTUATION).split()))
    function_share = function_words / words
    if function_share < 0.2 and _AFFILIATION.search(line) and not line.endswith(("?", "!")):
        return Junk.FRONT_MATTER
    if _REFERENCE_START.match(line):
        return Junk.REFERENCE
    if function_share < 0.4 and reference_marks(line, 2 if function_share < 0.3 else 3):
        return Junk.REFERENCE
    symbols = len(_MATH_SYMBOL.findall(line)) if _MATH_SYMBOL.search(line) else 0
    if symbols >= 3 and symbols >= 0.08 * words:
        return Junk.FORMULA
    if function_share < 0.35 or symbols:
        math = len(_MATH_TOKENS.findall(line)) + symbols
        if math >= 4 and math >= 0.4 * words:
            return Junk.FORMULA
    contract = _contract_junk(line, words, function_share)
    if contract is not None:
        return contract
    if is_heading(line):
        return Junk.HEADING
    if function_share < 0.25:
        numbers = len(_NUMBERS.findall(line))
        if numbers >= 4 and numbers >= 0.3 * words:
            return Junk.TABLE
    if words >= 6 and function_share < 0.08 and not line.endswith(_CLOSE):
        return Junk.TABLE
    if not line.endswith(_HEADING_CLOSE) and _title_block(line):
        return Junk.HEADING
    return None


def _title_block(line: str) -> bool:
    """Every word capitalised, a number or a function word (the caller checks there is no closing stop): a
    title block, however long ("Outsourcing Contract on Development of … Planning Unit: … October 29, 2015")."""
    return all(
        not w[:1].isalpha() or w[:1].isupper() or w.lower().strip(",:;()") in _FUNCTION_WORDS for w in line.split()
    )


def _contract_junk(line: str, words: int, function_share: float) -> Junk | None:
    """The junk of agreements: clause headings, list lead-ins, signature blocks, defined-term lists.

    Each rule is behind a cheap test, as every sentence of every text passes here.
    """
    if line.endswith(".") and words <= 16 and not _PROSE_WORD.search(line) and _is_clause_heading(line):
        return Junk.HEADING  # "3.5 Service of Products in Territory.", "Article 2 Grant of Rights 2.1 Appointment."
    if ("/s/" in line or ":" in line or "WITNESS" in line) and _is_signature(line, words):
        return Junk.SIGNATURE
    if line.endswith(":") or (line[-2:-1] in "IVXL" and _NEXT_ITEM_NUMBER.search(line)):
        # a lead-in whose list or address follows ("Notices … shall be sent to:"), or a list item that
        # runs into the next one's number ("… review meetings and presentations III.")
        return Junk.FRAGMENT
    if "meaning" in line and _MEANING_REFERENCE.search(line):
        return Junk.DEFINITIONS  # '"Expansion Volume Commitment" has the meaning set forth in Section 6.6.'
    if function_share < 0.3 and line.count('"') + line.count("“") >= 3 and len(_QUOTED_TERM.findall(line)) >= 3:
        return Junk.DEFINITIONS
    return None


def _is_clause_heading(line: str) -> bool:
    """Numbering, then a few words in Title Case and a full stop: a clause's heading, not a sentence."""
    words = [w for w in line[:-1].split() if not _NUMBERING_WORD.fullmatch(w)]
    if not words:
        return True  # numbering alone: "Article XII."
    if len(words) > 10:
        return False
    title = " ".join(words)
    if any(mark in title for mark in ',;"“”()?!'):
        return False
    content = [w for w in words if w[0].isalpha() and w.lower() not in _FUNCTION_WORDS]  # "&" aside
    if not content or not all(w[0].isupper() for w in content):
        return False
    return not (len(words) >= 5 and title.isupper())  # a clause in capitals ("TIME IS OF THE ESSENCE.") is prose


def _is_signature(line: str, words: int) -> bool:
    if "/s/" in line or line.startswith("IN WITNESS WHEREOF"):
        return True
    labels = len(_SIGNATURE_LABEL.findall(line))
    return labels >= 2 or (labels == 1 and words <= 8 and _SIGNATURE_LABEL.match(line) is not None)


def junk_kinds(text: str, spans: Sequence[tuple[int, int]], title: str = "") -> list[Junk | None]:
    """The junk class of every sentence span of ``text``, judged with its context (see :func:`judge`)."""
    return judge(text, spans, title)[1]


def judge(
    text: str, spans: Sequence[tuple[int, int]], title: str = "", *, settle: bool = True
) -> tuple[list[str], list[Junk | None]]:
    """Every sentence span of ``text`` single-spaced, and its junk class judged with its context.

    Beyond :func:`junk_kind`: a short line of its own that recurs three times or more (page numbers and
    digits aside) is a running header or footer (a sentence repeated inside paragraphs is not); the
    sentences after a "References" heading are reference entries until the next numbered heading (all
    of them when ``title``, the chapter's title, is "References"); and the sentences before a leading
    "Abstract" or "1 Introduction" heading (in the first 3,000 characters) are the title block.

    With ``settle=False`` only what shapes the text's structure is judged in full: a sentence that could
    be a heading (short, or a clause heading's shape) gets its class, every other one only the classes
    of its context, and None stands for "not judged on its own yet". The summarizer judges those
    lazily (:func:`junk_kind`), only the ones it is about to pick: the dozen rules each sentence
    must pass are most of the hygiene's cost, and few of a text's sentences are ever picked.
    """
    sentences = [text[s:e] for s, e in spans]
    lines = [" ".join(x.split()) for x in sentences]  # given back: the caller need not split them again
    if settle:
        kinds = list(map(_line_kind, lines, count_words(lines, _FUNCTION_WORDS, _PUNCTUATION_MARKS)))
    else:
        kinds = list(map(_structural_kind, lines))
    own_line = [(s == 0 or text[s - 1] == "\n") and (e == len(text) or text[e] == "\n") for s, e in spans]
    shapes = Counter(_shape(x) for x, line in zip(sentences, own_line, strict=True) if line and len(x) < 120)
    in_references = bool(_REFERENCES_HEADING.match(title.strip()))
    start_heading = next(
        (i for i, (s, e) in enumerate(spans[:60]) if s < 3000 and _START_HEADING.match(text[s:e].strip())), None
    )
    for i, sentence in enumerate(sentences):
        kind = kinds[i]
        repeated = own_line[i] and len(sentence) < 120 and shapes[_shape(sentence)] >= 3
        if kind is Junk.HEADING and not _DIGITS.search(sentence) and repeated:
            kinds[i] = Junk.RUNNING_HEAD  # the book's title atop every page
            continue
        if kind is Junk.HEADING:
            if _REFERENCES_HEADING.match(sentence.strip()):
                in_references = True
            elif _SECTION_NUMBER.match(sentence.strip()) and not _YEAR.search(sentence):
                in_references = False
            continue
        if kind is None and repeated:
            kinds[i] = Junk.RUNNING_HEAD
        elif kind is None and in_references:
            kinds[i] = Junk.REFERENCE
        elif kind is None and start_heading is not None and i < start_heading:
            kinds[i] = Junk.FRONT_MATTER
        elif kind is None and i and _next_item_of(lines[i - 1], lines[i]):
            kinds[i] = Junk.FRAGMENT  # a list's item run into the next item's number: "… presentations 2."
    return lines, kinds


def _structural_kind(line: str) -> Junk | None:
    """:func:`_line_kind` of a line that could be a heading; None, unjudged, for any other line.

    The shapes are :func:`is_heading`'s (no closing punctuation, at most 14 words) and the clause
    heading's of :func:`_contract_junk` (a full stop, at most 16 words, no lower-case word of five
    letters): a line of neither shape is never a heading, whatever else it is.
    """
    words = line.count(" ") + 1  # the line is single-spaced
    if words <= 14 and not line.endswith(_HEADING_CLOSE):
        return _line_kind(line)
    if words <= 16 and line.endswith(".") and not _PROSE_WORD.search(line):
        return _line_kind(line)
    return None


def _next_item_of(previous: str, line: str) -> bool:
    """``line`` ends on the number after the one ``previous`` ends on: "… Meeting 1." then "… presentations 2."."""
    if not (line.endswith(".") and line[-2:-1].isdigit() and previous[-2:-1].isdigit()):
        return False
    mine, theirs = _TRAILING_NUMBER.search(line), _TRAILING_NUMBER.search(previous)
    return mine is not None and theirs is not None and int(mine.group(1)) == int(theirs.group(1)) + 1


#: What :func:`clean_text` drops: page furniture that no reader, human or model, needs.
FURNITURE = frozenset({Junk.PAGE_NUMBER, Junk.RUNNING_HEAD})


def clean_text(text: str, drop: frozenset[Junk] = FURNITURE) -> str:
    """``text`` without its page furniture, and with run-together sentences set apart by a space.

    Meant for the text an LLM backend is given: page numbers and running headers or footers ("Page 1/1
    Printed by …", "4 1.1. TOPOLOGISCHE RÄUME") are removed, and "implicit.Simple" becomes "implicit.
    Simple". Everything else, headings included, is kept as it was, line breaks and all.
    """
    spans = sentence_spans(text)
    kinds = junk_kinds(text, spans)
    out: list[str] = []
    pos = 0
    for (start, end), kind in zip(spans, kinds, strict=True):
        gap = text[pos:start]
        if pos and not gap and out:
            gap = " "  # two sentences glued together by a damaged PDF
        if kind not in drop:  # a dropped span takes the space before it along
            out.append(gap)
            out.append(text[start:end])
        pos = end
    out.append(text[pos:])
    return "".join(out).lstrip()


def _shape(sentence: str) -> str:
    return re.sub(r"\d+", "#", " ".join(sentence.split()).lower())
