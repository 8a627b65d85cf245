"""The built-in offline summarizer: clean candidate sentences, a learned structural ranker, MMR.

A chapter's text is cut into sentence spans (:mod:`.sentences`), sentences no reader should be shown
are set aside (headings, title blocks, e-mail/URL lines, references, table rows, captions, formulas,
running heads, page numbers: :mod:`.hygiene`), and the rest are scored by the small logistic ranker
of :mod:`.ranker` over structural features (section, position in it, centrality, cue phrases, what
other sections echo). Sentences are then picked greedily with a redundancy penalty (maximal marginal
relevance) and given back in text order, each with its exact span. A focus instruction, when given,
pulls the ranking toward sentences that share its terms. Contract clause flags come from the
rule-based detector of :mod:`.clauses`.

Measured in ``bench/quality.py`` and docs/PERFORMANCE.md: ROUGE-2 against the abstract on dev
papers the ranker never saw, at 150 words, against Lead, LexRank, LSA and TextRank.

Thread-safe and stateless: many workers may call :meth:`ExtractiveSummarizer.summarize` at once.
"""

from __future__ import annotations

import heapq
import math
import re
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .base import SummarizerBase, SummaryRequest, SummaryResult, SummarySentence, make_preview
from .clauses import detect_clauses
from .hygiene import FURNITURE, Junk, judge, junk_kind
from .ranker import features, scores
from .sentences import sentence_spans, split_sentences
from .terms import tokenize

__all__ = ["Analysis", "ExtractiveSummarizer", "analyze", "focus_vector", "rank", "split_sentences", "tokenize"]

#: Candidates shorter than this many words are dropped when there are enough longer ones: a summary
#: of dialogue fragments ('"Mary Ann!" said the voice.') tells the reader nothing.
MIN_WORDS = 6
_LINE_BREAK_HYPHEN = re.compile(r"(\w)-\n\s*(\w)")


@dataclass(frozen=True, slots=True)
class Analysis:
    """One text cut and judged: every sentence span, its junk class, and the candidates' indices.

    The candidates are judged only by what decides the text's structure and by their context
    (``hygiene.judge(settle=False)``): :meth:`admits` judges a candidate in full when it is about to
    be picked. When there is no candidate at all, ``kinds`` are judged in full.
    """

    text: str
    spans: list[tuple[int, int]]
    lines: list[str]  # every span's text, single-spaced
    kinds: list[Junk | None]
    candidates: list[int]
    sections: list[int]  # per candidate: index into ``section_titles``
    section_titles: list[str]

    def sentence(self, index: int) -> str:
        """The sentence at span ``index`` with its whitespace collapsed (a line-break hyphen joined)."""
        start, end = self.spans[index]
        raw = self.text[start:end]
        if "-\n" in raw:
            return " ".join(_LINE_BREAK_HYPHEN.sub(r"\1\2", raw).split())
        return self.lines[index]

    def admits(self, candidate: int) -> bool:
        """Whether candidate ``candidate`` (an index into ``candidates``) is prose a summary may quote."""
        return junk_kind(self.lines[self.candidates[candidate]]) is None


def _after_run_in_title(text: str, spans: list[tuple[int, int]], title: str) -> list[tuple[int, int]]:
    """The first sentence without the chapter's own heading run into it: "3. Term The term of …" reads
    "The term of …", and so does "3. TERM: The term of …" (the parser keeps a run-in heading in the text, where
    its sentence goes on after it). The heading is compared word by word, its case aside."""
    words = title.split()
    if not spans or not words:
        return spans
    start, end = spans[0]
    at, exact, marked = start, True, words[-1].endswith((".", ":", ";"))
    for n, word in enumerate(words, 1):  # word by word (no pattern built for each chapter)
        while at < end and text[at].isspace():
            at += 1
        if text[at : at + len(word)].casefold() != word.casefold():
            return spans
        exact = exact and text.startswith(word, at)
        at += len(word)
        if n == len(words) and not marked and at < end and text[at] in ".:;–—":
            at, marked = at + 1, True  # "TERM:" for the title "Term"
        if at >= end or not text[at].isspace():
            return spans
    if not (exact or marked):  # "THE PARTIES AGREE …" under "The Parties": a sentence, not a heading run in
        return spans
    while at < end and text[at].isspace():
        at += 1
    if at >= end or not (text[at].isupper() or text[at] in '("“'):
        return spans
    return [(at, end), *spans[1:]]


#: The most words a summary of a text without prose quotes from its lines: a back-of-book index or a list of
#: symbols reads as one endless "sentence" (no full stop in a thousand words), and its first lines are enough
#: to say what the chapter is.
FALLBACK_WORDS = 100


def _first_words(analysis: Analysis, lines: Sequence[int], words: int) -> list[SummarySentence]:
    """The spans ``lines`` in order, up to ``words`` words in all: the last one cut at a word's end (an exact span)."""
    out = []
    for i in lines:
        if words <= 0:
            break
        start, end = analysis.spans[i]
        ends = [m.end() for m in re.finditer(r"\S+", analysis.text[start:end])]
        if len(ends) > words:
            end = start + ends[words - 1]
            raw = analysis.text[start:end]
            out.append(SummarySentence(" ".join(_LINE_BREAK_HYPHEN.sub(r"\1\2", raw).split()), start, end))
        else:
            out.append(SummarySentence(analysis.sentence(i), start, end))
        words -= len(ends)
    return out


def _plain(line: str) -> str:
    """A line compared as words, its case and closing punctuation aside ("ARTICLE I." is "Article I")."""
    return " ".join(line.split()).rstrip(".:;").casefold()


def analyze(text: str, title: str = "") -> Analysis:
    """Cut ``text`` into sentences, judge them, and keep the candidates a summary may quote.

    ``title`` is the chapter's title: the section of the sentences before the text's first heading
    ("1 Introduction" when the parser took the heading out of the text), and a "References" chapter is
    all reference entries.
    """
    spans = _after_run_in_title(text, sentence_spans(text), title)
    lines, kinds = judge(text, spans, title, settle=False)
    titles = [" ".join(title.split())]
    sections: list[int] = []
    candidates: list[int] = []
    for i, kind in enumerate(kinds):
        if kind is Junk.HEADING:
            titles.append(lines[i])
        elif kind is None:
            candidates.append(i)
            sections.append(len(titles) - 1)
    long_enough = [j for j, i in enumerate(candidates) if lines[i].count(" ") + 1 >= MIN_WORDS]
    if len(long_enough) >= 3:
        candidates = [candidates[j] for j in long_enough]
        sections = [sections[j] for j in long_enough]
    elif not candidates:  # nothing was left unjudged: these are the classes judged in full
        kinds = judge(text, spans, title)[1]
    return Analysis(text, spans, lines, kinds, candidates, sections, titles)


def rank(
    analysis: Analysis, sentences: Sequence[str], *, title: str = "", focus: str | None = None
) -> tuple[NDArray[np.float64], list[list[str]]]:
    """One score in [0, 1] per candidate of ``analysis`` (higher = more summary-worthy), and their words.

    ``sentences`` are the candidates' texts (``analysis.sentence(i)`` for each candidate).
    """
    cand = features(sentences, analysis.sections, analysis.section_titles, title)
    raw = scores(cand.matrix)
    if raw.size == 0:
        return raw, cand.tokens
    low, high = float(raw.min()), float(raw.max())
    ranked = (raw - low) / (high - low) if high > low else np.ones_like(raw)
    if focus:
        q = focus_vector(focus, cand.vocab, cand.idf)
        if q is not None:
            relevance = cand.vectors.dot(q)
            ranked = 0.4 * ranked + 0.6 * (relevance / (relevance.max() or 1.0))
    return np.asarray(ranked, dtype=np.float64), cand.tokens


def _same_word(focus_term: str, term: str) -> bool:
    """Word variants by shared stem: "penalties"/"penalty", "terminate"/"termination", "payment"/"payments"."""
    if focus_term == term:
        return True
    stem = min(len(focus_term), len(term)) - 1
    return (stem >= 5 and focus_term[:stem] == term[:stem]) or (
        len(focus_term) >= 6 and len(term) >= 6 and focus_term[:6] == term[:6]
    )


def focus_vector(focus: str, vocab: dict[str, int], idf: NDArray[np.float64]) -> NDArray[np.float64] | None:
    """The focus as a unit vector over the chapter's vocabulary (variants of its words included), or None."""
    focus_tokens = tokenize(focus)
    if not focus_tokens:
        return None
    q = np.zeros(len(idf))
    for t, c in Counter(focus_tokens).items():
        for term, column in vocab.items():
            if term[:3] == t[:3] and _same_word(t, term):
                q[column] = max(q[column], (1.0 + math.log(c)) * idf[column])
    norm = float(np.sqrt(q @ q))
    return q / norm if norm > 0 else None


def mmr_order(
    tokens: Sequence[Collection[str]],
    values: NDArray[np.float64],
    k: int,
    redundancy: float = 0.6,
    admit: Callable[[int], bool] | None = None,
) -> list[int]:
    """Greedy maximal-marginal-relevance order of up to ``k`` indices (best first).

    A sentence's value is its score times ``1 - redundancy * overlap``, where ``overlap`` is its largest
    word overlap (over the smaller set of ``tokens``) with a sentence already chosen. The pool is the
    ``max(6 k, 40)`` best by score; a sentence that ``admit`` turns down when its turn comes is passed
    over (:meth:`Analysis.admits`), and the next best by score joins the pool in its place.
    """
    return list(mmr_iter(tokens, values, k, redundancy, admit))


def mmr_iter(
    tokens: Sequence[Collection[str]],
    values: NDArray[np.float64],
    k: int,
    redundancy: float = 0.6,
    admit: Callable[[int], bool] | None = None,
) -> Iterator[int]:
    """:func:`mmr_order` one index at a time: a caller that stops early pays only for what it took.

    The greedy choice of each index depends only on those before it, so the first ``n`` taken are the
    first ``n`` of the whole order (a long document's summary needs the first sentence of each chapter and
    more of only a few).
    """
    ranking = np.argsort(-values, kind="stable").tolist()
    pool = ranking[: max(k * 6, 40)]
    spare = iter(ranking[len(pool) :])
    value = dict(zip(pool, values[pool].tolist(), strict=True))  # Python floats: no NumPy scalar per look-up
    token_sets = {i: set(tokens[i]) for i in pool}  # only the pool's: the rest are never compared
    overlap = dict.fromkeys(pool, 0.0)
    compared = dict.fromkeys(pool, 0)  # how many of the chosen sentences each one was compared with
    # A value only shrinks as sentences are chosen, so a stale one is a bound: the best by bound is
    # brought up to date and, if still the best, is the best (ties go to the earlier in the pool, as
    # with max()). Most sentences are never compared with most chosen ones.
    heap = [(-value[i], position, i) for position, i in enumerate(pool)]
    heapq.heapify(heap)
    chosen = 0
    chosen_sets: list[set[str]] = []
    while chosen < k and heap:
        _bound, position, best = heap[0]
        if compared[best] < chosen:
            a, most = token_sets[best], overlap[best]
            if a:
                for b in chosen_sets[compared[best] :]:
                    if b:
                        most = max(most, len(a & b) / min(len(a), len(b)))
            overlap[best], compared[best] = most, chosen
            heapq.heapreplace(heap, (-(value[best] * (1.0 - redundancy * most)), position, best))
            continue
        heapq.heappop(heap)
        if admit is not None and not admit(best):
            following = next(spare, None)
            if following is not None:
                token_sets[following], value[following] = set(tokens[following]), float(values[following])
                overlap[following], compared[following] = 0.0, 0
                heapq.heappush(heap, (-value[following], len(token_sets) - 1, following))
            continue
        chosen += 1
        chosen_sets.append(token_sets[best])
        yield best


class ExtractiveSummarizer(SummarizerBase):
    """The offline default backend. See the module docstring for the method."""

    name = "extractive"
    cpu_bound = True

    def __init__(self, model: str = "structural-mmr") -> None:
        self.model = model or "structural-mmr"

    def summarize(self, request: SummaryRequest) -> SummaryResult:
        started = time.perf_counter()
        picked = sorted(self.ranked(request)[: max(1, request.max_sentences)], key=lambda s: s.start or 0)
        summary = " ".join(s.text for s in picked)
        flags = detect_clauses(request.text) if request.want_clauses and request.kind == "chapter" else []
        return SummaryResult(
            summary=summary,
            preview=make_preview(summary),
            backend=self.name,
            model=self.model,
            latency_ms=(time.perf_counter() - started) * 1000.0,
            clause_flags=flags,
            sentences=picked,
        )

    def stream(self, request: SummaryRequest) -> Iterator[str]:
        picked = sorted(self.ranked(request)[: max(1, request.max_sentences)], key=lambda s: s.start or 0)
        for sentence in picked:
            yield sentence.text + " "

    def close(self) -> None:
        return None

    def ranked(self, request: SummaryRequest, *, limit: int | None = None) -> list[SummarySentence]:
        """Candidate sentences best first (MMR order), each with its exact span; at most ``limit``.

        The bench cuts this list at a word budget; :meth:`summarize` takes ``max_sentences`` of it.
        """
        analysis = analyze(request.text, request.title)
        k = limit if limit is not None else max(1, request.max_sentences)
        if analysis.candidates:
            sentences = [analysis.sentence(i) for i in analysis.candidates]
            values, tokens = rank(analysis, sentences, title=request.title, focus=request.focus)
            order = mmr_order(tokens, values, min(k, len(sentences)), admit=analysis.admits)
            if order:
                return [SummarySentence(sentences[j], *analysis.spans[analysis.candidates[j]]) for j in order]
        # A text with no prose at all ("test example", a lone heading, formulas only): its own lines are
        # its summary, page furniture aside, rather than nothing.
        kinds = judge(analysis.text, analysis.spans, request.title)[1] if analysis.candidates else analysis.kinds
        keep = [i for i, kind in enumerate(kinds) if kind not in FURNITURE] or [
            i for i, kind in enumerate(kinds) if kind is not Junk.PAGE_NUMBER
        ]
        # The chapter's own heading is shown above its summary: repeated as the summary's first line it says
        # nothing ("Article I. Outsourced Project" over "Article I. Outsourced Project Development of …").
        heading = _plain(request.title)
        keep = [i for i in keep if _plain(analysis.sentence(i)) != heading] or keep
        return _first_words(analysis, keep[:k], FALLBACK_WORDS)
