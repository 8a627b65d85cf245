"""What an LLM answer must be before it is a done summary, and what the server tells about itself.

Against the LLM simulator over real HTTP: cut streams, ``finish_reason: "length"``, answers the text does
not support, clause answers that are not JSON, the context and slots learned from ``/props``/``/slots``
and ``/api/show``, context overflow handled by splitting again, llama.cpp's "Loading model", completion
mode for base models, part progress. The same behaviours against llama.cpp's own server are in
``test_llama_server.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from chapterwise_testing.llmsim import LLMSimulator
from desktop_app.engine.health import probe
from desktop_app.engine.summarize.base import (
    UNGROUNDED_REASON,
    BadRequestError,
    InvalidResponseError,
    ServerError,
    ServerLoadingError,
    SummaryRequest,
    UngroundedAnswerError,
)
from desktop_app.engine.summarize.capacity import looks_like_base_model
from desktop_app.engine.summarize.chunking import estimate_tokens
from desktop_app.engine.summarize.protocol import ServerCapacity
from desktop_app.engine.summarize.registry import make_llm, make_summarizer
from tests.engine import llm_fixtures
from tests.engine.llm_fixtures import CHAPTER, CONTRACT, MODEL, Sleeps, backend_urls, fast_options, settings_for

sim = llm_fixtures.sim
sleeps = llm_fixtures.sleeps

BACKENDS = ["ollama", "openai"]
FIRST_TWO = "The river rose for three days after the storm. Farmers moved their animals to the hills."
UNRELATED = (
    '<div class="episode-list"><h2>Season 4</h2><p>The detective returns to the city for a new case '
    "involving a missing painter and a stolen yacht.</p></div>"
)


def chapter(text: str = CHAPTER, n: int = 2) -> SummaryRequest:
    return SummaryRequest(text=text, title="The Flood", max_sentences=n)


def generations(server: LLMSimulator) -> list[dict[str, object]]:
    return [r.body for r in server.requests if r.method == "POST" and not r.path.endswith("/show")]


@pytest.mark.parametrize("fault", ["cut", "nofinish"])
def test_a_cut_stream_is_retried_never_an_empty_summary(
    tmp_path: Path, sim: LLMSimulator, sleeps: Sleeps, fault: str
) -> None:
    summarizer = make_llm(settings_for(tmp_path, "openai", backend_urls(sim, "openai")), fast_options(sleeps))
    sim.inject(fault, count=1)
    assert summarizer.summarize(chapter()).summary == FIRST_TWO  # the second attempt, complete
    sim.inject(fault, count=3)
    with pytest.raises(ServerError, match=r"stopped before it was complete|closed the connection mid-answer"):
        summarizer.summarize(chapter())
    summarizer.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_length_limited_answer_is_retried_with_more_room_then_reported(
    tmp_path: Path, sim: LLMSimulator, sleeps: Sleeps, backend: str
) -> None:
    summarizer = make_llm(settings_for(tmp_path, backend, backend_urls(sim, backend)), fast_options(sleeps))
    sim.inject("length", count=1)
    assert summarizer.summarize(chapter()).summary == FIRST_TWO
    first, second = generations(sim)[-2:]
    limit = "max_tokens" if backend == "openai" else "options"
    if backend == "openai":
        assert second[limit] == 2 * first[limit]  # type: ignore[operator]
    else:
        assert second["options"]["num_predict"] == 2 * first["options"]["num_predict"]  # type: ignore[index]
    sim.inject("length", count=3)
    with pytest.raises(InvalidResponseError, match="did not finish its answer within the token limit"):
        summarizer.summarize(chapter())
    summarizer.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_answer_the_chapter_does_not_support_is_retried_once_then_falls_back(
    tmp_path: Path, sim: LLMSimulator, sleeps: Sleeps, backend: str
) -> None:
    sim.summary_answer = UNRELATED
    bare = make_llm(settings_for(tmp_path, backend, backend_urls(sim, backend)), fast_options(sleeps))
    with pytest.raises(UngroundedAnswerError, match=UNGROUNDED_REASON):
        bare.summarize(chapter())
    assert len(generations(sim)) == 2  # asked once more, not four times
    bare.close()

    wrapped = make_summarizer(settings_for(tmp_path, backend, backend_urls(sim, backend)), fast_options(sleeps))
    result = wrapped.summarize(chapter())
    assert result.fallback_from == backend and result.backend == "extractive"
    assert result.fallback_reason and UNGROUNDED_REASON in result.fallback_reason
    assert "detective" not in result.summary
    wrapped.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_unparsable_clause_answer_leaves_the_summary_done(
    tmp_path: Path, sim: LLMSimulator, sleeps: Sleeps, backend: str
) -> None:
    sim.clause_answer = "I found several risky clauses, mostly about termination."
    summarizer = make_llm(settings_for(tmp_path, backend, backend_urls(sim, backend)), fast_options(sleeps))
    result = summarizer.summarize(SummaryRequest(text=CONTRACT, title="Agreement"))
    assert result.summary.startswith("This Distribution Agreement is made between the parties.")
    assert result.clause_flags == []
    assert result.clause_error and "clause check failed" in result.clause_error
    clause_body = generations(sim)[-1]
    if backend == "openai":  # structured output asked of the server
        fmt = clause_body["response_format"]
        assert fmt["type"] == "json_schema"  # type: ignore[index]
        assert fmt["json_schema"]["schema"]["required"] == ["clauses"]  # type: ignore[index]
    else:
        assert clause_body["format"]["required"] == ["clauses"]  # type: ignore[index]
    summarizer.close()


def test_capacity_learned_from_props_and_slots(tmp_path: Path, sleeps: Sleeps) -> None:
    with LLMSimulator(slots=2, n_ctx=2048) as server:
        summarizer = make_llm(
            settings_for(tmp_path, "openai", [server.url + "/v1"], context_tokens=8192), fast_options(sleeps)
        )
        assert summarizer.max_concurrency is None  # nothing known before the server is asked
        [capacity] = summarizer.capacity()
        assert capacity == ServerCapacity(
            url=server.url + "/v1", n_ctx=2048, slots=2, model=f"/models/{MODEL}:latest.gguf", chat_template=True
        )
        assert summarizer.max_concurrency == 2 and summarizer.context_tokens == 2048
        summarizer.close()


def test_a_smaller_parallel_on_the_url_wins_over_the_learned_slots(tmp_path: Path, sleeps: Sleeps) -> None:
    with LLMSimulator(slots=4) as server:
        summarizer = make_llm(settings_for(tmp_path, "openai", [server.url + "/v1#parallel=1"]), fast_options(sleeps))
        summarizer.capacity()
        assert summarizer.max_concurrency == 1
        summarizer.close()


def test_ollama_num_ctx_from_api_show(tmp_path: Path, sleeps: Sleeps) -> None:
    with LLMSimulator(n_ctx=3000) as server:
        summarizer = make_llm(settings_for(tmp_path, "ollama", [server.url]), fast_options(sleeps))
        [capacity] = summarizer.capacity()
        assert (capacity.n_ctx, capacity.slots, capacity.chat_template) == (3000, None, True)
        assert summarizer.summarize(chapter()).summary == FIRST_TWO
        assert generations(server)[-1]["options"]["num_ctx"] == 3000  # type: ignore[index]
        summarizer.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_context_overflow_splits_the_text_again(tmp_path: Path, sleeps: Sleeps, backend: str) -> None:
    text = "\n\n".join(
        f"Part {i} opens the matter of section {i}. "
        + " ".join(f"Clause {j} of section {i} adds a rule." for j in range(25))
        for i in range(4)
    )
    with LLMSimulator(n_ctx=400) as server:
        settings = settings_for(tmp_path, backend, backend_urls(server, backend), context_tokens=8192)
        # The server does not tell its size up front (capacity not read): it answers 400 when a request is too long.
        summarizer = make_summarizer(settings, fast_options(sleeps, learn_capacity=False))
        result = summarizer.summarize(SummaryRequest(text=text, title="Long", max_sentences=2, want_clauses=False))
        assert result.summary.startswith("Part 0 opens the matter")
        assert summarizer.stats().map_reduce_splits >= 1
        summarizer.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_loading_model_is_reported_as_loading(tmp_path: Path, sim: LLMSimulator, sleeps: Sleeps, backend: str) -> None:
    sim.loading = True
    settings = settings_for(tmp_path, backend, backend_urls(sim, backend))
    summarizer = make_llm(settings, fast_options(sleeps))
    with pytest.raises(ServerLoadingError, match="is loading its model"):
        summarizer.summarize(chapter())
    [health] = probe(settings, timeout=2.0)
    assert health.state == "loading" and "loading its model" in health.reason
    sim.loading = False
    assert summarizer.summarize(chapter()).summary == FIRST_TWO
    summarizer.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_model_without_chat_template_is_asked_in_completion_mode(
    tmp_path: Path, sleeps: Sleeps, backend: str
) -> None:
    with LLMSimulator(chat_template=False) as server:
        summarizer = make_llm(settings_for(tmp_path, backend, backend_urls(server, backend)), fast_options(sleeps))
        assert summarizer.summarize(chapter()).summary == FIRST_TWO
        assert summarizer.prompt_mode == "completion"
        post = next(r for r in reversed(server.requests) if r.method == "POST" and not r.path.endswith("/show"))
        assert post.path in ("/v1/completions", "/api/generate")
        body = post.body
        assert str(body["prompt"]).startswith("Article: The Flood\n\nThe river rose")
        assert str(body["prompt"]).endswith("Summary in 2 sentences:")
        stop = body["stop"] if backend == "openai" else body["options"]["stop"]
        assert "\nArticle:" in stop
        summarizer.close()


def test_completion_mode_keeps_the_complete_sentences_asked_for() -> None:
    from desktop_app.engine.summarize.prompts import complete_sentences

    answer = (
        "\n\n1. Party A shall provide transport services on highway routes. "
        "2. Party B shall pay the fees monthly. 3. Par"
    )
    assert complete_sentences(answer, 1) == ("Party A shall provide transport services on highway routes.", 2)
    assert complete_sentences(answer, 5)[0].endswith("fees monthly.")  # the cut third item is never kept
    assert complete_sentences("Party A shall provide services. 2.", 2) == ("Party A shall provide services.", 1)


def test_completion_mode_by_setting_and_by_name() -> None:
    assert looks_like_base_model("gemma-3-270m-pt") and looks_like_base_model("/models/llama-3-8b-base.Q4.gguf")
    assert not looks_like_base_model("gemma-3-270m-it") and not looks_like_base_model("llama3.2")
    assert not looks_like_base_model("qwen2.5:7b-instruct")


def test_ollama_backend_pointed_at_an_openai_server_says_so(tmp_path: Path, sim: LLMSimulator, sleeps: Sleeps) -> None:
    settings = settings_for(tmp_path, "ollama", [sim.url + "/v1"])
    summarizer = make_llm(settings, fast_options(sleeps))
    with pytest.raises(BadRequestError, match="choose the openai backend") as raised:
        summarizer.summarize(chapter())
    assert "model ''" not in str(raised.value)
    [health] = probe(settings, timeout=2.0)
    assert health.state == "down" and "openai for llama.cpp" in health.reason
    summarizer.close()


def test_a_model_listed_by_its_path_is_healthy(tmp_path: Path, sleeps: Sleeps) -> None:
    with LLMSimulator(models=("/srv/models/tiny-chapterwise.gguf",)) as server:
        for model in ("tiny-chapterwise", "gpt-4o-mini"):
            [health] = probe(settings_for(tmp_path, "openai", [server.url + "/v1"], model=model), timeout=2.0)
            assert health.state == "up" and "does not list" not in health.reason
            assert "context 32768 tokens" in health.reason


def test_part_progress_is_reported(tmp_path: Path, sim: LLMSimulator, sleeps: Sleeps) -> None:
    text = "\n\n".join(f"Part {i} tells of event {i}. " + "More about it follows here. " * 40 for i in range(6))
    summarizer = make_summarizer(
        settings_for(tmp_path, "openai", backend_urls(sim, "openai"), context_tokens=1024), fast_options(sleeps)
    )
    seen: list[tuple[int, int]] = []
    request = SummaryRequest(text=text, title="Long", max_sentences=2, on_progress=lambda d, t: seen.append((d, t)))
    summarizer.summarize(request)
    assert len(seen) >= 3 and seen[0][0] == 1
    assert seen[-1][0] == seen[-1][1]  # the last call says all parts are done
    assert [d for d, _ in seen] == list(range(1, len(seen) + 1))
    summarizer.close()


def test_token_estimate_is_pessimistic_for_non_english_text() -> None:
    russian = "Договор вступает в силу с момента подписания обеими сторонами и действует до полного исполнения."
    english = "The agreement takes effect when both parties sign it and lasts until it is fully performed."
    assert estimate_tokens(russian) > 2 * estimate_tokens(english) * 0.9
    assert estimate_tokens(russian) >= 40  # a real tokenizer needs about 35-45 tokens for it
