"""How a written summary is grounded: the ScisummNet papers' own abstracts and human summaries, aligned to their bodies.

Each paper's abstract and human summary are what a model's answer is to the product: split into sentences and
each sentence aligned to its best-supporting passage of the body (``pipeline.work.ground``, as the pipeline
grounds a model's summary). People wrote them from the paper, so nearly every sentence should find support; the
table counts the sentences, those under the support threshold (marked "the chapter does not say this" in the
window), their mean support, and the sentences of fewer than four words (pieces cut from a longer one, such as
"1." of "1.2 million").

Run: ``python bench/grounding.py [--data ../shared/corpus/summarization/scisummnet_dev.jsonl] [--json]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from quality import body_text, load  # the quality bench's reading of the papers

from desktop_app.engine.pipeline.work import ground
from desktop_app.engine.summarize.base import SummarySentence
from desktop_app.engine.summarize.grounding import is_unsupported

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "summarization" / "scisummnet_dev.jsonl"


def measure(records: list[dict[str, Any]], key: str) -> dict[str, Any]:
    sentences: list[SummarySentence] = []
    for record in records:
        written = record[key]
        text = written if isinstance(written, str) else " ".join(map(str, written))
        sentences.extend(ground(text, body_text(record)))
    unsupported = sum(1 for s in sentences if is_unsupported(s))
    return {
        "summary": key.replace("_", " "),
        "papers": len(records),
        "sentences": len(sentences),
        "unsupported": unsupported,
        "unsupported_pct": round(100.0 * unsupported / max(1, len(sentences)), 1),
        "mean_support": round(statistics.mean(s.support or 0.0 for s in sentences), 3) if sentences else 0.0,
        "under_4_words": sum(1 for s in sentences if len(s.text.split()) < 4),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not args.data.is_file():
        print(f"No data at {args.data}: the ScisummNet file of the shared corpus is needed.", file=sys.stderr)
        return 2
    records = load(args.data, None, "all")
    rows = [measure(records, key) for key in ("abstract", "human_summary")]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print("| summary | papers | sentences | unsupported | mean support | under 4 words |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['summary']} | {row['papers']} | {row['sentences']} | {row['unsupported']} "
            f"({row['unsupported_pct']} %) | {row['mean_support']} | {row['under_4_words']} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
