"""How well plain word overlap tells a summary of a text from an answer about something else.

    python bench/overlap.py --data ../shared/corpus/summarization/scisummnet_dev.jsonl [--limit N]

Pairs from the corpus papers: a paper's own abstract and human summary against its body (supported),
and another paper's abstract against the body (unrelated, but of the same field: the hard case; a base
model's HTML fragment or run of end tokens is far easier). Papers with an even index are the tuning half,
odd ones the held-out half: the best threshold is chosen on the tuning half only, and both halves are
scored at that threshold and at the product's :data:`MIN_SUPPORT`. Prints a table.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from desktop_app.engine.summarize.overlap import MIN_SUPPORT, word_support

sys.path.insert(0, str(Path(__file__).resolve().parent))
from quality import body_text, load


def pairs(records: list[dict[str, object]]) -> list[tuple[float, bool]]:
    out: list[tuple[float, bool]] = []
    for i, rec in enumerate(records):
        body = body_text(rec)  # type: ignore[arg-type]
        other = records[(i + 1) % len(records)]
        out.append((word_support(str(rec["abstract"]), body), True))
        out.append((word_support(str(rec["human_summary"]), body), True))
        out.append((word_support(str(other["abstract"]), body), False))
    return out


def accuracy(scored: list[tuple[float, bool]], threshold: float) -> tuple[float, float, float]:
    """(accuracy, share of supported texts kept, share of unrelated texts rejected)."""
    kept = [s >= threshold for s, ok in scored if ok]
    rejected = [s < threshold for s, ok in scored if not ok]
    total = len(kept) + len(rejected)
    return (sum(kept) + sum(rejected)) / total, sum(kept) / len(kept), sum(rejected) / len(rejected)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args(argv)
    if not args.data.is_file():
        print(f"No data file at {args.data}", file=sys.stderr)
        return 2
    records = load(args.data, args.limit)
    tune = pairs(records[0::2])
    held = pairs(records[1::2])
    best = max((t / 100 for t in range(5, 100)), key=lambda t: accuracy(tune, t)[0])
    print(f"{len(records)} papers: {len(tune)} pairs to tune on, {len(held)} held out")
    print(f"{'threshold':<22} {'half':<9} {'accuracy':>8} {'kept':>6} {'rejected':>9}")
    for name, threshold in ((f"product {MIN_SUPPORT:.2f}", MIN_SUPPORT), (f"best on tuning {best:.2f}", best)):
        for half, scored in (("tuning", tune), ("held-out", held)):
            acc, kept, rejected = accuracy(scored, threshold)
            print(f"{name:<22} {half:<9} {100 * acc:7.1f}% {100 * kept:5.1f}% {100 * rejected:8.1f}%")
    supported = sorted(s for s, ok in tune + held if ok)
    unrelated = sorted(s for s, ok in tune + held if not ok)
    print(
        f"support of own summaries: min {supported[0]:.2f}, median {supported[len(supported) // 2]:.2f}; "
        f"of another paper's abstract: median {unrelated[len(unrelated) // 2]:.2f}, max {unrelated[-1]:.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
