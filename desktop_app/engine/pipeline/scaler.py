"""How many summary workers to run: a pure decision from the pipeline's gauges.

The pool starts at ``SUMMARY_MAX_WORKERS`` and moves between the configured bounds (3–16):

- **down** when the write queue is nearly full (the database is the bottleneck: more workers only
  fill memory) or the LLM server pushes back (429/503 answers, latency rising with concurrency);
- **up** when work waits in the queue and every worker is busy, towards an *optimal* count set by the
  backend: for CPU-bound summarizers the number of cores (more threads only contend), for remote LLMs
  the concurrency the endpoints were found to take (:mod:`.limiter`; the cores do not say what a GPU
  server runs), never more than the backend's known parallel slots (without a learned limit, 2–3× the
  cores, as before);
- **down by one** when the pool idles with an empty queue.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ScaleInputs:
    current: int
    busy: int
    min_workers: int
    max_workers: int
    queue_depth: int
    write_depth: int
    write_max: int
    backlog: int
    latency_p50_ms: float | None
    latency_trend: float | None  # recent p50 / earlier p50; > 1 means slowing down
    cores: int
    cpu_bound: bool
    backend_slots: int | None
    overload_errors: int  # 429/503 answers since the last decision
    learned_limit: int | None = None  # the endpoints' learned concurrency limits (.limiter), remote backends


@dataclass(frozen=True, slots=True)
class ScaleDecision:
    target: int
    optimal: int
    reason: str


def optimal_workers(inputs: ScaleInputs) -> int:
    if inputs.cpu_bound:
        optimal = inputs.cores
    elif inputs.learned_limit is not None:
        optimal = inputs.learned_limit  # what the server takes, whatever the cores
    else:
        high_latency = (inputs.latency_p50_ms or 0.0) > 1000.0
        optimal = inputs.cores * (3 if high_latency else 2)
    if inputs.backend_slots:
        optimal = min(optimal, inputs.backend_slots)
    return max(inputs.min_workers, min(inputs.max_workers, optimal))


def decide(inputs: ScaleInputs) -> ScaleDecision:
    cur = inputs.current
    optimal = optimal_workers(inputs)
    floor = inputs.min_workers

    if inputs.write_max and inputs.write_depth >= 0.8 * inputs.write_max and cur > floor:
        return ScaleDecision(max(floor, cur - max(1, cur // 4)), optimal, "write queue saturated")
    if inputs.overload_errors and cur > floor:
        return ScaleDecision(max(floor, cur - 1), optimal, "LLM server overloaded")
    if inputs.latency_trend is not None and inputs.latency_trend > 1.5 and cur > optimal:
        return ScaleDecision(max(floor, cur - 1), optimal, "latency rising with concurrency")

    waiting = inputs.queue_depth + (1 if inputs.backlog else 0)
    if waiting and inputs.busy >= cur and cur < optimal:
        if inputs.latency_trend is not None and inputs.latency_trend > 1.5:
            return ScaleDecision(cur, optimal, "holding: latency rising")
        step = max(1, math.ceil(min(waiting, cur) / 2))
        return ScaleDecision(min(optimal, cur + step), optimal, "queue depth")
    if cur > optimal:
        return ScaleDecision(max(optimal, cur - 1), optimal, "above optimal")
    if not waiting and inputs.busy < cur / 2 and cur > floor:
        return ScaleDecision(cur - 1, optimal, "idle")
    return ScaleDecision(cur, optimal, "steady")
