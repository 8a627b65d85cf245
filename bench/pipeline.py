"""Pipeline benchmark: one run, one table.

Measures, on this machine, with the built-in extractive backend and a fresh SQLite file:

- upload-to-response time for a generated 300-page PDF (parse + save; the call returns before any summary);
- end-to-end chapters/s for that PDF and for a generated 2,000-chapter document;
- batch commit time p50/p99 of the DB writer during those runs;
- rows/s of the batched writer (one upsert per 50 rows) beside one commit per row, on SQLite;
- the same 300-page PDF summarized twice through an Ollama-protocol LLM server (the built-in simulator, with
  a local model's latency and 4 parallel slots): the second run is all cache hits.

Run: ``python bench/pipeline.py`` (``--json`` for machine-readable rows).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

# The test tools (chapterwise_testing) live in the checkout, not in the installed package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chapterwise_testing.llmsim import LLMSimulator
from chapterwise_testing.pdfs import PageSpec, make_text_pdf
from desktop_app.config import Settings
from desktop_app.engine.events import DocumentFinished
from desktop_app.engine.ingest.base import ParsedChapter, ParsedDocument
from desktop_app.engine.records import ChapterRecord
from desktop_app.engine.service import Engine
from desktop_app.engine.states import ChapterStatus
from desktop_app.engine.store import backlog, documents
from desktop_app.engine.store.db import open_database

WORDS = (
    "river market policy theory model data growth science mountain method result harbour trade court law "
    "contract payment season harvest village council letter journey winter bridge engine signal network"
).split()


def sentence(rng: random.Random) -> str:
    return " ".join(rng.choices(WORDS, k=rng.randint(8, 14))).capitalize() + "."


def generated_pdf(path: Path, pages: int = 300, pages_per_chapter: int = 3) -> int:
    rng = random.Random(42)
    specs, outline = [], []
    for p in range(pages):
        heading = None
        if p % pages_per_chapter == 0:
            heading = f"Chapter {p // pages_per_chapter + 1}"
            outline.append((heading, p))
        specs.append(PageSpec(lines=[sentence(rng) for _ in range(40)], heading=heading))
    path.write_bytes(make_text_pdf(specs, outline=outline, title="Generated 300-page book"))
    return len(outline)


def generated_document(chapters: int) -> ParsedDocument:
    rng = random.Random(7)
    return ParsedDocument(
        "Generated long document",
        "txt",
        [ParsedChapter(f"Chapter {i + 1}", " ".join(sentence(rng) for _ in range(30))) for i in range(chapters)],
    )


def run_to_completion(engine: Engine, add: object) -> tuple[float, float, int]:
    """Returns (seconds until the add call returned, seconds until the document finished, chapters)."""
    finished = threading.Event()
    target: dict[str, str] = {}

    def on_event(event: object) -> None:
        if isinstance(event, DocumentFinished) and event.document_id == target.get("id"):
            finished.set()

    unsubscribe = engine.bus.subscribe(on_event)
    started = time.perf_counter()
    doc = add()  # type: ignore[operator]
    returned = time.perf_counter() - started
    target["id"] = doc.id
    if engine.document(doc.id, chapters=False).status not in ("done", "failed"):
        finished.wait(600)
    total = time.perf_counter() - started
    unsubscribe()
    return returned, total, doc.chapter_count


def writer_rows_per_second(folder: Path, rows: int = 2000) -> tuple[float, float]:
    """The same upserts, batched 50 a transaction vs one transaction a row, on fresh SQLite files."""
    rates = []
    for batch in (50, 1):
        engine, sessions = open_database(f"sqlite:///{folder / f'writer-{batch}.db'}")
        with sessions.begin() as s:
            doc_id = documents.add_document(s, generated_document(rows), file_name="w.txt", sha256="w")
            chapters = [(c.id, c.index, c.title) for c in documents.chapters_of(s, doc_id, with_text=False)]
            backlog.claim_chapters(s, "bench", rows)
        summary = "A summary sentence. " * 5
        results = [
            ChapterRecord(cid, doc_id, idx, title, ChapterStatus.DONE, 1, summary=summary, preview="A preview.")
            for cid, idx, title in chapters
        ]
        started = time.perf_counter()
        for start in range(0, rows, batch):
            with sessions.begin() as s:
                backlog.upsert_chapter_results(s, results[start : start + batch])
        rates.append(rows / (time.perf_counter() - started))
        engine.dispose()
    return rates[0], rates[1]


def cached_rerun(folder: Path, pdf: Path, latency: float) -> tuple[float, float, int]:
    """Summarize ``pdf`` twice with an LLM backend and the cache on; returns (first s, second s, hits)."""
    with LLMSimulator(latency=latency, tokens_per_second=0, slots=4) as sim:
        settings = Settings(
            data_dir=folder / "llm",
            database_url=f"sqlite:///{folder / 'llm.db'}",
            backend="ollama",
            model="llama3.2:latest",
            endpoints=[f"{sim.url}#parallel=4"],
            summary_max_workers=4,
        )
        with Engine(settings) as engine:
            _, first, _ = run_to_completion(engine, lambda: engine.add_file(pdf))
            _, second, _ = run_to_completion(engine, lambda: engine.add_file(pdf))
            cache = engine.summarizer_stats().cache
    return first, second, cache.hits if cache else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    parser.add_argument("--chapters", type=int, default=2000, help="chapters of the generated long document")
    parser.add_argument("--llm-latency", type=float, default=0.5, help="seconds the simulated LLM takes a request")
    args = parser.parse_args()

    rows: list[tuple[str, float, str]] = []
    with tempfile.TemporaryDirectory(prefix="chapterwise-bench-") as tmp:
        folder = Path(tmp)
        pdf = folder / "book300.pdf"
        outline_chapters = generated_pdf(pdf)
        settings = Settings(data_dir=folder, database_url=f"sqlite:///{folder / 'bench.db'}", cache_enabled=False)
        with Engine(settings) as engine:
            returned, total, chapters = run_to_completion(engine, lambda: engine.add_file(pdf))
            rows.append(("upload-to-response, 300-page PDF", returned * 1000, "ms"))
            rows.append((f"end to end, 300-page PDF ({chapters} chapters)", chapters / total, "chapters/s"))
            returned_long, total_long, n = run_to_completion(
                engine, lambda: engine.add_parsed(generated_document(args.chapters), file_name="long.txt")
            )
            rows.append((f"upload-to-response, {n}-chapter document", returned_long * 1000, "ms"))
            rows.append((f"end to end, {n}-chapter document", n / total_long, "chapters/s"))
            commit = list(engine.commit_times().recent)
            q = statistics.quantiles(commit, n=100) if len(commit) > 1 else [commit[0]] * 99
            rows.append(("batch commit time p50", statistics.median(commit), "ms"))
            rows.append(("batch commit time p99", q[98], "ms"))
        assert outline_chapters == chapters, "the PDF's outline gives its chapters"
        batched, per_row = writer_rows_per_second(folder)
        rows.append(("writer, batched (50 rows a commit)", batched, "rows/s"))
        rows.append(("writer, one commit per row", per_row, "rows/s"))
        rows.append(("writer speed-up, batched / per row", batched / per_row, "×"))
        first, second, hits = cached_rerun(folder, pdf, args.llm_latency)
        rows.append((f"LLM backend, 300-page PDF, first run ({args.llm_latency:g} s a request)", first, "s"))
        rows.append((f"LLM backend, same PDF again ({hits} cache hits)", second, "s"))
        rows.append(("cache speed-up, first / second run", first / second, "×"))

    if args.json:
        print(json.dumps([{"measure": m, "value": round(v, 3), "unit": u} for m, v, u in rows], indent=2))
        return 0
    width = max(len(m) for m, _, _ in rows)
    print(f"{'measure':<{width}}  {'value':>12}  unit")
    print(f"{'-' * width}  {'-' * 12}  ----------")
    for measure, value, unit in rows:
        print(f"{measure:<{width}}  {value:>12.2f}  {unit}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
