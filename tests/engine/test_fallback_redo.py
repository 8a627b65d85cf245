"""A chapter the built-in summarizer wrote while the LLM was down is marked, then summarized again once it is back."""

from __future__ import annotations

from pathlib import Path

from chapterwise_testing.llmsim import LLMSimulator
from desktop_app.config import Settings
from desktop_app.engine.service import Engine
from desktop_app.engine.summarize.registry import BackendOptions, make_summarizer
from desktop_app.engine.summarize.routing import RetryPolicy

from .pipeline_helpers import make_document, wait_until


def test_fallback_chapters_are_marked_then_redone_by_the_backend_once_it_answers(tmp_path: Path) -> None:
    sim = LLMSimulator(latency=0.0, slots=4).start()
    url = sim.url
    port = int(url.rsplit(":", 1)[1])
    sim.stop()  # the endpoint refuses connections: every chapter falls back
    settings = Settings(
        data_dir=tmp_path / "d",
        database_url=f"sqlite:///{tmp_path / 'f.db'}",
        backend="ollama",
        model="llama3.2:latest",
        endpoints=[url],
        health_check_seconds=0.2,
        cache_enabled=False,
    )
    now = [0.0]  # the breakers' clock: the circuit stays open until the test moves it on
    options = BackendOptions(
        retry=RetryPolicy(attempts=1),
        failure_threshold=1,
        reset_after=60.0,
        clock=lambda: now[0],
        learn_capacity=False,
    )
    engine = Engine(settings, summarizer=make_summarizer(settings, options)).start()
    try:
        doc = engine.add_parsed(make_document(4, sentences=4), file_name="down.txt")
        first = engine.wait(doc.id, timeout=60)
        # The first request finds the server down (that chapter may use up its attempts); the others fall back.
        assert first.done + first.failed == 4 and first.fallbacks >= 3
        fell_back = {c.id for c in first.chapters if c.fallback}
        record = next(c for c in first.chapters if c.fallback)
        assert record.fallback and record.summarized_by is not None
        assert record.summarized_by["fallback"] is True and record.summarized_by["reason"]
        assert record.backend == "extractive"

        sim = LLMSimulator(port=port, latency=0.0, slots=4).start()
        now[0] += 61.0  # the pause is over: the circuit is half-open, and the next health check closes it

        def redone() -> bool:
            view = engine.document(doc.id)
            return all(c.status == "done" and not c.fallback for c in view.chapters if c.id in fell_back)

        assert wait_until(redone), "the chapters are summarized again once the endpoint answers"
        again = engine.document(doc.id)
        assert {c.backend for c in again.chapters if c.id in fell_back} == {"ollama"}
        assert again.fallbacks == 0 and sim.served >= len(fell_back)
    finally:
        engine.stop()
        sim.stop()
