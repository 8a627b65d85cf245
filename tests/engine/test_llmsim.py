"""The LLM simulator speaks the real protocols: the official ollama and openai clients parse it."""

from __future__ import annotations

import threading

import httpx
import ollama
import openai
import pytest

from chapterwise_testing.llmsim import LLMSimulator
from tests.engine import llm_fixtures
from tests.engine.llm_fixtures import CHAPTER, CONTRACT, MODEL

sim = llm_fixtures.sim

PROMPT = f"Summarize in at most 2 sentences.\n-----BEGIN TEXT-----\n{CHAPTER}\n-----END TEXT-----"
FIRST_TWO = "The river rose for three days after the storm. Farmers moved their animals to the hills."


def test_official_ollama_client_streams_and_lists(sim: LLMSimulator) -> None:
    client = ollama.Client(host=sim.url)
    assert [m.model for m in client.list().models] == list(sim.models)
    parts = list(client.chat(model=MODEL, messages=[{"role": "user", "content": PROMPT}], stream=True))
    assert "".join(p.message.content or "" for p in parts) == FIRST_TWO
    final = parts[-1]
    assert final.done and final.done_reason == "stop"
    assert final.eval_count == len(FIRST_TWO.split())
    assert final.prompt_eval_count and final.total_duration
    whole = client.chat(model=MODEL, messages=[{"role": "user", "content": PROMPT}])
    assert whole.message.content == FIRST_TWO


def test_official_ollama_client_sees_errors(sim: LLMSimulator) -> None:
    client = ollama.Client(host=sim.url)
    with pytest.raises(ollama.ResponseError) as missing:
        client.chat(model="nope", messages=[{"role": "user", "content": "hi"}])
    assert missing.value.status_code == 404
    assert "not found" in str(missing.value)
    sim.inject("midstream_error")
    with pytest.raises(ollama.ResponseError, match="error was encountered"):
        list(client.chat(model=MODEL, messages=[{"role": "user", "content": PROMPT}], stream=True))
    sim.inject("503")
    with pytest.raises(ollama.ResponseError) as busy:
        client.chat(model=MODEL, messages=[{"role": "user", "content": PROMPT}])
    assert busy.value.status_code == 503


def test_official_openai_client_streams_with_usage_and_lists(sim: LLMSimulator) -> None:
    client = openai.OpenAI(base_url=sim.url + "/v1", api_key="sk-test", max_retries=0)
    assert [m.id for m in client.models.list()] == list(sim.models)
    chunks = list(
        client.chat.completions.create(
            model=MODEL,
            messages=[{"role": "user", "content": PROMPT}],
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == FIRST_TWO
    assert chunks[-2].choices[0].finish_reason == "stop"
    usage = chunks[-1].usage
    assert usage is not None and usage.completion_tokens == len(FIRST_TWO.split())
    whole = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": PROMPT}])
    assert whole.choices[0].message.content == FIRST_TWO
    assert whole.usage is not None and whole.usage.total_tokens > whole.usage.completion_tokens


def test_official_openai_client_sees_429_with_retry_after_and_auth() -> None:
    with LLMSimulator(api_key="sk-right", retry_after=7) as server:
        wrong = openai.OpenAI(base_url=server.url + "/v1", api_key="sk-wrong", max_retries=0)
        with pytest.raises(openai.AuthenticationError):
            wrong.models.list()
        client = openai.OpenAI(base_url=server.url + "/v1", api_key="sk-right", max_retries=0)
        server.inject("429")
        with pytest.raises(openai.RateLimitError) as limited:
            client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "hi"}])
        assert limited.value.response.headers["Retry-After"] == "7"
        assert server.requests[-1].headers["authorization"] == "Bearer sk-right"


def test_clause_prompt_gets_valid_json(sim: LLMSimulator) -> None:
    client = openai.OpenAI(base_url=sim.url + "/v1", api_key="x", max_retries=0)
    prompt = f"Answer with JSON.\n-----BEGIN TEXT-----\n{CONTRACT}\n-----END TEXT-----"
    answer = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": prompt}])
    import json

    data = json.loads(answer.choices[0].message.content or "")
    assert {c["category"] for c in data["clauses"]} >= {"Exclusivity", "Governing Law", "Anti-Assignment"}


def test_slots_queue_extra_requests() -> None:
    with LLMSimulator(slots=1, latency=0.3, tokens_per_second=0.0) as server:
        results: list[int] = []

        def call() -> None:
            with httpx.Client(base_url=server.url, timeout=5) as client:
                r = client.post("/api/chat", json={"model": MODEL, "messages": [], "stream": False})
                results.append(r.status_code)

        threads = [threading.Thread(target=call) for _ in range(2)]
        for t in threads:
            t.start()
        # One generates, the other waits in the queue, as with OLLAMA_NUM_PARALLEL=1.
        assert server.wait_until(lambda: server.in_flight == 1 and server.waiting == 1, timeout=5)
        for t in threads:
            t.join(timeout=5)
        assert results == [200, 200]
        assert server.max_in_flight == 1
        # One slot held a request at a time, each for at least the latency: the slot-seconds say so; and the
        # second request waited for the first, about one latency (less the moment between their arrivals).
        assert server.busy_now() >= 2 * 0.3
        stats = server.stats()
        assert 0.2 <= stats["queued_seconds"] <= 0.35 and stats["waiting"] == 0
        assert server.connections == 2


def test_full_queue_answers_503() -> None:
    statuses: list[int] = []

    def hold(url: str) -> None:
        with httpx.Client(base_url=url, timeout=5) as client:
            r = client.post("/api/chat", json={"model": MODEL, "messages": [], "stream": False})
            statuses.append(r.status_code)

    with LLMSimulator(slots=1, max_queue=0, latency=0.5) as server:
        holder = threading.Thread(target=hold, args=(server.url,))
        holder.start()
        assert server.wait_until(lambda: server.in_flight == 1)
        with httpx.Client(base_url=server.url, timeout=5) as other:
            r = other.post("/api/chat", json={"model": MODEL, "messages": [], "stream": False})
        assert r.status_code == 503
        assert r.json()["error"].startswith("server busy")
        assert "Retry-After" in r.headers
        holder.join(timeout=5)
    assert statuses == [200]


def test_the_simulator_in_a_process_of_its_own_answers_and_counts() -> None:
    from chapterwise_testing.llmsim import SimulatorProcess

    with SimulatorProcess(latency=0.0, slots=2) as server:
        # The stats' own request is the one connection so far.
        expected = {
            "served": 0,
            "in_flight": 0,
            "waiting": 0,
            "max_in_flight": 0,
            "connections": 1,
            "busy_seconds": 0.0,
            "queued_seconds": 0.0,
        }
        assert server.stats() == expected
        client = ollama.Client(host=server.url)
        parts = list(client.chat(model=MODEL, messages=[{"role": "user", "content": PROMPT}], stream=True))
        assert "".join(p.message.content or "" for p in parts) == FIRST_TWO
        stats = server.stats()
        assert stats["served"] == 1 and stats["max_in_flight"] == 1 and stats["busy_seconds"] > 0.0


def _stream_times(server: LLMSimulator) -> tuple[float, float, list[str], dict[str, object]]:
    """(seconds to the first token, seconds to the last line, the tokens, the final object) of one chat."""
    import json
    import time

    body = {"model": MODEL, "messages": [{"role": "user", "content": PROMPT}], "stream": True}
    tokens: list[str] = []
    first = 0.0
    with httpx.Client(base_url=server.url, timeout=5) as client:
        started = time.monotonic()
        with client.stream("POST", "/api/chat", json=body) as answer:
            for line in answer.iter_lines():
                item = json.loads(line)
                if not item["done"]:
                    first = first or time.monotonic() - started
                    tokens.append(item["message"]["content"])
                final = item
        return first, time.monotonic() - started, tokens, final


def test_a_stream_over_the_latency_spreads_its_tokens_across_it() -> None:
    # As a server generating sends its tokens: the first soon, the last at the end of the latency.
    with LLMSimulator(latency=0.4, stream_over_latency=True) as server:
        first, whole, tokens, final = _stream_times(server)
    assert "".join(tokens) == FIRST_TWO
    assert first < 0.4 / 2, f"the first token came after {first:.3f} s"
    assert 0.4 <= whole < 0.4 + 0.1, f"the stream lasted {whole:.3f} s"
    assert isinstance(final["eval_duration"], int) and final["eval_duration"] >= 0.4e9, "the generation's time"


def test_tokens_a_second_are_kept_over_a_long_answer() -> None:
    # Each token is due at its own time from the stream's start: the waits' overruns do not add up.
    with LLMSimulator(latency=0.0, tokens_per_second=100.0) as server:
        _, whole, tokens, _ = _stream_times(server)
    due = len(tokens) / 100.0
    assert due <= whole < due + 0.05, f"{len(tokens)} tokens at 100 a second took {whole:.3f} s"


@pytest.mark.parametrize("path", ["/api/chat", "/v1/chat/completions"])
def test_an_answer_not_streamed_still_takes_the_latency(path: str) -> None:
    import time

    body = {"model": MODEL, "messages": [{"role": "user", "content": PROMPT}], "stream": False}
    with LLMSimulator(latency=0.3, stream_over_latency=True) as server, httpx.Client(base_url=server.url) as client:
        started = time.monotonic()
        answer = client.post(path, json=body, timeout=5)
        took = time.monotonic() - started
    assert answer.status_code == 200
    assert 0.3 <= took < 0.3 + 0.1, f"the answer came after {took:.3f} s"
