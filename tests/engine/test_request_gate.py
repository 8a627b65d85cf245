"""Permits around each request, not around a worker's whole chapter.

The learned concurrency limit counts requests at the server. A permit held while the worker builds the
prompt, grounds the answer or waits to retry would idle a server slot; these tests hold the backend to a
recording gate and look at when its permits are out.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from chapterwise_testing.llmsim import LLMSimulator
from desktop_app.engine.pipeline.limiter import ConcurrencyController
from desktop_app.engine.summarize.base import CircuitOpenError, SummaryRequest
from desktop_app.engine.summarize.registry import make_llm, make_summarizer

from . import llm_fixtures
from .llm_fixtures import CONTRACT, Sleeps, fast_options, settings_for

sim = llm_fixtures.sim
sleeps = llm_fixtures.sleeps


class RecordingGate:
    """A gate that hands out every permit at once and remembers what it was told."""

    def __init__(self) -> None:
        self.out = 0
        self.most_out = 0
        self.acquired = 0
        self.samples: list[tuple[str | None, float, int]] = []
        self.overloads: list[str | None] = []
        self.work_times: list[float | None] = []

    def acquire(self, stop: Callable[[], bool] = lambda: False) -> int | None:
        before = self.out
        self.out += 1
        self.acquired += 1
        self.most_out = max(self.most_out, self.out)
        return before

    def release(self) -> None:
        self.out -= 1

    def record(self, endpoint: str | None, latency_ms: float, in_flight: int, work_ms: float | None = None) -> None:
        self.samples.append((endpoint, latency_ms, in_flight))
        self.work_times.append(work_ms)

    def overloaded(self, endpoint: str | None = None) -> None:
        self.overloads.append(endpoint)


def test_each_request_takes_its_own_permit_and_gives_it_back(tmp_path: Path, sim: LLMSimulator, sleeps: Sleeps) -> None:
    summarizer = make_llm(settings_for(tmp_path, "ollama", [sim.url]), fast_options(sleeps))
    gate = RecordingGate()
    assert summarizer.gate_requests(gate)
    result = summarizer.summarize(SummaryRequest(text=CONTRACT, title="Agreement"))
    assert result.summary
    # The summary and the clause step are two requests, one after the other: two permits, never both out.
    assert [r.path for r in sim.requests if r.path != "/api/show"] == ["/api/chat", "/api/chat"]
    assert gate.acquired == 2
    assert gate.most_out == 1
    assert gate.out == 0
    assert [s[0] for s in gate.samples] == [sim.url, sim.url]
    assert all(in_flight == 1 for _, _, in_flight in gate.samples)
    # Ollama's last message says how long the server worked on each request: never more than the client waited.
    assert all(t is not None and 0 < t <= s[1] for t, s in zip(gate.work_times, gate.samples, strict=True))
    summarizer.close()


def test_without_the_servers_times_the_work_is_the_stream_after_its_first_token(tmp_path: Path) -> None:
    # An OpenAI-compatible server that reports no times: the answer is written at 100 tokens a second
    # after a wait of 0.2 s for the first token, and the work handed to the gate is the writing alone.
    with LLMSimulator(latency=0.2, tokens_per_second=100.0, slots=1) as server:
        summarizer = make_llm(settings_for(tmp_path, "openai", [server.url + "/v1"]), fast_options(Sleeps()))
        gate = RecordingGate()
        assert summarizer.gate_requests(gate)
        assert summarizer.summarize(SummaryRequest(text=llm_fixtures.CHAPTER, title="The Flood", want_clauses=False))
        summarizer.close()
    [(_, latency_ms, _)] = gate.samples
    [work_ms] = gate.work_times
    assert work_ms is not None
    assert 20.0 < work_ms < latency_ms - 150.0, f"work {work_ms:.0f} ms of {latency_ms:.0f} ms"


def test_wrappers_hand_the_gate_to_the_backend(tmp_path: Path, sim: LLMSimulator, sleeps: Sleeps) -> None:
    # The cache, chunking and fallback wrappers around the LLM backend.
    summarizer = make_summarizer(settings_for(tmp_path, "ollama", [sim.url]), fast_options(sleeps))
    gate = RecordingGate()
    assert summarizer.gate_requests(gate)
    summarizer.summarize(SummaryRequest(text=CONTRACT, title="Agreement", want_clauses=False))
    assert gate.acquired == 1 and gate.out == 0
    summarizer.close()


def test_a_429_tells_the_gate_which_endpoint_and_the_permit_is_not_held_while_waiting_to_retry(
    tmp_path: Path, sim: LLMSimulator
) -> None:
    gate = RecordingGate()
    outs_at_sleep: list[int] = []

    def sleep(seconds: float) -> None:
        outs_at_sleep.append(gate.out)

    summarizer = make_llm(settings_for(tmp_path, "ollama", [sim.url]), fast_options(sleep=sleep))
    summarizer.gate_requests(gate)
    sim.inject("429", count=1, retry_after=0.01)
    summarizer.summarize(SummaryRequest(text=CONTRACT, title="Agreement", want_clauses=False))
    assert gate.overloads == [sim.url]
    assert outs_at_sleep == [0]
    assert gate.acquired == 2 and gate.out == 0
    summarizer.close()


def test_no_endpoint_to_try_gives_the_permit_back(tmp_path: Path, sim: LLMSimulator, sleeps: Sleeps) -> None:
    summarizer = make_llm(
        settings_for(tmp_path, "ollama", [sim.url]), fast_options(sleeps, failure_threshold=1, reset_after=600.0)
    )
    gate = RecordingGate()
    summarizer.gate_requests(gate)
    sim.inject("500", count=3)
    with pytest.raises(Exception):  # noqa: B017 - the server error, after its retries
        summarizer.summarize(SummaryRequest(text=CONTRACT, title="Agreement", want_clauses=False))
    with pytest.raises(CircuitOpenError):
        summarizer.summarize(SummaryRequest(text=CONTRACT, title="Agreement", want_clauses=False))
    assert gate.out == 0
    summarizer.close()


def test_the_controller_is_a_gate_and_its_limit_holds_the_requests(
    tmp_path: Path, sim: LLMSimulator, sleeps: Sleeps
) -> None:
    summarizer = make_llm(settings_for(tmp_path, "ollama", [sim.url]), fast_options(sleeps))
    controller = ConcurrencyController([sim.url], initial=3, max_total=16)
    assert summarizer.gate_requests(controller)
    summarizer.summarize(SummaryRequest(text=CONTRACT, title="Agreement", want_clauses=False))
    assert controller.in_flight == 0
    summarizer.close()
