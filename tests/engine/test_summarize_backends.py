"""Ollama and OpenAI-compatible backends against the LLM simulator, over real HTTP, every fault path."""

from __future__ import annotations

import itertools
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from chapterwise_testing.llmsim import LLMSimulator
from desktop_app.engine.summarize.base import (
    BackendTimeoutError,
    BadRequestError,
    CircuitOpenError,
    InvalidResponseError,
    ModelNotFoundError,
    RateLimitedError,
    ServerBusyError,
    ServerError,
    SummaryRequest,
)
from desktop_app.engine.summarize.http import MalformedAnswerError, finish_stream
from desktop_app.engine.summarize.llm import LLMSummarizer
from desktop_app.engine.summarize.registry import make_llm, make_summarizer
from tests.engine import llm_fixtures
from tests.engine.llm_fixtures import CHAPTER, CONTRACT, MODEL, Sleeps, backend_urls, fast_options, settings_for

sim = llm_fixtures.sim
sleeps = llm_fixtures.sleeps

BACKENDS = ["ollama", "openai"]
FIRST_TWO = "The river rose for three days after the storm. Farmers moved their animals to the hills."


def llm(tmp_path: Path, server: LLMSimulator, backend: str, sleeper: Sleeps, **kw: object) -> LLMSummarizer:
    settings = settings_for(tmp_path, backend, backend_urls(server, backend), **kw)
    return make_llm(settings, fast_options(sleeper))


def chat_posts(server: LLMSimulator) -> list[object]:
    """The generation requests the server got (not its capacity or model listings)."""
    return [r for r in server.requests if r.method == "POST" and not r.path.endswith("/show")]


def chapter(text: str = CHAPTER, n: int = 2) -> SummaryRequest:
    return SummaryRequest(text=text, title="The Flood", max_sentences=n)


@pytest.mark.parametrize("backend", BACKENDS)
def test_summary_preview_tokens(tmp_path: Path, sim: LLMSimulator, sleeps: Sleeps, backend: str) -> None:
    summarizer = llm(tmp_path, sim, backend, sleeps)
    result = summarizer.summarize(chapter())
    assert result.summary == FIRST_TWO
    assert result.preview == "The river rose for three days after the storm."
    assert (result.backend, result.model, result.endpoint) == (backend, MODEL, summarizer.pool.endpoints[0].url)
    assert result.completion_tokens == len(FIRST_TWO.split())
    assert result.prompt_tokens and result.prompt_tokens > 50
    assert result.clause_flags == []  # not a contract: no clause prompt sent
    assert len(chat_posts(sim)) == 1
    body = sim.requests[-1].body
    assert body["stream"] is True and body["model"] == MODEL
    if backend == "ollama":
        assert body["options"]["num_ctx"] == 4096
    else:
        assert body["stream_options"] == {"include_usage": True}
    assert "".join(summarizer.stream(chapter())) == FIRST_TWO
    summarizer.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_one_connection_serves_request_after_request(
    tmp_path: Path, sim: LLMSimulator, sleeps: Sleeps, backend: str
) -> None:
    """A streamed answer is read to its end, so its connection goes back to the pool for the next request.

    Left at its last message (Ollama's ``done``, OpenAI's ``[DONE]``), the response was closed with its
    connection: every chapter opened a new one (a TLS handshake each to a remote server).
    """
    summarizer = llm(tmp_path, sim, backend, sleeps)
    for _ in range(4):
        assert summarizer.summarize(chapter()).summary == FIRST_TWO
    assert "".join(summarizer.stream(chapter())) == FIRST_TWO
    assert summarizer.summarize(SummaryRequest(text=CONTRACT, title="Agreement")).clause_flags
    assert len(chat_posts(sim)) == 7
    assert sim.connections == 1
    summarizer.close()


def test_what_follows_a_streams_last_message_is_read_and_ignored() -> None:
    # A stream's rest is read so its connection is kept; what is there (a stray line, a broken one, a cut)
    # never touches the answer already read, and the read stops after a few lines.
    def rest(*items: object) -> Iterator[str]:
        for item in items:
            if isinstance(item, BaseException):
                raise item
            yield str(item)

    finish_stream(rest("", '{"late": true}'))
    finish_stream(rest("", MalformedAnswerError("not JSON")))
    finish_stream(rest(httpx.RemoteProtocolError("peer closed connection")))
    endless = itertools.count()
    finish_stream(endless)
    assert next(endless) < 100


@pytest.mark.parametrize("backend", BACKENDS)
def test_contract_gets_clause_flags_from_json(tmp_path: Path, sim: LLMSimulator, sleeps: Sleeps, backend: str) -> None:
    summarizer = llm(tmp_path, sim, backend, sleeps)
    result = summarizer.summarize(SummaryRequest(text=CONTRACT, title="Agreement"))
    categories = {f.category for f in result.clause_flags}
    assert {"Exclusivity", "Anti-Assignment", "Governing Law", "Termination For Convenience"} <= categories
    flag = next(f for f in result.clause_flags if f.category == "Governing Law")
    assert flag.severity == "low" and "laws of the State of California" in flag.text
    assert flag.start is not None and CONTRACT[flag.start :].startswith(flag.text[:20])
    summarizer.close()


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("fault", ["500", "malformed", "midstream_error", "cut"])
def test_transient_faults_are_retried(
    tmp_path: Path, sim: LLMSimulator, sleeps: Sleeps, backend: str, fault: str
) -> None:
    sim.inject(fault, count=2)
    summarizer = llm(tmp_path, sim, backend, sleeps)
    assert summarizer.summarize(chapter()).summary == FIRST_TWO
    assert len(sleeps.delays) == 2
    assert all(0 <= d <= 0.01 for d in sleeps.delays)  # capped, jittered backoff
    assert summarizer.pool.endpoints[0].errors == 2
    summarizer.close()


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("fault", "error"),
    [("500", ServerError), ("503", ServerBusyError), ("429", RateLimitedError), ("midstream_error", ServerError)],
)
def test_spent_retries_raise_transient_error(
    tmp_path: Path, sim: LLMSimulator, sleeps: Sleeps, *, backend: str, fault: str, error: type[Exception]
) -> None:
    sim.inject(fault, count=3, retry_after=0.02)
    summarizer = llm(tmp_path, sim, backend, sleeps)
    with pytest.raises(error) as raised:
        summarizer.summarize(chapter())
    assert sim.url in str(raised.value)
    if fault in ("503", "429"):
        assert sleeps.delays == [0.02, 0.02]  # the server's Retry-After wins over the backoff
        assert getattr(raised.value, "retry_after", None) == pytest.approx(0.02)
    summarizer.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_persistently_malformed_answer_is_reported(
    tmp_path: Path, sim: LLMSimulator, sleeps: Sleeps, backend: str
) -> None:
    sim.inject("malformed", count=3)
    summarizer = llm(tmp_path, sim, backend, sleeps)
    with pytest.raises(InvalidResponseError, match="could not use"):
        summarizer.summarize(chapter())
    summarizer.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_timeout(tmp_path: Path, sim: LLMSimulator, sleeps: Sleeps, backend: str) -> None:
    sim.inject("timeout", count=3)
    summarizer = llm(tmp_path, sim, backend, sleeps, request_timeout=0.2)
    with pytest.raises(BackendTimeoutError, match="did not answer in time"):
        summarizer.summarize(chapter())
    summarizer.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_missing_model_is_permanent_and_not_retried(
    tmp_path: Path, sim: LLMSimulator, sleeps: Sleeps, backend: str
) -> None:
    summarizer = llm(tmp_path, sim, backend, sleeps, model="no-such-model")
    with pytest.raises(ModelNotFoundError, match="no-such-model"):
        summarizer.summarize(chapter())
    assert sleeps.delays == []
    assert summarizer.pool.endpoints[0].breaker.state == "closed"
    summarizer.close()


def test_api_key_is_sent_and_a_wrong_key_is_permanent(tmp_path: Path, sleeps: Sleeps) -> None:
    with LLMSimulator(api_key="sk-right") as server:
        good = llm(tmp_path, server, "openai", sleeps, api_key="sk-right")
        assert good.summarize(chapter()).summary == FIRST_TWO
        assert server.requests[-1].headers["authorization"] == "Bearer sk-right"
        bad = llm(tmp_path, server, "openai", sleeps, api_key="sk-wrong")
        with pytest.raises(BadRequestError, match="CHAPTERWISE_API_KEY"):
            bad.summarize(chapter())
        good.close()
        bad.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_model_list(tmp_path: Path, sim: LLMSimulator, sleeps: Sleeps, backend: str) -> None:
    summarizer = llm(tmp_path, sim, backend, sleeps)
    assert summarizer.list_models() == list(sim.models)
    summarizer.close()


def test_bare_url_gets_v1_for_openai(tmp_path: Path, sim: LLMSimulator, sleeps: Sleeps) -> None:
    summarizer = make_llm(settings_for(tmp_path, "openai", [sim.url]), fast_options(sleeps))
    assert summarizer.pool.endpoints[0].url == sim.url + "/v1"
    assert summarizer.summarize(chapter()).summary == FIRST_TWO
    summarizer.close()


def _dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.mark.parametrize("backend", BACKENDS)
def test_circuit_opens_then_fallback_then_half_open_probe(
    tmp_path: Path, sim: LLMSimulator, sleeps: Sleeps, backend: str
) -> None:
    now = [0.0]
    settings = settings_for(tmp_path, backend, backend_urls(sim, backend))
    summarizer = make_summarizer(
        settings, fast_options(sleeps, failure_threshold=3, reset_after=10.0, clock=lambda: now[0])
    )
    sim.inject("500", count=3)
    with pytest.raises(ServerError):
        summarizer.summarize(chapter())
    assert summarizer.stats().endpoints[0].circuit == "open"
    posts = len(sim.requests)
    fallback = summarizer.summarize(chapter())  # circuit open: the extractive backend answers
    assert fallback.fallback_from == backend and fallback.backend == "extractive"
    assert fallback.fallback_reason and "paused" in fallback.fallback_reason
    assert len(sim.requests) == posts  # nothing was sent
    assert summarizer.stats().fallbacks == 1
    now[0] = 11.0  # reset time passed: one probe goes through and closes the circuit
    result = summarizer.summarize(chapter())
    assert result.backend == backend and result.fallback_from is None
    assert summarizer.stats().endpoints[0].circuit == "closed"
    summarizer.close()


def test_half_open_failure_reopens(tmp_path: Path, sim: LLMSimulator, sleeps: Sleeps) -> None:
    now = [0.0]
    settings = settings_for(tmp_path, "ollama", [sim.url], fallback_to_extractive=False)
    summarizer = make_summarizer(
        settings, fast_options(sleeps, failure_threshold=2, reset_after=5.0, clock=lambda: now[0])
    )
    sim.inject("503", count=5, retry_after=0)
    with pytest.raises(CircuitOpenError, match="paused"):  # opened by this call's second 503
        summarizer.summarize(chapter())
    assert len(chat_posts(sim)) == 2
    with pytest.raises(CircuitOpenError, match="paused"):
        summarizer.summarize(chapter())
    now[0] = 6.0
    with pytest.raises(CircuitOpenError):  # the probe fails (503) and the circuit opens again
        summarizer.summarize(chapter())
    assert summarizer.stats().endpoints[0].circuit == "open"
    summarizer.close()


def test_least_busy_routing_and_dead_endpoint(tmp_path: Path, sleeps: Sleeps) -> None:
    with LLMSimulator(slots=1, latency=0.05) as a, LLMSimulator(slots=1, latency=0.05) as b:
        urls = [a.url + "#parallel=1", b.url + "#parallel=1", _dead_url() + "#parallel=1"]
        settings = settings_for(tmp_path, "ollama", urls, fallback_to_extractive=False)
        summarizer = make_summarizer(settings, fast_options(sleeps, failure_threshold=1))
        assert summarizer.max_concurrency == 3
        errors: list[BaseException] = []

        def work() -> None:
            try:
                for _ in range(3):
                    assert summarizer.summarize(chapter()).summary == FIRST_TWO
            except BaseException as err:  # reported below
                errors.append(err)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=20)
        assert not errors
        assert a.served >= 3 and b.served >= 3  # both live servers share the load
        stats = summarizer.stats().endpoints
        assert stats[2].circuit == "open" and stats[2].errors >= 1
        assert all(e.in_flight == 0 for e in stats)
        summarizer.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_long_chapter_map_reduce(tmp_path: Path, sim: LLMSimulator, sleeps: Sleeps, backend: str) -> None:
    paragraphs = [
        f"Part {i} begins with a fact about topic {i}. "
        + " ".join(f"Sentence {j} adds detail {j} to topic {i}." for j in range(30))
        for i in range(8)
    ]
    text = "\n\n".join(paragraphs)
    settings = settings_for(tmp_path, backend, backend_urls(sim, backend), context_tokens=1024)
    summarizer = make_summarizer(settings, fast_options(sleeps))
    result = summarizer.summarize(SummaryRequest(text=text, title="Long", max_sentences=2))
    posts = chat_posts(sim)
    assert len(posts) > 3  # several map calls, then at least one reduce
    for request in posts:  # every request fits the window
        content = request.body["messages"][-1]["content"]
        from desktop_app.engine.summarize.chunking import estimate_tokens

        assert estimate_tokens(content) < 1024
    assert "summaries of the parts" in posts[-1].body["messages"][-1]["content"]
    assert result.summary.startswith("Part 0 begins")
    assert result.completion_tokens and result.completion_tokens > 10
    assert summarizer.stats().map_reduce_splits == 1
    summarizer.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_document_summary_is_a_reduce(tmp_path: Path, sim: LLMSimulator, sleeps: Sleeps, backend: str) -> None:
    summarizer = make_summarizer(settings_for(tmp_path, backend, backend_urls(sim, backend)), fast_options(sleeps))
    text = "\n\n".join(f"Chapter {i}: Chapter {i} tells of event {i}." for i in range(5))
    result = summarizer.summarize(SummaryRequest(text=text, title="Book", kind="document", max_sentences=3))
    prompt = sim.requests[-1].body["messages"][-1]["content"]
    assert 'summaries of the parts of the document "Book"' in prompt
    assert result.summary and result.clause_flags == []
    summarizer.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_after_recovery_concurrent_requests_go_to_the_endpoint(tmp_path: Path, sleeps: Sleeps, backend: str) -> None:
    now = [0.0]
    with LLMSimulator(slots=4, latency=0.2) as server:
        settings = settings_for(tmp_path, backend, backend_urls(server, backend))
        summarizer = make_summarizer(
            settings, fast_options(sleeps, failure_threshold=2, reset_after=10.0, clock=lambda: now[0])
        )
        server.inject("500", count=2)
        assert summarizer.summarize(chapter()).fallback_from == backend  # the second 500 opened the circuit
        assert summarizer.stats().endpoints[0].circuit == "open"
        now[0] = 11.0  # the server recovered and the reset time passed: half-open
        results: list[object] = []

        def work() -> None:
            results.append(summarizer.summarize(chapter()))

        threads = [threading.Thread(target=work) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=20)
        assert len(results) == 6
        assert all(getattr(r, "fallback_from", "x") is None for r in results)  # none answered by the fallback
        assert server.served == 6
        assert summarizer.stats().endpoints[0].circuit == "closed"
        summarizer.close()


def test_health_check_success_closes_a_half_open_circuit(tmp_path: Path, sim: LLMSimulator, sleeps: Sleeps) -> None:
    now = [0.0]
    settings = settings_for(tmp_path, "openai", backend_urls(sim, "openai"), fallback_to_extractive=False)
    summarizer = make_llm(settings, fast_options(sleeps, failure_threshold=1, reset_after=5.0, clock=lambda: now[0]))
    sim.inject("500", count=1)
    with pytest.raises(CircuitOpenError):  # the first 500 opened it; the retry finds it open
        summarizer.summarize(SummaryRequest(text=CHAPTER, max_sentences=2, want_clauses=False))
    url = summarizer.pool.endpoints[0].url
    summarizer.pool.record_healthy(url)
    assert summarizer.pool.endpoints[0].breaker.state == "open"  # too early: an open circuit waits its time
    now[0] = 6.0
    assert summarizer.pool.endpoints[0].breaker.state == "half_open"
    summarizer.pool.record_healthy(url)
    assert summarizer.pool.endpoints[0].breaker.state == "closed"
    summarizer.close()


def test_parallel_one_caps_requests_and_queued_ones_do_not_time_out(tmp_path: Path, sleeps: Sleeps) -> None:
    # One slot, four callers, a read timeout shorter than the server's queue (3 x 0.3 s + 0.3 s): each caller
    # waits for the slot before sending, so no read waits longer than one answer's 0.3 s.
    with LLMSimulator(slots=1, latency=0.3) as server:
        settings = settings_for(tmp_path, "openai", [server.url + "/v1#parallel=1"], request_timeout=1.0)
        summarizer = make_llm(settings, fast_options(sleeps))
        errors: list[BaseException] = []

        def work() -> None:
            try:
                summarizer.summarize(chapter())
            except BaseException as err:  # reported below
                errors.append(err)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=20)
        assert not errors
        assert server.max_in_flight == 1 and server.served == 4
        summarizer.close()
