"""Chapter structure: precision, recall and F1 of chapter boundaries against a known structure.

    PYTHONPATH=. python bench/structure.py [--corpus ../shared/corpus] [--truth bench/data/structure_truth.json]

Three groups, each a different kind of truth:

1. **outline**: corpus PDFs with a trusted outline, parsed with the outline hidden from the detector; the
   outline's chapter level (the entries the parser itself would take) is the truth.
2. **epub**: corpus EPUBs parsed with their table of contents hidden; the TOC's chapters are the truth.
3. **contracts**: the corpus contracts (text and the EDGAR PDF), against the top-level headings listed by hand
   in ``bench/data/structure_truth.json``; the file says which contracts the rules were tuned on and which
   were held out, and the table reports the two apart.
4. **papers**: the 100 ScisummNet papers of ``summarization/scisummnet_dev.jsonl`` written out as plain text
   (title, abstract, each section's heading line and its sentences in paragraphs), against their top-level
   numbered section headings; never tuned on. One row for all of them (``-v`` lists every heading).

A found chapter matches an expected heading when their titles agree (one's words begin the other's, or one's
words stand in the other's, at least two words) and, for PDFs, their pages are at most one apart; matches are
paired in reading order (the longest common subsequence). A leading front-matter chapter is not a boundary.
Prints one row per document (expected and found headings with ``--verbose``) and the micro F1 per group.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop_app.engine.ingest import parse_document
from desktop_app.engine.ingest.base import ParsedDocument
from desktop_app.engine.ingest.limits import IngestLimits

ROOT = Path(__file__).resolve().parents[1]
_TOKEN = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Head:
    """A heading as the truth or the parser states it: its title and first page (1-based) where paged."""

    title: str
    page: int | None = None


def tokens(text: str) -> list[str]:
    return [t.casefold() for t in _TOKEN.findall(text)]


def _contains(hay: list[str], needle: list[str]) -> bool:
    n = len(needle)
    return any(hay[i : i + n] == needle for i in range(len(hay) - n + 1))


def same_heading(expected: Head, found: Head) -> bool:
    if expected.page is not None and found.page is not None and abs(expected.page - found.page) > 1:
        return False
    e, f = tokens(expected.title), tokens(found.title)
    if not e or not f:
        return False
    if e == f:
        return True
    short, long_ = (e, f) if len(e) <= len(f) else (f, e)
    if len(short) < 2:
        return False
    return long_[: len(short)] == short or _contains(long_, short)


def align(expected: list[Head], found: list[Head]) -> int:
    """Matched pairs in reading order: the longest common subsequence under :func:`same_heading`."""
    rows = [[0] * (len(found) + 1) for _ in range(len(expected) + 1)]
    for i in range(len(expected) - 1, -1, -1):
        for j in range(len(found) - 1, -1, -1):
            if same_heading(expected[i], found[j]):
                rows[i][j] = 1 + rows[i + 1][j + 1]
            else:
                rows[i][j] = max(rows[i + 1][j], rows[i][j + 1])
    return rows[0][0]


def found_heads(doc: ParsedDocument) -> list[Head]:
    chapters = list(doc.chapters)
    if chapters and chapters[0].kind == "front":
        chapters = chapters[1:]
    return [Head(c.title, c.page) for c in chapters]


# --- parsing with the structure hidden


def parse_pdf_without_outline(path: Path) -> ParsedDocument:
    from desktop_app.engine.ingest import pdf

    return pdf.parse_pdf_file(path, None, IngestLimits(), use_outline=False)


def parse_epub_without_toc(path: Path) -> ParsedDocument:
    from desktop_app.engine.ingest import epub

    return epub.parse_epub_file(path, None, IngestLimits(), use_toc=False)


def outline_truth(path: Path) -> list[Head] | None:
    from desktop_app.engine.ingest.pdf_backend import read_pdf
    from desktop_app.engine.ingest.pdf_outline import choose_outline_level

    raw = read_pdf(path, None, IngestLimits())
    entries = [e for e in raw.outline if e.title.strip()]
    if len(entries) < 2:
        return None
    return [Head(e.title.strip(), e.page + 1) for e in choose_outline_level(entries, len(raw.pages))]


# --- the table


@dataclass(slots=True)
class Row:
    group: str
    name: str
    split: str
    expected: list[Head]
    found: list[Head]
    matched: int

    @property
    def scores(self) -> tuple[float, float, float]:
        return prf(self.matched, len(self.found), len(self.expected))


def prf(matched: int, found: int, expected: int) -> tuple[float, float, float]:
    p = matched / found if found else 0.0
    r = matched / expected if expected else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def evaluate(corpus: Path, truth_file: Path) -> list[Row]:
    truth = json.loads(truth_file.read_text(encoding="utf-8"))
    excluded = set(truth.get("outline_excluded", {}))
    rows: list[Row] = []
    for path in sorted((corpus / "pdf").glob("*.pdf")):
        if f"pdf/{path.name}" in excluded:
            continue
        try:
            expected = outline_truth(path)
        except Exception:  # unreadable or password-protected: no outline to measure against
            continue
        if not expected:
            continue
        doc = parse_pdf_without_outline(path)
        found = found_heads(doc)
        rows.append(Row("outline", path.name, "", expected, found, align(expected, found)))
    for path in sorted((corpus / "epub").glob("*.epub")):
        with_toc = parse_document(path)
        expected = found_heads(with_toc)
        found = found_heads(parse_epub_without_toc(path))
        rows.append(Row("epub", path.name, "", expected, found, align(expected, found)))
    for item in truth["contracts"]:
        path = corpus / item["file"]
        if not path.is_file():
            continue
        doc = parse_document(path)
        found = found_heads(doc)
        expected = [Head(title) for title in item["headings"]]
        if doc.format == "pdf":  # the hand list has no pages
            found = [Head(h.title) for h in found]
        rows.append(Row("contracts", path.name, item["split"], expected, found, align(expected, found)))
    rows.extend(paper_rows(corpus / "summarization" / "scisummnet_dev.jsonl"))
    return rows


_NUMBERED_SECTION = re.compile(r"^\d{1,2}\.?\s+\S")


def paper_text(record: dict[str, Any]) -> tuple[str, list[Head]]:
    """A ScisummNet paper as plain text (title, abstract, each section's heading line and paragraphs of five
    sentences), and its top-level numbered section headings ("3 Evaluation") as the truth."""
    parts = [record["title"], ""]
    abstract = record.get("abstract") or ""
    if abstract:
        parts += ["Abstract", "", " ".join(abstract) if isinstance(abstract, list) else abstract, ""]
    expected: list[Head] = []
    for section in record["sections"]:
        title = " ".join(section["title"].split())
        if title:
            parts += [title, ""]
            if _NUMBERED_SECTION.match(title):
                expected.append(Head(title))
        sentences = section["sentences"]
        parts += [" ".join(sentences[i : i + 5]) + "\n" for i in range(0, len(sentences), 5)]
    return "\n".join(parts), expected


def paper_rows(jsonl: Path) -> list[Row]:
    """One row for all ScisummNet papers rendered as text (never tuned on: a held-out check of the numbering)."""
    from desktop_app.engine.ingest.text import split_at_headings, tidy

    if not jsonl.is_file():
        return []
    expected_all: list[Head] = []
    found_all: list[Head] = []
    matched = papers = 0
    for line in jsonl.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        text, expected = paper_text(record)
        chapters, structure = split_at_headings(tidy(text), record["id"])
        doc = ParsedDocument(record["id"], "txt", chapters, structure)
        found = found_heads(doc) if structure == "headings" else []
        matched += align(expected, found)
        expected_all += expected
        found_all += found
        papers += 1
    name = f"scisummnet_dev.jsonl as text ({papers} papers)"
    return [Row("papers", name, "held-out", expected_all, found_all, matched)]


def _group_f1(rows: list[Row]) -> tuple[float, float, float]:
    return prf(sum(r.matched for r in rows), sum(len(r.found) for r in rows), sum(len(r.expected) for r in rows))


def print_table(rows: list[Row], verbose: bool) -> None:
    print(f"{'group':<10} {'document':<48} {'split':<9} {'exp':>4} {'found':>5} {'P':>5} {'R':>5} {'F1':>5}")
    for row in rows:
        p, r, f = row.scores
        print(
            f"{row.group:<10} {row.name[:48]:<48} {row.split:<9} {len(row.expected):>4} {len(row.found):>5} "
            f"{p:>5.2f} {r:>5.2f} {f:>5.2f}"
        )
        if verbose:
            width = max((len(h.title[:60]) for h in row.expected), default=10)
            for n in range(max(len(row.expected), len(row.found))):
                e = row.expected[n].title[:60] if n < len(row.expected) else ""
                f_ = row.found[n].title[:60] if n < len(row.found) else ""
                print(f"    {e:<{width}} | {f_}")
    print()
    print(f"{'group':<22} {'docs':>4} {'P':>5} {'R':>5} {'F1':>5}")
    groups: dict[str, list[Row]] = {}
    for row in rows:
        groups.setdefault(row.group, []).append(row)
        if row.split:
            groups.setdefault(f"{row.group} ({row.split})", []).append(row)
    for name, members in groups.items():
        p, r, f = _group_f1(members)
        print(f"{name:<22} {len(members):>4} {p:>5.2f} {r:>5.2f} {f:>5.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--truth", type=Path, default=ROOT / "bench" / "data" / "structure_truth.json")
    parser.add_argument("--verbose", "-v", action="store_true", help="list expected and found headings")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON instead of a table")
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"no corpus at {args.corpus}", file=sys.stderr)
        return 2
    rows = evaluate(args.corpus, args.truth)
    if args.json:
        out: list[dict[str, Any]] = [
            {
                "group": r.group,
                "document": r.name,
                "split": r.split,
                "expected": [h.title for h in r.expected],
                "found": [h.title for h in r.found],
                "precision": r.scores[0],
                "recall": r.scores[1],
                "f1": r.scores[2],
            }
            for r in rows
        ]
        print(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        print_table(rows, args.verbose)
    return 0


if __name__ == "__main__":
    sys.exit(main())
