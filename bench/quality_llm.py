"""Summary quality of an LLM backend at an endpoint, beside the built-in extractive backend.

    python bench/quality.py --data … --limit 20 --backend openai --endpoint http://127.0.0.1:8080 [--model M]

With ``--backend openai|ollama`` the LLM (through the product's whole stack: capacity learned, chunking,
completion mode for base models, grounding check; no cache, no fallback) is measured beside the extractive
backend only, with seconds per document, the share of summary sentences the text supports (plain word
overlap, as the product checks), tokens in and out, and how many documents failed (and why).

Reads records like ScisummNet's (``title``, ``sections[].sentences``, ``abstract``, ``human_summary``),
skips bodies under 1,000 words and empty references, gives every method the same documents and the
same length budget (``--sentences``, default 5), and prints ROUGE-1/2/L F1 (rouge-score, Porter
stemming) against the abstract and against the human summary, with the seconds each method took.

sumy needs no NLTK data here: its document model is built from the sentences we pass in (the
dataset's own split) with a regex word tokenizer, so punkt is never loaded. The built-in backend gets
the body as plain text (sections as paragraphs) and splits sentences itself, as in the product.
"""

from __future__ import annotations

import argparse
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

sys.path.insert(0, str(Path(__file__).parent))
from quality import body_text, load

_WORDS = re.compile(r"[^\W_]+", re.UNICODE)


def make_builtin() -> Callable[[dict[str, Any], int], str]:
    backend = ExtractiveSummarizer()

    def run(rec: dict[str, Any], k: int) -> str:
        request = SummaryRequest(text=body_text(rec), title=rec["title"], max_sentences=k, want_clauses=False)
        return backend.summarize(request).summary

    return run


class LLMMethod:
    """The product's LLM backend as a bench method; records tokens, support and failures per document."""

    def __init__(self, backend: str, endpoint: str, model: str, prompt_mode: str, timeout: float) -> None:
        from desktop_app.config import Settings
        from desktop_app.engine.summarize.registry import make_summarizer

        settings = Settings(
            backend=backend,
            endpoints=[endpoint],
            model=model,
            prompt_mode=prompt_mode,  # type: ignore[arg-type]
            cache_enabled=False,
            fallback_to_extractive=False,
            request_timeout=timeout,
            context_tokens=8192,
        )
        self.summarizer = make_summarizer(settings)
        self.name = f"{backend} {self.summarizer.model}"
        self.tokens_in = self.tokens_out = 0
        self.sentences = self.supported = 0
        self.failures: list[str] = []

    def __call__(self, rec: dict[str, Any], k: int) -> str:
        from desktop_app.engine.summarize.base import SummarizerError
        from desktop_app.engine.summarize.extractive import split_sentences
        from desktop_app.engine.summarize.overlap import MIN_SUPPORT, word_support

        body = body_text(rec)
        request = SummaryRequest(text=body, title=rec["title"], max_sentences=k, want_clauses=False)
        try:
            result = self.summarizer.summarize(request)
        except SummarizerError as err:
            self.failures.append(str(err)[:160])
            return ""
        self.tokens_in += result.prompt_tokens or 0
        self.tokens_out += result.completion_tokens or 0
        for sentence in split_sentences(result.summary):
            self.sentences += 1
            self.supported += word_support(sentence, body) >= MIN_SUPPORT
        return result.summary


def evaluate(records: Sequence[dict[str, Any]], k: int, llm: LLMMethod | None = None) -> list[dict[str, Any]]:
    methods: dict[str, Callable[[dict[str, Any], int], str]] = {"chapterwise extractive": make_builtin()}
    if llm is not None:
        methods[llm.name] = llm
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    rows = []
    for name, method in methods.items():
        started = time.perf_counter()
        outputs = []
        for number, rec in enumerate(records, 1):
            outputs.append(method(rec, k))
            if llm is not None and method is llm:  # an LLM run takes minutes a paper: show where it is
                print(
                    f"  {name}: {number}/{len(records)} papers, {time.perf_counter() - started:.0f} s", file=sys.stderr
                )
        seconds = time.perf_counter() - started
        for reference in ("abstract", "human"):
            key = "abstract" if reference == "abstract" else "human_summary"
            totals = {"rouge1": 0.0, "rouge2": 0.0, "rougeL": 0.0}
            for rec, out in zip(records, outputs, strict=True):
                scores = scorer.score(rec[key], out)
                for metric in totals:
                    totals[metric] += scores[metric].fmeasure
            n = max(1, len(records))
            rows.append(
                {"method": name, "reference": reference, **{m: v / n for m, v in totals.items()}, "seconds": seconds}
            )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--sentences", type=int, default=5, help="length budget of every method")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--backend", choices=["openai", "ollama"], required=True, help="the LLM backend to measure")
    parser.add_argument("--endpoint", help="the LLM server's URL (e.g. http://127.0.0.1:8080 for llama-server)")
    parser.add_argument("--model", default="", help="model name (llama-server serves one model whatever the name)")
    parser.add_argument("--prompt-mode", choices=["auto", "chat", "completion"], default="auto")
    parser.add_argument("--timeout", type=float, default=300.0, help="read timeout per request, seconds")
    args = parser.parse_args(argv)
    if not args.data.is_file():
        print(f"No data file at {args.data}", file=sys.stderr)
        return 2
    if args.backend and not args.endpoint:
        print("--backend needs --endpoint (the server's URL)", file=sys.stderr)
        return 2
    records = load(args.data, args.limit, "all")
    llm = LLMMethod(args.backend, args.endpoint, args.model, args.prompt_mode, args.timeout) if args.backend else None
    rows = evaluate(records, args.sentences, llm)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"{len(records)} documents, {args.sentences} sentences per summary, ROUGE F1 (x100)")
    print(f"{'method':<24} {'reference':<9} {'R-1':>6} {'R-2':>6} {'R-L':>6} {'seconds':>8}")
    for r in rows:
        print(
            f"{r['method']:<24} {r['reference']:<9} {100 * r['rouge1']:6.2f} {100 * r['rouge2']:6.2f} "
            f"{100 * r['rougeL']:6.2f} {r['seconds']:8.2f}"
        )
    if llm is not None:
        n = max(1, len(records))
        seconds = next(r["seconds"] for r in rows if r["method"] == llm.name)
        print(
            f"\n{llm.name}: {seconds / n:.1f} s per document; {llm.supported}/{llm.sentences} summary sentences "
            f"supported by the text; {llm.tokens_in / n:.0f} tokens in and {llm.tokens_out / n:.0f} out a document; "
            f"{len(llm.failures)} of {len(records)} failed"
        )
        for reason in sorted(set(llm.failures)):
            print(f"  failed: {reason}")
        llm.summarizer.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
