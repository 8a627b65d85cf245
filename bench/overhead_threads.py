"""Where the pipeline's overhead goes: each thread's processor time per chapter, zero-latency backend.

    PYTHONPATH=. .venv/bin/python bench/overhead_threads.py [--chapters 10000] [--runs 3] [--first 2000]

The suite's overhead measure (``bench/suite.py --only overhead``) times the pipeline from its start to the
last chapter committed. This breaks the same run down by thread: the DB writer, the feeder and the summary
workers, each read from its own processor clock at the moment the last chapter's progress is published,
beside the wall time and the process's processor time. When the process's time equals the wall time, one
interpreter runs the whole pipeline and each thread's share is what it costs.

It also sums how long the feeder's claims and the writer's batches held the lock they share on the
database (``write lock held``), and the store's own time on one thread (below) says how much of that the
statements themselves take.

``--first N`` also times saving an N-chapter parsed document (``Engine.add_parsed``) on a started engine:
until its first chapter is committed, and until the call returns.

``--store`` (on by default; ``--no-store`` skips it) times the store's own share on one thread, with no
queues and no other threads: the feeder's claims (``CLAIM_BATCH`` chapters a transaction), their reading
(after the claim's commit, on another connection, as the feeder reads them) and the writer's result batches
(``batch_size`` a transaction: made ready, written, the documents reopened where needed),
through the same functions the pipeline calls, on the same kind of SQLite file. It is what a chapter
costs the database and its driver alone: the pipeline's overhead cannot fall below it. Beside it,
``summarize`` is what a summary worker does with a chapter apart from taking and handing it on
(``summarize_chapter``: the request, the record, the summary's sentences aligned to the chapter's text);
``one thread`` is the two together, the pipeline's work with no threads to pass it between.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.pipeline import generated_document
from bench.suite import ZeroLatency
from desktop_app.config import Settings
from desktop_app.engine.events import ChapterCommitted, DocumentProgress, Event
from desktop_app.engine.memory import settle_memory
from desktop_app.engine.pipeline.feeder import CLAIM_BATCH
from desktop_app.engine.pipeline.work import summarize_chapter
from desktop_app.engine.service import Engine
from desktop_app.engine.store import backlog
from desktop_app.engine.store.db import open_database, serial_sessions


def _group(name: str) -> str:
    return "summary workers" if name.startswith("summary-worker") else name


def thread_seconds() -> Counter[str]:
    """Processor seconds of every live thread so far, by thread name (the workers together)."""
    out: Counter[str] = Counter()
    for thread in threading.enumerate():
        if thread.ident is None:
            continue
        try:
            out[_group(thread.name)] += time.clock_gettime(time.pthread_getcpuclockid(thread.ident))
        except (OSError, AttributeError):  # the thread ended meanwhile, or no per-thread clocks here
            continue
    return out


def _engine(folder: Path, *, pipeline: bool = True) -> Engine:
    settings = Settings(
        data_dir=folder,
        database_url=f"sqlite:///{folder / 'db.sqlite'}",
        cache_enabled=False,
        skip_pipeline_init=not pipeline,
    )
    engine = Engine(settings, summarizer=ZeroLatency())
    settle_memory()  # as the app's entry points do once the engine is up
    return engine


class TimedLock:
    """A lock that sums how long it was held: the feeder's and the writer's shared turns on the database."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._since = 0.0
        self.seconds = 0.0

    def __enter__(self) -> TimedLock:
        self._lock.acquire()
        self._since = time.perf_counter()
        return self

    def __exit__(self, *_: object) -> None:
        self.seconds += time.perf_counter() - self._since
        self._lock.release()


def run_threads(chapters: int) -> dict[str, float]:
    """µs a chapter: wall, process and each thread's processor time, from the start to the last commit.

    Also how long the feeder's claims and the writer's batches held the lock they share (``write lock held``):
    against the store's own time on one thread (``--store``), what the lock's holder spent waiting for the
    interpreter while other threads ran.
    """
    engine = _engine(Path(tempfile.mkdtemp(prefix="chapterwise-threads-")))
    held = TimedLock()
    pipeline = engine._pipeline
    assert pipeline is not None, "the engine was made with its pipeline"
    pipeline.feeder.write_lock = pipeline.writer.write_lock = held
    doc = engine.add_parsed(generated_document(chapters), file_name="bench.txt")
    done = threading.Event()
    at_end: dict[str, object] = {}

    def on_event(event: Event) -> None:
        finished = isinstance(event, DocumentProgress) and event.done + event.failed + event.cancelled >= event.total
        if finished and event.document_id == doc.id and not done.is_set():  # type: ignore[union-attr]
            at_end["threads"], at_end["wall"] = thread_seconds(), time.perf_counter()
            done.set()

    engine.bus.subscribe(on_event)
    before, started, process = thread_seconds(), time.perf_counter(), time.process_time()
    engine.start()
    done.wait(600)
    process = time.process_time() - process
    engine.stop()
    threads: Counter[str] = at_end["threads"]  # type: ignore[assignment]
    per = 1e6 / chapters
    row = {"wall": (float(at_end["wall"]) - started) * per, "process": process * per}  # type: ignore[arg-type]
    row["write lock held"] = held.seconds * per
    for name, seconds in threads.items():
        if name != "MainThread":
            row[name] = (seconds - before.get(name, 0.0)) * per
    return row


def run_first(chapters: int) -> tuple[float, float]:
    """(ms until the first chapter was committed, ms until add_parsed returned) on a started engine."""
    with _engine(Path(tempfile.mkdtemp(prefix="chapterwise-first-"))) as engine:
        parsed = generated_document(chapters)
        first = threading.Event()
        committed: list[float] = []

        def on_event(event: Event) -> None:
            if isinstance(event, ChapterCommitted) and not committed:
                committed.append(time.perf_counter())
                first.set()

        engine.bus.subscribe(on_event)
        started = time.perf_counter()
        engine.add_parsed(parsed, file_name="first.txt")
        returned = time.perf_counter() - started
        first.wait(60)
        return (committed[0] - started) * 1000.0, returned * 1000.0


def run_store(chapters: int) -> dict[str, float]:
    """µs a chapter on one thread: the store's work (claims, results made ready, written) and the workers' own."""
    folder = Path(tempfile.mkdtemp(prefix="chapterwise-store-"))
    with _engine(folder, pipeline=False) as engine:  # no pipeline: every chapter stays in the backlog
        engine.add_parsed(generated_document(chapters), file_name="store.txt")
        settings = engine.settings
    db, reads = open_database(settings.resolved_database_url)
    serial = serial_sessions(db)
    assert serial is not None, "a SQLite file has the pipeline's serial sessions"
    serial_db, sessions = serial
    summarizer = ZeroLatency()
    spent = Counter[str]()
    claimed = 0
    try:
        while True:
            started = time.perf_counter()
            with sessions.begin() as session:
                claim = backlog.claim_backlog(session, "store-bench", CLAIM_BATCH)
            committed = time.perf_counter()
            with reads() as session:  # as the feeder reads a claim: after its commit, on another connection
                work = claim.read(session)
            spent["claim"] += committed - started
            spent["read"] += time.perf_counter() - committed
            if not work:
                break
            claimed += len(work)
            started = time.perf_counter()
            records = [
                summarize_chapter(w, summarizer, max_sentences=settings.summary_sentences, max_attempts=3)[0]
                for w in work
            ]
            spent["summarize"] += time.perf_counter() - started
            for first in range(0, len(records), settings.batch_size):
                batch = records[first : first + settings.batch_size]
                started = time.perf_counter()
                prepared = backlog.prepare_chapter_results(db.dialect, batch)
                ready = time.perf_counter()
                with sessions.begin() as session:
                    written = backlog.write_prepared(session, prepared)
                    backlog.reopen_documents(session, {r.document_id for r in batch if r.id in written})
                spent["prepare"] += ready - started
                spent["write"] += time.perf_counter() - ready
    finally:
        serial_db.dispose()
        db.dispose()
    assert claimed == chapters, f"{claimed} of {chapters} chapters were left in the backlog"
    row = {name: seconds * 1e6 / chapters for name, seconds in spent.items()}
    row["store"] = row["claim"] + row["read"] + row["prepare"] + row["write"]
    row["one thread"] = row["store"] + row["summarize"]
    return row


def _table(rows: list[dict[str, float]], names: list[str]) -> None:
    print(f"{'µs a chapter':<18}" + "".join(f"{'run ' + str(i + 1):>9}" for i in range(len(rows))) + f"{'median':>9}")
    for name in names:
        values = [r.get(name, 0.0) for r in rows]
        print(f"{name:<18}{''.join(f'{v:9.1f}' for v in values)}{statistics.median(values):9.1f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chapters", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--first", type=int, default=2000, help="chapters of the saved document (0: skip)")
    parser.add_argument(
        "--store",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="time the store, and a worker's own work, on one thread",
    )
    args = parser.parse_args(argv)
    rows = [run_threads(args.chapters) for _ in range(args.runs)]
    print(f"Pipeline overhead by thread, zero-latency backend, {args.chapters:,} chapters, {args.runs} runs")
    first = ["wall", "process", "write lock held"]
    _table(rows, [*first, *sorted({k for r in rows for k in r} - set(first))])
    if args.store:
        stores = [run_store(args.chapters) for _ in range(args.runs)]
        print(
            f"\nThe store and a worker's own work, one thread, no queues, {args.chapters:,} chapters ({args.runs} runs)"
        )
        _table(stores, ["claim", "read", "prepare", "write", "store", "summarize", "one thread"])
    if args.first:
        firsts = [run_first(args.first) for _ in range(args.runs)]
        print(f"\nSaving a {args.first:,}-chapter parsed document on a started engine ({args.runs} runs)")
        print(f"first chapter committed: {[round(f) for f, _ in firsts]} ms")
        print(f"add_parsed returned:     {[round(r) for _, r in firsts]} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
