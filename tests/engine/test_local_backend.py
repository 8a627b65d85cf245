"""The ``local`` backend: llama-cpp-python in child processes, with the tiny generated GGUF model."""

from __future__ import annotations

import importlib.util
import os
import threading
from pathlib import Path
from typing import Any

import pytest

from desktop_app.engine.health import probe
from desktop_app.engine.ingest import parse_document
from desktop_app.engine.summarize.base import (
    UNGROUNDED_REASON,
    BadRequestError,
    InvalidResponseError,
    SummarizerError,
    SummarizerStoppedError,
    SummaryRequest,
)
from desktop_app.engine.summarize.local import LocalSummarizer
from desktop_app.engine.summarize.protocol import ChatOptions
from desktop_app.engine.summarize.registry import make_llm, make_summarizer
from desktop_app.engine.summarize.routing import RetryPolicy
from tests.engine import llama_server as fixtures
from tests.engine.llm_fixtures import CHAPTER, Sleeps, fast_options, settings_for

tiny_model = fixtures.tiny_model

needs_llama_cpp = pytest.mark.skipif(
    importlib.util.find_spec("llama_cpp") is None,
    reason="llama-cpp-python is not installed (pip install 'chapterwise[local]'; the dev extra has it)",
)
QUICK = RetryPolicy(attempts=2, base=0.001, cap=0.01)


def local_settings(tmp_path: Path, model_file: Path | None, **overrides: object):  # type: ignore[no-untyped-def]
    values: dict[str, object] = {"model": "", "model_file": model_file, "context_tokens": 2048, **overrides}
    return settings_for(tmp_path, "local", [], **values)


def test_model_file_problems_are_explained(tmp_path: Path) -> None:
    not_gguf = tmp_path / "notes.gguf"
    not_gguf.write_text("not a model")
    cases = [
        (None, "needs a model file"),
        (tmp_path / "missing.gguf", "does not exist"),
        (not_gguf, "is not a GGUF model file"),
    ]
    for model_file, message in cases:
        summarizer = make_llm(local_settings(tmp_path, model_file), fast_options(Sleeps(), retry=QUICK))
        with pytest.raises(BadRequestError, match=message):
            summarizer.summarize(SummaryRequest(text=CHAPTER))
        summarizer.close()
        [health] = probe(local_settings(tmp_path, model_file))
        assert health.state == "down" and message in health.reason


def _bare(summarizer: Any) -> Any:
    """The local backend inside the cache and fallback wrappers make_summarizer puts around it."""
    while not hasattr(summarizer, "runner"):
        summarizer = summarizer.inner
    return summarizer


@needs_llama_cpp
@pytest.mark.corpus
def test_local_backend_summarizes_a_corpus_epub_in_a_child_process(
    tmp_path: Path, tiny_model: Path, corpus: Path
) -> None:
    book = parse_document(corpus / "epub" / "alice.epub")
    summarizer = make_summarizer(local_settings(tmp_path, tiny_model), fast_options(Sleeps(), retry=QUICK))
    assert summarizer.name == "local" and summarizer.model == "chapterwise-tiny.gguf"
    outcomes = []
    for chapter in book.chapters[:2]:
        request = SummaryRequest(text=chapter.text, title=chapter.title, max_sentences=2, want_clauses=False)
        try:
            outcomes.append(summarizer.summarize(request))
        except InvalidResponseError as err:  # every answer stopped at the token limit: the chapter fails
            outcomes.append(err)
    local = _bare(summarizer)
    pids = local.runner.pids()
    assert pids and os.getpid() not in pids  # the model ran in a child process, not in this one
    [capacity] = local.capacity()
    assert capacity.n_ctx == 2048 and capacity.slots == 1 and capacity.chat_template is True
    for outcome in outcomes:
        # The tiny model writes nonsense in corpus words: never stored as the model's summary.
        if isinstance(outcome, InvalidResponseError):
            assert "token limit" in str(outcome)
        else:
            assert outcome.fallback_from == "local" and outcome.backend == "extractive"
            assert outcome.fallback_reason is not None and UNGROUNDED_REASON in outcome.fallback_reason
    summarizer.close()
    assert local.runner.pids() == []


@needs_llama_cpp
def test_completion_mode_runs_in_the_child(tmp_path: Path, tiny_model: Path) -> None:
    summarizer = make_llm(local_settings(tmp_path, tiny_model, prompt_mode="completion"), fast_options(Sleeps()))
    assert isinstance(summarizer, LocalSummarizer) and summarizer.prompt_mode == "completion"
    endpoint = summarizer.pool.endpoints[0]
    chunks = list(
        summarizer.protocol.stream_completion(
            endpoint.client,
            endpoint=endpoint.url,
            model=summarizer.model,
            prompt="Article: The Flood\n\n" + CHAPTER + "\n\nSummary in one sentence:",
            options=ChatOptions(max_tokens=6, context_tokens=2048, temperature=0.0),
        )
    )
    assert chunks[-1].done and chunks[-1].finish_reason == "length" and chunks[-1].completion_tokens == 6
    assert chunks[-1].prompt_tokens and chunks[-1].prompt_tokens > 50
    summarizer.close()


@needs_llama_cpp
def test_stopping_ends_the_child_and_the_request_quietly(tmp_path: Path, tiny_model: Path) -> None:
    summarizer = make_llm(local_settings(tmp_path, tiny_model, context_tokens=4096), fast_options(Sleeps()))
    assert isinstance(summarizer, LocalSummarizer)
    summarizer.capacity()  # starts the child and loads the model
    processes = list(summarizer.runner._children.values())
    assert processes and all(child.process.is_alive() for child in processes)
    started = threading.Event()
    ended: list[BaseException] = []
    request = SummaryRequest(text=" ".join([CHAPTER] * 20), max_sentences=20, want_clauses=False)

    def work() -> None:
        while True:  # keep the child busy until it is stopped
            started.set()
            try:
                summarizer.summarize(request)
            except SummarizerStoppedError as err:
                ended.append(err)
                return
            except SummarizerError:
                pass  # a nonsense answer failed this request: ask again

    thread = threading.Thread(target=work)
    thread.start()
    assert started.wait(30)
    summarizer.interrupt()  # what the pipeline's stop calls once half its time is spent
    thread.join(30)
    assert not thread.is_alive()
    assert ended and "stopping" in str(ended[0])  # a stop, not a failure: the chapter goes back to the backlog
    for child in processes:
        assert not child.process.is_alive() and child.process.exitcode is not None
    assert all(e.errors == 0 for e in summarizer.pool.endpoints)  # the cut counts against nothing
    summarizer.close()
