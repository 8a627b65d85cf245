"""The built-in summarizer in worker processes: same summaries as on threads, through the whole pipeline."""

from __future__ import annotations

from pathlib import Path

from desktop_app.config import Settings
from desktop_app.engine.service import Engine
from desktop_app.engine.summarize.base import SummaryRequest
from desktop_app.engine.summarize.processes import ProcessSummarizer
from desktop_app.engine.summarize.registry import make_summarizer

from .pipeline_helpers import make_document


def test_process_summaries_equal_thread_summaries(tmp_path: Path) -> None:
    chapter = make_document(1, sentences=30).chapters[0].text
    request = SummaryRequest(text=chapter, title="One", max_sentences=3)
    threads = make_summarizer(Settings(data_dir=tmp_path, cache_enabled=False))
    processes = make_summarizer(Settings(data_dir=tmp_path, cache_enabled=False, summary_processes=2))
    try:
        assert isinstance(processes, ProcessSummarizer) and processes.max_concurrency == 2
        here, there = threads.summarize(request), processes.summarize(request)
    finally:
        threads.close()
        processes.close()
    assert there.summary == here.summary and there.preview == here.preview
    assert there.backend == "extractive"


def test_pipeline_with_summarizer_processes(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'p.db'}", summary_processes=2)
    with Engine(settings) as engine:
        doc = engine.wait(engine.add_parsed(make_document(40), file_name="p.txt").id, timeout=120)
        assert engine.summarizer_stats().processes == 2
    assert doc.status == "done" and doc.done == 40 and all(c.summary for c in doc.chapters)
