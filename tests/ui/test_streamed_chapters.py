"""A document whose chapters stream out of its parse: listed, counted and shown as its batches are saved."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.engine import uploads
from desktop_app.engine.ingest import parse_document
from desktop_app.engine.ingest.base import NoTextError
from desktop_app.engine.ingest.limits import IngestLimits
from desktop_app.engine.ingest.stream import ChapterBatch, ParseEnd, ParseItem
from tests.engine.pipeline_helpers import GatedSummarizer


def test_the_window_shows_a_parsing_documents_chapters_batch_by_batch(
    qtbot, make_window, book, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = book(5)
    parsed = parse_document(source)
    gate = threading.Event()

    def held(
        path: Path, *, password: str | None, limits: IngestLimits, cancel: threading.Event | None = None
    ) -> Iterator[ParseItem]:
        yield ChapterBatch(tuple(parsed.chapters[:2]))
        assert gate.wait(60), "the test never opened the gate"
        yield ChapterBatch(tuple(parsed.chapters[2:]))
        yield ParseEnd.of(parsed)

    monkeypatch.setattr(uploads, "parse_file", held)
    gated = GatedSummarizer()
    window = make_window(gated)
    documents, chapters = window.documents_model, window.chapters_model
    with qtbot.waitSignal(window.controller.bridge.chapters_added, timeout=20_000) as first:
        view = window.engine.add_file(source, background=True)
    assert first.args[0].document_id == view.id and first.args[0].chapter_count == 2
    # Listed from the engine (the window had not seen the upload), with the chapters read so far.
    qtbot.waitUntil(lambda: documents.get(view.id) is not None, timeout=20_000)
    row = documents.get(view.id)
    assert row.status == "parsing" and row.chapter_count == 2
    with qtbot.waitSignal(window.chapters_loaded, timeout=20_000):
        window.controller.select(view.id)
    assert chapters.rowCount() == 2
    with qtbot.waitSignal(window.controller.bridge.document_added, timeout=20_000):
        gate.set()
    qtbot.waitUntil(lambda: chapters.rowCount() == 5, timeout=20_000)
    assert documents.get(view.id).chapter_count == 5
    assert documents.get(view.id).status != "parsing"
    gated.gate.set()
    qtbot.waitUntil(lambda: documents.get(view.id).status == "done", timeout=20_000)
    assert chapters.statuses() == {"done": 5}


def test_a_parse_that_fails_after_a_batch_leaves_the_window_without_its_chapters(
    qtbot, make_window, book, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = book(4)
    parsed = parse_document(source)
    gate = threading.Event()

    def failing(
        path: Path, *, password: str | None, limits: IngestLimits, cancel: threading.Event | None = None
    ) -> Iterator[ParseItem]:
        yield ChapterBatch(tuple(parsed.chapters[:2]))
        assert gate.wait(60), "the test never opened the gate"
        raise NoTextError("The later pages have no text.", path=path)

    monkeypatch.setattr(uploads, "parse_file", failing)
    window = make_window(GatedSummarizer())
    documents, chapters = window.documents_model, window.chapters_model
    with qtbot.waitSignal(window.controller.bridge.chapters_added, timeout=20_000):
        view = window.engine.add_file(source, background=True)
    qtbot.waitUntil(lambda: documents.get(view.id) is not None, timeout=20_000)
    with qtbot.waitSignal(window.chapters_loaded, timeout=20_000):
        window.controller.select(view.id)
    assert chapters.rowCount() == 2
    with qtbot.waitSignal(window.controller.bridge.document_finished, timeout=20_000):
        gate.set()
    qtbot.waitUntil(lambda: chapters.rowCount() == 0, timeout=20_000)
    row = documents.get(view.id)
    assert row.status == "failed" and row.chapter_count == 0
    assert row.error == "The later pages have no text."
