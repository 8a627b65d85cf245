"""A run that quietly degraded does not look like a success: fallbacks exit 6, ``retry --fallbacks`` redoes them,
and ``--timeout`` bounds the whole run."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from desktop_app.cli import EXIT_FALLBACK, EXIT_INCOMPLETE, EXIT_OK, main
from desktop_app.engine import service
from desktop_app.engine.summarize.base import SummaryRequest, SummaryResult
from desktop_app.engine.summarize.extractive import ExtractiveSummarizer
from tests.engine.pipeline_helpers import GatedSummarizer, write_markdown


class Outage(ExtractiveSummarizer):
    """What the fallback answers while every LLM endpoint is down (``fallback_from`` set), until ``down`` ends."""

    down = True

    def summarize(self, request: SummaryRequest) -> SummaryResult:
        result = super().summarize(request)
        if Outage.down:
            return replace(result, fallback_from="ollama", fallback_reason="every endpoint failed")
        return result


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["-q", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_fallbacks_exit_6_and_retry_fallbacks_redoes_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "make_summarizer", lambda settings: Outage())
    monkeypatch.setattr(Outage, "down", True)
    book = write_markdown(tmp_path / "book.md", 4)
    code, out, err = run(capsys, "summarize", str(book), "--format", "json")
    assert code == EXIT_FALLBACK, err
    assert "4 chapters were summarized by the fallback" in err and "retry --fallbacks" in err
    doc_id = json.loads(out)["document"]["id"]

    code, _, err = run(capsys, "summarize", str(book), "--allow-fallback")
    assert code == EXIT_OK, err

    Outage.down = False
    code, out, _ = run(capsys, "retry", doc_id[:8])
    assert code == EXIT_OK and out.startswith("0 failed and cancelled chapters"), "fallbacks are not failures"
    code, out, _ = run(capsys, "retry", doc_id[:8], "--fallbacks")
    assert code == EXIT_OK and out.startswith("4 failed, cancelled and fallback chapters queued again")
    code, out, err = run(capsys, "resume")
    assert code == EXIT_OK, err
    code, out, _ = run(capsys, "show", doc_id, "--json")
    chapters = json.loads(out)["chapters"]
    assert [c["summarized_by"]["fallback"] for c in chapters] == [False] * 4


def test_timeout_bounds_the_whole_run_not_each_document(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    held = GatedSummarizer()  # never opens: nothing finishes
    monkeypatch.setattr(service, "make_summarizer", lambda settings: held)
    waits: list[float | None] = []
    real_wait = service.Engine.wait

    def recording_wait(self: service.Engine, ref: str, timeout: float | None = None) -> object:
        waits.append(timeout)
        return real_wait(self, ref, timeout=timeout)

    monkeypatch.setattr(service.Engine, "wait", recording_wait)
    books = [str(write_markdown(tmp_path / f"b{i}.md", 2, seed=i)) for i in range(3)]
    try:
        code, _, err = run(capsys, "summarize", *books, "--timeout", "0.5")
    finally:
        held.gate.set()
    assert code == EXIT_INCOMPLETE, err
    assert len(waits) == 3 and sum(w or 0 for w in waits) <= 0.5 + 1e-6, f"one deadline for the run: {waits}"
