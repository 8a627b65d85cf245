"""Text extraction speed of pypdf and PDFium (pypdfium2), side by side, in pages per second.

Inputs: a generated 300-page text PDF (built here, no files needed) and the corpus's i1040nr.pdf
(50 pages, multi-column; skipped when ../shared/corpus is absent), plus GeoTopo-komprimiert.pdf.
Each library opens the file and extracts every page's text; the best of ``--repeat`` runs counts.

    .venv/bin/python bench/pdf_extract.py            # a table
    .venv/bin/python bench/pdf_extract.py --json     # the same numbers as JSON
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from chapterwise_testing.pdfs import PageSpec, body_lines, make_text_pdf  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "pdf"


def extract_pypdf(path: Path) -> tuple[int, int]:
    from pypdf import PdfReader

    reader = PdfReader(path, strict=False)
    chars = sum(len(page.extract_text() or "") for page in reader.pages)
    return len(reader.pages), chars


def extract_pdfium(path: Path) -> tuple[int, int]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(path)
    try:
        chars = 0
        for i in range(len(pdf)):
            page = pdf[i]
            textpage = page.get_textpage()
            chars += len(textpage.get_text_bounded())
            textpage.close()
            page.close()
        return len(pdf), chars
    finally:
        pdf.close()


def measure(func: Callable[[Path], tuple[int, int]], path: Path, repeat: int) -> dict[str, float]:
    best = float("inf")
    pages = chars = 0
    for _ in range(repeat):
        started = time.perf_counter()
        pages, chars = func(path)
        best = min(best, time.perf_counter() - started)
    return {"pages": pages, "chars": chars, "seconds": best, "pages_per_s": pages / best}


def generated_pdf(directory: Path, pages: int = 300) -> Path:
    specs = [
        PageSpec(body_lines(i, count=45), heading=f"Chapter {i // 10 + 1}" if i % 10 == 0 else None)
        for i in range(pages)
    ]
    path = directory / f"generated-{pages}.pdf"
    path.write_bytes(make_text_pdf(specs, running_header="Generated benchmark book"))
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the best counts")
    args = parser.parse_args(argv)
    logging.getLogger("pypdf").setLevel(logging.ERROR)

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        inputs = [("generated 300 pages", generated_pdf(Path(tmp)))]
        for name in ("i1040nr.pdf", "GeoTopo-komprimiert.pdf"):
            if (CORPUS / name).exists():
                inputs.append((name, CORPUS / name))
            else:
                print(f"note: {CORPUS / name} absent, skipped", file=sys.stderr)
        for label, path in inputs:
            pypdf = measure(extract_pypdf, path, args.repeat)
            pdfium = measure(extract_pdfium, path, args.repeat)
            rows.append(
                {
                    "input": label,
                    "pages": pypdf["pages"],
                    "pypdf_pages_per_s": round(pypdf["pages_per_s"], 1),
                    "pdfium_pages_per_s": round(pdfium["pages_per_s"], 1),
                    "pypdf_chars": pypdf["chars"],
                    "pdfium_chars": pdfium["chars"],
                    "speedup": round(pdfium["pages_per_s"] / pypdf["pages_per_s"], 1),
                }
            )
    if args.json:
        print(json.dumps({"benchmark": "pdf_extract", "repeat": args.repeat, "results": rows}, indent=2))
        return 0
    header = (
        f"{'input':<26}{'pages':>6}{'pypdf p/s':>12}{'pdfium p/s':>12}{'speedup':>9}"
        f"{'pypdf chars':>13}{'pdfium chars':>14}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r['input']:<26}{r['pages']:>6}{r['pypdf_pages_per_s']:>12.1f}{r['pdfium_pages_per_s']:>12.1f}"
            f"{r['speedup']:>8.1f}x{r['pypdf_chars']:>13}{r['pdfium_chars']:>14}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
