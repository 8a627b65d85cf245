"""What a cache hit costs: hashing the key plus one diskcache read, against a fresh summary.

    python bench/cache.py [--chapters 300] [--words 1500] [--json]

Summarizes a synthetic book (``--chapters`` chapters of ``--words`` words) with the extractive
backend through the cache twice, and prints the per-chapter time of the first (miss) and second
(hit) pass and their ratio. An LLM backend's miss costs seconds, so its ratio is far larger.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

from desktop_app.engine.summarize.base import SummaryRequest
from desktop_app.engine.summarize.cache import CachedSummarizer, SummaryCache
from desktop_app.engine.summarize.extractive import ExtractiveSummarizer

WORDS = [
    "river",
    "valley",
    "council",
    "bridge",
    "summer",
    "storm",
    "farmer",
    "shelter",
    "water",
    "harvest",
    "market",
    "road",
    "school",
    "village",
    "winter",
    "mill",
    "letter",
    "journey",
    "doctor",
    "church",
]


def chapter(rng: random.Random, words: int) -> str:
    sentences = []
    while sum(len(s.split()) for s in sentences) < words:
        n = rng.randint(8, 20)
        sentences.append(" ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + ".")
    return " ".join(sentences)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chapters", type=int, default=300)
    parser.add_argument("--words", type=int, default=1500)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    rng = random.Random(1)
    texts = [chapter(rng, args.words) for _ in range(args.chapters)]
    with tempfile.TemporaryDirectory() as tmp:
        summarizer = CachedSummarizer(ExtractiveSummarizer(), SummaryCache(Path(tmp)))
        timings = {}
        for name in ("first (miss)", "second (hit)"):
            started = time.perf_counter()
            for i, text in enumerate(texts):
                summarizer.summarize(SummaryRequest(text=text, title=f"Chapter {i + 1}"))
            timings[name] = time.perf_counter() - started
        stats = summarizer.cache.stats()
        summarizer.close()
    ratio = timings["first (miss)"] / timings["second (hit)"]
    rows = [{"pass": k, "seconds": v, "ms_per_chapter": 1000 * v / args.chapters} for k, v in timings.items()]
    if args.json:
        print(json.dumps({"rows": rows, "ratio": ratio, "hits": stats.hits, "misses": stats.misses}))
        return 0
    print(f"{args.chapters} chapters of ~{args.words} words, extractive backend through the cache")
    print(f"{'pass':<14} {'seconds':>8} {'ms/chapter':>11}")
    for r in rows:
        print(f"{r['pass']:<14} {r['seconds']:8.3f} {r['ms_per_chapter']:11.3f}")
    print(f"ratio {ratio:.0f}x  (hits {stats.hits}, misses {stats.misses})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
