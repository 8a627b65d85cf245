"""Splitting long unpunctuated chapters to a context budget: seconds by chapter length (linear, not quadratic).

Run: ``PYTHONPATH=. python bench/chunking.py``. Prints one row per length: words, parts, seconds, and
microseconds per word (flat when the split is linear).
"""

from __future__ import annotations

import random
import time

from desktop_app.engine.summarize.chunking import split_to_budget

WORDS = ["river", "market", "policy", "theory", "model", "data", "growth", "naïve", "don't", "x1"]


def main() -> None:
    rng = random.Random(7)
    print(f"{'words':>8} {'parts':>6} {'seconds':>8} {'µs/word':>8}")
    for words in (5_000, 20_000, 80_000, 200_000):
        text = " ".join(rng.choice(WORDS) for _ in range(words))
        started = time.perf_counter()
        parts = split_to_budget(text, 3000)
        took = time.perf_counter() - started
        print(f"{words:>8} {len(parts):>6} {took:>8.3f} {took / words * 1e6:>8.2f}")


if __name__ == "__main__":
    main()
