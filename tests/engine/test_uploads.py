"""Uploads that answer at once: the answer comes before parsing ends; chapters follow in an event."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from desktop_app.engine import uploads
from desktop_app.engine.events import DocumentAdded, DocumentFinished, DocumentParsing, Event
from desktop_app.engine.ingest.base import IngestError, ParsedDocument
from desktop_app.engine.ingest.limits import IngestLimits
from desktop_app.engine.service import Engine
from desktop_app.engine.states import DocumentStatus

from .pipeline_helpers import settings_for, wait_until, write_markdown


class Recorder:
    def __init__(self) -> None:
        self.events: list[Event] = []
        self.added = threading.Event()
        self.finished = threading.Event()

    def __call__(self, event: Event) -> None:
        self.events.append(event)
        if isinstance(event, DocumentAdded):
            self.added.set()
        if isinstance(event, DocumentFinished):
            self.finished.set()


def test_upload_answers_before_parsing_ends(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gate, parsing = threading.Event(), threading.Event()
    real_parse = uploads.parse_file

    def gated_parse(
        path: Path, *, password: str | None, limits: IngestLimits, cancel: threading.Event | None = None
    ) -> ParsedDocument:
        parsing.set()
        assert gate.wait(30), "the test never opened the gate"
        return real_parse(path, password=password, limits=limits)

    monkeypatch.setattr(uploads, "parse_file", gated_parse)
    source = write_markdown(tmp_path / "book.md", 12)
    with Engine(settings_for(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path)) as engine:
        recorder = Recorder()
        engine.bus.subscribe(recorder)
        view = engine.add_file(source, background=True)
        # The call has returned while the parse is held at the gate.
        assert parsing.wait(30)
        assert view.status == DocumentStatus.PARSING
        assert view.chapters == []
        assert view.file_name == "book.md"
        assert [type(e) for e in recorder.events] == [DocumentParsing]
        assert engine.document(view.id, chapters=False).status == DocumentStatus.PARSING
        source.unlink()  # the engine kept its own copy: the caller may delete the upload at once
        gate.set()
        assert recorder.added.wait(30)
        added = next(e for e in recorder.events if isinstance(e, DocumentAdded))
        assert added.document_id == view.id and added.chapter_count == 12 and len(added.chapter_ids) == 12
        done = engine.wait(view.id, timeout=60)
    assert done.status == DocumentStatus.DONE
    assert done.done == 12
    assert not (tmp_path / "parsing" / view.id).exists()


def test_a_file_that_cannot_be_parsed_ends_failed_with_the_reason(tmp_path: Path) -> None:
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 200)
    with Engine(settings_for(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path)) as engine:
        recorder = Recorder()
        engine.bus.subscribe(recorder)
        view = engine.add_file(broken, background=True)
        assert recorder.finished.wait(60)
        failed = engine.document(view.id)
    assert failed.status == DocumentStatus.FAILED
    assert failed.error and "PDF" in failed.error
    finished = next(e for e in recorder.events if isinstance(e, DocumentFinished))
    assert finished.status == DocumentStatus.FAILED and finished.error == failed.error


def test_what_is_known_without_parsing_is_refused_at_once(tmp_path: Path) -> None:
    picture = tmp_path / "photo.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    with Engine(settings_for(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path)) as engine:
        with pytest.raises(IngestError, match="not found"):
            engine.add_file(tmp_path / "missing.pdf", background=True)
        with pytest.raises(IngestError) as refused:
            engine.add_file(picture, background=True)
        assert engine.documents() == []
    assert refused.value.message.startswith("This is an image, not a document.")


def test_an_encrypted_pdf_is_parsed_before_the_answer_so_its_password_question_comes_at_once(
    tmp_path: Path, corpus: Path
) -> None:
    from desktop_app.engine.ingest.base import PasswordRequiredError

    locked = corpus / "pdf" / "libreoffice-writer-password.pdf"
    opens = corpus / "pdf" / "dmca.pdf"  # encrypted with an empty user password: opens without one
    assert uploads.looks_encrypted(locked) and uploads.looks_encrypted(opens)
    assert not uploads.looks_encrypted(corpus / "pdf" / "i1040nr.pdf")
    with Engine(settings_for(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path)) as engine:
        with pytest.raises(PasswordRequiredError) as refused:
            engine.add_file(locked, background=True)
        assert "password" in refused.value.message.lower()
        assert engine.documents() == [], "nothing is left parsing for a file that needs its password"
        view = engine.add_file(opens, background=True)
        assert view.status == DocumentStatus.PROCESSING and view.chapters, "parsed before the answer"
        unlocked = engine.add_file(locked, password="openpassword", background=True)
        assert unlocked.chapters


def _failed_in_background(engine: Engine, path: Path, **kwargs: object) -> tuple[DocumentFinished, object]:
    """Add ``path`` with ``background=True``; its DocumentFinished event and the document read back."""
    recorder = Recorder()
    engine.bus.subscribe(recorder)
    view = engine.add_file(path, background=True, **kwargs)  # type: ignore[arg-type]
    assert view.status == DocumentStatus.PARSING, "answered before the parse"
    assert recorder.finished.wait(60)
    finished = next(e for e in recorder.events if isinstance(e, DocumentFinished))
    return finished, engine.document(view.id)


def test_a_failed_parse_says_what_kind_of_failure_it_was(tmp_path: Path, corpus: Path) -> None:
    from desktop_app.engine.states import ParseFailure

    broken = tmp_path / "broken.pdf"
    broken.write_bytes((corpus / "pdf" / "multicolumn.pdf").read_bytes()[:1500])  # cut short
    settings = settings_for(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path, max_pages=20)
    with Engine(settings) as engine:
        damaged, damaged_doc = _failed_in_background(engine, broken)
        scanned, scanned_doc = _failed_in_background(engine, corpus / "pdf" / "pdf-with-jbig2.pdf")
        big, big_doc = _failed_in_background(engine, corpus / "pdf" / "i1040nr.pdf")  # 50 pages > 20
    assert damaged.error_kind == damaged_doc.error_kind == ParseFailure.DAMAGED
    assert damaged_doc.status == DocumentStatus.FAILED and damaged_doc.error == damaged.error
    assert not damaged.ocr_available and not damaged_doc.ocr_available
    assert scanned.error_kind == scanned_doc.error_kind == ParseFailure.NO_TEXT
    assert "text layer" in (scanned_doc.error or "").lower()
    from desktop_app.engine.ingest.ocr import tesseract_available

    assert scanned.ocr_available is scanned_doc.ocr_available is tesseract_available()
    assert big.error_kind == big_doc.error_kind == ParseFailure.TOO_LARGE
    assert "20" in (big_doc.error or "")
    # The read model and the API's JSON carry the kind as its string.
    assert scanned_doc.to_dict()["error_kind"] == "no_text"
    assert damaged_doc.to_dict()["ocr_available"] is False


def test_a_parse_over_its_time_limit_ends_failed_as_a_timeout(tmp_path: Path, corpus: Path) -> None:
    from desktop_app.engine.states import ParseFailure

    settings = settings_for(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path, parse_timeout=0.001)
    with Engine(settings) as engine:
        finished, doc = _failed_in_background(engine, corpus / "pdf" / "multicolumn.pdf")
    assert finished.error_kind == doc.error_kind == ParseFailure.TIMEOUT
    assert "CHAPTERWISE_PARSE_TIMEOUT" in (doc.error or "")


def test_a_password_found_only_by_the_parse_ends_failed_asking_for_it(
    tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desktop_app.engine.states import ParseFailure

    # A trailer further inside the file than the quick check reads: the upload answers before the parse.
    monkeypatch.setattr(uploads, "looks_encrypted", lambda path: False)
    locked = corpus / "pdf" / "libreoffice-writer-password.pdf"
    with Engine(settings_for(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path)) as engine:
        missing, missing_doc = _failed_in_background(engine, locked)
        wrong, wrong_doc = _failed_in_background(engine, locked, password="not-it")
        opened = engine.add_file(locked, password="openpassword", background=True)
        done = engine.wait(opened.id, timeout=60)
    assert missing.error_kind == missing_doc.error_kind == ParseFailure.PASSWORD_REQUIRED
    assert wrong.error_kind == wrong_doc.error_kind == ParseFailure.WRONG_PASSWORD
    assert missing_doc.error_kind.needs_password and wrong_doc.error_kind.needs_password
    assert "password" in (missing_doc.error or "").lower()
    assert done.chapters and done.error_kind is None


def test_a_file_added_under_another_name_is_parsed_by_its_own(tmp_path: Path) -> None:
    # The window reads a text file without a suffix from a copy named so the parser can tell it; the
    # document keeps the name the user knows.
    source = write_markdown(tmp_path / "notes.md", 4)
    with Engine(settings_for(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path)) as engine:
        view = engine.add_file(source, file_name="NOTES", background=True)
        done = engine.wait(view.id, timeout=60)
    assert done.status == DocumentStatus.DONE and done.chapter_count == 4
    assert done.file_name == "NOTES" and done.error_kind is None


def test_a_burst_of_uploads_parses_a_few_at_a_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gate = threading.Event()
    inside: list[Path] = []
    lock = threading.Lock()
    real_parse = uploads.parse_file

    def gated_parse(
        path: Path, *, password: str | None, limits: IngestLimits, cancel: threading.Event | None = None
    ) -> ParsedDocument:
        with lock:
            inside.append(path)
        assert gate.wait(30), "the test never opened the gate"
        return real_parse(path, password=password, limits=limits)

    monkeypatch.setattr(uploads, "parse_file", gated_parse)
    count = uploads.PARSE_SLOTS + 3
    books = [write_markdown(tmp_path / f"book-{i}.md", 2, seed=i) for i in range(count)]
    with Engine(settings_for(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path)) as engine:
        recorder = Recorder()
        engine.bus.subscribe(recorder)
        views = [engine.add_file(book, background=True) for book in books]
        parser = engine._parser
        try:
            # A condition no event announces: the parses held at the gate, and the loops waiting for a slot.
            assert wait_until(lambda: len(inside) == uploads.PARSE_SLOTS and parser.waiting == 3, timeout=30)
            assert len(inside) == uploads.PARSE_SLOTS, "no more parses started than the slots"
            assert all(engine.document(v.id, chapters=False).status == DocumentStatus.PARSING for v in views)
        finally:
            gate.set()
        done = [engine.wait(v.id, timeout=60) for v in views]
    assert [d.status for d in done] == [DocumentStatus.DONE] * count
    assert len(inside) == count


def test_a_refocus_leaves_a_document_being_parsed_or_unreadable_as_it_is(
    tmp_path: Path, parse_gate: threading.Event
) -> None:
    gate = parse_gate
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 200)
    with Engine(settings_for(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path)) as engine:
        recorder = Recorder()
        engine.bus.subscribe(recorder)
        parsing = engine.add_file(write_markdown(tmp_path / "book.md", 3), background=True)
        failing = engine.add_file(broken, background=True)
        try:
            assert engine.refocus(parsing.id, "the harbour") == 0
            assert engine.document(parsing.id, chapters=False).status == DocumentStatus.PARSING
        finally:
            gate.set()
        done = engine.wait(parsing.id, timeout=60)
        failed = engine.wait(failing.id, timeout=60)
        assert engine.refocus(failing.id, "the harbour") == 0
        after = engine.document(failing.id, chapters=False)
    assert done.status == DocumentStatus.DONE and done.chapter_count == 3
    assert failed.status == after.status == DocumentStatus.FAILED
    assert after.error_kind is not None and after.error == failed.error


def test_a_document_removed_while_it_is_parsed_ends_quietly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, parse_gate: threading.Event
) -> None:
    import logging

    gate = parse_gate
    caplog.set_level(logging.INFO, logger="desktop_app.engine.uploads")
    with Engine(settings_for(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path)) as engine:
        recorder = Recorder()
        engine.bus.subscribe(recorder)
        view = engine.add_file(write_markdown(tmp_path / "book.md", 3), background=True)
        engine.remove(view.id)
        gate.set()
        assert wait_until(lambda: "was removed" in caplog.text, timeout=30)
        assert engine.documents() == []
    assert not any(isinstance(e, (DocumentFinished, DocumentAdded)) for e in recorder.events)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
