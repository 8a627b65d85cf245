"""Summary quality: the built-in extractive backend beside Lead, sumy's LexRank, LSA and TextRank.

With ``--backend openai|ollama --endpoint URL [--model M]`` it measures an LLM server instead (bench/quality_llm.py).

    python bench/quality.py --data ../shared/corpus/summarization/scisummnet_dev.jsonl \
        [--words 150] [--split heldout|tune|all] [--methods builtin,lead,...] [--limit N] [--json]

Reads records like ScisummNet's (``title``, ``sections[].sentences``, ``abstract``, ``human_summary``),
skips bodies under 1,000 words and empty references, and gives every method the same documents and
the same budget: ``--words N`` words (sentences taken in each method's rank order, the last one cut at
the budget), or ``--sentences K`` when no word budget is given. It prints ROUGE-1/2/L F1 (rouge-score,
Porter stemming) against the abstract and the human summary, the processor seconds per paper, and how many
selected sentences fall in a junk class of :mod:`desktop_app.engine.summarize.hygiene` (headings,
author blocks, e-mail/URL lines, references, table rows, captions, formulas, running headers, page
numbers).

``--split`` picks papers by a hash of their id (:func:`desktop_app.engine.summarize.ranker.split_of`):
the ranker's weights are learned on ``tune`` (about 60 %) only, so ``heldout`` is the figure that counts.

sumy needs no NLTK data here: its document model is built from the sentences we pass in (the
dataset's own split) with a regex word tokenizer, so punkt is never loaded. The built-in backend gets
the body as plain text (sections as paragraphs, headed by their titles as a PDF would show them) and
splits sentences itself, as in the product.
"""

from __future__ import annotations

import argparse
import gc
import json
import re
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from rouge_score import rouge_scorer

from desktop_app.engine.summarize.base import SummaryRequest
from desktop_app.engine.summarize.extractive import ExtractiveSummarizer
from desktop_app.engine.summarize.hygiene import junk_kind
from desktop_app.engine.summarize.ranker import split_of

_WORDS = re.compile(r"[^\W_]+", re.UNICODE)
Ranked = Callable[[dict[str, Any]], list[str]]


class _RegexTokenizer:
    """The two methods sumy's document model calls; no NLTK data needed."""

    language = "english"

    def to_sentences(self, paragraph: str) -> list[str]:
        return [paragraph]

    def to_words(self, sentence: str) -> list[str]:
        return _WORDS.findall(sentence)


def load(path: Path, limit: int | None, split: str = "all") -> list[dict[str, Any]]:
    records = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            if rec.get("body_words", 0) < 1000 or not rec.get("abstract") or not rec.get("human_summary"):
                continue
            if split != "all" and split_of(rec["id"]) != split:
                continue
            records.append(rec)
            if limit and len(records) >= limit:
                break
    return records


def sentences_of(rec: dict[str, Any]) -> list[str]:
    return [s for sec in rec["sections"] for s in sec["sentences"] if s.strip()]


def body_text(rec: dict[str, Any]) -> str:
    """The body as a chapter's text: each section's title on its own line, then its sentences."""
    parts = []
    for sec in rec["sections"]:
        text = " ".join(s for s in sec["sentences"] if s.strip())
        parts.append(f"{sec['title']}\n\n{text}" if sec.get("title") else text)
    return "\n\n".join(parts)


def budget(ranked: Sequence[str], words: int | None, sentences: int) -> str:
    """The first sentences of a ranked list within the budget, the last one cut at the word limit."""
    if words is None:
        return " ".join(ranked[:sentences])
    out: list[str] = []
    left = words
    for sentence in ranked:
        tokens = sentence.split()
        out.append(" ".join(tokens[:left]))
        left -= len(tokens)
        if left <= 0:
            break
    return " ".join(out)


def lead(rec: dict[str, Any]) -> list[str]:
    return sentences_of(rec)


def make_sumy(kind: str) -> Ranked:
    from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
    from sumy.nlp.stemmers import Stemmer
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.summarizers.lsa import LsaSummarizer
    from sumy.summarizers.text_rank import TextRankSummarizer
    from sumy.utils import get_stop_words

    classes = {"lexrank": LexRankSummarizer, "lsa": LsaSummarizer, "textrank": TextRankSummarizer}
    summarizer = classes[kind](Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    tokenizer = _RegexTokenizer()

    def run(rec: dict[str, Any]) -> list[str]:
        doc = ObjectDocumentModel(
            [Paragraph([Sentence(s, tokenizer) for s in sec["sentences"] if s.strip()]) for sec in rec["sections"]]
        )
        ranked: list[str] = []

        def keep_all(infos: list[Any]) -> list[Any]:  # sumy hands over its infos sorted by rating
            ranked.extend(str(i.sentence) for i in infos)
            return infos

        summarizer(doc, keep_all)
        return ranked

    return run


def make_builtin() -> Ranked:
    backend = ExtractiveSummarizer()

    def run(rec: dict[str, Any]) -> list[str]:
        request = SummaryRequest(text=body_text(rec), title=rec["title"], max_sentences=12, want_clauses=False)
        return [s.text for s in backend.ranked(request)]

    return run


def make_oracle(words: int) -> Ranked:
    """Greedy ROUGE-2 oracle over the body sentences: the ceiling any extractive method can reach.

    It adds the sentence that raises ROUGE-2 F1 against the abstract most (bigrams of rouge-score's own
    tokens and Porter stems), while it rises and the budget lasts.
    """
    from nltk.stem import porter
    from rouge_score import tokenize as rouge_tokenize
    from rouge_score.rouge_scorer import _create_ngrams

    stemmer = porter.PorterStemmer()

    def run(rec: dict[str, Any]) -> list[str]:
        pool = [s for s in sentences_of(rec) if len(s.split()) >= 5]
        grams = [_create_ngrams(rouge_tokenize.tokenize(s, stemmer), 2) for s in pool]
        target = _create_ngrams(rouge_tokenize.tokenize(rec["abstract"], stemmer), 2)
        chosen: list[int] = []
        current: Any = _create_ngrams([], 2)
        best = 0.0
        while sum(len(pool[i].split()) for i in chosen) < words:
            pick, pick_score = -1, best
            for i, g in enumerate(grams):
                if i in chosen or not g:
                    continue
                merged = current + g
                overlap = sum((merged & target).values())
                p = overlap / max(1, sum(merged.values()))
                r = overlap / max(1, sum(target.values()))
                f = 2 * p * r / (p + r) if p + r else 0.0
                if f > pick_score:
                    pick, pick_score = i, f
            if pick < 0:
                break
            chosen.append(pick)
            current = current + grams[pick]
            best = pick_score
        return [pool[i] for i in chosen]

    return run


METHODS = ("builtin", "lead", "lexrank", "lsa", "textrank", "oracle")


def evaluate(
    records: Sequence[dict[str, Any]], words: int | None, sentences: int, methods_wanted: Sequence[str] = METHODS[:-1]
) -> list[dict[str, Any]]:
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    factories: dict[str, tuple[str, Callable[[], Ranked]]] = {
        "builtin": ("chapterwise extractive", make_builtin),
        "lead": ("Lead", lambda: lead),
        "lexrank": ("sumy LexRank", lambda: make_sumy("lexrank")),
        "lsa": ("sumy LSA", lambda: make_sumy("lsa")),
        "textrank": ("sumy TextRank", lambda: make_sumy("textrank")),
        "oracle": ("oracle (greedy R-2)", lambda: make_oracle(words or 150)),
    }
    methods = {factories[m][0]: factories[m][1]() for m in methods_wanted}
    # Processor time of this process, paper by paper with the methods taking turns: a busy machine's
    # load then weighs on every method alike instead of on whichever ran while it was busiest.
    cpu = dict.fromkeys(methods, 0.0)
    outputs_of: dict[str, list[list[str]]] = {name: [] for name in methods}
    for rec in records:
        for name, method in methods.items():
            started = time.process_time()
            outputs_of[name].append(method(rec))
            cpu[name] += time.process_time() - started
    rows = []
    for name in methods:
        ranked = outputs_of[name]
        seconds = cpu[name] / max(1, len(records))
        outputs = [budget(r, words, sentences) for r in ranked]
        picked = [_picked(r, words, sentences) for r in ranked]
        junk = sum(1 for sents in picked for s in sents if junk_kind(s) is not None)
        for reference in ("abstract", "human"):
            key = "abstract" if reference == "abstract" else "human_summary"
            totals = {"rouge1": 0.0, "rouge2": 0.0, "rougeL": 0.0}
            for rec, out in zip(records, outputs, strict=True):
                scores = scorer.score(rec[key], out)
                for metric in totals:
                    totals[metric] += scores[metric].fmeasure
            n = max(1, len(records))
            rows.append(
                {
                    "method": name,
                    "reference": reference,
                    **{m: v / n for m, v in totals.items()},
                    "seconds_per_paper": seconds,
                    "junk": junk,
                    "sentences": sum(len(p) for p in picked),
                }
            )
    return rows


def _picked(ranked: Sequence[str], words: int | None, sentences: int) -> list[str]:
    if words is None:
        return list(ranked[:sentences])
    out: list[str] = []
    total = 0
    for sentence in ranked:
        out.append(sentence)
        total += len(sentence.split())
        if total >= words:
            break
    return out


def main(argv: list[str] | None = None) -> int:
    args_in = sys.argv[1:] if argv is None else argv
    if "--backend" in args_in or any(a.startswith("--backend=") for a in args_in):
        # An LLM backend at an endpoint, beside the built-in one: bench/quality_llm.py.
        sys.path.insert(0, str(Path(__file__).parent))
        import quality_llm

        return int(quality_llm.main(list(args_in)))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--words", type=int, default=None, help="word budget of every method (cut in rank order)")
    parser.add_argument("--sentences", type=int, default=5, help="sentence budget when --words is not given")
    parser.add_argument("--split", choices=("heldout", "tune", "all"), default="heldout")
    parser.add_argument(
        "--methods", default=",".join(METHODS[:-1]), help=f"comma-separated, of {', '.join(METHODS)} (oracle is slow)"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not args.data.is_file():
        print(f"No data file at {args.data}", file=sys.stderr)
        return 2
    if args.words is not None and args.words < 1:
        print("--words must be a positive number of words", file=sys.stderr)
        return 2
    wanted = [m.strip() for m in args.methods.split(",") if m.strip()]
    unknown = [m for m in wanted if m not in METHODS]
    if unknown:
        print(f"Unknown method {unknown[0]!r}: choose among {', '.join(METHODS)}", file=sys.stderr)
        return 2
    records = load(args.data, args.limit, args.split)
    gc.freeze()  # the loaded papers are no method's garbage: collections need not walk them during the timing
    rows = evaluate(records, args.words, args.sentences, wanted)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    size = f"{args.words} words" if args.words else f"{args.sentences} sentences"
    print(f"{len(records)} documents ({args.split} split), {size} per summary, ROUGE F1 (x100)")
    print(f"{'method':<24} {'reference':<9} {'R-1':>6} {'R-2':>6} {'R-L':>6} {'cpu s/doc':>9} {'junk':>9}")
    for r in rows:
        print(
            f"{r['method']:<24} {r['reference']:<9} {100 * r['rouge1']:6.2f} {100 * r['rouge2']:6.2f} "
            f"{100 * r['rougeL']:6.2f} {r['seconds_per_paper']:9.4f} {r['junk']:4d}/{r['sentences']:<4d}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
