"""How long a stop takes with requests blocked on a silent LLM server, with and without cutting them.

    .venv/bin/python bench/stop_in_flight.py [--latency 8 20] [--timeout 5] [--json]

The real engine (SQLite file, Ollama backend) against the LLM simulator, which holds every answer for
``latency`` seconds; a 6-chapter document is added and, once two requests are out, ``Engine.stop(timeout)``
is called. "cut" is the product (the endpoints' transports shut their sockets down once half the stop's time
is spent); "no cut" disables only that shutdown, which is how the stop behaved before: the blocked reads end
when the server answers. Prints, per row: the seconds until ``stop`` returned, whether it reported every loop
ended, and the seconds until the last summary worker thread was gone.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from chapterwise_testing.llmsim import LLMSimulator  # noqa: E402
from desktop_app.config import Settings  # noqa: E402
from desktop_app.engine.service import Engine  # noqa: E402
from desktop_app.engine.summarize import transport  # noqa: E402
from tests.engine.pipeline_helpers import make_document  # noqa: E402


def _workers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("summary-worker")]


def run(latency: float, timeout: float, cut: bool) -> dict[str, object]:
    original = transport.CuttableTransport.cut
    if not cut:
        transport.CuttableTransport.cut = lambda self: 0  # type: ignore[method-assign]
    try:
        with tempfile.TemporaryDirectory() as tmp, LLMSimulator(latency=latency, slots=2) as sim:
            settings = Settings(
                data_dir=Path(tmp) / "d",
                database_url=f"sqlite:///{Path(tmp) / 'stop.db'}",
                backend="ollama",
                model="llama3.2:latest",
                endpoints=[sim.url],
                cache_enabled=False,
            )
            engine = Engine(settings).start()
            engine.add_parsed(make_document(6, sentences=4), file_name="slow.txt")
            tick = threading.Event()
            while sim.in_flight < 2:
                tick.wait(0.05)
            started = time.monotonic()
            ok = engine.stop(timeout=timeout)
            returned = time.monotonic() - started
            for worker in _workers():
                worker.join()
            gone = time.monotonic() - started
    finally:
        transport.CuttableTransport.cut = original  # type: ignore[method-assign]
    return {
        "latency_s": latency,
        "cut": cut,
        "stop_returned_s": round(returned, 2),
        "ok": ok,
        "workers_gone_s": round(gone, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency", type=float, nargs="+", default=[8.0, 20.0])
    parser.add_argument("--timeout", type=float, default=5.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = [run(latency, args.timeout, cut) for latency in args.latency for cut in (True, False)]
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print(f"Engine.stop(timeout={args.timeout:g}) with two requests blocked on the simulator")
    print(f"{'latency':>8} {'requests':>9} {'stop returned':>14} {'all ended':>10} {'workers gone':>13}")
    for row in rows:
        print(
            f"{row['latency_s']:>7g}s {'cut' if row['cut'] else 'not cut':>9} {row['stop_returned_s']:>13.2f}s "
            f"{'yes' if row['ok'] else 'no':>10} {row['workers_gone_s']:>12.2f}s"
        )


if __name__ == "__main__":
    main()
