"""Operator commands (`inspect active`, `inspect stats`, `purge`, `cache stats`) against a running pipeline.

The pipeline runs in this process (as the window or `chapterwise serve` would); each command opens the same
database as a separate engine and reads what the running one reports through its instance row.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from chapterwise_testing.llmsim import LLMSimulator
from desktop_app.cli import EXIT_OK, EXIT_USAGE, main
from desktop_app.config import Settings
from desktop_app.engine.service import Engine
from tests.engine.pipeline_helpers import GatedSummarizer, make_document


def cli(capsys: pytest.CaptureFixture[str], settings: Settings, *argv: str) -> tuple[int, str, str]:
    """Run a command against the same database as the running engine (a second terminal, as it were)."""
    code = main(["-q", "--data-dir", str(settings.data_dir), "--database", settings.database_url, *argv])
    out, err = capsys.readouterr()
    return code, out, err


def cli_json(capsys: pytest.CaptureFixture[str], settings: Settings, *argv: str) -> Any:
    code, out, err = cli(capsys, settings, *argv)
    assert code == EXIT_OK, err
    return json.loads(out)


def wait_until(predicate: Callable[[], bool], timeout: float = 20.0) -> bool:
    tick = threading.Event()
    for _ in range(int(timeout / 0.1)):
        if predicate():
            return True
        tick.wait(0.1)
    return predicate()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=f"sqlite:///{tmp_path / 'ops.db'}")


def test_inspect_active_and_stats_show_the_running_pipeline(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    summarizer = GatedSummarizer()
    with Engine(settings, summarizer=summarizer) as engine:
        doc = engine.add_parsed(make_document(20), file_name="ops.txt")
        active: list[dict[str, Any]] = []

        def in_flight() -> bool:
            active[:] = cli_json(capsys, settings, "inspect", "active", "--json")
            return len(active) == 3

        assert wait_until(in_flight), "the three held chapters are reported in flight"
        for row in active:
            assert row["document_id"] == doc.id and row["document"] == doc.title
            assert row["kind"] == "chapter" and row["chapter_index"] in range(20)
            assert row["endpoint"] == "built-in" and row["seconds"] >= 0
        assert sorted(r["worker"] for r in active) == [0, 1, 2]

        summarizer.gate.set()
        engine.wait(doc.id, timeout=60)

        def all_counted() -> bool:
            stats = cli_json(capsys, settings, "inspect", "stats", "--json")
            return sum(w["done"] for w in stats["workers"]) == 20

        assert wait_until(all_counted), "per-worker counts reach the document's 20 chapters"
        stats = cli_json(capsys, settings, "inspect", "stats", "--json")
        assert all(w["mean_ms"] is not None and w["p95_ms"] is not None for w in stats["workers"] if w["done"])
        assert stats["endpoints"] == [], "the built-in summarizer has no endpoints"
        status = engine.status()
    assert {"workers", "llm_latency_ms", "summarizer"} <= set(status.to_dict())


def test_inspect_stats_shows_llm_endpoints_and_circuits(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with LLMSimulator(latency=1.0, slots=2) as sim:
        settings = Settings(
            data_dir=tmp_path / "data",
            database_url=f"sqlite:///{tmp_path / 'llm.db'}",
            backend="ollama",
            model="llama3.2:latest",
            endpoints=[f"{sim.url}#parallel=2"],
        )
        with Engine(settings) as engine:
            doc = engine.add_parsed(make_document(8, sentences=4), file_name="llm.txt")
            seen: list[dict[str, Any]] = []

            def endpoint_busy() -> bool:
                seen[:] = cli_json(capsys, settings, "inspect", "active", "--json")
                return any(r["endpoint"] == sim.url for r in seen)

            assert wait_until(endpoint_busy), "chapters in flight name the endpoint they wait on"
            engine.wait(doc.id, timeout=60)
            endpoints = cli_json(capsys, settings, "inspect", "stats", "--json")["endpoints"]
    assert endpoints and endpoints[0]["url"] == sim.url
    assert endpoints[0]["limit"] == 2 and endpoints[0]["circuit"] == "closed"


def test_purge_drops_pending_chapters_and_keeps_done_ones(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    summarizer = GatedSummarizer()
    with Engine(settings.model_copy(update={"summary_queue_size": 3}), summarizer=summarizer) as engine:
        doc = engine.add_parsed(make_document(40), file_name="purge.txt")
        code, _, _ = cli(capsys, settings, "purge", "--document", doc.id)
        assert code == EXIT_USAGE, "no terminal to confirm and no --yes: nothing is purged"
        summarizer.allow(5)
        assert wait_until(lambda: engine.document(doc.id, chapters=False).done >= 5)
        before = {c.id: c.summary for c in engine.document(doc.id).chapters if c.status == "done"}
        code, out, _ = cli(capsys, settings, "purge", "--document", doc.id, "--yes")
        assert code == EXIT_OK and "Purged" in out
        summarizer.gate.set()
        final = engine.wait(doc.id, timeout=60)
    kept = {c.id: c.summary for c in final.chapters if c.status == "done"}
    assert before.items() <= kept.items(), "every chapter done before the purge is kept as it was"
    assert final.cancelled > 0 and final.done + final.cancelled == 40
    assert not any(c.status == "pending" for c in final.chapters)


def test_cache_stats_reports_hit_rate_and_oldest_entry(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    with Engine(settings) as engine:
        for _ in range(2):
            engine.wait(engine.add_parsed(make_document(5), file_name="twice.txt").id, timeout=60)
    stats = cli_json(capsys, settings, "cache", "stats", "--json")
    # The built-in backend makes the whole-document summary from the chapters' texts in milliseconds, outside
    # the cache: five chapter summaries are cached.
    assert stats["entries"] == 5, "five chapters"
    assert stats["hits"] == 5 and stats["misses"] == 5 and stats["hit_rate"] == 0.5
    assert stats["oldest_entry"] and stats["bytes"] > 0
