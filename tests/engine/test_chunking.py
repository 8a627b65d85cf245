"""Splitting a chapter to the context budget is linear in its length, and cuts exactly where it did."""

from __future__ import annotations

import random

import pytest

from desktop_app.engine.summarize import chunking
from desktop_app.engine.summarize.base import SummarizerBase, SummaryRequest, SummaryResult
from desktop_app.engine.summarize.chunking import estimate_tokens, split_to_budget

WORDS = ["alpha", "beta", "gamma", "naïve", "x1", "東京都", "don't", "a-b", "delta"]


def _run_on(words: int, seed: int = 3) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(WORDS) for _ in range(words))


def _reference_split_words(sentence: str, budget: int) -> list[str]:
    """The former word splitter (re-estimates the growing piece at every word): the cuts to keep."""
    out: list[str] = []
    current: list[str] = []
    for word in sentence.split():
        current.append(word)
        if estimate_tokens(" ".join(current)) > budget and len(current) > 1:
            current.pop()
            out.append(" ".join(current))
            current = [word]
    if current:
        out.append(" ".join(current))
    return out


@pytest.mark.parametrize("budget", [16, 50, 333])
def test_word_cuts_are_the_same_as_before(budget: int) -> None:
    text = _run_on(3000)
    assert chunking._split_words(text, budget) == _reference_split_words(text, budget)


def test_unpunctuated_text_is_estimated_a_bounded_number_of_times(monkeypatch: pytest.MonkeyPatch) -> None:
    """Work is counted as characters passed to the token estimate: linear means a constant per character."""
    estimated = 0

    def counting(text: str) -> int:
        nonlocal estimated
        estimated += len(text)
        return estimate_tokens(text)

    monkeypatch.setattr(chunking, "estimate_tokens", counting)
    text = _run_on(20_000)
    pieces = split_to_budget(text, 500)
    assert " ".join(pieces).split() == text.split(), "no word lost or moved"
    assert all(estimate_tokens(p) <= 500 for p in pieces)
    assert estimated <= 4 * len(text), f"{estimated} characters estimated for a {len(text)}-character chapter"


class _FixedAnswers(SummarizerBase):
    """Answers every request with ``words`` words, so the partial summaries' sizes are known in advance."""

    name = "fixed"

    def __init__(self, words: int) -> None:
        self.words = words

    def summarize(self, request: SummaryRequest) -> SummaryResult:
        text = " ".join(["word"] * self.words) + "."
        return SummaryResult(summary=text, preview=text, backend=self.name, model="", latency_ms=0.0)

    def output_tokens(self, request: SummaryRequest) -> int | None:
        return 100


@pytest.mark.parametrize(("words", "context"), [(60, 2048), (150, 700), (400, 1200)])
def test_the_part_total_is_known_from_the_first_part(words: int, context: int) -> None:
    """ "processing 3/10": the total counts the combining calls too, and does not jump when the summaries are typical.

    At 60 words a part (about a typical 2-sentence summary) the first total is exact; with longer answers it
    is corrected once, when the partial summaries are known, and the last call says all parts are done.
    """
    seen: list[tuple[int, int]] = []
    text = "\n\n".join(f"Part {i} tells of event {i}. " + "More about it follows here. " * 60 for i in range(16))
    summarizer = chunking.ChunkingSummarizer(_FixedAnswers(words), context_tokens=context, prompt_tokens=100)
    summarizer.summarize(
        SummaryRequest(text=text, title="Long", max_sentences=2, on_progress=lambda d, t: seen.append((d, t)))
    )
    done = [d for d, _ in seen]
    assert done == list(range(1, len(seen) + 1)) and seen[-1][0] == seen[-1][1]
    parts = len(split_to_budget(text, summarizer.budget(SummaryRequest(text=text))))
    assert seen[0][1] > parts, "the first total already counts the combining calls"
    if words == 60:
        assert {t for _, t in seen} == {seen[-1][1]}, "typical summaries: the total never changes"
    after_the_map = {t for d, t in seen if d > parts}
    assert after_the_map == {seen[-1][1]}, "once the partial summaries are known, the total holds"


def test_reduce_calls_follows_the_packing() -> None:
    assert chunking.reduce_calls([100], 500) == 0
    assert chunking.reduce_calls([100, 100], 500) == 1  # fits: one final combine
    assert chunking.reduce_calls([300, 300, 300], 500) == 2 + 1  # no two fit: paired (2 groups), paired again
    assert chunking.reduce_calls([100] * 10, 500) == 2 + 1  # two groups of 5, then the final
