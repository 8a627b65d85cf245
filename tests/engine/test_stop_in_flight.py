"""Stopping with requests in flight on a silent server: the stop keeps its timeout, and the cut chapters wait.

The simulator holds every answer for 8 s, longer than any stop here may take, so the workers are blocked in
socket reads when the engine stops. The stop shuts their connections down: the reads end at once, the
requests end as "stopped" (not an error, not a retry, not a fallback), and the chapters stay in the backlog
for the next start.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest

from chapterwise_testing.llmsim import LLMSimulator
from desktop_app.config import Settings
from desktop_app.engine.service import Engine
from desktop_app.engine.summarize.base import (
    STOPPED_MESSAGE,
    SummarizerBase,
    SummarizerStoppedError,
    SummaryRequest,
    SummaryResult,
)
from desktop_app.engine.summarize.registry import BackendOptions, make_llm
from desktop_app.engine.summarize.routing import RetryPolicy

from .pipeline_helpers import make_document, wait_until


def _settings(tmp_path: Path, url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "d",
        database_url=f"sqlite:///{tmp_path / 'stop.db'}",
        backend="ollama",
        model="llama3.2:latest",
        endpoints=[url],
        health_check_seconds=0.5,
        cache_enabled=False,
        shutdown_timeout=30.0,  # the stop below passes its own, shorter timeout
    )


def test_stop_returns_within_its_timeout_with_requests_blocked_on_a_silent_server(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    earlier = set(threading.enumerate())  # threads of earlier tests that may still be ending are not this engine's
    with LLMSimulator(latency=8.0, slots=2) as sim:
        # Two slots said on the URL: the limit is two from the start and only 429/503 lower it, so both
        # requests wait on the server whatever their latency says.
        engine = Engine(_settings(tmp_path, f"{sim.url}#parallel=2")).start()
        try:
            doc = engine.add_parsed(make_document(6, sentences=4), file_name="slow.txt")
            assert wait_until(lambda: sim.in_flight >= 2), "two requests wait on the server"
            ok = engine.stop(timeout=2.0)
        finally:
            engine.stop()
        workers = [t.name for t in set(threading.enumerate()) - earlier if t.name.startswith("summary-worker")]
        assert ok, "every loop ended within the timeout"
        assert workers == []
    with Engine(_settings(tmp_path, sim.url).model_copy(update={"skip_pipeline_init": True})) as later:
        view = later.document(doc.id)
    # Nothing was written for the cut chapters: no failure, no fallback, no error; they wait for the next start.
    assert {c.status for c in view.chapters} == {"pending"}
    assert not any(c.error or c.fallback for c in view.chapters)
    problems = [r.getMessage() for r in caplog.records if r.exc_info or r.levelno >= logging.WARNING]
    assert problems == []
    assert any("shut down; the requests on them end now" in r.getMessage() for r in caplog.records)


def test_a_cut_request_is_stopped_not_retried_and_not_counted(tmp_path: Path) -> None:
    with LLMSimulator(latency=8.0, slots=1) as sim:
        options = BackendOptions(retry=RetryPolicy(attempts=4), learn_capacity=False)
        summarizer = make_llm(_settings(tmp_path, sim.url), options)
        outcome: list[BaseException] = []

        def work() -> None:
            try:
                summarizer.summarize(SummaryRequest(text="The river rose. The village moved uphill. " * 20))
            except BaseException as err:  # the test reads what ended the request
                outcome.append(err)

        thread = threading.Thread(target=work)
        thread.start()
        assert wait_until(lambda: sim.in_flight == 1)
        summarizer.interrupt()
        thread.join(5.0)
        alive = thread.is_alive()
        summarizer.close()
    assert not alive, "the blocked read ended when its connection was shut down"
    assert len(outcome) == 1 and isinstance(outcome[0], SummarizerStoppedError)
    assert str(outcome[0]) == STOPPED_MESSAGE
    [endpoint] = summarizer.stats().endpoints
    assert endpoint.errors == 0 and endpoint.circuit == "closed" and endpoint.requests == 1  # no retry, no count


def test_an_endpoint_behind_the_environment_s_proxy_keeps_httpx_s_transport(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    settings = _settings(tmp_path, "https://llm.example.org").model_copy(
        update={"endpoints": ["https://llm.example.org", "http://127.0.0.1:11434"]}
    )
    options = BackendOptions(learn_capacity=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example.org:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    proxied_one, local = make_llm(settings, options).pool.endpoints  # type: ignore[attr-defined]
    # httpx reads the proxy only for a transport it builds itself: the request must reach the proxy.
    assert proxied_one.transport is None and local.transport is not None
    monkeypatch.delenv("HTTPS_PROXY")
    assert all(e.transport is not None for e in make_llm(settings, options).pool.endpoints)  # type: ignore[attr-defined]


class _HeldReduce(SummarizerBase):
    """Answers chapters at once; a whole-document request waits until the stop cuts it, when ``hold`` is set."""

    name = "held-reduce"
    model = "m"

    def __init__(self, *, hold: bool) -> None:
        self.hold = hold
        self.reducing = threading.Event()
        self.cut = threading.Event()

    def summarize(self, request: SummaryRequest) -> SummaryResult:
        if request.kind == "document":
            self.reducing.set()
            if self.hold and self.cut.wait(30):
                raise SummarizerStoppedError(STOPPED_MESSAGE)
        text = "The river rose." if request.kind != "document" else "The river rose and the village moved."
        return SummaryResult(summary=text, preview=text, backend=self.name, model=self.model, latency_ms=1.0)

    def interrupt(self) -> None:
        self.cut.set()


def test_a_whole_document_summary_cut_by_the_stop_is_made_at_the_next_start(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    settings = Settings(
        data_dir=tmp_path / "d", database_url=f"sqlite:///{tmp_path / 'reduce.db'}", cache_enabled=False
    )
    held = _HeldReduce(hold=True)
    engine = Engine(settings, summarizer=held).start()
    try:
        doc = engine.add_parsed(make_document(3, sentences=4), file_name="reduce.txt")
        assert held.reducing.wait(30), "the document's chapters were summarized and its reduce began"
        assert engine.stop(timeout=2.0)
    finally:
        engine.stop()
    assert held.cut.is_set(), "the stop cut the reduce"
    with Engine(settings.model_copy(update={"skip_pipeline_init": True})) as later:
        cut = later.document(doc.id)
    # Nothing was written for the cut reduce: the document waits for its summary, with no error to read.
    assert (cut.status, cut.summary, cut.error) == ("processing", None, None)
    assert {c.status for c in cut.chapters} == {"done"}
    problems = [r.getMessage() for r in caplog.records if r.exc_info or r.levelno >= logging.WARNING]
    assert problems == []
    with Engine(settings, summarizer=_HeldReduce(hold=False)) as again:
        made = again.wait(doc.id, timeout=30)
    assert (made.status, made.summary, made.error) == ("done", "The river rose and the village moved.", None)
