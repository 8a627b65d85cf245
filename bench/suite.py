"""The performance suite: every goal of the pipeline measured side by side in one run, with its anchors.

Measures, against the project's LLM simulator (a fixed latency a request, ``slots`` requests at once), run
in a process of its own as a real server is (``--in-process-sim`` runs it in this one, where its streaming
competes with the client for the interpreter). Its answer streams over the latency, the last token at its
end, as a server generating sends its tokens: the client reads the stream while the server works, as it
does with a real server (``--tokens-after-latency`` sends the whole answer after the latency instead, the
shape the suite measured before 2026-12-07, where reading it came on top of the latency):

- wall ÷ ideal for N chapters on an 8-slot server: the adaptive pool (not told the slots), beside a pool
  told ``#parallel=8`` and a bare thread pool of 8 calling the same backend (the floor);
- the adaptive pool on servers with 1, 4 and 8 slots it is not told about: % of the slots' throughput, and
  p50 chapter latency ÷ the unloaded latency;
- async ÷ synchronous (``USE_ASYNC_SUMMARIZATION=false``) throughput on 8 slots (these LLM measures: the
  median of three runs each, taking turns, with the range; one with ``--quick``);
- pipeline overhead per chapter with a zero-latency backend, DB write included, at 2,000 and 10,000
  chapters, beside a bare thread pool + batched ``executemany`` floor (the median of three runs each, the
  two taking turns and the sizes too; one with ``--quick``);
- the DB writer under a burst, with events published and a subscriber, in rows/s;
- a summary done → committed at light load (one-chapter documents, one at a time, on a 1-slot server),
  beside a many-chapter document on the same server, whose results wait for their batch to close;
- upload → answer (directly and through ``POST /api/upload``) and upload → first chapter committed for
  generated PDFs of 300 and 2,000 pages (background parse), beside the parse-first upload;
- resident memory with 10,000 chapters backlogged for 3 minutes on a 4-slot server: the largest, and the
  growth after the first minute (``bench/backlog_memory.py``, in a subprocess);
- the GUI's longest stall during a 2,000-chapter burst (``bench/gui_responsiveness.py``, in a subprocess).

Each engine the suite times is run as the app's entry points run theirs: once it is up, the objects made so
far are collected and frozen out of the cyclic garbage collector (:func:`~desktop_app.engine.memory.
settle_memory`), as the window, ``chapterwise serve`` and ``chapterwise worker`` do.

Run: ``python bench/suite.py`` (``--quick`` for a run under a minute with smaller sizes, ``--json`` for the
rows ``{"measure", "value", "goal", "unit"}``, ``--write-docs`` to put the table in docs/PERFORMANCE.md).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.api_upload import api_upload_ms
from bench.pipeline import generated_document, generated_pdf
from chapterwise_testing.llmsim import LLMSimulator, SimulatorProcess
from desktop_app.config import Settings
from desktop_app.engine.events import ChapterCommitted, DocumentProgress, Event, EventBus
from desktop_app.engine.ingest.base import ParsedChapter, ParsedDocument
from desktop_app.engine.memory import settle_memory
from desktop_app.engine.messages import DocumentResult, Stop
from desktop_app.engine.pipeline.queues import BatchQueue
from desktop_app.engine.pipeline.writer import BatchWriter
from desktop_app.engine.records import ChapterRecord
from desktop_app.engine.service import Engine
from desktop_app.engine.states import ChapterStatus
from desktop_app.engine.store import backlog, documents
from desktop_app.engine.store.db import open_database
from desktop_app.engine.summarize.base import Summarizer, SummarizerBase, SummaryRequest, SummaryResult
from desktop_app.engine.summarize.registry import make_summarizer

DOCS = Path(__file__).resolve().parent.parent / "docs" / "PERFORMANCE.md"
MARK_START, MARK_END = "<!-- suite:start -->", "<!-- suite:end -->"


@dataclass(frozen=True, slots=True)
class Row:
    measure: str
    value: float
    goal: str
    unit: str
    label: str
    anchors: str = ""

    def met(self) -> bool | None:
        if not self.goal:
            return None
        op, bound = self.goal.split(" ", 1)
        return self.value <= float(bound) if op == "<=" else self.value >= float(bound)


class ZeroLatency(SummarizerBase):
    """A backend that answers at once: what is left of a chapter's time is the pipeline's own."""

    name = "zero"
    model = ""
    cpu_bound = True
    max_concurrency = None

    def summarize(self, request: SummaryRequest) -> SummaryResult:
        return SummaryResult(summary="A summary.", preview="A summary.", backend="zero", model="", latency_ms=0.0)


def llm_settings(folder: Path, url: str, **extra: object) -> Settings:
    return Settings(
        data_dir=folder,
        database_url=f"sqlite:///{folder / 'db.sqlite'}",
        backend="ollama",
        model="llama3.2:latest",
        endpoints=[url],
        cache_enabled=False,
        request_timeout=60.0,
        **extra,  # type: ignore[arg-type]
    )


def run_document(engine: Engine, chapters: int, on_start: Callable[[], None] | None = None) -> float:
    """Seconds from adding a generated document until its last chapter is committed (``on_start`` is called
    as the clock starts)."""
    left = threading.Event()
    target: dict[str, str] = {}

    def on_event(event: Event) -> None:
        done = isinstance(event, DocumentProgress) and event.done + event.failed + event.cancelled >= event.total
        if done and event.document_id == target.get("id"):  # type: ignore[union-attr]
            left.set()

    unsubscribe = engine.bus.subscribe(on_event)
    parsed = generated_document(chapters)  # made before the clock starts, as the bare pool's texts are
    if on_start is not None:
        on_start()
    started = time.perf_counter()
    doc = engine.add_parsed(parsed, file_name="bench.txt")
    target["id"] = doc.id
    if engine.document(doc.id, chapters=False).done < chapters:
        left.wait(600)
    elapsed = time.perf_counter() - started
    unsubscribe()
    return elapsed


#: Where the simulator runs: in a process of its own (a real server's setting) unless ``--in-process-sim``;
#: its answer streams over the latency, as a server generating sends it, unless ``--tokens-after-latency``.
SIM_OPTIONS = {"in_process": False, "stream_over_latency": True}


class _Sim:
    """The simulator for one measurement: ``url`` and ``max_in_flight`` whichever process it runs in."""

    def __init__(self, latency: float, slots: int) -> None:
        self._sim: LLMSimulator | SimulatorProcess = (
            LLMSimulator(latency=latency, slots=slots, stream_over_latency=SIM_OPTIONS["stream_over_latency"])
            if SIM_OPTIONS["in_process"]
            else SimulatorProcess(latency=latency, slots=slots, stream_over_latency=SIM_OPTIONS["stream_over_latency"])
        )

    def __enter__(self) -> _Sim:
        self._sim.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._sim.__exit__(*exc)

    @property
    def url(self) -> str:
        return self._sim.url

    @property
    def max_in_flight(self) -> int:
        sim = self._sim
        return sim.max_in_flight if isinstance(sim, LLMSimulator) else int(sim.stats()["max_in_flight"])


def pool_run(folder: Path, slots: int, latency: float, chapters: int, *, told: bool) -> dict[str, float]:
    """The pipeline on a ``slots``-slot simulator; returns wall seconds, p50 latency and the final limit."""
    with _Sim(latency, slots) as sim:
        url = f"{sim.url}#parallel={slots}" if told else sim.url
        with Engine(llm_settings(folder, url)) as engine:
            settle_memory()  # as the app's entry points do once the engine is up
            wall = run_document(engine, chapters)
            status = engine.status(with_documents=False, with_operations=False)
            limit = engine.gauges().concurrency_limit
        max_out = sim.max_in_flight
    p50 = status.pipeline.llm_latency_ms.p50
    return {"wall": wall, "p50_ms": float(p50 or 0.0), "limit": float(limit or 0), "max_out": max_out}


def bare_pool(folder: Path, slots: int, latency: float, chapters: int) -> float:
    """The floor: a ThreadPoolExecutor of ``slots`` calling the same backend, no queues, no database."""
    with _Sim(latency, slots) as sim:
        summarizer = make_summarizer(llm_settings(folder, sim.url))
        texts = [c.text for c in generated_document(chapters).chapters]
        started = time.perf_counter()
        with ThreadPoolExecutor(slots) as pool:
            list(pool.map(lambda t: summarizer.summarize(SummaryRequest(text=t, title="c")), texts))
        elapsed = time.perf_counter() - started
        summarizer.close()
    return elapsed


def unloaded_ms(folder: Path, latency: float) -> float:
    with _Sim(latency, 1) as sim:
        summarizer = make_summarizer(llm_settings(folder, sim.url))
        text = generated_document(1).chapters[0].text
        samples = [summarizer.summarize(SummaryRequest(text=text, title="c")).latency_ms for _ in range(5)]
        summarizer.close()
    return statistics.median(samples)


def sync_run(folder: Path, latency: float, chapters: int) -> float:
    with _Sim(latency, 8) as sim:
        settings = llm_settings(folder, sim.url, use_async_summarization=False)
        with Engine(settings) as engine:
            settle_memory()
            parsed = generated_document(chapters)
            started = time.perf_counter()
            engine.add_parsed(parsed, file_name="sync.txt")
            return time.perf_counter() - started


def overhead_us(folder: Path, chapters: int) -> tuple[float, float]:
    """(µs a chapter from the pipeline's start to its last chapter committed, µs a chapter to save them first).

    The chapters are saved (the durable backlog) before the pipeline starts, as the floor inserts its rows
    before its clock starts: what is timed is claiming, summarizing, writing and publishing the results.
    """
    settings = Settings(data_dir=folder, database_url=f"sqlite:///{folder / 'db.sqlite'}", cache_enabled=False)
    engine = Engine(settings, summarizer=ZeroLatency())
    settle_memory()  # as the app's entry points do once the engine is up
    parsed = generated_document(chapters)  # made before the clock starts: the anchor is the saving alone
    saving = time.perf_counter()
    doc = engine.add_parsed(parsed, file_name="bench.txt")
    saved_s = time.perf_counter() - saving
    left = threading.Event()

    def on_event(event: Event) -> None:
        finished = isinstance(event, DocumentProgress) and event.done + event.failed + event.cancelled >= event.total
        if finished and event.document_id == doc.id:  # type: ignore[union-attr]
            left.set()

    engine.bus.subscribe(on_event)
    started = time.perf_counter()
    engine.start()
    left.wait(600)
    elapsed = time.perf_counter() - started
    engine.stop()
    return elapsed / chapters * 1e6, saved_s / chapters * 1e6


def overhead_floor_us(folder: Path, chapters: int) -> float:
    """A bare thread pool of 3 over the same backend, results written 50 a transaction with executemany."""
    summarizer = ZeroLatency()
    texts = [(str(i), c.text) for i, c in enumerate(generated_document(chapters).chapters)]
    db = sqlite3.connect(folder / "floor.sqlite", check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE c (id TEXT PRIMARY KEY, status TEXT, summary TEXT)")
    db.executemany("INSERT INTO c VALUES (?, 'pending', NULL)", [(i,) for i, _ in texts])
    db.commit()
    started = time.perf_counter()
    with ThreadPoolExecutor(3) as pool:
        results = pool.map(lambda t: (summarizer.summarize(SummaryRequest(text=t[1], title="c")).summary, t[0]), texts)
        batch = []
        for summary, cid in results:
            batch.append(("done", summary, cid))
            if len(batch) == 50:
                db.executemany("UPDATE c SET status=?, summary=? WHERE id=?", batch)
                db.commit()
                batch = []
        if batch:
            db.executemany("UPDATE c SET status=?, summary=? WHERE id=?", batch)
            db.commit()
    elapsed = time.perf_counter() - started
    db.close()
    return elapsed / chapters * 1e6


def writer_burst(folder: Path, rows: int) -> float:
    """Rows/s of the real BatchWriter with every result already queued, events published to a subscriber."""
    _engine, sessions = open_database(f"sqlite:///{folder / 'writer.sqlite'}")
    with sessions.begin() as s:
        doc_id = documents.add_document(s, generated_document(rows), file_name="w.txt", sha256="w")
        chapters = [(c.id, c.index, c.title) for c in documents.chapters_of(s, doc_id, with_text=False)]
        backlog.claim_chapters(s, "bench", rows)
    bus = EventBus()
    seen = [0]

    def on_event(event: Event) -> None:
        if isinstance(event, ChapterCommitted):
            seen[0] += 1

    bus.subscribe(on_event)
    results: BatchQueue[ChapterRecord | DocumentResult | Stop] = BatchQueue()
    for cid, idx, title in chapters:
        results.put(ChapterRecord(cid, doc_id, idx, title, ChapterStatus.DONE, 1, summary="A summary.", preview="A."))
    results.put(Stop())
    writer = BatchWriter(
        sessions,
        bus,
        results,
        batch_size=50,
        batch_interval_s=0.5,
        idle=lambda: False,  # type: ignore[arg-type]
        on_document_ready=lambda: None,
    )
    started = time.perf_counter()
    writer.run()
    elapsed = time.perf_counter() - started
    _engine.dispose()
    assert seen[0] == rows, (seen[0], rows)
    return rows / elapsed


def upload_run(folder: Path, pdf: Path, *, background: bool, finish: bool = True) -> tuple[float, float]:
    """(ms until add_file answered, s until the first chapter was committed), extractive backend.

    ``finish``: summarize the whole document before the engine stops. A quick run removes the document after
    its first chapter instead, which ends its parse (a stop would keep it for the next start to parse again).
    """
    settings = Settings(data_dir=folder, database_url=f"sqlite:///{folder / 'db.sqlite'}", cache_enabled=False)
    first = threading.Event()
    with Engine(settings) as engine:
        settle_memory()
        engine.bus.subscribe(lambda e: first.set() if isinstance(e, ChapterCommitted) else None)
        started = time.perf_counter()
        doc = engine.add_file(pdf, background=background)
        answered = time.perf_counter() - started
        first.wait(120)
        first_s = time.perf_counter() - started
        if finish:
            engine.wait(doc.id, timeout=300)
        else:
            engine.remove(doc.id)
    return answered * 1000.0, first_s


def bench_json(script: str, *args: str, timeout: float, **env: str) -> Any:
    """What ``bench/<script> --json <args>`` prints, run in a process of its own (``env`` added to this one's)."""
    root = DOCS.parent.parent
    out = subprocess.run(
        [sys.executable, str(root / "bench" / script), "--json", *args],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(root), **env),
        check=True,
        timeout=timeout,
    )
    return json.loads(out.stdout)


def gui_stall_ms(runs: int, chapters: int) -> float:
    args = ("--runs", str(runs), "--chapters", str(chapters), "--summarizer", "processes")
    out = bench_json("gui_responsiveness.py", *args, timeout=900, QT_QPA_PLATFORM="offscreen")
    return max(r["stall_max_ms"] for r in out["runs"])


class _DoneTimes:
    """The configured backend, noting when each chapter's summary came back (by the chapter's title)."""

    def __init__(self, inner: Summarizer) -> None:
        self._inner = inner
        self.done: dict[str, float] = {}

    def summarize(self, request: SummaryRequest) -> SummaryResult:
        result = self._inner.summarize(request)
        self.done[request.title] = time.perf_counter()
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def done_to_committed_ms(folder: Path, *, documents: int, chapters: int) -> list[float]:
    """ms from each chapter's summary coming back from a 1-slot server (0.2 s a request) to its commit.

    ``documents`` documents of ``chapters`` chapters each, added one after another, each once the one before
    it is done: with one chapter each, nothing else is in flight when a summary comes back (light load);
    with many, the chapters behind it keep the pipeline busy and a result waits for its batch to close.
    """
    with _Sim(0.2, 1) as sim:
        settings = llm_settings(folder, sim.url)
        timed = _DoneTimes(make_summarizer(settings))
        committed: dict[str, float] = {}

        def on_event(event: Event) -> None:
            if isinstance(event, ChapterCommitted):
                committed.setdefault(event.chapter.title, time.perf_counter())

        with Engine(settings, summarizer=timed) as engine:  # type: ignore[arg-type]
            settle_memory()
            engine.bus.subscribe(on_event)
            for number in range(documents):
                parsed = ParsedDocument(
                    f"Document {number + 1}",
                    "txt",
                    [
                        ParsedChapter(f"Document {number + 1}, chapter {i + 1}", c.text)
                        for i, c in enumerate(generated_document(chapters).chapters)
                    ],
                )
                doc = engine.add_parsed(parsed, file_name=f"light-{number}.txt")
                engine.wait(doc.id, timeout=120)
    return [(committed[t] - timed.done[t]) * 1000.0 for t in committed if t in timed.done]


def backlog_memory(chapters: int, seconds: float) -> dict[str, Any]:
    """``bench/backlog_memory.py`` in a process of its own (its resident size is the engine's alone)."""
    result: dict[str, Any] = bench_json(
        "backlog_memory.py", "--chapters", str(chapters), "--seconds", str(seconds), timeout=seconds + 600
    )
    return result


#: The measures' groups, in the order they run (``--only`` picks some of them).
GROUPS = ("llm", "overhead", "writer", "commit", "upload", "memory", "gui")


def measure(quick: bool, log: Callable[[str], None], only: tuple[str, ...] = GROUPS) -> list[Row]:
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="chapterwise-suite-") as tmp:
        root = Path(tmp)
        counter = iter(range(1000))

        def fresh() -> Path:
            path = root / str(next(counter))
            path.mkdir()
            return path

        if "llm" in only:
            rows += measure_llm(fresh, quick, log)
        if "overhead" in only:
            rows += measure_overhead(fresh, log, quick)
        if "writer" in only:
            rows += measure_writer(fresh, quick)
        if "commit" in only:
            rows += measure_commit(fresh, quick)
        if "upload" in only:
            rows += measure_upload(fresh, root, quick)
    if "memory" in only:
        rows += measure_memory(quick)
    if "gui" in only:
        rows += measure_gui(quick)
    return rows


def _spread(values: list[float], fmt: str = "{:.3f}") -> str:
    """``[min–max] over N runs`` for more than one run, else nothing."""
    if len(values) < 2:
        return ""
    return f"[{fmt.format(min(values))}–{fmt.format(max(values))}] over {len(values)} runs"


def _anchors(*parts: str) -> str:
    return "; ".join(part for part in parts if part)


def measure_llm(fresh: Callable[[], Path], quick: bool, log: Callable[[str], None]) -> list[Row]:
    """The LLM rows, three runs of each (one with ``--quick``) taking turns: medians, with their range.

    One run of the 300-chapter, 4-slot measure moved by a point of the slots' share from one run to the next
    on the same code; the median of three, with the range beside it, says which differences are real.
    """
    # As a local model answers a short chapter; a shorter one lets the client's own overhead pass for queueing.
    latency = 0.2
    runs = 1 if quick else 3
    n8 = 120 if quick else 1000
    sizes = {1: 12 if quick else 60, 4: 48 if quick else 300, 8: n8}
    n_sync = 12 if quick else 60
    rows: list[Row] = []
    unloaded = unloaded_ms(fresh(), latency)
    log(f"unloaded latency {unloaded:.1f} ms")
    adaptive: dict[int, list[dict[str, float]]] = {1: [], 4: [], 8: []}
    told8: list[float] = []
    floor8: list[float] = []
    sync: list[float] = []
    for run in range(runs):
        for slots in (8, 1, 4):
            adaptive[slots].append(pool_run(fresh(), slots, latency, sizes[slots], told=False))
        told8.append(pool_run(fresh(), 8, latency, n8, told=True)["wall"])
        floor8.append(bare_pool(fresh(), 8, latency, n8))
        sync.append(sync_run(fresh(), latency, n_sync))
        log(
            f"run {run + 1}: adaptive 8 / 1 / 4 slots "
            + " / ".join(f"{adaptive[k][-1]['wall']:.2f} s (limit {adaptive[k][-1]['limit']:.0f})" for k in (8, 1, 4))
            + f"; told 8 {told8[-1]:.2f} s; floor {floor8[-1]:.2f} s; sync {sync[-1]:.2f} s"
        )
    ideal8 = n8 / 8 * latency
    walls8 = [r["wall"] for r in adaptive[8]]
    wall8 = statistics.median(walls8)
    rows.append(
        Row(
            "wall_over_ideal_8_slots",
            round(wall8 / ideal8, 3),
            "<= 1.02",
            "ratio",
            f"{n8:,} chapters, 8 slots: wall ÷ ideal (adaptive pool)",
            _anchors(
                _spread([w / ideal8 for w in walls8]),
                f"told the slots {statistics.median(told8) / ideal8:.3f}",
                f"bare thread pool {statistics.median(floor8) / ideal8:.3f}",
                f"{wall8 / (n8 / 8 * unloaded / 1000):.3f} of chapters ÷ slots × the unloaded {unloaded:.0f} ms "
                "measured here",
            ),
        )
    )
    for slots in (1, 4, 8):
        pcts = [100.0 * (sizes[slots] / r["wall"]) / (slots / latency) for r in adaptive[slots]]
        pct = statistics.median(pcts)
        limits = sorted({int(r["limit"]) for r in adaptive[slots]})
        name = f"adaptive_pct_{slots}_slot" + ("" if slots == 1 else "s")
        rows.append(
            Row(
                name,
                round(pct, 1),
                ">= 95",
                "%",
                f"adaptive pool, {slots} slot(s): % of slots ÷ latency",
                _anchors(
                    _spread(pcts, "{:.1f}"),
                    f"limit settled at {' / '.join(map(str, limits))}",
                    f"{pct * unloaded / (latency * 1000):.1f} % of slots ÷ the unloaded latency measured here",
                ),
            )
        )
    for slots in (1, 4, 8):
        ratios = [r["p50_ms"] / unloaded for r in adaptive[slots]]
        name = f"adaptive_p50_ratio_{slots}_slot" + ("" if slots == 1 else "s")
        rows.append(
            Row(
                name,
                round(statistics.median(ratios), 2),
                "<= 1.3",
                "ratio",
                f"adaptive pool, {slots} slot(s): p50 chapter latency ÷ unloaded",
                _spread(ratios, "{:.2f}"),
            )
        )
    speedups = [(n8 / w) / (n_sync / s_) for w, s_ in zip(walls8, sync, strict=True)]
    told_speedups = [(n8 / w) / (n_sync / s_) for w, s_ in zip(told8, sync, strict=True)]
    rows.append(
        Row(
            "async_over_sync_8_slots",
            round(statistics.median(speedups), 2),
            ">= 7.2",
            "×",
            "async ÷ sync throughput, 8 slots",
            _anchors(_spread(speedups, "{:.2f}"), f"told the slots {statistics.median(told_speedups):.2f}×"),
        )
    )
    return rows


def measure_overhead(fresh: Callable[[], Path], log: Callable[[str], None], quick: bool = False) -> list[Row]:
    """The pipeline and the floor taking turns, three runs each (one with ``--quick``): the median, with the range.

    The rounds take turns between the sizes too (2,000 chapters, then 10,000, then 2,000 again…). A run of
    2,000 chapters lasts about 0.1 s, so the three of a size run back to back took about 1.5 s: a slower
    second or two of a shared machine (the floor's runs up from 18 to 31–33 µs in the same rounds) moved all
    three of them, and so the row's median, where spread over the whole measure it moves one run of each.
    """
    runs = 1 if quick else 3
    sizes = (2000, 10000)
    floors: dict[int, list[float]] = {n: [] for n in sizes}
    overheads: dict[int, list[float]] = {n: [] for n in sizes}
    saves: dict[int, list[float]] = {n: [] for n in sizes}
    for _ in range(runs):
        for n in sizes:
            floors[n].append(overhead_floor_us(fresh(), n))
            us, save_us = overhead_us(fresh(), n)
            overheads[n].append(us)
            saves[n].append(save_us)
    rows: list[Row] = []
    for n in sizes:
        us, floor_us = statistics.median(overheads[n]), statistics.median(floors[n])
        log(f"overhead at {n}: {us:.0f} µs {[round(x) for x in overheads[n]]} (floor {[round(x) for x in floors[n]]})")
        spread = f"[{min(overheads[n]):.0f}–{max(overheads[n]):.0f}] over {runs} runs; " if runs > 1 else ""
        rows.append(
            Row(
                f"overhead_us_{n // 1000}k",
                round(us, 1),
                "<= 60",
                "µs",
                f"pipeline overhead per chapter, zero-latency backend, {n:,} chapters",
                f"{spread}floor (bare thread pool + executemany) {floor_us:.0f} µs, {us / floor_us:.1f}× it; "
                f"saving the chapters {statistics.median(saves[n]):.0f} µs",
            )
        )
    return rows


def measure_writer(fresh: Callable[[], Path], quick: bool) -> list[Row]:
    rows: list[Row] = []
    rate = writer_burst(fresh(), 5000 if quick else 20000)
    rows.append(Row("writer_rows_per_s", round(rate), ">= 20000", "rows/s", "writer under a burst, with events"))
    return rows


def measure_commit(fresh: Callable[[], Path], quick: bool) -> list[Row]:
    """done → committed at light load (one chapter in flight at a time), beside a 1-slot server's trickle."""
    light = done_to_committed_ms(fresh(), documents=4 if quick else 20, chapters=1)
    trickle = sorted(done_to_committed_ms(fresh(), documents=1, chapters=8 if quick else 30))
    return [
        Row(
            "done_to_committed_ms_light_load",
            round(max(light), 1),
            "<= 20",
            "ms",
            "summary done → committed at light load (the longest of "
            f"{len(light)} one-chapter documents, one at a time)",
            _anchors(
                f"p50 {statistics.median(light):.1f} ms",
                f"a {len(trickle)}-chapter document on a 1-slot server: p50 {statistics.median(trickle):.0f} ms, "
                f"longest {trickle[-1]:.0f} ms (a result waits for its batch to close: 50 rows or 500 ms)",
            ),
        )
    ]


def measure_memory(quick: bool) -> list[Row]:
    """Resident memory with 10,000 chapters backlogged (3,000 with ``--quick``): the largest, and its growth."""
    chapters, seconds = (3000, 8.0) if quick else (10000, 180.0)
    out = backlog_memory(chapters, seconds)
    run = (
        f"{out['seconds']} s on a 4-slot server, {out['summarized']:,} chapters summarized, "
        f"{out['waiting_at_end']:,} still waiting"
    )
    return [
        Row(
            "rss_mb_10k_backlog",
            out["rss_max_mb"],
            "<= 300",
            "MB",
            f"resident memory with {chapters:,} chapters backlogged (the largest)",
            _anchors(run, f"{out['rss_before_mb']:.0f} MB before the start"),
        ),
        Row(
            "rss_growth_mb_10k_backlog",
            out["growth_mb"],
            "<= 5",
            "MB",
            f"resident memory with {chapters:,} chapters backlogged: growth after the warm-up",
            f"median of the run's last {out['span_s']:.0f} s less that of the {out['span_s']:.0f} s after "
            f"the first {out['warm_up_s']:.0f} s",
        ),
    ]


def measure_upload(fresh: Callable[[], Path], root: Path, quick: bool = False) -> list[Row]:
    """Each size's upload answered with the parse in the background, beside the parse-first upload."""
    rows: list[Row] = []
    for pages in (300, 2000):
        pdf = root / f"book-{pages}.pdf"
        generated_pdf(pdf, pages=pages)
        answer_ms, first_s = upload_run(fresh(), pdf, background=True, finish=not quick)
        # The parse-first anchor waits for the whole parse (seconds for 2,000 pages): not in a quick run.
        old = None if quick else upload_run(fresh(), pdf, background=False)
        api_ms = api_upload_ms(fresh(), pdf, finish=not quick)
        rows.append(
            Row(
                f"upload_ms_{pages}_pages",
                round(answer_ms, 1),
                "<= 100",
                "ms",
                f"upload → answer, {pages:,}-page PDF (background parse)",
                f"parse-first upload {old[0]:.0f} ms" if old else "",
            )
        )
        rows.append(
            Row(
                f"first_chapter_s_{pages}_pages",
                round(first_s, 2),
                "<= 1",
                "s",
                f"upload → first chapter committed, {pages:,}-page PDF, extractive",
                f"parse-first upload {old[1]:.2f} s" if old else "",
            )
        )
        rows.append(
            Row(
                f"api_upload_ms_{pages}_pages",
                round(api_ms, 1),
                "<= 100",
                "ms",
                f"POST /api/upload → answer, {pages:,}-page PDF "
                f"({pdf.stat().st_size / 1e6:.1f} MB sent over localhost)",
            )
        )
    return rows


def measure_gui(quick: bool) -> list[Row]:
    rows: list[Row] = []
    stall = gui_stall_ms(1 if quick else 3, 2000)
    rows.append(Row("gui_stall_ms", round(stall, 1), "<= 50", "ms", "longest GUI-thread stall, 2,000-chapter burst"))
    return rows


def table(rows: list[Row]) -> str:
    lines = ["| measure | goal | value | met | anchors |", "|---|---|---|---|---|"]
    for r in rows:
        met = {True: "yes", False: "**no**", None: ""}[r.met()]
        lines.append(f"| {r.label} (`{r.measure}`) | {r.goal} {r.unit} | {r.value:g} {r.unit} | {met} | {r.anchors} |")
    return "\n".join(lines)


def write_docs(rows: list[Row], command: str) -> None:
    text = DOCS.read_text(encoding="utf-8")
    block = f"{MARK_START}\nMeasured by `{command}` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}:\n\n"
    block += table(rows) + f"\n{MARK_END}"
    if MARK_START in text:
        head, rest = text.split(MARK_START, 1)
        text = head + block + rest.split(MARK_END, 1)[1]
    else:
        text = text.rstrip() + "\n\n## The suite — `python bench/suite.py`\n\n" + block + "\n"
    DOCS.write_text(text, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description="Chapterwise performance suite")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, under a minute")
    parser.add_argument("--json", action="store_true", help="print the rows as one JSON list")
    parser.add_argument("--write-docs", action="store_true", help="write the table into docs/PERFORMANCE.md")
    parser.add_argument("--only", default=",".join(GROUPS), help=f"comma-separated groups of {', '.join(GROUPS)}")
    parser.add_argument(
        "--in-process-sim",
        action="store_true",
        help="run the LLM simulator in this process instead of its own (it then competes with the client)",
    )
    parser.add_argument(
        "--tokens-after-latency",
        action="store_true",
        help="the simulator sends its answer all at once after the latency instead of streaming it over it",
    )
    args = parser.parse_args()
    SIM_OPTIONS["in_process"] = args.in_process_sim
    SIM_OPTIONS["stream_over_latency"] = not args.tokens_after_latency
    only = tuple(g.strip() for g in args.only.split(",") if g.strip())
    if unknown := [g for g in only if g not in GROUPS]:
        parser.error(f"unknown group(s) {', '.join(unknown)}: choose from {', '.join(GROUPS)}")
    if args.write_docs and (set(only) != set(GROUPS) or args.tokens_after_latency or args.in_process_sim):
        parser.error("--write-docs needs every group on the default simulator (the table in the docs is one run's)")
    import logging

    logging.basicConfig(level=logging.WARNING)
    started = time.perf_counter()
    rows = measure(args.quick, (lambda m: None) if args.json else (lambda m: print(m, file=sys.stderr)), only)
    if args.json:
        print(json.dumps([{"measure": r.measure, "value": r.value, "goal": r.goal, "unit": r.unit} for r in rows]))
    else:
        print(table(rows))
        print(f"\n{sum(1 for r in rows if r.met())} of {len(rows)} goals met in {time.perf_counter() - started:.0f} s")
    if args.write_docs:
        write_docs(rows, "python bench/suite.py" + (" --quick" if args.quick else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
