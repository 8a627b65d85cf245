"""Where the concurrency limit settles on model servers of 1–16 slots (virtual time: exact, instant).

The thresholds of ``engine/pipeline/limiter.py`` were chosen on the real pipeline against the simulator with
1, 4 and 8 slots; every other slot count here is held out. Run: ``python bench/limiter_settling.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.engine.test_limiter import ModelServer, controller_for


def main() -> int:
    print("| slots | settled limit | within ±1 | part |")
    print("|---|---|---|---|")
    for slots in (1, 4, 8, 2, 3, 5, 6, 10, 12, 16):
        server = ModelServer(slots)
        controller = controller_for(server)
        server.run(controller, 3000)
        part = "tuned on" if slots in (1, 4, 8) else "held out"
        ok = "yes" if slots - 1 <= controller.limit <= slots + 1 else "no"
        print(f"| {slots} | {controller.limit} | {ok} | {part} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
