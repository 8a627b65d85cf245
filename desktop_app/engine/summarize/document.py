"""The extractive whole-document summary: a short overview and key points labelled with their chapters.

Stitching each chapter's lead sentences together gives a summary that is mostly chapter 1 plus
fragments. Here every chapter's clean candidates (:func:`.extractive.analyze`) are ranked by the same
learned ranker as a chapter summary, and the document's word budget is shared out in proportion to
each chapter's weight (its words of prose, so a symbol index or a bibliography weighs little). Within
its share a chapter gives its best sentences in MMR order; a sentence that repeats one already taken
from any chapter is skipped, so no sentence appears twice. What a chapter's share cannot hold (less
than one sentence) goes to the next chapters by weight.

The two best-scored sentences of the whole selection (a chapter's scores weighed by the square root
of its share of the document) open the summary as its overview; the rest are
key points, grouped under their chapters' titles. Everything is given back in document order with
exact spans into each chapter's text (``SummarySentence.chapter`` is the chapter's index in the list
given).

Pure and thread-safe; called by the pipeline's whole-document step on a worker thread.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from .base import SummarySentence
from .extractive import analyze, mmr_iter, rank

__all__ = ["DocumentSummary", "KeyPoint", "summarize_document_extractive"]

#: Sentences in the overview that opens a whole-document summary.
OVERVIEW_SENTENCES = 2
#: A sentence sharing more than this fraction of its words with one already taken is a repeat.
REPEAT_OVERLAP = 0.6
#: Up to this many chapters, each keeps its ordering between the budget's turns instead of making it again
#: (tens of kilobytes a chapter; a longer document asks few of its chapters for more than one sentence).
KEEP_ORDERINGS = 200


@dataclass(frozen=True, slots=True)
class KeyPoint:
    """The sentences one chapter contributes, under its title."""

    chapter: int
    title: str
    sentences: list[SummarySentence]


@dataclass(frozen=True, slots=True)
class DocumentSummary:
    """An overview and per-chapter key points; every sentence once, in document order."""

    overview: list[SummarySentence]
    points: list[KeyPoint] = field(default_factory=list)

    @property
    def sentences(self) -> list[SummarySentence]:
        """All sentences of the summary in document order (chapter, then position)."""
        every = [*self.overview, *(s for p in self.points for s in p.sentences)]
        return sorted(every, key=lambda s: (s.chapter or 0, s.start or 0))

    @property
    def text(self) -> str:
        """The summary as plain text: the overview paragraph, then one line per chapter's key points."""
        lines = [" ".join(s.text for s in self.overview)] if self.overview else []
        if self.points:
            lines.append("")
            lines.append("Key points:")
            lines.extend(_point_line(p) for p in self.points)
        return "\n".join(lines).strip()


def _point_line(point: KeyPoint) -> str:
    """``- title: sentences``, or ``- sentences`` where they open with the title (a clause whose heading runs
    into its sentence, or whose title is its first words): "- 6. Party B shall purchase … vehicles: 6. Party B
    shall purchase … vehicles." said it twice."""
    body = " ".join(s.text for s in point.sentences)
    label = " ".join(point.title.split()).removesuffix("…").rstrip()
    if label and body.startswith(label) and not body[len(label) : len(label) + 1].isalnum():
        return f"- {body}"
    return f"- {point.title}: {body}"


class _Chapter:
    """A chapter's candidates in MMR order, with their scores and word sets, taken as far as they are asked for.

    Only the order's first sentence is taken at once (a chapter with none is left out); the rest when the
    summary's budget reaches them. A document of many chapters takes a sentence or two from a few of them,
    and ordering 30 candidates of every chapter cost most of its summary's time. A chapter of a long document
    (``keep`` false) keeps only what it gave between turns, its ordering made again (it is deterministic) if
    it is asked for more, so a document of thousands of chapters holds one chapter's ordering at a time; a
    short document's chapters, most of which are asked for more, keep theirs.
    """

    def __init__(self, index: int, title: str, text: str, focus: str | None, *, keep: bool) -> None:
        self.index, self.title, self._text, self._focus = index, title, text, focus
        self.sentences: list[SummarySentence] = []  # the order so far
        self.values: list[float] = []
        self.tokens: list[set[str]] = []
        self.weight = 0.0  # the chapter's words of prose: its share of the document's budget
        self._order: Iterator[tuple[SummarySentence, float, set[str]]] | None = None
        self._ended = False
        self.has(0)
        if not keep:
            self.release()

    def has(self, j: int) -> bool:
        """Whether the order has a ``j``-th sentence (taking the order that far)."""
        while len(self.sentences) <= j:
            if self._ended:
                return False
            if self._order is None:
                self._order = self._ordering()
            taken = next(self._order, None)
            if taken is None:
                self._ended = True
                return False
            sentence, value, tokens = taken
            self.sentences.append(sentence)
            self.values.append(value)
            self.tokens.append(tokens)
        return True

    def release(self) -> None:
        """Drop the ordering (the chapter's analysis and its candidates) until more is asked for."""
        self._order = None

    def _ordering(self) -> Iterator[tuple[SummarySentence, float, set[str]]]:
        analysis = analyze(self._text, self.title)
        candidates = [analysis.sentence(i) for i in analysis.candidates]
        self.weight = float(sum(len(s.split()) for s in candidates))
        if not candidates:
            return
        scores, tokens = rank(analysis, candidates, title=self.title, focus=self._focus)
        token_sets = [set(t) for t in tokens]
        order = mmr_iter(token_sets, scores, min(len(candidates), 30), admit=analysis.admits)
        for n, chosen in enumerate(order):
            if n < len(self.sentences):
                continue  # given at an earlier turn
            start, end = analysis.spans[analysis.candidates[chosen]]
            yield (
                SummarySentence(candidates[chosen], start, end, chapter=self.index),
                float(scores[chosen]),
                token_sets[chosen],
            )


def summarize_document_extractive(
    chapters: Sequence[tuple[str, str]], *, words: int = 250, focus: str | None = None
) -> DocumentSummary:
    """Summarize a whole document from its chapters' ``(title, text)`` within about ``words`` words.

    Chapters are covered in proportion to their prose, no sentence is taken twice, and the result
    is in document order. Empty chapters (or ones with nothing but headings and formulas) are skipped.
    """
    keep = len(chapters) <= KEEP_ORDERINGS
    ranked = [_Chapter(i, title, text, focus, keep=keep) for i, (title, text) in enumerate(chapters)]
    ranked = [c for c in ranked if c.sentences]
    if not ranked or words <= 0:
        return DocumentSummary([])
    total = sum(c.weight for c in ranked)
    chosen: dict[int, list[int]] = {c.index: [] for c in ranked}
    taken: list[set[str]] = []
    carry = 0.0
    for chapter in sorted(ranked, key=lambda c: -c.weight):
        budget = words * chapter.weight / total + carry
        used = 0
        j = -1
        while chapter.has(j := j + 1):
            length = len(chapter.sentences[j].text.split())
            if used + length / 2 > budget:
                break
            if _repeats(chapter.tokens[j], taken):
                continue
            chosen[chapter.index].append(j)
            taken.append(chapter.tokens[j])
            used += length
        chapter.release()
        carry = max(0.0, budget - used)
    picked = [(c, j) for c in ranked for j in chosen[c.index]]
    if not picked:  # a budget smaller than any sentence: the single best one
        best = max(ranked, key=lambda c: c.values[0])
        picked = [(best, 0)]
    # Scores are relative within a chapter; a heavier chapter's best sentence speaks for more of the book.
    by_value = sorted(picked, key=lambda cj: -cj[0].values[cj[1]] * (cj[0].weight / total) ** 0.5)
    overview_keys = {(c.index, j) for c, j in by_value[:OVERVIEW_SENTENCES]}
    overview = sorted(
        (c.sentences[j] for c, j in picked if (c.index, j) in overview_keys), key=lambda s: (s.chapter, s.start)
    )
    points = []
    for c in ranked:
        rest = [c.sentences[j] for j in chosen[c.index] if (c.index, j) not in overview_keys]
        if rest:
            points.append(KeyPoint(c.index, c.title, sorted(rest, key=lambda s: s.start or 0)))
    return DocumentSummary(overview, points)


def _repeats(tokens: set[str], taken: list[set[str]]) -> bool:
    if not tokens:
        return True
    return any(other and len(tokens & other) / min(len(tokens), len(other)) > REPEAT_OVERLAP for other in taken)
