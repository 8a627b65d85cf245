"""Uploads whose chapters stream out of the parser: saved batch by batch, summarized while the parse goes on."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import update

from desktop_app.engine import uploads
from desktop_app.engine.events import ChapterCommitted, ChaptersAdded, DocumentAdded, DocumentFinished, EventBus
from desktop_app.engine.ingest import stream_document
from desktop_app.engine.ingest.base import NoTextError, ParseCancelledError, ParsedChapter
from desktop_app.engine.ingest.limits import IngestLimits
from desktop_app.engine.ingest.stream import ChapterBatch, ParseEnd, ParseItem, Restart, collect
from desktop_app.engine.pipeline.spawn import thread_spawn
from desktop_app.engine.service import Engine
from desktop_app.engine.states import ChapterStatus, DocumentStatus
from desktop_app.engine.store import backlog, documents, instances
from desktop_app.engine.store.db import open_database
from desktop_app.engine.store.models import Document

from .pipeline_helpers import EventLog, settings_for, wait_until, write_markdown


def real_chapters(tmp_path: Path, count: int) -> tuple[list[ParsedChapter], ParseEnd]:
    """The chapters and end of a real parse of a Markdown book with ``count`` chapters."""
    doc = collect(stream_document(write_markdown(tmp_path / "source.md", count)))
    return doc.chapters, ParseEnd.of(doc)


def held_parse(items: list[ParseItem | threading.Event], ended: threading.Event | None = None) -> object:
    """A ``parse_file`` seam that yields ``items``, waiting at each gate (a ``threading.Event``) among them,
    and sets ``ended`` however it ends (closed by its caller included). It does not look at ``cancel``."""

    def parse(
        path: Path, *, password: str | None, limits: IngestLimits, cancel: threading.Event | None = None
    ) -> Iterator[ParseItem]:
        try:
            for item in items:
                if isinstance(item, threading.Event):
                    assert item.wait(60), "the test never opened the gate"
                else:
                    yield item
        finally:
            if ended is not None:
                ended.set()

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

    def failing(
        path: Path, *, password: str | None, limits: IngestLimits, cancel: threading.Event | None = None
    ) -> Iterator[ParseItem]:
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
    items = [ChapterBatch(tuple(chapters[:2])), gate, ChapterBatch(tuple(chapters[2:])), end]
    monkeypatch.setattr(uploads, "parse_file", held_parse(items, ended=closed))
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


def test_a_parse_stopped_with_the_app_is_parsed_again_at_the_next_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    chapters, _end = real_chapters(tmp_path, 5)
    stopped = threading.Event()

    def parse(
        path: Path, *, password: str | None, limits: IngestLimits, cancel: threading.Event | None = None
    ) -> Iterator[ParseItem]:
        yield ChapterBatch(tuple(chapters[:2]))
        assert cancel is not None and cancel.wait(60), "the stop never reached the parse"
        stopped.set()
        raise ParseCancelledError(str(path))  # what the real stream raises once ``cancel`` is set

    monkeypatch.setattr(uploads, "parse_file", parse)
    settings = settings_for(database_url, tmp_path)
    upload = write_markdown(tmp_path / "book.md", 5)
    with Engine(settings) as engine:
        recorder = EventLog()
        engine.bus.subscribe(recorder)
        doc_id = engine.add_file(upload, background=True).id
        assert recorder.wait_for(lambda events: any(isinstance(e, ChaptersAdded) and e.chapter_ids for e in events))
    assert stopped.is_set(), "the engine stopped before its parse did"
    kept = settings.data_dir / "parsing" / doc_id / "book.md"
    assert kept.read_bytes() == upload.read_bytes()
    upload.unlink()  # the user's file may be gone: the engine parses its own copy

    engine_db, sessions = open_database(database_url)
    with sessions() as session:
        view = documents.get_document(session, doc_id, chapters=True, with_text=False)
        assert view is not None and view.status == DocumentStatus.PARSING and view.chapters == []
    engine_db.dispose()

    monkeypatch.undo()  # the real parser reads the copy at the next start
    with Engine(settings) as engine:
        recorder = EventLog()
        engine.bus.subscribe(recorder)
        assert wait_until(lambda: engine.document(doc_id).status == DocumentStatus.DONE)
        view = engine.document(doc_id)
    assert [c.title for c in view.chapters] == [c.title for c in chapters]
    assert all(c.status == ChapterStatus.DONE for c in view.chapters)
    assert not kept.parent.exists()


def test_a_parse_that_outlives_the_stop_is_still_read_again_at_the_next_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    """An in-process parse (CHAPTERWISE_INGEST_INPROCESS) sees the stop only between batches: the stop does not wait."""
    chapters, end = real_chapters(tmp_path, 3)
    gate, ended = threading.Event(), threading.Event()
    monkeypatch.setattr(uploads, "parse_file", held_parse([gate, ChapterBatch(tuple(chapters)), end], ended=ended))
    settings = settings_for(database_url, tmp_path, shutdown_timeout=0.5)
    with Engine(settings) as engine:
        doc_id = engine.add_file(write_markdown(tmp_path / "book.md", 3), background=True).id
    gate.set()  # the parse goes on after the stop: its first batch finds the engine stopped
    assert ended.wait(60)
    assert (settings.data_dir / "parsing" / doc_id / "book.md").is_file()
    monkeypatch.undo()
    with Engine(settings) as engine:
        view = engine.wait(doc_id, timeout=60)
    assert view.status == DocumentStatus.DONE and len(view.chapters) == 3


def test_a_parse_opened_with_a_password_is_not_kept_when_the_app_stops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    def parse(
        path: Path, *, password: str | None, limits: IngestLimits, cancel: threading.Event | None = None
    ) -> Iterator[ParseItem]:
        assert cancel is not None and cancel.wait(60), "the stop never reached the parse"
        raise ParseCancelledError(str(path))
        yield

    monkeypatch.setattr(uploads, "parse_file", parse)
    settings = settings_for(database_url, tmp_path)
    with Engine(settings) as engine:
        doc_id = engine.add_file(write_markdown(tmp_path / "book.md", 2), password="secret", background=True).id
    assert not (settings.data_dir / "parsing" / doc_id).exists()  # the password is not stored, nor its file
    with Engine(settings) as engine:
        view = engine.document(doc_id)
    assert view.status == DocumentStatus.FAILED and view.error == instances.INTERRUPTED_PARSE


def test_uploads_waiting_for_a_parse_slot_do_not_hold_the_stop_and_are_parsed_at_the_next_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    parsing = threading.Semaphore(0)

    def parse(
        path: Path, *, password: str | None, limits: IngestLimits, cancel: threading.Event | None = None
    ) -> Iterator[ParseItem]:
        parsing.release()
        assert cancel is not None and cancel.wait(60), "the stop never reached the parse"
        raise ParseCancelledError(str(path))
        yield  # a generator, as the real stream is

    monkeypatch.setattr(uploads, "parse_file", parse)
    settings = settings_for(database_url, tmp_path)
    count = uploads.PARSE_SLOTS + 3
    with Engine(settings) as engine:
        ids = [engine.add_file(write_markdown(tmp_path / f"book{n}.md", 2), background=True).id for n in range(count)]
        for _ in range(uploads.PARSE_SLOTS):
            assert parsing.acquire(timeout=60)
        assert not parsing.acquire(timeout=0.2), "more parses ran at once than there are slots"
    monkeypatch.undo()
    with Engine(settings) as engine:
        assert wait_until(lambda: all(engine.document(i).status == DocumentStatus.DONE for i in ids))
        assert all(len(engine.document(i).chapters) == 2 for i in ids)


def test_copies_of_uploads_no_longer_being_read_are_swept(tmp_path: Path, database_url: str) -> None:
    engine_db, sessions = open_database(database_url)
    with sessions.begin() as session:
        reading = documents.add_placeholder(session, file_name="a.pdf", sha256="", parsed_by="elsewhere")
        ended = documents.add_placeholder(session, file_name="b.pdf", sha256="")
        documents.fail_parsing(session, ended, "This file is damaged.")
    folder = tmp_path / "parsing"
    for name in (reading, ended, "removed-meanwhile"):
        (folder / name).mkdir(parents=True)
        (folder / name / "file.pdf").write_bytes(b"%PDF-1.7")
    parser = uploads.BackgroundParser(sessions, EventBus(), folder, spawn=thread_spawn, on_chapters=lambda: None)
    assert parser.sweep() == 2
    assert sorted(p.name for p in folder.iterdir()) == [reading]
    engine_db.dispose()


def test_a_parse_taken_over_by_another_instance_adds_nothing_more(tmp_path: Path, database_url: str) -> None:
    """Recovery gave the parse to another instance (this one's lease lapsed): the first parser's writes are refused."""
    chapters, end = real_chapters(tmp_path, 3)
    engine_db, sessions = open_database(database_url)
    with sessions.begin() as session:
        doc_id = documents.add_placeholder(session, file_name="book.pdf", sha256="", parsed_by="first")
        documents.append_chapters(session, doc_id, chapters[:1], parser="first")
    with sessions.begin() as session:
        adoption = instances.ParseAdoption("second", resumable=lambda _id: True)
        assert instances.fail_orphaned_parses(session, Document.claimed_by == "first", adoption) == []
        assert adoption.adopted == [doc_id]
    with sessions.begin() as session, pytest.raises(documents.NoLongerParsingError):
        documents.append_chapters(session, doc_id, chapters[1:], parser="first")
    with sessions.begin() as session, pytest.raises(documents.NoLongerParsingError):
        documents.finish_parsing(session, doc_id, collect(iter([end])), parser="first")
    with sessions.begin() as session:
        assert not documents.fail_parsing(session, doc_id, "damaged", parser="first")
        assert documents.parsing_file_name(session, doc_id, besides="first") == "book.pdf"
        assert documents.append_chapters(session, doc_id, chapters, parser="second")
        documents.finish_parsing(session, doc_id, collect(iter([end])), parser="second")
    with sessions() as session:
        view = documents.get_document(session, doc_id, chapters=True, with_text=False)
        assert view is not None and view.status == DocumentStatus.PROCESSING
        assert [c.title for c in view.chapters] == [c.title for c in chapters]  # the first parser's chapter is gone
    engine_db.dispose()


def test_a_parse_cut_off_without_its_file_leaves_a_failed_document_at_the_next_start(
    tmp_path: Path, database_url: str
) -> None:
    """A parse whose copy of the file is not here (another machine's, or opened with a password) cannot resume."""
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
