"""Through the whole engine (real SQLite file, the pipeline, the writer): a cut, a length-limited or an
unrelated model answer never becomes a done chapter summary; the chapter fails with the reason instead."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from chapterwise_testing.llmsim import LLMSimulator
from desktop_app.engine.service import Engine
from desktop_app.engine.summarize.base import UNGROUNDED_REASON
from tests.engine.pipeline_helpers import make_document, settings_for

UNRELATED = '<div class="episode"><h2>Season 4</h2><p>The detective returns for a stolen yacht.</p></div>'


@pytest.mark.parametrize(
    ("fault", "reason"),
    [("unrelated", UNGROUNDED_REASON), ("length", "token limit"), ("cut", r"mid-answer|failed repeatedly")],
)
def test_a_bad_answer_is_never_a_done_summary(tmp_path: Path, fault: str, reason: str) -> None:
    with LLMSimulator() as sim:
        if fault == "unrelated":
            sim.summary_answer = UNRELATED
        else:
            sim.inject(fault, count=1000)
        settings = settings_for(
            f"sqlite:///{tmp_path / 'db.sqlite'}",
            tmp_path,
            backend="openai",
            model="llama3.2",
            endpoints=[sim.url],
            fallback_to_extractive=False,
            max_attempts=1,
            request_timeout=5.0,
        )
        with Engine(settings) as engine:
            doc = engine.add_parsed(make_document(2), file_name="book.txt")
            final = engine.wait(doc.id, timeout=120)
    chapters = final.chapters
    assert final.status == "failed" and all(c.status == "failed" for c in chapters)
    assert all(not c.summary for c in chapters)
    assert all(c.error and re.search(reason, c.error) for c in chapters), [c.error for c in chapters]
    if fault == "unrelated":
        assert all("detective" not in (c.summary or "") for c in chapters)


def test_with_the_fallback_an_unrelated_answer_gives_the_extractive_summary(tmp_path: Path) -> None:
    with LLMSimulator() as sim:
        sim.summary_answer = UNRELATED
        settings = settings_for(
            f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path, backend="openai", model="llama3.2", endpoints=[sim.url]
        )
        with Engine(settings) as engine:
            doc = engine.add_parsed(make_document(2), file_name="book.txt")
            final = engine.wait(doc.id, timeout=120)
    assert all(c.status == "done" and c.summary and "detective" not in c.summary for c in final.chapters)
