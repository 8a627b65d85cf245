"""Grounding: where in the source each summary sentence comes from, and how well the source supports it.

A model's summary sentence is aligned to its best-supporting passage of the chapter: one source sentence,
or two or three adjacent ones. Support is IDF-weighted recall of the sentence's content words in the
passage (word forms folded to a common prefix, so "terminates" meets "termination"): 1.0 for a sentence
copied from the chapter, near 0 for one the chapter never says. Lexical and offline on purpose: it needs
no model, runs in microseconds per sentence, and a reader can see why a sentence was matched.

A sentence whose support is under :data:`UNSUPPORTED_BELOW` is *unsupported*: the window and the exports
warn about it. Pure functions, thread-safe.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence

from .base import SummarySentence
from .sentences import BULLETS, sentence_spans

#: Below this support a sentence is marked unsupported (the chapter does not say it).
UNSUPPORTED_BELOW = 0.35
#: Passages of up to this many adjacent source sentences are considered.
MAX_PASSAGE = 3

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_STOP = frozenset(
    """
    a an and are as at be been being but by can could did do does for from had has have he her his i if in into
    is it its itself may might more most must no not of on or our shall she should so such than that the their
    them then there these they this those to under upon was we were what when where which while who will with
    would you your also only other some any each both all very just about over after before between through
    der die das und den von zu mit sich des auf für ist im dem nicht ein eine als auch es an werden aus er hat
    dass sie nach wird bei einer um am sind noch wie einem über einen so zum war haben nur oder aber vor zur bis
    le la les un une des du et en est que qui dans pour pas sur au par ce il
    """.split()
)
# A source sentence ends at . ! ? followed by space or the end (a CJK stop needs none), or at a blank line:
# a full stop inside a word is not an end ("1.2 million", "3.50%", "2.1 This Agreement", "www.example.com").
_SENTENCE = re.compile(
    r"[^.!?。！？\n]+(?:[.!?](?=[^\s.!?\"'”’)\]])[^.!?。！？\n]*)*(?:[.!?。！？]+[\"'”’)\]]*|\n\s*\n|$)", re.UNICODE
)


def terms(text: str) -> list[str]:
    """Content words, lower-cased and folded to a 6-letter prefix; digits kept (amounts, section numbers)."""
    out = []
    for word in _WORD.findall(text.lower()):
        if word in _STOP or (len(word) < 3 and not word.isdigit()):
            continue
        out.append(word[:6])
    return out


def source_spans(text: str) -> list[tuple[int, int]]:
    """Sentence-like spans of ``text`` (start, end), stripped of surrounding whitespace."""
    spans = []
    for match in _SENTENCE.finditer(text):
        start, end = match.start(), match.end()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end - start >= 3:
            spans.append((start, end))
    return spans


class SourceIndex:
    """The sentences of one source text, indexed by term, with the text's IDF weights.

    Built for the ``wanted`` terms only (those of the summary sentences to align) when they are given: a
    summary has a few dozen terms and a chapter thousands of words, so only those terms are indexed. The
    result is the same as indexing every term, since a passage's support counts only the sentence's own
    terms; the sentences are split only when one of them occurs.
    """

    def __init__(self, text: str, wanted: Iterable[str] | None = None) -> None:
        self.text = text
        self.postings: dict[str, list[int]] = defaultdict(list)
        self._terms: dict[int, set[str]] = {}
        lowered = text.lower()
        if wanted is None or len(lowered) != len(text):  # every term (or a text whose case folding moves offsets)
            self.spans = source_spans(text)
            for i, (s, e) in enumerate(self.spans):
                self._terms[i] = set(terms(text[s:e]))
        else:
            present = {t for t in set(wanted) if t in lowered}
            self.spans = source_spans(text) if present else []
            if present:
                self._index_words(lowered, present)
        for i, ts in sorted(self._terms.items()):
            for t in ts:
                self.postings[t].append(i)
        n = max(len(self.spans), 1)
        self._idf = {t: math.log(1.0 + n / len(rows)) for t, rows in self.postings.items()}
        self._unseen = math.log(1.0 + n)

    def _index_words(self, lowered: str, wanted: set[str]) -> None:
        """The spans where each wanted term occurs as :func:`terms` would find it, one span at a time.

        A scan of each span's words costs less than searching the text once for each wanted term: a
        summary's terms are the chapter's frequent words, so each search stopped dozens of times.
        """
        for j, (start, end) in enumerate(self.spans):
            found = {w[:6] for w in _WORD.findall(lowered, start, end) if w not in _STOP} & wanted
            if found:
                self._terms[j] = found

    @property
    def terms(self) -> list[set[str]]:
        """Each sentence's indexed terms (all of them, or the wanted ones)."""
        return [self._terms.get(i, set()) for i in range(len(self.spans))]

    def idf(self, term: str) -> float:
        return self._idf.get(term, self._unseen)

    def best_passage(self, sentence: str, sentence_terms: Iterable[str] | None = None) -> tuple[int, int, float] | None:
        """(start, end, support) of the passage that best supports ``sentence``, or None for an empty one.

        ``sentence_terms``: the sentence's :func:`terms`, where the caller has them already.
        """
        wanted = set(terms(sentence) if sentence_terms is None else sentence_terms)
        if not wanted or not self.spans:
            return None
        weight = {t: self.idf(t) for t in wanted}
        total = sum(weight.values())
        hits: dict[int, float] = defaultdict(float)
        for t, w in weight.items():
            for i in self.postings.get(t, ()):
                hits[i] += w
        if not hits:
            return None
        n = len(self.spans)
        empty: set[str] = set()
        best: tuple[float, int, int, int] | None = None  # (score, -extra sentences, first, last)
        tried: set[int] = set()  # neighbouring hits share passages: each first sentence is tried once
        for i in sorted(hits, key=hits.__getitem__, reverse=True)[:8]:
            for first in range(max(0, i - MAX_PASSAGE + 1), i + 1):
                if first in tried:
                    continue
                tried.add(first)
                covered: set[str] = set()
                found = 0.0
                for last in range(first, min(n, first + MAX_PASSAGE)):
                    added = (self._terms.get(last, empty) & wanted) - covered
                    if added:
                        covered |= added
                        found += sum(weight[t] for t in added)
                    # The shortest passage that reaches a score wins: a longer one must add support.
                    candidate = (round(found / total, 6), first - last, first, last)
                    if best is None or candidate[:2] > best[:2]:
                        best = candidate
            if best is not None and best[:2] == (1.0, 0):
                break  # one sentence says all of it: nothing can do better
        assert best is not None
        score, _, first, last = best
        return self.spans[first][0], self.spans[last][1], min(1.0, score)


def align(sentences: Sequence[str], source: str, *, chapter: int | None = None) -> list[SummarySentence]:
    """Each sentence with its best-supporting passage in ``source`` and its support in [0, 1]."""
    each = [terms(sentence) for sentence in sentences]
    index = SourceIndex(source, {t for ts in each for t in ts})
    if not index.spans:  # no word of the summary in the source (or no sentence there): nothing supports it
        return [SummarySentence(sentence, None, None, 0.0, chapter) for sentence in sentences]
    out = []
    for sentence, sentence_terms in zip(sentences, each, strict=True):
        found = index.best_passage(sentence, sentence_terms)
        if found is None:
            out.append(SummarySentence(sentence, None, None, 0.0, chapter))
        else:
            start, end, support = found
            out.append(SummarySentence(sentence, start, end, round(support, 3), chapter))
    return out


def align_across(sentences: Sequence[str], sources: Sequence[tuple[int, str]]) -> list[SummarySentence]:
    """Like :func:`align` over several chapters ``(index, text)``: each sentence gets its best chapter."""
    each = [terms(sentence) for sentence in sentences]
    wanted = {t for ts in each for t in ts}
    indexes = [(chapter, SourceIndex(text, wanted)) for chapter, text in sources]
    out = []
    for sentence, sentence_terms in zip(sentences, each, strict=True):
        best: SummarySentence | None = None
        for chapter, index in indexes:
            found = index.best_passage(sentence, sentence_terms)
            if found and (best is None or (best.support or 0.0) < found[2]):
                best = SummarySentence(sentence, found[0], found[1], round(found[2], 3), chapter)
        out.append(best or SummarySentence(sentence, None, None, 0.0, None))
    return out


def split_summary(summary: str) -> list[str]:
    """A model's summary as sentences (its own text, not a source: no offsets are needed), split as the
    built-in summarizer splits a chapter: what is shown is these sentences, so an amount ("NTD 1.2 million"),
    a clause number ("2.1 This Agreement") or an abbreviation ("Dr. Smith") must not be cut. A summary of one
    line that no full stop, question or exclamation mark divides is one sentence as it is (the splitter's own
    work costs more than a short chapter's grounding)."""
    spans = source_spans(summary)
    if len(spans) == 1 and "\n" not in summary.strip():
        start, end = spans[0]
        return [summary[start:end]]
    # A model's list ("- …" / "1. …" lines, or lines after "Key points:") keeps an item a sentence of its own
    # even where the item has no full stop; other line breaks are the splitter's to judge. A list's short
    # label ("Key points:") is the answer's layout, not a claim to ground: it is left out.
    sentences = [part[s:e] for part in _LIST_BREAK.split(summary) for s, e in _item_spans(part)]
    said = [s for s in sentences if not (s.endswith(":") and len(s.split()) <= 4)]
    return said or sentences


def _item_spans(part: str) -> list[tuple[int, int]]:
    """The sentences of one part of a model's summary, a list item's bullet kept with its first one: the splitter
    leaves a "•" out of a chapter's sentence, but a summary shows it, as it shows "- " (see
    :func:`~desktop_app.engine.exports.opens_list_item`)."""
    spans = sentence_spans(part)
    lead = len(part) - len(part.lstrip())
    if spans and lead < spans[0][0] and part[lead] in BULLETS:
        spans[0] = (lead, spans[0][1])
    return spans


_LIST_BREAK = re.compile(r"\n(?=[ \t]*(?:[-*•–][ \t]|\d{1,2}[.)][ \t]))|(?<=:)[ \t]*\n")


def is_unsupported(sentence: SummarySentence) -> bool:
    return sentence.support is not None and sentence.support < UNSUPPORTED_BELOW


def overall_support(sentences: Sequence[SummarySentence]) -> float:
    """The share of a summary's sentences the source supports (1.0 for an empty or extractive summary)."""
    scored = [s for s in sentences if s.support is not None]
    if not scored:
        return 1.0
    return sum(1 for s in scored if not is_unsupported(s)) / len(scored)


def find_span(quote: str, text: str, hint: int | None = None) -> tuple[int, int] | None:
    """Where ``quote`` stands in ``text``, whitespace-insensitively (clause quotes from models reflow lines)."""
    words = quote.split()
    if not words:
        return None
    if hint is not None and hint >= 0 and text.startswith(quote, hint):
        return hint, hint + len(quote)
    pattern = r"\s+".join(re.escape(w) for w in words[:60])
    match = re.search(pattern, text)
    if match is None:
        return None
    if len(words) <= 60:
        return match.start(), match.end()
    tail = re.search(r"\s+".join(re.escape(w) for w in words[-20:]), text[match.start() :])
    end = match.start() + tail.end() if tail else match.end()
    return match.start(), end
