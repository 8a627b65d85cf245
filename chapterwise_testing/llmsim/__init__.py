"""A real HTTP server that speaks Ollama's and OpenAI's chat protocols, for tests and benchmarks.

Usage::

    with LLMSimulator(latency=0.01, tokens_per_second=0, slots=2) as sim:
        sim.url             # http://127.0.0.1:<port>  (OpenAI dialect under sim.url + "/v1")
        sim.inject("503", count=2)

Command line: ``python -m chapterwise_testing.llmsim --port 11434``; in a child process (a real server's
setting, for benchmarks): :class:`~.process.SimulatorProcess`.
"""

from __future__ import annotations

from .process import SimulatorProcess
from .server import FAULTS, LLMSimulator, RecordedRequest

__all__ = ["FAULTS", "LLMSimulator", "RecordedRequest", "SimulatorProcess"]
