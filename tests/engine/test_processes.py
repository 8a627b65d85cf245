"""The built-in summarizer in worker processes: same summaries as on threads, through the whole pipeline."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from desktop_app.config import Settings
from desktop_app.engine.messages import DocumentWork, DoneChapter
from desktop_app.engine.pipeline.work import summarize_document
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


def test_a_whole_document_summary_is_made_in_a_worker_process_and_is_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The built-in whole-document summary takes seconds for a long document: not on the window's process."""
    book = make_document(12, sentences=12)
    work = DocumentWork(
        "d", "Book", None, [DoneChapter(i, c.title, "A summary.", c.text) for i, c in enumerate(book.chapters)]
    )
    threads = make_summarizer(Settings(data_dir=tmp_path, cache_enabled=False))
    processes = make_summarizer(Settings(data_dir=tmp_path, cache_enabled=False, summary_processes=1))
    try:
        assert threads.compute(os.getpid) == os.getpid()
        assert processes.compute(os.getpid) != os.getpid()
        sent: list[str] = []
        compute = processes.compute

        def recorded(fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
            sent.append(fn.__name__)
            return compute(fn, *args, **kwargs)

        monkeypatch.setattr(processes, "compute", recorded)
        here = summarize_document(work, threads, max_sentences=5)
        there = summarize_document(work, processes, max_sentences=5)
        assert sent == ["summarize_document_extractive"]
    finally:
        threads.close()
        processes.close()
    assert there == here and there.summary and there.sentences
