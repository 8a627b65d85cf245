"""Where the concurrency limit settles on model servers of 1–16 slots (virtual time: exact, instant).

The thresholds of ``engine/pipeline/limiter.py`` were chosen on the real pipeline against the simulator with
1, 4 and 8 slots; every other slot count here is held out (but for ``MIN_GAIN`` and ``LATENCY_PRICE``, which
were also looked at on this model with 2, 12 and 16 slots; 3, 5, 6, 7 and 10 are held out for them too;
``LATENCY_PRICE`` was last set on the real pipeline's 4 slots).
Beside each, the same server where the client spends 10 ms of each 210 ms request on its own work, as it
does on this machine: where the limit settles and how busy the slots are in the second half.
The last columns are the start: the lowest limit a decision took it down to (slow start doubles past the
slots, then comes back), and the share of the slots busy over a run of 60 requests a slot, the
start included. The last but one: requests of different lengths (each 100–600 ms of the server's work, as
chapters of different lengths take), where the server says its own time on each (llama.cpp's ``timings``,
Ollama's durations) and, after the slash, where it does not: the limit at the end of 3,000 requests and the
slots' share over the run. Run: ``python bench/limiter_settling.py``.

That last case depends on the order its lengths come in: one seed of it says little about a change. ``--seeds N``
(8: about two minutes) also runs it with the server's times on N orders of the lengths, and prints the
median and the worst share of the slots busy over them, and the limits they ended at.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.engine.test_limiter import ModelServer, controller_for


def spread_over_seeds(seeds: int) -> None:
    print()
    print(f"| slots | 100–600 ms requests, the server's times, {seeds} orders: slots busy, median | worst | limits |")
    print("|---|---|---|---|")
    for slots in (1, 2, 4, 5, 6, 7, 8, 10, 12, 16):
        shares, limits = [], []
        for seed in range(1, seeds + 1):
            server = ModelServer(slots, spread=(100.0, 600.0), reports_work=True, seed=seed)
            controller = controller_for(server)
            server.run(controller, 3000)
            shares.append(server.whole_run())
            limits.append(controller.limit)
        print(f"| {slots} | {statistics.median(shares):.0%} | {min(shares):.0%} | {', '.join(map(str, limits))} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=0, help="also run the 100–600 ms case on this many orders")
    args = parser.parse_args()
    print(
        "| slots | settled limit | within ±1 | with 10 ms of the client's time a request: limit, slots busy "
        "| lowest limit a drop set | 60 requests a slot: slots busy "
        "| 100–600 ms requests: limit, slots busy (the server's times / latency alone) | part |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for slots in (1, 4, 8, 2, 3, 5, 6, 7, 10, 12, 16):
        server = ModelServer(slots)
        controller = controller_for(server)
        server.run(controller, 3000)
        busy_server = ModelServer(slots, client_ms=10.0)
        busy_controller = controller_for(busy_server)
        busy_server.run(busy_controller, 3000)
        busy, _ = busy_server.second_half()
        lowest = min((d.new for d in list(controller.decisions)[1:] if d.new < d.old), default=controller.limit)
        short = ModelServer(slots)
        short.run(controller_for(short), 60 * slots)
        spread = []
        for reports in (True, False):
            varied = ModelServer(slots, spread=(100.0, 600.0), reports_work=reports)
            varied_controller = controller_for(varied)
            varied.run(varied_controller, 3000)
            spread.append(f"{varied_controller.limit}, {varied.whole_run():.0%}")
        part = "tuned on" if slots in (1, 4, 8) else "held out"
        ok = "yes" if slots - 1 <= controller.limit <= slots + 1 else "no"
        print(
            f"| {slots} | {controller.limit} | {ok} | {busy_controller.limit}, {min(busy, 1.0):.1%} | {lowest} "
            f"| {short.whole_run():.1%} | {' / '.join(spread)} | {part} |"
        )
    if args.seeds:
        spread_over_seeds(args.seeds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
