"""Clause flags: precision, recall and F1 of the rule-based detector against CUAD's labels.

    python bench/clauses.py --data ../shared/corpus/contracts [--json]

``DIR`` holds ``txt/`` (the contracts) and ``master_clauses_subset.csv`` (CUAD's rows for them). Each
contract and category is one judgement: flagged or not, against the category's ``-Answer`` column
(Yes/No). Indemnification has no CUAD label and is left out; the last row is the micro average.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path
from typing import Any

from desktop_app.engine.summarize.clauses import CATEGORIES, detect_clauses


def answer_column(row: dict[str, str], cuad: str) -> str | None:
    for key in row:
        if key.replace(" ", "").lower() == f"{cuad}-Answer".replace(" ", "").lower():
            return key
    return None


def evaluate(data: Path) -> tuple[list[dict[str, Any]], int, float]:
    rows = list(csv.DictReader((data / "master_clauses_subset.csv").open(encoding="utf-8")))
    counts = {name: {"tp": 0, "fp": 0, "fn": 0, "support": 0} for name, c in CATEGORIES.items() if c.cuad}
    started = time.perf_counter()
    contracts = 0
    for row in rows:
        txt = data / "txt" / (Path(row["Filename"]).stem + ".txt")
        if not txt.is_file():
            continue
        contracts += 1
        flagged = {f.category for f in detect_clauses(txt.read_text(encoding="utf-8", errors="replace"))}
        for name, c in counts.items():
            cuad = CATEGORIES[name].cuad
            column = answer_column(row, cuad or "")
            if column is None:
                continue
            # Yes/No for most categories; the answer itself (a term, a state) for Renewal Term and
            # Governing Law, where an empty answer means the contract has no such clause.
            truth = row[column].strip().lower() not in ("", "no")
            predicted = name in flagged
            c["support"] += truth
            c["tp"] += truth and predicted
            c["fp"] += predicted and not truth
            c["fn"] += truth and not predicted
    seconds = time.perf_counter() - started
    out = [_prf(name, c) for name, c in counts.items()]
    total = {k: sum(c[k] for c in counts.values()) for k in ("tp", "fp", "fn", "support")}
    out.append(_prf("micro", total))
    return out, contracts, seconds


def _prf(name: str, c: dict[str, int]) -> dict[str, Any]:
    p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
    r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"category": name, "precision": p, "recall": r, "f1": f, "support": c["support"],
            "tp": c["tp"], "fp": c["fp"], "fn": c["fn"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not (args.data / "master_clauses_subset.csv").is_file():
        print(f"No master_clauses_subset.csv in {args.data}", file=sys.stderr)
        return 2
    rows, contracts, seconds = evaluate(args.data)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"{contracts} contracts, rule-based detector, judged per contract and category ({seconds:.2f} s)")
    print(f"{'category':<28} {'P':>5} {'R':>5} {'F1':>5} {'support':>7}  tp fp fn")
    for r in rows:
        print(f"{r['category']:<28} {r['precision']:5.2f} {r['recall']:5.2f} {r['f1']:5.2f} {r['support']:7d}"
              f"  {r['tp']:2d} {r['fp']:2d} {r['fn']:2d}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
