"""Uploads whose chapters stream out of the parser: saved batch by batch, summarized while the parse goes on."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import update

from desktop_app.engine import uploads
from desktop_app.engine.events import ChapterCommitted, ChaptersAdded, DocumentAdded, DocumentFinished
from desktop_app.engine.ingest import stream_document
from desktop_app.engine.ingest.base import NoTextError, ParsedChapter
from desktop_app.engine.ingest.limits import IngestLimits
from desktop_app.engine.ingest.stream import ChapterBatch, ParseEnd, ParseItem, Restart, collect
from desktop_app.engine.service import Engine
from desktop_app.engine.states import ChapterStatus, DocumentStatus
from desktop_app.engine.store import backlog, documents, instances
from desktop_app.engine.store.db import open_database
from desktop_app.engine.store.models import Document

from .pipeline_helpers import EventLog, settings_for, write_markdown


def real_chapters(tmp_path: Path, count: int) -> tuple[list[ParsedChapter], ParseEnd]:
    """The chapters and end of a real parse of a Markdown book with ``count`` chapters."""
    doc = collect(stream_document(write_markdown(tmp_path / "source.md", count)))
    return doc.chapters, ParseEnd.of(doc)


def held_parse(items: list[ParseItem | threading.Event]) -> object:
    """A ``parse_file`` seam that yields ``items``, waiting at each gate (a ``threading.Event``) among them."""

    def parse(path: Path, *, password: str | None, limits: IngestLimits) -> Iterator[ParseItem]:
        for item in items:
            if isinstance(item, threading.Event):
                assert item.wait(60), "the test never opened the gate"
            else:
                yield item

    return parse


def test_chapters_are_saved_and_summarized_while_the_parse_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    chapters, end = real_chapters(tmp_path, 7)
    gate = threading.Event()
    items: list[ParseItem | threading.Event] = [
        ChapterBatch(tuple(chapters[:3])),
        gate,
        ChapterBatch(tuple(chapters[3:])),
        end,
    ]
    monkeypatch.setattr(uploads, "parse_file", held_parse(items))
    upload = write_markdown(tmp_path / "book.md", 7)
    with Engine(settings_for(database_url, tmp_path)) as engine:
        recorder = EventLog()
        engine.bus.subscribe(recorder)
        view = engine.add_file(upload, background=True)
        assert recorder.wait_for_kind(ChaptersAdded)
        first = recorder.of(ChaptersAdded)[0]
        assert isinstance(first, ChaptersAdded)
        assert (first.document_id, first.first_index, first.chapter_count) == (view.id, 0, 3)
        # The first batch is summarized with the parse held between batches...
        assert recorder.wait_for_kind(ChapterCommitted, 3)
        held = engine.document(view.id)
        assert [c.status for c in held.chapters] == [ChapterStatus.DONE] * 3
        assert [c.title for c in held.chapters] == [c.title for c in chapters[:3]]
        # ...and the document, every chapter of which so far is done, is not finished: more are coming.
        assert held.status == DocumentStatus.PARSING
        assert not recorder.of(DocumentAdded) and not recorder.of(DocumentFinished)
        with engine._sessions.begin() as session:
            assert backlog.claim_finished_documents(session, "probe", document_id=view.id) == []
        gate.set()
        assert recorder.wait_for_kind(DocumentAdded)
        done = engine.wait(view.id, timeout=60)
    second = recorder.of(ChaptersAdded)[1]
    assert isinstance(second, ChaptersAdded) and (second.first_index, second.chapter_count) == (3, 7)
    added = recorder.of(DocumentAdded)[0]
    assert isinstance(added, DocumentAdded)
    assert added.chapter_ids == first.chapter_ids + second.chapter_ids and added.chapter_count == 7
    assert done.status == DocumentStatus.DONE and done.done == 7
    assert [c.index for c in done.chapters] == list(range(7))
    assert [c.title for c in done.chapters] == [c.title for c in chapters]
    assert done.title == end.title and done.structure == end.structure


def test_a_parse_that_fails_after_some_chapters_leaves_a_failed_document_without_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chapters, _end = real_chapters(tmp_path, 4)

    def failing(path: Path, *, password: str | None, limits: IngestLimits) -> Iterator[ParseItem]:
        yield ChapterBatch(tuple(chapters[:2]))
        raise NoTextError("This PDF has no text layer on its later pages.", path=path)

    monkeypatch.setattr(uploads, "parse_file", failing)
    with Engine(settings_for(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path)) as engine:
        recorder = EventLog()
        engine.bus.subscribe(recorder)
        view = engine.add_file(write_markdown(tmp_path / "book.md", 4), background=True)
        assert recorder.wait_for_kind(DocumentFinished)
        failed = engine.document(view.id)
    saved, dropped = recorder.of(ChaptersAdded)
    assert isinstance(saved, ChaptersAdded) and saved.chapter_count == 2, "the first batch was saved first"
    assert isinstance(dropped, ChaptersAdded) and (dropped.first_index, dropped.chapter_ids) == (0, ())
    assert recorder.events.index(dropped) < recorder.events.index(recorder.of(DocumentFinished)[0])
    assert failed.status == DocumentStatus.FAILED
    assert failed.error == "This PDF has no text layer on its later pages."
    assert failed.chapters == [] and failed.chapter_count == 0
    assert not (tmp_path / "parsing" / view.id).exists()


def test_a_restarted_parse_replaces_the_chapters_sent_before(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    chapters, end = real_chapters(tmp_path, 5)
    items: list[ParseItem | threading.Event] = [
        ChapterBatch(tuple(chapters[:2])),
        Restart(),
        ChapterBatch(tuple(chapters[1:])),
        end,
    ]
    monkeypatch.setattr(uploads, "parse_file", held_parse(items))
    with Engine(settings_for(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path)) as engine:
        recorder = EventLog()
        engine.bus.subscribe(recorder)
        view = engine.add_file(write_markdown(tmp_path / "book.md", 5), background=True)
        done = engine.wait(view.id, timeout=60)
    assert [c.title for c in done.chapters] == [c.title for c in chapters[1:]]
    assert [c.index for c in done.chapters] == [0, 1, 2, 3]
    assert done.status == DocumentStatus.DONE and done.done == 4
    restart = recorder.of(ChaptersAdded)[1]
    assert isinstance(restart, ChaptersAdded) and (restart.first_index, restart.chapter_ids) == (0, ())


def test_a_document_removed_while_parsing_stops_its_parse_quietly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chapters, end = real_chapters(tmp_path, 4)
    gate, closed = threading.Event(), threading.Event()

    def parse(path: Path, *, password: str | None, limits: IngestLimits) -> Iterator[ParseItem]:
        try:
            yield ChapterBatch(tuple(chapters[:2]))
            assert gate.wait(60)
            yield ChapterBatch(tuple(chapters[2:]))
            yield end
        finally:
            closed.set()

    monkeypatch.setattr(uploads, "parse_file", parse)
    with Engine(settings_for(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path)) as engine:
        recorder = EventLog()
        engine.bus.subscribe(recorder)
        view = engine.add_file(write_markdown(tmp_path / "book.md", 4), background=True)
        assert recorder.wait_for_kind(ChaptersAdded)
        engine.remove(view.id)
        gate.set()
        assert closed.wait(60), "the parse was not stopped"
        assert engine.documents() == []
    assert not recorder.of(DocumentFinished) and not recorder.of(DocumentAdded)


def test_a_parse_cut_off_by_a_stop_leaves_a_failed_document_at_the_next_start(
    tmp_path: Path, database_url: str
) -> None:
    chapters, _end = real_chapters(tmp_path, 5)
    url = database_url
    engine_db, sessions = open_database(url)
    with sessions.begin() as session:
        orphan = documents.add_placeholder(session, file_name="book.pdf", sha256="", parsed_by="gone-instance")
        documents.append_chapters(session, orphan, chapters[:3])
        unowned = documents.add_placeholder(session, file_name="other.pdf", sha256="", parsed_by=None)
    engine_db.dispose()
    with Engine(settings_for(url, tmp_path)) as engine:
        failed = engine.document(orphan)
        other = engine.document(unowned)
    for view in (failed, other):
        assert view.status == DocumentStatus.FAILED
        assert view.error == instances.INTERRUPTED_PARSE
        assert view.chapters == [] and view.chapter_count == 0


def test_a_result_that_lands_on_a_parsing_or_unparsed_document_does_not_open_it(
    tmp_path: Path, database_url: str
) -> None:
    chapters, _end = real_chapters(tmp_path, 2)
    engine_db, sessions = open_database(database_url)
    with sessions.begin() as session:
        doc_id = documents.add_placeholder(session, file_name="book.pdf", sha256="")
        documents.append_chapters(session, doc_id, chapters)
        done = documents.add_placeholder(session, file_name="done.pdf", sha256="")
        documents.finish_parsing(session, done, collect(iter([ParseEnd("Done", "pdf")])))
        session.execute(update(Document).where(Document.id == done).values(status=DocumentStatus.DONE))
        unread = documents.add_placeholder(session, file_name="broken.pdf", sha256="")
        documents.fail_parsing(session, unread, "This file is damaged.")
    with sessions.begin() as session:
        assert backlog.reopen_documents(session, [doc_id, done, unread]) == 1
        assert documents.document_status(session, doc_id) == DocumentStatus.PARSING
        assert documents.document_status(session, done) == DocumentStatus.PROCESSING
        # A document whose parse never ended stays failed (a dropped chapter's result came back).
        assert documents.document_status(session, unread) == DocumentStatus.FAILED
    engine_db.dispose()
