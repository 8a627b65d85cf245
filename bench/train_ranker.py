"""Learn the extractive ranker's weights from the tuning part of the ScisummNet dev set.

    python bench/train_ranker.py --data ../shared/corpus/summarization/scisummnet_dev.jsonl [--dry-run]

For every paper that :func:`desktop_app.engine.summarize.ranker.split_of` puts in ``"tune"`` (the
held-out papers are never read), the body is cut and judged exactly as the product does
(:func:`desktop_app.engine.summarize.extractive.analyze`), and the candidates a greedy ROUGE-2 oracle
picks against the abstract (up to 150 words) become the positive labels. The features are computed
over all the candidates, as the product does; the candidates the product turns down when their turn
comes (:meth:`~desktop_app.engine.summarize.extractive.Analysis.admits`) are neither picked by the
oracle nor rows of the fit. A logistic regression with balanced classes is fitted by gradient descent
on the standardised features; its L2 penalty is the one whose fits give the best ROUGE-2 at 150 words
(the summary MMR picks with them) on the tuning papers left out of the fit, in 3-fold
cross-validation by paper. The result is written to
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
L2_GRID = (1.0, 10.0, 100.0, 1000.0, 10000.0)


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


def dataset(papers: list[Paper]) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]:
    """Feature rows, oracle labels and the paper index of every candidate sentence."""
    xs, ys, groups = [], [], []
    for g, paper in enumerate(papers):
        if not paper.sentences:
            continue
        keep = np.flatnonzero(paper.admitted)
        labels = oracle(
            [s if ok else "" for s, ok in zip(paper.sentences, paper.admitted, strict=True)], paper.abstract
        )
        xs.append(paper.matrix[keep])
        ys.append(np.array([1.0 if i in labels else 0.0 for i in keep]))
        groups.append(np.full(len(keep), g))
    return np.vstack(xs), np.concatenate(ys), np.concatenate(groups)


def fit(
    x: NDArray[np.float64], y: NDArray[np.float64], l2: float = 1.0, steps: int = 3000, rate: float = 0.5
) -> tuple[NDArray[np.float64], float]:
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
        # What the product would turn down when its turn came (judged lazily there): never picked,
        # so never a label.
        self.admitted = [analysis.admits(j) for j in range(len(analysis.candidates))]
        cand = features(self.sentences, analysis.sections, analysis.section_titles, rec["title"])
        self.matrix = cand.matrix
        self.token_sets = [set(t) for t in cand.tokens]
        self.tokens = [rouge_tokenize.tokenize(s, _STEMMER) for s in self.sentences]
        self.abstract = rec["abstract"]
        self.target = bigrams(self.abstract)

    def rouge2(self, values: NDArray[np.float64], words: int = 150) -> float:
        """ROUGE-2 F1 of the summary the product would pick with these scores, cut at ``words``."""
        low, high = float(values.min()), float(values.max())
        unit = (values - low) / (high - low) if high > low else np.ones_like(values)
        picked: list[str] = []
        left = words
        for j in mmr_order(self.token_sets, unit, 12, admit=self.admitted.__getitem__):
            picked.extend(self.tokens[j][: max(0, left)])
            left -= len(self.sentences[j].split())
            if left <= 0:
                break
        grams = _create_ngrams(picked, 2)
        overlap = sum((grams & self.target).values())
        p = overlap / max(1, sum(grams.values()))
        r = overlap / max(1, sum(self.target.values()))
        return 2 * p * r / (p + r) if p + r else 0.0


def mean_rouge2(
    papers: list[Paper], mean: NDArray[np.float64], scale: NDArray[np.float64], w: NDArray[np.float64]
) -> float:
    return float(np.mean([p.rouge2(((p.matrix - mean) / scale) @ w) for p in papers if p.sentences]))


def choose_l2(
    papers: list[Paper], x: NDArray[np.float64], y: NDArray[np.float64], groups: NDArray[np.int64], folds: int = 3
) -> float:
    """The L2 penalty whose fits score best on the tuning papers they were not fitted on (k-fold by paper)."""
    best, best_score = 1.0, -1.0
    for l2 in L2_GRID:
        scores = []
        for k in range(folds):
            train = groups % folds != k
            mean, scale = standardise(x[train])
            w, _b = fit((x[train] - mean) / scale, y[train], l2)
            scores.append(mean_rouge2([p for g, p in enumerate(papers) if g % folds == k], mean, scale, w))
        score = float(np.mean(scores))
        print(f"  L2 {l2:g}: ROUGE-2 {100 * score:.2f} on unseen folds of the tuning papers")
        if score > best_score:
            best, best_score = l2, score
    return best


def standardise(x: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    return mean, scale


def write(
    mean: NDArray[np.float64],
    scale: NDArray[np.float64],
    w: NDArray[np.float64],
    b: float,
    *,
    papers: int,
    rows: int,
    positives: int,
) -> None:
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
    parser.add_argument("--l2", type=float, default=None, help="L2 penalty (default: chosen by 3-fold CV)")
    parser.add_argument("--dry-run", action="store_true", help="print the weights, do not write them")
    args = parser.parse_args(argv)
    if not args.data.is_file():
        print(f"No data file at {args.data}", file=sys.stderr)
        return 2
    records = quality.load(args.data, None, "tune")
    papers = [Paper(rec) for rec in records]
    x, y, groups = dataset(papers)
    l2 = args.l2 if args.l2 is not None else choose_l2(papers, x, y, groups)
    mean, scale = standardise(x)
    w, b = fit((x - mean) / scale, y, l2)
    print(f"  chosen L2 {l2:g}: ROUGE-2 {100 * mean_rouge2(papers, mean, scale, w):.2f} on the tuning papers")
    print(f"{len(records)} tuning papers, {len(y)} candidates, {int(y.sum())} oracle-picked")
    for name, weight in sorted(zip(FEATURES, w, strict=True), key=lambda t: -abs(t[1])):
        print(f"  {name:<20} {weight:+.3f}")
    if not args.dry_run:
        write(mean, scale, w, b, papers=len(records), rows=len(y), positives=int(y.sum()))
        print(f"written to {WEIGHTS_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
