"""Clause flags: precision, recall and F1 of the rule-based detector against CUAD's labels.

    python bench/clauses.py --data ../shared/corpus/contracts [--split heldout|tune|all] [--errors] [--json]

``DIR`` holds ``txt/`` (the contracts) and ``master_clauses_subset.csv`` (CUAD's rows for them). Each
contract and category is one judgement: flagged or not, against the category's ``-Answer`` column
(Yes/No). Indemnification has no CUAD label and is left out; the last row is the micro average.

``--split`` picks contracts by a hash of their file name (:func:`split_of`, about 60 % ``tune``): rules
are only ever checked against ``tune`` contracts while they are written, so ``heldout`` is the figure
that says how they carry to contracts nobody looked at. ``--errors`` lists each miss and false flag
with the sentence that fired (for tuning contracts only: held-out errors stay unread).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
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


def split_of(filename: str) -> str:
    """``"tune"`` or ``"heldout"``, fixed by the contract's file name."""
    return "tune" if hashlib.sha256(Path(filename).stem.encode("utf-8")).digest()[0] % 10 < 6 else "heldout"


def evaluate(data: Path, split: str = "all", errors: bool = False) -> tuple[list[dict[str, Any]], int, float]:
    rows = list(csv.DictReader((data / "master_clauses_subset.csv").open(encoding="utf-8")))
    rows = [r for r in rows if split == "all" or split_of(r["Filename"]) == split]
    counts = {name: {"tp": 0, "fp": 0, "fn": 0, "support": 0} for name, c in CATEGORIES.items() if c.cuad}
    started = time.perf_counter()
    contracts = 0
    for row in rows:
        txt = data / "txt" / (Path(row["Filename"]).stem + ".txt")
        if not txt.is_file():
            continue
        contracts += 1
        found = detect_clauses(txt.read_text(encoding="utf-8", errors="replace"))
        flagged = {f.category for f in found}
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
            if errors and truth != predicted and split_of(row["Filename"]) == "tune":
                fired = next((f.text for f in found if f.category == name), "")
                print(f"{'FN' if truth else 'FP'} {name} in {txt.stem[:50]}: {fired[:300]}", file=sys.stderr)
    seconds = time.perf_counter() - started
    out = [_prf(name, c) for name, c in counts.items()]
    total = {k: sum(c[k] for c in counts.values()) for k in ("tp", "fp", "fn", "support")}
    out.append(_prf("micro", total))
    return out, contracts, seconds


def _prf(name: str, c: dict[str, int]) -> dict[str, Any]:
    p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
    r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {
        "category": name,
        "precision": p,
        "recall": r,
        "f1": f,
        "support": c["support"],
        "tp": c["tp"],
        "fp": c["fp"],
        "fn": c["fn"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--split", choices=("heldout", "tune", "all"), default="all")
    parser.add_argument("--errors", action="store_true", help="list the tuning contracts' errors on stderr")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not (args.data / "master_clauses_subset.csv").is_file():
        print(f"No master_clauses_subset.csv in {args.data}", file=sys.stderr)
        return 2
    rows, contracts, seconds = evaluate(args.data, args.split, args.errors)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(
        f"{contracts} contracts ({args.split} split), rule-based detector, judged per contract and category "
        f"({seconds:.2f} s)"
    )
    print(f"{'category':<28} {'P':>5} {'R':>5} {'F1':>5} {'support':>7}  tp fp fn")
    for r in rows:
        print(
            f"{r['category']:<28} {r['precision']:5.2f} {r['recall']:5.2f} {r['f1']:5.2f} {r['support']:7d}"
            f"  {r['tp']:2d} {r['fp']:2d} {r['fn']:2d}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
