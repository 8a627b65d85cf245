"""Learn the extractive ranker's weights from the tuning part of the ScisummNet dev set.

    python bench/train_ranker.py --data ../shared/corpus/summarization/scisummnet_dev.jsonl [--dry-run]

For every paper that :func:`desktop_app.engine.summarize.ranker.split_of` puts in ``"tune"`` (the
held-out papers are never read), the body is cut and judged exactly as the product does
(:func:`desktop_app.engine.summarize.extractive.analyze`), and the candidates a greedy ROUGE-2 oracle
picks against the abstract (up to 150 words) become the positive labels. A logistic regression with
L2 penalty and balanced classes is fitted by gradient descent on the standardised features; then a
coordinate ascent adjusts the weights one at a time to what the product is judged by, the ROUGE-2 of
the 150-word summary that MMR picks with them (still on the tuning papers only). The result is written to
``desktop_app/engine/summarize/ranker_weights.py`` (unless ``--dry-run``).

Deterministic: the same data gives the same weights.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from nltk.stem import porter
from numpy.typing import NDArray
from rouge_score import tokenize as rouge_tokenize
from rouge_score.rouge_scorer import _create_ngrams

from desktop_app.engine.summarize.extractive import analyze, mmr_order
from desktop_app.engine.summarize.ranker import FEATURES, features

sys.path.insert(0, str(Path(__file__).resolve().parent))
import quality

WEIGHTS_FILE = Path(__file__).resolve().parents[1] / "desktop_app" / "engine" / "summarize" / "ranker_weights.py"
_STEMMER = porter.PorterStemmer()


def bigrams(text: str) -> Counter[tuple[str, ...]]:
    return _create_ngrams(rouge_tokenize.tokenize(text, _STEMMER), 2)


def oracle(sentences: list[str], abstract: str, words: int = 150) -> set[int]:
    """Greedy: add the sentence that raises ROUGE-2 F1 most, while it rises and the budget lasts."""
    target = bigrams(abstract)
    total_target = max(1, sum(target.values()))
    grams = [bigrams(s) for s in sentences]
    chosen: set[int] = set()
    current: Counter[tuple[str, ...]] = Counter()
    best = 0.0
    used = 0
    while used < words:
        pick, pick_score = -1, best
        for i, g in enumerate(grams):
            if i in chosen or not g:
                continue
            merged = current + g
            overlap = sum((merged & target).values())
            p = overlap / max(1, sum(merged.values()))
            r = overlap / total_target
            f = 2 * p * r / (p + r) if p + r else 0.0
            if f > pick_score:
                pick, pick_score = i, f
        if pick < 0:
            break
        chosen.add(pick)
        current += grams[pick]
        best = pick_score
        used += len(sentences[pick].split())
    return chosen


def dataset(records: list[dict[str, Any]]) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]:
    xs, ys, groups = [], [], []
    for g, rec in enumerate(records):
        analysis = analyze(quality.body_text(rec))
        sentences = [analysis.sentence(i) for i in analysis.candidates]
        if not sentences:
            continue
        cand = features(sentences, analysis.sections, analysis.section_titles, rec["title"])
        labels = oracle(sentences, rec["abstract"])
        xs.append(cand.matrix)
        ys.append(np.array([1.0 if i in labels else 0.0 for i in range(len(sentences))]))
        groups.append(np.full(len(sentences), g))
    return np.vstack(xs), np.concatenate(ys), np.concatenate(groups)


def fit(x: NDArray[np.float64], y: NDArray[np.float64], l2: float = 1.0,
        steps: int = 3000, rate: float = 0.5) -> tuple[NDArray[np.float64], float]:
    """Balanced logistic regression by full-batch gradient descent."""
    n, d = x.shape
    positives = max(1.0, float(y.sum()))
    sample = np.where(y > 0, n / (2 * positives), n / (2 * max(1.0, n - positives)))
    w = np.zeros(d)
    b = 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(x @ w + b)))
        err = (p - y) * sample
        w -= rate * (x.T @ err / n + l2 * w / n)
        b -= rate * float(err.mean())
    return w, b


class Paper:
    """One tuning paper prepared for fast scoring: features, word sets, and ROUGE-2 material."""

    def __init__(self, rec: dict[str, Any]) -> None:
        analysis = analyze(quality.body_text(rec))
        self.sentences = [analysis.sentence(i) for i in analysis.candidates]
        cand = features(self.sentences, analysis.sections, analysis.section_titles, rec["title"])
        self.matrix = cand.matrix
        self.token_sets = [set(t) for t in cand.tokens]
        self.tokens = [rouge_tokenize.tokenize(s, _STEMMER) for s in self.sentences]
        self.target = bigrams(rec["abstract"])

    def rouge2(self, values: NDArray[np.float64], words: int = 150) -> float:
        """ROUGE-2 F1 of the summary the product would pick with these scores, cut at ``words``."""
        low, high = float(values.min()), float(values.max())
        unit = (values - low) / (high - low) if high > low else np.ones_like(values)
        picked: list[str] = []
        left = words
        for j in mmr_order(self.token_sets, unit, 12):
            picked.extend(self.tokens[j][: max(0, left)])
            left -= len(self.sentences[j].split())
            if left <= 0:
                break
        grams = _create_ngrams(picked, 2)
        overlap = sum((grams & self.target).values())
        p = overlap / max(1, sum(grams.values()))
        r = overlap / max(1, sum(self.target.values()))
        return 2 * p * r / (p + r) if p + r else 0.0


def mean_rouge2(papers: list[Paper], mean: NDArray[np.float64], scale: NDArray[np.float64],
                w: NDArray[np.float64]) -> float:
    return float(np.mean([p.rouge2(((p.matrix - mean) / scale) @ w) for p in papers if p.sentences]))


def ascend(papers: list[Paper], mean: NDArray[np.float64], scale: NDArray[np.float64],
           w: NDArray[np.float64], rounds: int = 3) -> NDArray[np.float64]:
    """Coordinate ascent on the tuning papers' ROUGE-2 at 150 words, from the logistic solution."""
    best = mean_rouge2(papers, mean, scale, w)
    print(f"  logistic start: ROUGE-2 {100 * best:.2f} on the tuning papers")
    step = max(0.25, float(np.abs(w).mean()))
    for r in range(rounds):
        for j in range(len(w)):
            for delta in (-2 * step, -step, -step / 2, step / 2, step, 2 * step):
                trial = w.copy()
                trial[j] += delta
                score = mean_rouge2(papers, mean, scale, trial)
                if score > best + 1e-5:
                    best, w = score, trial
        print(f"  round {r + 1}: ROUGE-2 {100 * best:.2f}")
        step /= 2
    return w


def write(mean: NDArray[np.float64], scale: NDArray[np.float64], w: NDArray[np.float64], b: float,
          *, papers: int, rows: int, positives: int) -> None:
    def floats(values: NDArray[np.float64]) -> str:
        return "[\n" + "".join(f"    {v:.6f},  # {name}\n" for v, name in zip(values, FEATURES, strict=True)) + "]"

    WEIGHTS_FILE.write_text(
        '"""Weights of the sentence ranker of :mod:`.ranker`, written by ``bench/train_ranker.py``.\n\n'
        f"Learned on the {papers} tuning papers of the ScisummNet dev set ({rows} candidate sentences, "
        f"{positives}\noracle-picked). Do not edit by hand: run the script again.\n"
        '"""\n\n'
        f"MEAN = {floats(mean)}\n"
        f"SCALE = {floats(scale)}\n"
        f"WEIGHTS = {floats(w)}\n"
        f"BIAS = {b:.6f}\n",
        encoding="utf-8",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--l2", type=float, default=1.0)
    parser.add_argument("--no-ascent", action="store_true", help="keep the logistic weights as they are")
    parser.add_argument("--dry-run", action="store_true", help="print the weights, do not write them")
    args = parser.parse_args(argv)
    if not args.data.is_file():
        print(f"No data file at {args.data}", file=sys.stderr)
        return 2
    records = quality.load(args.data, None, "tune")
    x, y, _groups = dataset(records)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    w, b = fit((x - mean) / scale, y, args.l2)
    if not args.no_ascent:
        w = ascend([Paper(rec) for rec in records], mean, scale, w)
    print(f"{len(records)} tuning papers, {len(y)} candidates, {int(y.sum())} oracle-picked")
    for name, weight in sorted(zip(FEATURES, w, strict=True), key=lambda t: -abs(t[1])):
        print(f"  {name:<20} {weight:+.3f}")
    if not args.dry_run:
        write(mean, scale, w, b, papers=len(records), rows=len(y), positives=int(y.sum()))
        print(f"written to {WEIGHTS_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
