"""Opening a file answers before it is parsed: a "parsing…" row at once, its chapters when they come, and
the questions and messages of a failed parse (OCR, password, damaged) taken from the document."""

from __future__ import annotations

import logging
import shutil
import threading
from pathlib import Path

import pytest

from desktop_app.engine import uploads
from desktop_app.engine.ingest.base import ParsedDocument
from desktop_app.engine.ingest.limits import IngestLimits
from desktop_app.ui.models.documents import DocumentsModel
from tests.engine.pipeline_helpers import GatedSummarizer


def _status_text(window, doc_id: str) -> str:
    model = window.documents_model
    return model.data(model.index(model.row_of(doc_id), DocumentsModel.STATUS))


def test_a_big_file_shows_a_parsing_row_at_once_then_its_chapters(
    qtbot, make_window, book, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate, parsing = threading.Event(), threading.Event()
    real_parse = uploads.parse_file

    def gated_parse(
        path: Path, *, password: str | None, limits: IngestLimits, cancel: threading.Event | None = None
    ) -> ParsedDocument:
        parsing.set()
        assert gate.wait(60), "the test never opened the gate"
        return real_parse(path, password=password, limits=limits)

    monkeypatch.setattr(uploads, "parse_file", gated_parse)
    window = make_window(GatedSummarizer())  # chapters stay pending: the rows are easy to count
    try:
        with qtbot.waitSignal(window.document_parsing, timeout=20_000) as answered:
            window.open_files([book(400, "big.md")])
        doc_id = str(answered.args[0])
        assert parsing.wait(20), "the parse has started and is held: the window answered first"
        row = window.documents_model.get(doc_id)
        assert row is not None and row.status == "parsing" and row.file_name == "big.md"
        assert _status_text(window, doc_id) == "parsing…"
        assert window.controller.current_id == doc_id, "the new document is selected at once"
        assert window.chapters_model.rowCount() == 0
        actions = window.menu_actions
        assert not (actions.cancel.isEnabled() or actions.retry.isEnabled() or actions.refocus.isEnabled())
        assert actions.remove.isEnabled()
        with qtbot.waitSignal(window.document_opened, timeout=30_000) as opened:
            gate.set()
        assert opened.args[0] == doc_id
    finally:
        gate.set()
    qtbot.waitUntil(lambda: window.chapters_model.rowCount() == 400, timeout=30_000)
    row = window.documents_model.get(doc_id)
    assert row is not None and row.chapter_count == 400 and row.status == "processing"
    assert window.menu_actions.cancel.isEnabled() and window.menu_actions.refocus.isEnabled()
    assert window.documents_model.rowCount() == 1 and window.notices == []


@pytest.mark.corpus
@pytest.mark.skipif(shutil.which("tesseract") is None, reason="Tesseract is not installed (`make test` installs it)")
def test_a_scanned_pdf_found_by_the_parse_leads_to_the_ocr_offer(qtbot, make_window, corpus: Path) -> None:
    window = make_window()
    offers: list[tuple[str, str]] = []
    window.prompts.ask_ocr = lambda path, message: offers.append((path.name, message)) or False
    parsing: list[str] = []
    window.document_parsing.connect(parsing.append)
    with qtbot.waitSignal(window.open_failed, timeout=60_000) as failed:
        window.open_files([corpus / "pdf" / "pdf-with-jbig2.pdf"])
    assert len(parsing) == 1, "the window answered before the parse found no text layer"
    assert offers and offers[0][0] == "pdf-with-jbig2.pdf" and "text layer" in offers[0][1].lower()
    assert "text layer" in failed.args[1].lower()  # declined: told why, as before
    qtbot.waitUntil(lambda: window.documents_model.rowCount() == 0, timeout=10_000)
    qtbot.waitUntil(lambda: window.engine.documents() == [], timeout=10_000)  # the failed try is not kept


def test_a_damaged_file_says_why_and_the_window_goes_on(qtbot, make_window, book, corpus: Path, tmp_path) -> None:
    window = make_window()
    broken = tmp_path / "report.pdf"
    broken.write_bytes((corpus / "pdf" / "multicolumn.pdf").read_bytes()[:1500])  # cut short
    parsing: list[str] = []
    window.document_parsing.connect(parsing.append)
    messages: list[str] = []
    window.statusBar().messageChanged.connect(messages.append)
    with qtbot.waitSignal(window.open_failed, timeout=60_000) as failed:
        window.open_files([broken])
    assert failed.args[0] == str(broken)
    assert "damaged" in failed.args[1]
    assert parsing, "answered before the parse"
    assert any(n.startswith("Could not open report.pdf: ") and "damaged" in n for n in window.notices)
    qtbot.waitUntil(lambda: window.documents_model.rowCount() == 0, timeout=10_000)
    qtbot.waitUntil(lambda: window.engine.documents() == [], timeout=10_000)
    window.controller.bridge.flush()  # the removal's event has reached the window
    assert window.documents_model.rowCount() == 0, "the failed try does not come back"
    assert "Document removed" not in messages, "the failure's message stays what the status bar says"
    with qtbot.waitSignal(window.document_opened, timeout=30_000) as opened:
        window.open_files([book(3)])
    qtbot.waitUntil(lambda: window.chapters_model.rowCount() == 3, timeout=20_000)
    assert window.documents_model.rowCount() == 1
    assert window.documents_model.get(str(opened.args[0])) is not None


@pytest.mark.corpus
def test_a_password_found_only_by_the_parse_is_asked_for(
    qtbot, make_window, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A trailer further inside the file than the quick check reads: the window answers before the parse.
    monkeypatch.setattr(uploads, "looks_encrypted", lambda path: False)
    window = make_window()
    asked: list[bool] = []
    answers = iter(["not-it", "openpassword"])
    window.prompts.ask_password = lambda path, wrong: asked.append(wrong) or next(answers)
    parsing: list[str] = []
    window.document_parsing.connect(parsing.append)
    with qtbot.waitSignal(window.document_opened, timeout=60_000) as opened:
        window.open_files([corpus / "pdf" / "libreoffice-writer-password.pdf"])
    assert asked == [False, True]  # asked once, then told the first password was wrong
    assert len(parsing) == 3, "each try answered before its parse"
    qtbot.waitUntil(lambda: window.documents_model.rowCount() == 1, timeout=10_000)
    assert window.documents_model.get(str(opened.args[0])) is not None
    assert [d.id for d in window.engine.documents()] == [opened.args[0]]


def test_another_client_s_upload_is_listed_parsing_and_its_failed_parse_stays_listed(
    qtbot, make_window, tmp_path, parse_gate: threading.Event
) -> None:
    gate = parse_gate
    window = make_window()
    asked: list[object] = []
    window.prompts.ask_ocr = lambda path, message: asked.append(path) or False
    window.prompts.ask_password = lambda path, wrong: asked.append(path) or None
    broken = tmp_path / "upload.pdf"
    broken.write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 200)
    try:
        doc = window.engine.add_file(broken, background=True)  # as the HTTP API adds it
        qtbot.waitUntil(lambda: window.documents_model.get(doc.id) is not None, timeout=10_000)
        assert _status_text(window, doc.id) == "parsing…"
    finally:
        gate.set()
    qtbot.waitUntil(
        lambda: (row := window.documents_model.get(doc.id)) is not None and row.status == "failed", timeout=60_000
    )
    row = window.documents_model.get(doc.id)
    assert row is not None and row.error and "PDF" in row.error
    assert asked == [] and window.notices == []  # the window asks only about the files it opened


def test_a_file_removed_while_it_is_parsed_asks_nothing(
    qtbot,
    make_window,
    book,
    caplog: pytest.LogCaptureFixture,
    parse_gate: threading.Event,
) -> None:
    gate = parse_gate
    caplog.set_level(logging.INFO, logger="desktop_app.engine.uploads")
    window = make_window()
    window.prompts.confirm = lambda title, text: True
    try:
        with qtbot.waitSignal(window.document_parsing, timeout=20_000) as answered:
            window.open_files([book(3)])
        doc_id = str(answered.args[0])
        with qtbot.waitSignal(window.controller.bridge.document_changed, timeout=10_000):
            window.menu_actions.remove.trigger()
    finally:
        gate.set()
    qtbot.waitUntil(lambda: "was removed" in caplog.text, timeout=30_000)
    window.controller.bridge.flush()  # whatever the parse's end published has reached the window
    assert window.documents_model.get(doc_id) is None
    assert window.notices == [] and window.engine.documents() == []
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_failure_that_reaches_the_window_before_the_answer_is_still_told(
    qtbot, make_window, book, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The bridge and the task pool deliver on their own schedules: a parse that fails at once may be heard of
    # before the engine's answer reaches the opener. The opener keeps that end until the answer comes.
    from desktop_app.engine.events import DocumentFinished
    from desktop_app.engine.ingest.base import CorruptFileError
    from desktop_app.engine.states import DocumentStatus, ParseFailure
    from desktop_app.ui.opening import Opening

    gate = threading.Event()

    def held_parse(
        path: Path, *, password: str | None, limits: IngestLimits, cancel: threading.Event | None = None
    ) -> ParsedDocument:
        assert gate.wait(60), "the test never opened the gate"
        raise CorruptFileError("This file is damaged.")

    monkeypatch.setattr(uploads, "parse_file", held_parse)
    window = make_window()
    path = book(2, "early.md")
    doc = window.engine.add_file(path, background=True)  # the answer, held back from the window here
    try:
        opener = window.opener
        opener._adding += 1  # an add under way, as _add_file counts it
        ended = DocumentFinished(doc.id, DocumentStatus.FAILED, None, "This file is damaged.", ParseFailure.DAMAGED)
        opener.on_document_finished(ended)
        with qtbot.waitSignal(window.open_failed, timeout=10_000) as failed:
            opener._on_file_added(Opening(path, None, None), doc)
        assert failed.args == [str(path), "This file is damaged."]
        assert window.documents_model.get(doc.id) is None
        qtbot.waitUntil(lambda: window.engine.documents() == [], timeout=10_000)  # removed, as any failed try
    finally:
        gate.set()  # the real parse's end finds its document gone


def test_a_parse_that_failed_before_the_answer_was_read_back_is_told(qtbot, make_window, tmp_path) -> None:
    # A tiny damaged file can fail before add_file reads its document back: the answer is already failed.
    from desktop_app.ui.opening import Opening

    window = make_window()
    fake = tmp_path / "report.pdf"
    fake.write_text("this is not a PDF", encoding="utf-8")
    doc = window.engine.add_file(fake, background=True)
    failed_view = window.engine.wait(doc.id, timeout=60)
    assert failed_view.status == "failed" and failed_view.error_kind is not None
    opener = window.opener
    opener._adding += 1  # an add under way, as _add_file counts it
    with qtbot.waitSignal(window.open_failed, timeout=10_000) as failed:
        opener._on_file_added(Opening(fake, None, None), failed_view)
    assert failed.args == [str(fake), failed_view.error]
    qtbot.waitUntil(lambda: window.engine.documents() == [], timeout=10_000)
    window.controller.bridge.flush()
    assert window.documents_model.get(doc.id) is None


def test_closing_the_window_mid_parse_is_prompt_and_the_next_window_reads_the_file_again(
    qtbot, make_window, book, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desktop_app.engine.ingest.base import ParseCancelledError

    reading = threading.Event()
    real_parse = uploads.parse_file

    def endless_parse(
        path: Path, *, password: str | None, limits: IngestLimits, cancel: threading.Event | None = None
    ) -> ParsedDocument:
        reading.set()
        assert cancel is not None and cancel.wait(60), "closing the window never stopped the parse"
        raise ParseCancelledError(str(path))  # what the real parse raises once it is stopped

    monkeypatch.setattr(uploads, "parse_file", endless_parse)
    first = make_window()
    with qtbot.waitSignal(first.document_parsing, timeout=20_000) as answered:
        first.open_files([book(6, "big.md")])
    doc_id = str(answered.args[0])
    assert reading.wait(20)
    first.close()
    assert first.shutdown_ok, "the engine did not stop within its timeout"

    monkeypatch.setattr(uploads, "parse_file", real_parse)
    second = make_window()
    qtbot.waitUntil(
        lambda: (row := second.documents_model.get(doc_id)) is not None and row.chapter_count == 6, timeout=30_000
    )
    assert second.engine.wait(doc_id, timeout=60).status == "done"
