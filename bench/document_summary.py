"""The extractive whole-document summary of long documents: time and memory, side by side in one run.

    PYTHONPATH=. .venv/bin/python bench/document_summary.py [--chapters 60,2000,10000] [--runs 3]

Each generated document (``bench/pipeline.py``'s, 30 sentences a chapter) is summarized in 250 words as the
pipeline's whole-document step does (:func:`summarize_document_extractive`), twice, taking turns: as it is,
each chapter's MMR order taken only as far as the budget reaches, and with every chapter's order made 30
candidates deep first, as before. The summaries must be the same; the table gives the best time of the runs
and the peak of Python's allocations (``tracemalloc``, one run of each).
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.pipeline import generated_document
from desktop_app.engine.summarize import document
from desktop_app.engine.summarize.document import DocumentSummary, summarize_document_extractive

LAZY = document.mmr_iter


def _whole(*args: Any, **kwargs: Any) -> Iterator[int]:
    return iter(list(LAZY(*args, **kwargs)))


def summarize(chapters: list[tuple[str, str]], *, whole: bool) -> DocumentSummary:
    document.mmr_iter = _whole if whole else LAZY  # type: ignore[assignment]
    try:
        return summarize_document_extractive(chapters, words=250)
    finally:
        document.mmr_iter = LAZY


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chapters", default="60,2000,10000", help="comma-separated document sizes")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print("Extractive whole-document summary, 250 words; best of", args.runs, "runs, taking turns")
    print(f"{'chapters':>9} {'as it is':>10} {'30 deep':>10} {'ratio':>6} {'peak MB':>8} {'30 deep':>8}")
    for n in (int(x) for x in args.chapters.split(",")):
        chapters = [(c.title, c.text) for c in generated_document(n).chapters]
        best = {False: float("inf"), True: float("inf")}
        results: dict[bool, DocumentSummary] = {}
        for _ in range(args.runs):
            for whole in (False, True):
                started = time.perf_counter()
                results[whole] = summarize(chapters, whole=whole)
                best[whole] = min(best[whole], time.perf_counter() - started)
        assert results[False] == results[True], "the summaries differ"
        peak = {}
        for whole in (False, True):
            tracemalloc.start()
            summarize(chapters, whole=whole)
            peak[whole] = tracemalloc.get_traced_memory()[1] / 1e6
            tracemalloc.stop()
        print(
            f"{n:>9,} {best[False]:>9.2f}s {best[True]:>9.2f}s {best[True] / best[False]:>5.1f}x "
            f"{peak[False]:>8.1f} {peak[True]:>8.1f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
