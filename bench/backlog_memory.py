"""Memory with a long backlog: the process's resident size while 10,000 chapters wait, sampled for 3 minutes.

    PYTHONPATH=. .venv/bin/python bench/backlog_memory.py [--chapters 10000] [--seconds 180] [--json]

Saves one generated document of ``--chapters`` chapters (about 2 KB of text each) on a fresh SQLite file,
drops the parsed document, then runs the engine against the project's LLM simulator in a process of its
own (``--slots`` requests at once, ``--latency`` seconds each: 4 × 0.2 s summarizes about 20 chapters a
second, so most of the backlog is still waiting at the end) and reads this process's resident set size
(``VmRSS``) once a second. What it shows is whether anything grows with the backlog or with time: the
chapters waiting stay in the database, and what the pipeline holds (the summary queue of 200, the write
queue, the latency windows, the events) is bounded.

Prints the resident size before the start, its largest value, and its growth over the run after the first
minute (the median of the last 30 s's samples less the median of the 30 s after the first minute; a run
shorter than 3 minutes takes a third of its time for the warm-up and a sixth for each span), which is how
"flat" is read: the first minute is the pools', caches' and allocator's warm-up. ``--json`` prints the
figures as one object, for the suite.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.pipeline import generated_document
from chapterwise_testing.llmsim import SimulatorProcess
from desktop_app.config import Settings
from desktop_app.engine.events import ChapterCommitted, Event
from desktop_app.engine.service import Engine

#: Seconds after the start that the growth is not counted from (the warm-up), and the span each end is read
#: over; a shorter run takes a third of its time and a sixth of it.
WARM_UP_S = 60.0
SPAN_S = 30.0


def windows(seconds: float) -> tuple[float, float]:
    """(warm-up, span) in seconds for a run of ``seconds``."""
    return min(WARM_UP_S, seconds / 3), min(SPAN_S, seconds / 6)


def rss_mb() -> float:
    """This process's resident set size in MB (``VmRSS`` in /proc)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    raise RuntimeError("no VmRSS in /proc/self/status")


def run(chapters: int, seconds: float, *, slots: int, latency: float) -> dict[str, object]:
    folder = Path(tempfile.mkdtemp(prefix="chapterwise-memory-"))
    with SimulatorProcess(latency=latency, slots=slots) as sim:
        settings = Settings(
            data_dir=folder,
            database_url=f"sqlite:///{folder / 'db.sqlite'}",
            backend="ollama",
            model="llama3.2:latest",
            endpoints=[sim.url],
            cache_enabled=False,
            request_timeout=60.0,
        )
        engine = Engine(settings)
        parsed = generated_document(chapters)
        doc = engine.add_parsed(parsed, file_name="backlog.txt")
        del parsed
        gc.collect()
        committed = [0]
        lock = threading.Lock()

        def on_event(event: Event) -> None:
            if isinstance(event, ChapterCommitted):
                with lock:
                    committed[0] += 1

        engine.bus.subscribe(on_event)
        before = rss_mb()
        samples: list[tuple[float, float]] = []
        started = time.monotonic()
        engine.start()
        try:
            while (elapsed := time.monotonic() - started) < seconds:
                samples.append((elapsed, rss_mb()))
                time.sleep(1.0)
            waiting = engine.document(doc.id, chapters=False).chapter_count - committed[0]
        finally:
            engine.stop()
    warm_up, span = windows(seconds)
    late = [mb for t, mb in samples if t >= seconds - span]
    early = [mb for t, mb in samples if warm_up <= t < warm_up + span]
    growth = statistics.median(late) - statistics.median(early)
    return {
        "chapters": chapters,
        "seconds": round(seconds),
        "rss_before_mb": round(before, 1),
        "rss_max_mb": round(max(mb for _, mb in samples), 1),
        "rss_end_mb": round(samples[-1][1], 1),
        "growth_mb": round(growth, 1),
        "warm_up_s": warm_up,
        "span_s": span,
        "summarized": committed[0],
        "waiting_at_end": waiting,
        "samples": [(round(t, 1), round(mb, 1)) for t, mb in samples],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chapters", type=int, default=10000)
    parser.add_argument("--seconds", type=float, default=180.0)
    parser.add_argument("--slots", type=int, default=4, help="requests the simulated server runs at once")
    parser.add_argument("--latency", type=float, default=0.2, help="seconds the simulated server takes a request")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args(argv)
    import logging

    logging.basicConfig(level=logging.WARNING)
    out = run(args.chapters, args.seconds, slots=args.slots, latency=args.latency)
    if args.json:
        print(json.dumps(out))
        return 0
    print(f"Resident memory, {args.chapters:,} chapters backlogged, {args.seconds:.0f} s")
    print(f"before the start        {out['rss_before_mb']:8.1f} MB")
    print(f"largest                 {out['rss_max_mb']:8.1f} MB")
    print(f"at the end              {out['rss_end_mb']:8.1f} MB")
    print(f"growth after {out['warm_up_s']:.0f} s      {out['growth_mb']:+8.1f} MB")
    print(f"summarized / waiting    {out['summarized']:,} / {out['waiting_at_end']:,}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
