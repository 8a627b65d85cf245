"""Clause flags: precision, recall and F1 of the rule-based detector against CUAD's labels.

    python bench/clauses.py --data ../shared/corpus/contracts [--split heldout|tune|all] [--errors] [--json]
    python bench/clauses.py --data ../shared/corpus/contracts --loo
    python bench/clauses.py --data ../shared/corpus/contracts --clauses [--split heldout|tune|all]

``DIR`` holds ``txt/`` (the contracts) and ``master_clauses_subset.csv`` (CUAD's rows for them). Each
contract and category is one judgement: flagged or not, against the category's ``-Answer`` column
(Yes/No). Indemnification has no CUAD label and is left out; the last row is the micro average.

``--split`` picks contracts by a hash of their file name (:func:`split_of`, about 60 % ``tune``): rules
are only ever checked against ``tune`` contracts while they are written, so ``heldout`` is the figure
that says how they carry to contracts nobody looked at. ``--errors`` lists each miss and false flag
with the sentence that fired (for tuning contracts only: held-out errors stay unread).

``--clauses`` judges clause by clause, as a reader meets the flags: each contract is read as the app reads it
(parsed into chapters, each chapter's clauses detected), each clause CUAD labels is looked up in its chapter,
and a labelled clause counts as found when a flag of its category overlaps it; a flag counts as right when it
overlaps a labelled clause of its category. A contract-level figure counts a category found even when the
sentence flagged is another one (an arbitration clause for Exclusivity); this one does not. CUAD labels the
clauses of its categories, not every sentence that could be flagged, so the precision here is a floor.

``--loo`` judges each contract left out in turn, two ways side by side: the rules as written, and the
rules with each category's patterns selected on the other contracts (a pattern is dropped when that
raises the category's F1 there). The first says how the rules do contract by contract; the second
whether weighing the patterns on labelled contracts would carry to one it has not seen. Neither makes
the tuning contracts unseen by whoever wrote the rules: the held-out split is the figure for that.
"""

from __future__ import annotations

import argparse
import ast
import csv
import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Any

from desktop_app.engine.ingest import parse_document
from desktop_app.engine.summarize.clauses import CATEGORIES, contract_provisions, detect_clauses, looks_like_contract
from desktop_app.engine.summarize.grounding import find_span


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


def _labelled(value: str) -> list[str]:
    """The clauses of one CUAD cell: a Python list of quotes ("['…', '…']"), or one quote."""
    value = value.strip()
    if not value or value.lower() in ("[]", "no", "yes"):
        return []
    try:
        quotes = ast.literal_eval(value)
    except (ValueError, SyntaxError):
        quotes = [value]
    return [q for q in (quotes if isinstance(quotes, list) else [quotes]) if isinstance(q, str) and q.split()]


def clause_level(data: Path, split: str = "all") -> tuple[list[dict[str, Any]], int, int]:
    """Per-category P/R/F1 clause by clause (see ``--clauses``); also the labelled clauses not found in any
    chapter's text (left out of the counts)."""
    rows = list(csv.DictReader((data / "master_clauses_subset.csv").open(encoding="utf-8")))
    rows = [r for r in rows if split == "all" or split_of(r["Filename"]) == split]
    names = [name for name, c in CATEGORIES.items() if c.cuad]
    counts = {name: {"tp": 0, "fp": 0, "fn": 0, "support": 0} for name in names}
    contracts = unlocated = 0
    for row in rows:
        txt = data / "txt" / (Path(row["Filename"]).stem + ".txt")
        if not txt.is_file():
            continue
        contracts += 1
        chapters = [c.text for c in parse_document(txt).chapters]
        flags = [detect_clauses(text) for text in chapters]
        for name in names:
            column = next(
                (
                    k
                    for k in row
                    if k.replace(" ", "").lower() == (CATEGORIES[name].cuad or "").replace(" ", "").lower()
                ),
                None,
            )
            labelled: list[tuple[int, int, int]] = []  # (chapter, start, end)
            for quote in _labelled(row[column]) if column else []:
                where = next(
                    ((i, span) for i, text in enumerate(chapters) if (span := find_span(quote, text)) is not None), None
                )
                if where is None:
                    unlocated += 1
                    continue
                labelled.append((where[0], *where[1]))
            mine: list[tuple[int, int, int]] = [
                (i, f.start, f.end)
                for i, found in enumerate(flags)
                for f in found
                if f.category == name and f.start is not None and f.end is not None
            ]
            c = counts[name]
            c["support"] += len(labelled)
            found_labels = sum(1 for lab in labelled if any(_overlaps(lab, m) for m in mine))
            c["tp"] += found_labels
            c["fn"] += len(labelled) - found_labels
            c["fp"] += sum(1 for m in mine if not any(_overlaps(m, lab) for lab in labelled))
    out = [_prf(name, c) for name, c in counts.items()]
    total = {k: sum(c[k] for c in counts.values()) for k in ("tp", "fp", "fn", "support")}
    out.append(_prf("micro", total))
    return out, contracts, unlocated


def _overlaps(x: tuple[int, int, int], y: tuple[int, int, int]) -> bool:
    """Two (chapter, start, end) spans that share a character."""
    return x[0] == y[0] and x[1] < y[2] and y[1] < x[2]


def _judgements(data: Path) -> list[tuple[str, dict[str, bool], dict[str, frozenset[int]]]]:
    """Per contract: its name, CUAD's answer per category, and the patterns that fired per category."""
    out = []
    for row in csv.DictReader((data / "master_clauses_subset.csv").open(encoding="utf-8")):
        txt = data / "txt" / (Path(row["Filename"]).stem + ".txt")
        if not txt.is_file():
            continue
        text = txt.read_text(encoding="utf-8", errors="replace")
        truth: dict[str, bool] = {}
        for name, spec in CATEGORIES.items():
            column = answer_column(row, spec.cuad or "") if spec.cuad else None
            if column is not None:
                truth[name] = row[column].strip().lower() not in ("", "no")
        fired: dict[str, frozenset[int]] = {name: frozenset() for name in truth}
        if looks_like_contract(text):
            for _start, _end, provision in contract_provisions(text):
                for name in truth:
                    fired[name] |= CATEGORIES[name].firing(provision)
        out.append((txt.stem, truth, fired))
    return out


def _category_f1(items: list[tuple[bool, frozenset[int]]], kept: frozenset[int]) -> float:
    tp = sum(1 for truth, fired in items if truth and fired & kept)
    fp = sum(1 for truth, fired in items if not truth and fired & kept)
    fn = sum(1 for truth, fired in items if truth and not fired & kept)
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def _select(items: list[tuple[bool, frozenset[int]]], patterns: int) -> frozenset[int]:
    """Patterns kept for a category: drop, one at a time, the pattern whose removal raises F1 most."""
    kept = frozenset(range(patterns))
    best = _category_f1(items, kept)
    while kept:
        trials = [(_category_f1(items, kept - {i}), i) for i in sorted(kept)]
        score, drop = max(trials)
        if score <= best:
            break
        kept, best = kept - {drop}, score
    return kept


def leave_one_out(data: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
    """Per-category P/R/F1 over contracts each judged while left out: rules as written, and selected."""
    judged = _judgements(data)
    names = [n for n in CATEGORIES if any(n in truth for _, truth, _ in judged)]
    written = {n: {"tp": 0, "fp": 0, "fn": 0, "support": 0} for n in names}
    selected = {n: {"tp": 0, "fp": 0, "fn": 0, "support": 0} for n in names}
    for k, (_stem, truth, fired) in enumerate(judged):
        others = [j for i, j in enumerate(judged) if i != k]
        for name in names:
            if name not in truth:
                continue
            every = frozenset(range(len(CATEGORIES[name].compiled)))
            kept = _select([(t[name], f[name]) for _, t, f in others if name in t], len(every))
            for counts, patterns in ((written, every), (selected, kept)):
                predicted = bool(fired[name] & patterns)
                counts[name]["support"] += truth[name]
                counts[name]["tp"] += truth[name] and predicted
                counts[name]["fp"] += predicted and not truth[name]
                counts[name]["fn"] += truth[name] and not predicted
    tables = []
    for counts in (written, selected):
        rows = [_prf(name, c) for name, c in counts.items()]
        total = {key: sum(c[key] for c in counts.values()) for key in ("tp", "fp", "fn", "support")}
        rows.append(_prf("micro", total))
        tables.append(rows)
    return tables[0], tables[1], len(judged)


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
    parser.add_argument("--loo", action="store_true", help="leave-one-contract-out report (all contracts)")
    parser.add_argument("--clauses", action="store_true", help="judge clause by clause (labelled clauses and flags)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not (args.data / "master_clauses_subset.csv").is_file():
        print(f"No master_clauses_subset.csv in {args.data}", file=sys.stderr)
        return 2
    if args.loo:
        written, selected, contracts = leave_one_out(args.data)
        if args.json:
            print(json.dumps({"written": written, "selected": selected}, indent=2))
            return 0
        print(f"{contracts} contracts, each judged while left out: rules as written | patterns selected on the others")
        print(f"{'category':<28} {'P':>5} {'R':>5} {'F1':>5} | {'P':>5} {'R':>5} {'F1':>5} {'support':>7}")
        for a, b in zip(written, selected, strict=True):
            print(
                f"{a['category']:<28} {a['precision']:5.2f} {a['recall']:5.2f} {a['f1']:5.2f} | "
                f"{b['precision']:5.2f} {b['recall']:5.2f} {b['f1']:5.2f} {a['support']:7d}"
            )
        return 0
    if args.clauses:
        rows, contracts, unlocated = clause_level(args.data, args.split)
        heading = (
            f"{contracts} contracts ({args.split} split), clause by clause: a labelled clause found when a flag of "
            f"its category overlaps it ({unlocated} labelled clauses not found in the parsed text, left out)"
        )
        _print_rows(rows, heading, "clauses", as_json=args.json)
        return 0
    rows, contracts, seconds = evaluate(args.data, args.split, args.errors)
    heading = (
        f"{contracts} contracts ({args.split} split), rule-based detector, judged per contract and category "
        f"({seconds:.2f} s)"
    )
    _print_rows(rows, heading, "support", as_json=args.json)
    return 0


def _print_rows(rows: list[dict[str, Any]], heading: str, counted: str, *, as_json: bool) -> None:
    """The per-category table (or its JSON rows); ``counted`` names what the support column counts."""
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    print(heading)
    print(f"{'category':<28} {'P':>5} {'R':>5} {'F1':>5} {counted:>7}  tp fp fn")
    for r in rows:
        print(
            f"{r['category']:<28} {r['precision']:5.2f} {r['recall']:5.2f} {r['f1']:5.2f} {r['support']:7d}"
            f"  {r['tp']:2d} {r['fp']:2d} {r['fn']:2d}"
        )


if __name__ == "__main__":
    raise SystemExit(main())
