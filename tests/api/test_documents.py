"""Document routes: list, get, export, retry, cancel, priority, delete."""

from __future__ import annotations

import json
import threading
from dataclasses import replace

import httpx

from desktop_app.engine.summarize.base import SummaryRequest, SummaryResult
from tests.engine.pipeline_helpers import GatedSummarizer

from .conftest import FlakySummarizer, LiveApi, MakeApi, contract_markdown, markdown_book
from .test_security import assert_json_error


def upload(client: httpx.Client, content: bytes, name: str = "book.md", **data: str) -> str:
    response = client.post("/api/upload", files={"file": (name, content)}, data=data)
    assert response.status_code == 200, response.text
    return str(response.json()["document_id"])


def test_list_and_get_with_progress_chapters_and_clause_flags(client: httpx.Client) -> None:
    first = upload(client, markdown_book(3), wait="true")
    second = upload(client, contract_markdown(), "contract.md", wait="true")
    listed = client.get("/api/documents").json()["documents"]
    assert {d["id"] for d in listed} == {first, second}
    assert all("chapters" not in d for d in listed)
    assert [d["id"] for d in client.get("/api/documents", params={"status": "done"}).json()["documents"]]
    assert client.get("/api/documents", params={"status": "failed"}).json()["documents"] == []

    doc = client.get(f"/api/documents/{second}").json()
    assert doc["status"] == "done"
    assert doc["progress"] == 100.0
    assert len(doc["chapters"]) == 2
    for chapter in doc["chapters"]:
        assert chapter["summary"]
        assert chapter["clause_flags"]
    assert doc["high_risk_clauses"]
    assert client.get(f"/api/documents/{second[:8]}").json()["id"] == second  # a unique prefix is enough


def test_export_markdown_and_json(client: httpx.Client) -> None:
    doc_id = upload(client, markdown_book(2), "my book.md", wait="true")
    md = client.get(f"/api/documents/{doc_id}/export", params={"format": "md"})
    assert md.status_code == 200
    assert md.headers["content-type"].startswith("text/markdown")
    assert md.text.startswith("# my book")
    assert "## Chapter 1\n" in md.text
    data = client.get(f"/api/documents/{doc_id}/export", params={"format": "json", "download": "true"})
    assert data.headers["content-disposition"] == 'attachment; filename="my book.json"'
    body = json.loads(data.text)
    assert body["document"]["id"] == doc_id
    assert [c["title"] for c in body["chapters"]] == ["Chapter 1", "Chapter 2"]
    assert_json_error(client.get(f"/api/documents/{doc_id}/export", params={"format": "pdf"}), 422)


def test_retry_requeues_failed_chapters(make_api: MakeApi) -> None:
    flaky = FlakySummarizer()
    api = make_api(summarizer=flaky)
    with api.client() as client:
        book = markdown_book(2) + b"\n# Broken chapter\n\n" + b"Some text here. " * 20
        doc_id = upload(client, book, wait="true")
        doc = client.get(f"/api/documents/{doc_id}").json()
        assert doc["status"] == "failed"
        assert [c["status"] for c in doc["chapters"]] == ["done", "done", "failed"]
        assert "refused" in doc["chapters"][2]["error"]

        flaky.heal()
        answer = client.post(f"/api/documents/{doc_id}/retry").json()
        assert answer["retried"] == 1 and answer["message"] == "1 chapter queued again."
        assert api.engine.wait(doc_id, timeout=30).status == "done"
        assert client.get(f"/api/documents/{doc_id}").json()["chapters"][2]["status"] == "done"


def test_cancel_stops_pending_chapters(make_api: MakeApi) -> None:
    api = make_api(gate_open=False, summary_queue_size=2)
    with api.client() as client:
        doc_id = upload(client, markdown_book(30), background="false")  # its chapters are saved: cancel them
        answer = client.post(f"/api/documents/{doc_id}/cancel").json()
        assert answer["document_id"] == doc_id
        # Chapters already handed to the queue or a worker finish; the rest are cancelled.
        assert answer["cancelled"] >= 30 - 2 - api.settings.effective_max_workers()
        api.open_gate()
        final = api.engine.wait(doc_id, timeout=30)
        assert final.status == "cancelled"
        # Chapters a worker already held may still finish after the cancel counted them.
        assert final.cancelled + final.done == 30
        assert final.cancelled >= 30 - 2 - api.settings.effective_max_workers()


def test_change_priority(make_api: MakeApi) -> None:
    api = make_api(gate_open=False)
    with api.client() as client:
        doc_id = upload(client, markdown_book(2))
        answer = client.put(f"/api/documents/{doc_id}/priority", json={"priority": "low"})
        assert answer.status_code == 200, answer.text
        assert client.get(f"/api/documents/{doc_id}").json()["priority"] == "low"
        client.put(f"/api/documents/{doc_id}/priority", json={"priority": "high"})
        assert client.get(f"/api/documents/{doc_id}").json()["priority"] == "high"
        assert_json_error(client.put(f"/api/documents/{doc_id}/priority", json={}), 422)


def test_delete_removes_the_document(client: httpx.Client, api: LiveApi) -> None:
    doc_id = upload(client, markdown_book(2), wait="true")
    assert client.delete(f"/api/documents/{doc_id}").json()["removed"] is True
    assert_json_error(client.get(f"/api/documents/{doc_id}"), 404, "not_found")
    assert_json_error(client.delete(f"/api/documents/{doc_id}"), 404)
    assert client.get("/api/documents").json()["documents"] == []


def test_unknown_documents_are_404_everywhere(client: httpx.Client) -> None:
    missing = "0123abcd-0000-0000-0000-000000000000"
    for method, path in [
        ("GET", f"/api/documents/{missing}"),
        ("GET", f"/api/documents/{missing}/export"),
        ("POST", f"/api/documents/{missing}/retry"),
        ("POST", f"/api/documents/{missing}/cancel"),
        ("DELETE", f"/api/documents/{missing}"),
        ("GET", "/api/events?document_id=" + missing),
    ]:
        body = assert_json_error(client.request(method, path), 404, "not_found")
        assert missing in str(body["message"])
    assert_json_error(client.put(f"/api/documents/{missing}/priority", json={"priority": "low"}), 404)
    body = assert_json_error(client.get("/api/documents/0123"), 404, "not_found")
    assert body["message"] == "No document '0123': no document id starts with it."
    assert_json_error(client.get("/api/documents/012"), 422, "invalid_request")


class _OutageSummarizer(GatedSummarizer):
    """Answers as the fallback does while the configured backend is down (``fallback_from`` set)."""

    def __init__(self) -> None:
        super().__init__()
        self.down = True

    def summarize(self, request: SummaryRequest) -> SummaryResult:
        result = super().summarize(request)
        if self.down:
            return replace(result, fallback_from="ollama", fallback_reason="every endpoint failed")
        return result


def test_retry_with_fallbacks_redoes_the_fallback_summaries(make_api: MakeApi) -> None:
    outage = _OutageSummarizer()
    api = make_api(summarizer=outage)
    with api.client() as client:
        doc_id = upload(client, markdown_book(3), wait="true")
        doc = client.get(f"/api/documents/{doc_id}").json()
        assert doc["status"] == "done" and all(c["summarized_by"]["fallback"] for c in doc["chapters"])
        assert client.post(f"/api/documents/{doc_id}/retry").json()["retried"] == 0, "fallbacks are not failed"
        outage.down = False
        answer = client.post(f"/api/documents/{doc_id}/retry", params={"fallbacks": "true"}).json()
        assert answer["retried"] == 3 and answer["message"] == "3 chapters queued again."
        assert api.engine.wait(doc_id, timeout=30).status == "done"
        chapters = client.get(f"/api/documents/{doc_id}").json()["chapters"]
        assert [c["summarized_by"]["fallback"] for c in chapters] == [False, False, False]


def test_download_of_a_document_with_a_non_latin_name(make_api: MakeApi) -> None:
    api = make_api()
    with api.client() as client:
        doc_id = upload(client, markdown_book(1), "Война и мир.md", wait="true")
        answer = client.get(f"/api/documents/{doc_id}/export", params={"format": "md", "download": "true"})
    assert answer.status_code == 200
    disposition = answer.headers["content-disposition"]
    assert "filename*=UTF-8''%D0%92%D0%BE%D0%B9%D0%BD%D0%B0%20%D0%B8%20%D0%BC%D0%B8%D1%80.md" in disposition
    assert 'filename="' in disposition and disposition.isascii()


def test_wait_true_hears_a_document_finished_by_another_instance(make_api: MakeApi) -> None:
    from desktop_app.engine.events import DocumentAdded
    from desktop_app.engine.service import Engine

    api = make_api(start_engine=False)  # this server's engine summarizes nothing: another instance does
    other_summarizer = GatedSummarizer()
    other_summarizer.allow(4)  # three chapters and the whole-document summary, then the gate holds
    added: list[str] = []
    api.engine.bus.subscribe(lambda e: added.append(e.document_id) if isinstance(e, DocumentAdded) else None)
    answered = threading.Event()

    def reopen_later() -> None:
        # Once the answer came (or long before the wait's own timeout), the document is made unfinished
        # again: a wait that only noticed it at its timeout would answer "processing".
        answered.wait(10)
        if added:
            api.engine.refocus(added[0], "something else")

    other_settings = api.settings.model_copy(update={"data_dir": api.settings.data_dir / "other"})
    reopener = threading.Thread(target=reopen_later)
    try:
        with Engine(other_settings, summarizer=other_summarizer), api.client() as client:
            reopener.start()
            response = client.post(
                "/api/upload",
                files={"file": ("book.md", markdown_book(3))},
                data={"wait": "true"},
                params={"timeout": 20},
            )
            answered.set()
            reopener.join()
            other_summarizer.gate.set()
    finally:
        answered.set()
        other_summarizer.gate.set()
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "done", "the wait ended when the other instance finished the document"
