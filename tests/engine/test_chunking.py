"""Splitting a chapter to the context budget is linear in its length, and cuts exactly where it did."""

from __future__ import annotations

import random

import pytest

from desktop_app.engine.summarize import chunking
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
