"""An upload answers before its file is parsed; a file that cannot be read fails on the document, with the
kind of failure a parse-first upload answers as a 4xx (``background=false`` and ``wait=true`` still do)."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

from desktop_app.engine.events import DocumentAdded

from .conftest import MakeApi, iter_sse, markdown_book
from .test_security import assert_json_error
from .test_seed_endpoints import SEED_CHAPTER_FIELDS, SEED_UPLOAD_FIELDS


def _damaged_pdf(corpus: Path) -> bytes:
    return (corpus / "pdf" / "multicolumn.pdf").read_bytes()[:1500]  # cut short


def _finished_on_the_stream(client: httpx.Client, doc_id: str, gate: threading.Event) -> dict[str, Any]:
    with client.stream("GET", "/api/events", params={"document_id": doc_id}) as response:
        for name, data in iter_sse(response):
            if name == "ready":
                gate.set()  # only now: the parse cannot end before the stream listens
            elif name == "document_finished":
                return data
    raise AssertionError("the stream ended without document_finished")


def test_an_upload_answers_parsing_in_the_seed_shape_then_its_chapters_come(
    make_api: MakeApi, parse_gate: threading.Event
) -> None:
    api = make_api(gate_open=False)
    with api.client() as client:
        response = client.post("/api/upload", files={"file": ("book.md", markdown_book(5))})
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) >= SEED_UPLOAD_FIELDS
        assert body["status"] == "parsing" and body["chapters"] == [] and body["progress"] == 0.0
        assert body["message"].startswith("File uploaded and parsing started")
        assert body["error_kind"] is None and body["ocr_available"] is False
        assert client.get(f"/api/documents/{body['document_id']}").json()["status"] == "parsing"
        parse_gate.set()
        added = lambda events: any(  # noqa: E731
            isinstance(e, DocumentAdded) and e.document_id == body["document_id"] for e in events
        )
        assert api.events.wait_for(added, timeout=60)
        doc = client.get(f"/api/documents/{body['document_id']}").json()
        assert [c["title"] for c in doc["chapters"]] == [f"Chapter {i}" for i in range(1, 6)]
        assert doc["status"] == "processing" and doc["error_kind"] is None
        assert all(set(c) >= SEED_CHAPTER_FIELDS - {"preview"} for c in doc["chapters"])


@pytest.mark.corpus
def test_a_damaged_file_fails_on_the_document_with_its_kind(
    make_api: MakeApi, corpus: Path, parse_gate: threading.Event
) -> None:
    api = make_api()
    with api.client() as client:
        response = client.post("/api/upload", files={"file": ("report.pdf", _damaged_pdf(corpus))})
        assert response.status_code == 200, response.text
        doc_id = response.json()["document_id"]
        finished = _finished_on_the_stream(client, doc_id, parse_gate)
        doc = client.get(f"/api/documents/{doc_id}").json()
    assert finished["status"] == "failed" and finished["error_kind"] == "damaged"
    assert finished["ocr_available"] is False and "damaged" in finished["error"]
    assert doc["status"] == "failed" and doc["error_kind"] == "damaged" and doc["error"] == finished["error"]
    assert doc["chapters"] == [] and doc["ocr_available"] is False


@pytest.mark.corpus
def test_a_scanned_pdf_says_no_text_and_whether_ocr_is_available(
    make_api: MakeApi, corpus: Path, parse_gate: threading.Event
) -> None:
    scan = (corpus / "pdf" / "pdf-with-jbig2.pdf").read_bytes()
    ocr = shutil.which("tesseract") is not None
    api = make_api()
    with api.client() as client:
        doc_id = client.post("/api/upload", files={"file": ("scan.pdf", scan)}).json()["document_id"]
        finished = _finished_on_the_stream(client, doc_id, parse_gate)
        doc = client.get(f"/api/documents/{doc_id}").json()
        listed = client.get("/api/documents", params={"status": "failed"}).json()["documents"]
    assert finished["error_kind"] == doc["error_kind"] == "no_text"
    assert finished["ocr_available"] is doc["ocr_available"] is ocr
    assert "text layer" in doc["error"].lower()
    assert [(d["id"], d["error_kind"]) for d in listed] == [(doc_id, "no_text")]


@pytest.mark.corpus
def test_parse_first_and_waiting_uploads_still_answer_4xx(make_api: MakeApi, corpus: Path) -> None:
    api = make_api()
    with api.client() as client:
        first = client.post(
            "/api/upload", files={"file": ("report.pdf", _damaged_pdf(corpus))}, data={"background": "false"}
        )
        assert_json_error(first, 422, "unreadable_file")
        waited = client.post("/api/upload", files={"file": ("report.pdf", _damaged_pdf(corpus))}, data={"wait": "true"})
        assert_json_error(waited, 422, "unreadable_file")
        scan = (corpus / "pdf" / "pdf-with-jbig2.pdf").read_bytes()
        body = assert_json_error(
            client.post("/api/upload", files={"file": ("scan.pdf", scan)}, params={"wait": "true"}), 422, "no_text"
        )
        assert body["ocr_available"] is (shutil.which("tesseract") is not None)
        assert client.get("/api/documents").json()["documents"] == []  # nothing was saved for them


@pytest.mark.corpus
def test_async_summarize_is_pending_while_parsing_then_says_why_it_failed(
    make_api: MakeApi, corpus: Path, parse_gate: threading.Event
) -> None:
    api = make_api()
    with api.client() as client:
        response = client.post(
            "/api/document-summarizer/summarize/",
            files={"document": ("report.pdf", _damaged_pdf(corpus))},
            data={"async": "true"},
        )
        assert response.status_code == 200, response.text
        session_id = response.json()["session_id"]
        status = client.get(f"/api/document-summarizer/sessions/{session_id}/status/").json()
        assert status["status"] == "pending" and status["progress"] == 0
        assert status["message"] == "Reading the file: its chapters are being parsed."
        _finished_on_the_stream(client, session_id, parse_gate)
        status = client.get(f"/api/document-summarizer/sessions/{session_id}/status/").json()
    assert status["status"] == "failed" and status["error_kind"] == "damaged"
    assert status["message"].startswith("The file could not be read: ") and "damaged" in status["message"]
