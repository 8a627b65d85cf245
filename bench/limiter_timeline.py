"""Where a run on a server of unknown slots loses its time: the limit's decisions and the slots' use over time.

    PYTHONPATH=. .venv/bin/python bench/limiter_timeline.py [--slots 8] [--chapters 1000] [--runs 1]

The pipeline (Ollama's protocol, the slots not told) summarizes a generated document on the LLM
simulator in a process of its own (200 ms a request, its answer streamed over them, ``--slots`` at once), as
``bench/suite.py``'s adaptive rows do (``--tokens-after-latency``: the answer sent after the 200 ms).
The simulator counts the slot-seconds its requests held (``busy_seconds`` of ``/sim/stats``); polled
every 10 ms over the first ``--watch`` seconds from the moment the wall clock starts (the document is made
before it), they give the slot-seconds lost so far (slots × time − busy),
printed beside the requests in flight and the limit's decisions. The summary line splits the run's loss
against the nominal 200 ms into the first seconds, the rest, and the time each request held its slot past
the 200 ms (the transfer).
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.suite import llm_settings, run_document
from chapterwise_testing.llmsim import SimulatorProcess
from desktop_app.engine.service import Engine

LATENCY_S = 0.2


class _Decisions(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.started = time.perf_counter()
        self.lines: list[tuple[float, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith("Concurrency limit of"):
            self.lines.append((time.perf_counter() - self.started, message.split(": ", 1)[1]))


def run(slots: int, chapters: int, watch: float, *, stream_over_latency: bool = True) -> None:
    decisions = _Decisions()
    limiter_log = logging.getLogger("desktop_app.engine.pipeline.limiter")
    limiter_log.addHandler(decisions)
    limiter_log.setLevel(logging.INFO)
    samples: list[tuple[float, int, float]] = []  # (seconds since the upload, in flight, slot-seconds lost)
    try:
        folder = Path(tempfile.mkdtemp(prefix="chapterwise-timeline-"))
        simulator = SimulatorProcess(latency=LATENCY_S, slots=slots, stream_over_latency=stream_over_latency)
        with simulator as sim, Engine(llm_settings(folder, sim.url)) as engine:
            first = sim.stats()

            def poll() -> None:
                started = decisions.started
                while (now := time.perf_counter() - started) < watch:
                    stats = sim.stats()
                    busy = stats["busy_seconds"] - first["busy_seconds"]
                    samples.append((now, int(stats["in_flight"]), slots * now - busy))
                    time.sleep(0.01)

            poller = threading.Thread(target=poll, daemon=True)

            def start_watching() -> None:
                decisions.started = time.perf_counter()  # with the wall clock: the document is made before it
                poller.start()

            wall = run_document(engine, chapters, on_start=start_watching)
            poller.join()
            last = sim.stats()
    finally:
        limiter_log.removeHandler(decisions)
    served = last["served"] - first["served"]
    busy = last["busy_seconds"] - first["busy_seconds"]
    lost = slots * wall - chapters * LATENCY_S
    early = samples[-1][2] if samples else 0.0
    held_past = busy - served * LATENCY_S
    ideal = chapters / slots * LATENCY_S
    print(
        f"\n{slots} slots, {chapters:,} chapters: {wall:.2f} s, wall ÷ ideal {wall / ideal:.3f}, "
        f"{100 * ideal / wall:.1f} % of the slots ÷ 200 ms"
    )
    print(
        f"slot-seconds lost against 200 ms a request: {lost:.2f} = {early:.2f} in the first {watch:g} s "
        f"+ {lost - early - held_past:.2f} after + {held_past:.2f} held past 200 ms "
        f"({1000 * busy / served:.1f} ms a request)"
    )
    print("| s | in flight | slot-seconds lost |\n|---|---|---|")
    shown = -1.0
    for at, in_flight, lost_so_far in samples:
        if at - shown >= 0.1:
            print(f"| {at:.2f} | {in_flight} | {lost_so_far:.2f} |")
            shown = at
    print("\n| s | decision |\n|---|---|")
    for at, line in decisions.lines:
        print(f"| {at:.2f} | {line} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--slots", type=int, default=8)
    parser.add_argument("--chapters", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--watch", type=float, default=4.0, help="seconds polled from the upload")
    parser.add_argument("--tokens-after-latency", action="store_true", help="the answer sent after the latency")
    args = parser.parse_args(argv)
    for _ in range(args.runs):
        run(args.slots, args.chapters, args.watch, stream_over_latency=not args.tokens_after_latency)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
