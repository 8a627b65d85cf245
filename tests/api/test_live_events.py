"""SSE and WebSocket clients receive every chapter event of a document, in commit order; /metrics."""

from __future__ import annotations

import json
from typing import Any

import httpx
import websockets.sync.client as ws_client
from prometheus_client.parser import text_string_to_metric_families

from desktop_app.engine.events import ChapterCommitted

from .conftest import LiveApi, MakeApi, iter_sse, markdown_book

CHAPTERS = 120  # several writer batches (batch_size 50), committed while the clients listen


def committed_order(api: LiveApi, doc_id: str) -> list[str]:
    """The chapter ids of the document in the order the engine published them (after each commit)."""
    return [e.chapter_id for e in api.events.of(ChapterCommitted) if e.document_id == doc_id]


def upload_held(api: LiveApi, client: httpx.Client, chapters: int = CHAPTERS) -> str:
    response = client.post("/api/upload", files={"file": ("book.md", markdown_book(chapters))})
    assert response.status_code == 200, response.text
    return str(response.json()["document_id"])


def test_sse_streams_every_chapter_event_in_commit_order(make_api: MakeApi) -> None:
    api = make_api(gate_open=False)
    with api.client() as client:
        doc_id = upload_held(api, client)
        other = upload_held(api, client, 3)
        received: list[tuple[str, dict[str, Any]]] = []
        with client.stream("GET", "/api/events", params={"document_id": doc_id}) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            for name, data in iter_sse(response):
                if name == "ready":
                    assert data["document_id"] == doc_id
                    api.open_gate()  # only now: nothing can be committed before the stream listens
                    continue
                received.append((name, data))
                if name == "document_finished":
                    break
    chapters = [d for n, d in received if n == "chapter_committed"]
    assert len(chapters) == CHAPTERS
    assert [c["chapter_id"] for c in chapters] == committed_order(api, doc_id)
    assert all(d["document_id"] == doc_id for _, d in received)  # the filter keeps the other document out
    assert other not in {d["document_id"] for _, d in received}
    progress = [d for n, d in received if n == "document_progress"]
    assert progress[-1]["percent"] == 100.0
    assert [p["done"] for p in progress] == sorted(p["done"] for p in progress)
    assert all(c["status"] == "done" and c["summary"] for c in chapters)


def test_websocket_streams_every_chapter_event_in_commit_order(make_api: MakeApi) -> None:
    api = make_api(gate_open=False)
    with api.client() as client:
        doc_id = upload_held(api, client)
    url = f"ws://127.0.0.1:{api.server.bound_port}/api/ws?document_id={doc_id}"
    received: list[dict[str, Any]] = []
    with ws_client.connect(url, additional_headers=api.auth, open_timeout=10) as ws:
        ready = json.loads(ws.recv(timeout=10))
        assert ready["event"] == "ready"
        api.open_gate()
        while True:
            message = json.loads(ws.recv(timeout=30))
            received.append(message)
            if message["event"] == "document_finished":
                break
    chapters = [m["data"] for m in received if m["event"] == "chapter_committed"]
    assert [c["chapter_id"] for c in chapters] == committed_order(api, doc_id)
    assert len(chapters) == CHAPTERS
    seqs = [m["seq"] for m in received]
    assert seqs == sorted(seqs)


def test_unfiltered_stream_sees_every_document_and_stats_on_request(make_api: MakeApi) -> None:
    api = make_api(gate_open=False)
    with api.client() as client:
        first = upload_held(api, client, 4)
        second = upload_held(api, client, 4)
        finished: set[str] = set()
        names: set[str] = set()
        with client.stream("GET", "/api/events", params={"stats": "true"}) as response:
            for name, data in iter_sse(response):
                names.add(name)
                if name == "ready":
                    api.open_gate()
                if name == "document_finished":
                    finished.add(data["document_id"])
                if finished == {first, second} and "pipeline_stats" in names:
                    break
    assert {"chapter_committed", "document_progress", "pipeline_stats"} <= names


def test_streams_end_when_the_server_stops(make_api: MakeApi) -> None:
    api = make_api()
    with api.client() as client, client.stream("GET", "/api/events") as response:
        frames = iter_sse(response)
        assert next(frames)[0] == "ready"
        api.server.stop()
        assert next(frames)[0] == "shutdown"


# --- /metrics


def test_metrics_in_prometheus_text_format(make_api: MakeApi) -> None:
    api = make_api(cache_enabled=True, real_summarizer=True)
    with api.client() as client:
        for _ in range(2):  # the second upload is answered from the cache
            client.post("/api/upload", files={"file": ("b.md", markdown_book(4))}, data={"wait": "true"})
        response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    families = {f.name: f for f in text_string_to_metric_families(response.text)}

    def value(name: str, suffix: str = "", **labels: str) -> float:
        for sample in families[name].samples:
            if sample.name == name + suffix and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
        raise AssertionError(f"no sample {name}{suffix} {labels}")

    assert value("chapterwise_summary_queue_maxsize") == 200
    assert value("chapterwise_write_queue_maxsize") == 500
    assert value("chapterwise_database_available") == 1
    assert value("chapterwise_summary_queue_size") >= 0
    assert value("chapterwise_workers") >= 3
    assert value("chapterwise_chapters_done", "_total") == 8
    assert value("chapterwise_chapters_failed", "_total") == 0
    assert value("chapterwise_llm_latency_seconds", "_count") == 4  # cache hits are not LLM calls
    assert value("chapterwise_batch_commit_seconds", "_count") >= 1
    assert value("chapterwise_cache_hits", "_total") >= 4
    assert value("chapterwise_cache_misses", "_total") >= 4
    assert value("chapterwise_chapters", status="done") == 8
