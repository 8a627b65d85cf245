"""The two seeds' endpoints keep their shapes: upload + pipeline status, summarize + session status."""

from __future__ import annotations

import httpx
import pytest

from .conftest import MakeApi, contract_markdown, encrypted_pdf, markdown_book
from .test_security import assert_json_error

SEED_UPLOAD_FIELDS = {"message", "document_id", "chapters", "status", "summary_queue_size", "write_queue_size"}
SEED_CHAPTER_FIELDS = {"id", "title", "summary", "preview", "status"}
SEED_STATUS_FIELDS = {
    "async_enabled",
    "summary_queue_size",
    "write_queue_size",
    "summary_queue_maxsize",
    "write_queue_maxsize",
}


# --- first seed: POST /api/upload, GET /api/pipeline/status


def test_a_parse_first_upload_answers_with_every_chapter_while_summaries_are_pending(make_api: MakeApi) -> None:
    api = make_api(gate_open=False)  # the summarizer holds every chapter
    with api.client() as client:
        response = client.post(
            "/api/upload", files={"file": ("book.md", markdown_book(5))}, data={"background": "false"}
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) >= SEED_UPLOAD_FIELDS
        assert body["message"].startswith("File uploaded and parsing started")
        assert body["status"] == "processing"
        assert [c["title"] for c in body["chapters"]] == [f"Chapter {i}" for i in range(1, 6)]
        for chapter in body["chapters"]:
            assert set(chapter) >= SEED_CHAPTER_FIELDS
            assert chapter["status"] == "processing"
            assert chapter["summary"] is None
        assert isinstance(body["summary_queue_size"], int)
        assert isinstance(body["write_queue_size"], int)

        api.open_gate()
        done = api.engine.wait(body["document_id"], timeout=30)
        assert done.status == "done"
        doc = client.get(f"/api/documents/{body['document_id']}").json()
        assert all(c["status"] == "done" and c["summary"] for c in doc["chapters"])


def test_background_upload_answers_parsing_in_the_seed_shape(client: httpx.Client) -> None:
    response = client.post("/api/upload", files={"file": ("book.md", markdown_book(4))}, data={"background": "true"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) >= SEED_UPLOAD_FIELDS
    assert body["status"] in ("parsing", "processing", "done")  # the parse may already be over: no gate here
    assert all(c["status"] == "processing" for c in body["chapters"])
    done = client.post(
        "/api/upload",
        files={"file": ("other.md", markdown_book(3, title="Part"))},
        data={"background": "true", "wait": "true"},
    ).json()
    assert done["status"] == "done"
    assert len(done["chapters"]) == 3


@pytest.mark.parametrize("how", ["form", "query"])
def test_upload_with_wait_answers_with_every_summary(client: httpx.Client, how: str) -> None:
    kwargs = {"data": {"wait": "true"}} if how == "form" else {"params": {"wait": "true"}}
    response = client.post("/api/upload", files={"file": ("book.md", markdown_book(4))}, **kwargs)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "done"
    assert body["message"] == "File uploaded and summarized."
    assert body["progress"] == 100.0
    assert all(c["status"] == "done" and c["summary"] and c["preview"] for c in body["chapters"])
    assert body["summary"]


def test_synchronous_mode_upload_answers_when_every_chapter_is_done(make_api: MakeApi) -> None:
    api = make_api(use_async_summarization=False)
    with api.client() as client:
        status = client.get("/api/pipeline/status").json()
        assert status["async_enabled"] is False
        body = client.post("/api/upload", files={"file": ("book.md", markdown_book(3))}).json()
        assert body["status"] == "done"
        assert all(c["status"] == "done" and c["summary"] for c in body["chapters"])


def test_upload_takes_priority_and_focus(client: httpx.Client) -> None:
    response = client.post(
        "/api/upload",
        files={"file": ("book.md", markdown_book(2))},
        data={"priority": "high", "focus": "the harbour", "wait": "true"},
    )
    doc = client.get(f"/api/documents/{response.json()['document_id']}").json()
    assert doc["priority"] == "high"
    assert doc["focus"] == "the harbour"


def test_pipeline_status_has_the_seed_fields_and_more(client: httpx.Client) -> None:
    client.post("/api/upload", files={"file": ("book.md", markdown_book(3))}, data={"wait": "true"})
    body = client.get("/api/pipeline/status").json()
    assert set(body) >= SEED_STATUS_FIELDS | {"workers", "workers_busy", "llm_latency_ms", "summarizer"}
    assert body["async_enabled"] is True
    assert body["summary_queue_maxsize"] == 200
    assert body["write_queue_maxsize"] == 500
    assert 3 <= body["workers"] <= 16
    assert set(body["llm_latency_ms"]) >= {"p50", "p95", "p99"}
    assert body["llm_latency_ms"]["count"] >= 3


def test_pipeline_status_shows_cache_stats_when_the_cache_is_on(make_api: MakeApi) -> None:
    api = make_api(cache_enabled=True, real_summarizer=True)
    with api.client() as client:
        for _ in range(2):
            client.post("/api/upload", files={"file": ("book.md", markdown_book(2))}, data={"wait": "true"})
        cache = client.get("/api/pipeline/status").json()["summarizer"]["cache"]
        assert cache["hits"] >= 2
        assert cache["misses"] >= 2


# --- errors a user can meet on upload


def test_unsupported_file_is_415(client: httpx.Client) -> None:
    response = client.post("/api/upload", files={"file": ("tool.exe", b"MZ\x90\x00" + bytes(range(256)) * 4)})
    body = assert_json_error(response, 415, "unsupported_format")
    assert body["message"]


def test_empty_file_is_422(client: httpx.Client) -> None:
    body = assert_json_error(client.post("/api/upload", files={"file": ("a.md", b"")}), 422, "empty_file")
    assert "empty" in str(body["message"])


def test_encrypted_pdf_asks_for_its_password(client: httpx.Client) -> None:
    pdf = encrypted_pdf("s3cret")
    body = assert_json_error(client.post("/api/upload", files={"file": ("locked.pdf", pdf)}), 422, "password_required")
    assert "password" in str(body["message"]).lower()
    wrong = client.post("/api/upload", files={"file": ("locked.pdf", pdf)}, data={"password": "nope"})
    assert_json_error(wrong, 422, "wrong_password")
    ok = client.post("/api/upload", files={"file": ("locked.pdf", pdf)}, data={"password": "s3cret", "wait": "true"})
    assert ok.status_code == 200, ok.text
    assert ok.json()["status"] == "done"


# --- second seed: summarize + session status


def test_async_summarize_then_poll_until_completed(make_api: MakeApi) -> None:
    api = make_api(gate_open=False)
    with api.client() as client:
        response = client.post(
            "/api/document-summarizer/summarize/",
            files={"document": ("contract.md", contract_markdown())},
            data={"async": "true"},
        )
        assert response.status_code == 200, response.text
        session_id = response.json()["session_id"]
        status = client.get(f"/api/document-summarizer/sessions/{session_id}/status/").json()
        assert status["status"] == "pending"
        assert status["progress"] == 0
        assert status["message"]
        assert "summary" not in status or status["summary"] is None

        api.open_gate()
        api.engine.wait(session_id, timeout=30)
        status = client.get(f"/api/document-summarizer/sessions/{session_id}/status/").json()
        assert status["status"] == "completed"
        assert status["progress"] == 100
        assert status["summary"]
        categories = {c["category"] for c in status["high_risk_clauses"]}
        assert {"Indemnification", "Uncapped Liability", "Termination For Convenience"} <= categories


def test_sync_summarize_answers_the_complete_analysis(client: httpx.Client) -> None:
    response = client.post(
        "/api/document-summarizer/summarize/",
        files={"document": ("contract.md", contract_markdown())},
        data={"async": "false"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "completed"
    assert body["summary"]
    assert body["high_risk_clauses"]
    assert all({"category", "severity", "text"} <= set(c) for c in body["high_risk_clauses"])


def test_a_failed_session_says_why(make_api: MakeApi) -> None:
    from .conftest import FlakySummarizer

    api = make_api(summarizer=FlakySummarizer())
    with api.client() as client:
        book = markdown_book(2) + b"\n# Broken chapter\n\n" + b"Some text here. " * 20
        session_id = client.post(
            "/api/document-summarizer/summarize/", files={"document": ("b.md", book)}, data={"async": "true"}
        ).json()["session_id"]
        api.engine.wait(session_id, timeout=30)
        status = client.get(f"/api/document-summarizer/sessions/{session_id}/status/").json()
        assert status["status"] == "failed"
        assert "1 of 3 chapters" in status["message"]
        assert "refused" in status["message"]


def test_unknown_session_is_404_and_a_malformed_one_422(client: httpx.Client) -> None:
    assert_json_error(client.get("/api/document-summarizer/sessions/deadbeef-0000/status/"), 404, "not_found")
    assert_json_error(client.get("/api/document-summarizer/sessions/%25%25%25%25/status/"), 422)


def test_summarize_without_a_document_is_422(client: httpx.Client) -> None:
    body = assert_json_error(client.post("/api/document-summarizer/summarize/", data={"async": "true"}), 422)
    assert "document" in str(body["message"])
