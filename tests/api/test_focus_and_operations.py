"""Focus on both upload routes, re-summarizing with a new focus, and the operator's facts in the pipeline status."""

from __future__ import annotations

import threading

from .conftest import MakeApi, markdown_book
from .test_documents import upload
from .test_security import assert_json_error

MIXED = (
    "The harbour trade grew in winter as ships carried grain. The council met each spring to set the tolls. "
    "Payment of every toll is due within thirty days and late payment carries a penalty of ten percent. "
    "The village kept a letter from the king about the bridge. Farmers sold their harvest at the market. "
)


def mixed_book(chapters: int) -> bytes:
    return "\n".join(f"# Part {i + 1}\n\n{MIXED * 3}\n" for i in range(chapters)).encode()


def test_focus_on_both_upload_routes_reaches_every_chapter(make_api: MakeApi) -> None:
    api = make_api()
    with api.client() as client:
        first = upload(client, markdown_book(3), focus="the harbour", wait="true")
        second = client.post(
            "/api/document-summarizer/summarize/",
            files={"document": ("b.md", markdown_book(2, title="Part"))},
            data={"async": "false", "focus": "the market"},
        )
        assert second.status_code == 200, second.text
        assert client.get(f"/api/documents/{first}").json()["focus"] == "the harbour"
        assert client.get(f"/api/documents/{second.json()['session_id']}").json()["focus"] == "the market"


def test_refocus_summarizes_again_with_the_new_focus(make_api: MakeApi) -> None:
    api = make_api(real_summarizer=True, cache_enabled=True)
    with api.client() as client:
        doc_id = upload(client, mixed_book(3), wait="true")
        before = client.get(f"/api/documents/{doc_id}").json()
        answer = client.post(f"/api/documents/{doc_id}/refocus", json={"focus": "payment penalties"})
        assert answer.status_code == 200, answer.text
        assert answer.json()["requeued"] == 3 and answer.json()["focus"] == "payment penalties"
        final = api.engine.wait(doc_id, timeout=60)
        after = client.get(f"/api/documents/{doc_id}").json()
        assert_json_error(client.post(f"/api/documents/{doc_id}/refocus", json={"focus": "x" * 3000}), 422)
    assert final.status == "done" and after["focus"] == "payment penalties"
    assert [c["summary"] for c in after["chapters"]] != [c["summary"] for c in before["chapters"]]
    assert all("penalty" in c["summary"] or "payment" in c["summary"].lower() for c in after["chapters"])


def test_pipeline_status_carries_the_operator_facts(make_api: MakeApi) -> None:
    api = make_api(gate_open=False, real_summarizer=False)
    with api.client() as client:
        doc_id = upload(client, markdown_book(10))
        tick = threading.Event()
        status: dict = {}
        for _ in range(100):
            status = client.get("/api/pipeline/status").json()
            if len(status.get("active", [])) == 3:
                break
            tick.wait(0.1)
        assert {r["document_id"] for r in status["active"]} == {doc_id}
        assert all({"worker", "chapter_index", "endpoint", "seconds"} <= set(r) for r in status["active"])
        assert len(status["worker_stats"]) == 3
        assert status["endpoints"] == [] and status["backend_health"] is None
        assert {"summary_queue_size", "write_queue_size", "summary_queue_maxsize", "write_queue_maxsize"} <= set(status)
        api.open_gate()
        api.engine.wait(doc_id, timeout=60)


def test_ocr_asked_for_a_file_that_is_not_a_pdf(make_api: MakeApi) -> None:
    api = make_api()
    with api.client() as client:
        doc_id = upload(client, markdown_book(2), ocr="true", wait="true")
        assert client.get(f"/api/documents/{doc_id}").json()["status"] == "done", "Markdown is parsed as usual"
        junk = client.post("/api/upload", files={"file": ("x.bin", b"\x19\xc2\x9fi\xf9\t\t")}, data={"ocr": "true"})
    assert 400 <= junk.status_code < 500 and junk.json()["message"]
