"""Does a focus steer the built-in summarizer? One table over the ScisummNet papers.

For each paper (body of at least 1,000 words, three or more titled sections), the focus is the title of its
middle section; the table counts the focus's words (and their variants) in a 5-sentence summary made with
and without that focus.

Run: ``python bench/focus.py [--data ../shared/corpus/summarization/scisummnet_dev.jsonl] [--json]``
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

from desktop_app.engine.summarize.base import SummaryRequest
from desktop_app.engine.summarize.extractive import ExtractiveSummarizer, _same_word, tokenize

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "summarization" / "scisummnet_dev.jsonl"


def focus_hits(summary: str, focus: str) -> int:
    wanted = tokenize(focus)
    return sum(1 for token in tokenize(summary) if any(_same_word(w, token) for w in wanted))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    summarizer = ExtractiveSummarizer()
    plain, focused = [], []
    for line in args.data.read_text(encoding="utf-8").splitlines():
        paper = json.loads(line)
        sections = [s for s in paper["sections"] if s.get("title") and tokenize(s["title"])]
        if paper.get("body_words", 0) < 1000 or len(sections) < 3:
            continue
        focus = sections[len(sections) // 2]["title"]
        text = "\n\n".join(" ".join(s["sentences"]) for s in paper["sections"])
        plain.append(focus_hits(summarizer.summarize(SummaryRequest(text=text)).summary, focus))
        focused.append(focus_hits(summarizer.summarize(SummaryRequest(text=text, focus=focus)).summary, focus))
    rows = [
        {
            "summary": "without focus",
            "papers": len(plain),
            "mean_focus_terms": statistics.mean(plain),
            "papers_with_any": sum(1 for p in plain if p),
        },
        {
            "summary": "with focus",
            "papers": len(focused),
            "mean_focus_terms": statistics.mean(focused),
            "papers_with_any": sum(1 for f in focused if f),
        },
    ]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"{'summary':<15} {'papers':>6} {'focus terms (mean)':>19} {'papers with any':>16}")
    for r in rows:
        print(f"{r['summary']:<15} {r['papers']:>6} {r['mean_focus_terms']:>19.2f} {r['papers_with_any']:>16}")
    better = sum(f > p for f, p in zip(focused, plain, strict=True))
    print(
        f"\nfocused summary has more focus terms in {better} of {len(plain)} papers, fewer in "
        f"{sum(f < p for f, p in zip(focused, plain, strict=True))}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
