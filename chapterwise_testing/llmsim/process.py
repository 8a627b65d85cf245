"""The simulator in a process of its own, as a real LLM server runs beside the app.

In the app's own process the simulator's answers are streamed by the same interpreter as the client's
requests, so both compete for the interpreter's lock, and what a benchmark measures as the pipeline's
overhead is partly the server's. :class:`SimulatorProcess` starts ``python -m chapterwise_testing.llmsim``
on a free port, reads its address from the first line it prints, and reads its counters from
``GET /sim/stats``.

Usage::

    with SimulatorProcess(latency=0.2, slots=8) as sim:
        sim.url
        sim.stats()["max_in_flight"]
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

_URL = re.compile(r"http://[\w.]+:\d+")


class SimulatorProcess:
    """``python -m chapterwise_testing.llmsim`` in a child process; see the module docstring."""

    def __init__(
        self,
        *,
        latency: float,
        slots: int,
        tokens_per_second: float = 0.0,
        prompt_tokens_per_second: float = 0.0,
        stream_over_latency: bool = False,
    ) -> None:
        self.args = [
            "--port",
            "0",
            "--latency",
            str(latency),
            "--slots",
            str(slots),
            "--tokens-per-second",
            str(tokens_per_second),
            "--prompt-tokens-per-second",
            str(prompt_tokens_per_second),
            "--quiet",
            *(["--stream-over-latency"] if stream_over_latency else []),
        ]
        self.url = ""
        self._proc: subprocess.Popen[str] | None = None

    def __enter__(self) -> SimulatorProcess:
        root = str(Path(__file__).resolve().parent.parent.parent)
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p))
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "chapterwise_testing.llmsim", *self.args],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        match = _URL.search(line)
        if match is None:
            self.__exit__()
            raise RuntimeError(f"the simulator did not start: {line!r}")
        self.url = match.group(0)
        return self

    def stats(self) -> dict[str, Any]:
        """The simulator's counters (:meth:`LLMSimulator.stats`): ``served``, ``in_flight``, ``waiting``,
        ``max_in_flight``, ``connections``, and ``busy_seconds`` and ``queued_seconds`` since the start."""
        with urllib.request.urlopen(f"{self.url}/sim/stats", timeout=5) as answer:
            data: dict[str, Any] = json.load(answer)
        return data

    def __exit__(self, *exc: object) -> None:
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            if self._proc.stdout is not None:
                self._proc.stdout.close()
            self._proc = None
