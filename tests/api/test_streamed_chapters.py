"""A background upload's chapters reach the event stream batch by batch, while its parse goes on."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop_app.engine import uploads
from desktop_app.engine.ingest import parse_document
from desktop_app.engine.ingest.limits import IngestLimits
from desktop_app.engine.ingest.stream import ChapterBatch, ParseEnd, ParseItem

from .conftest import MakeApi, iter_sse, markdown_book


def test_sse_carries_each_saved_batch_before_the_document_is_added(
    make_api: MakeApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "book.md"
    source.write_bytes(markdown_book(5))
    parsed = parse_document(source)
    listening, first_sent = threading.Event(), threading.Event()

    def held(
        path: Path, *, password: str | None, limits: IngestLimits, cancel: threading.Event | None = None
    ) -> Iterator[ParseItem]:
        assert listening.wait(60), "the stream never listened"
        yield ChapterBatch(tuple(parsed.chapters[:2]))
        assert first_sent.wait(60), "the first batch never reached the stream"
        yield ChapterBatch(tuple(parsed.chapters[2:]))
        yield ParseEnd.of(parsed)

    monkeypatch.setattr(uploads, "parse_file", held)
    api = make_api()
    received: list[tuple[str, dict[str, Any]]] = []
    with api.client() as client:
        response = client.post(
            "/api/upload", files={"file": ("book.md", source.read_bytes())}, data={"background": "true"}
        )
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "parsing"
        doc_id = str(response.json()["document_id"])
        with client.stream("GET", "/api/events", params={"document_id": doc_id}) as stream:
            for name, data in iter_sse(stream):
                if name == "ready":
                    listening.set()
                    continue
                received.append((name, data))
                if name == "chapters_added" and not first_sent.is_set():
                    # Meanwhile the document lists the chapters saved so far, and is still parsing.
                    with api.client() as other:
                        so_far = other.get(f"/api/documents/{doc_id}").json()
                    assert so_far["status"] == "parsing"
                    assert [c["title"] for c in so_far["chapters"]] == [c.title for c in parsed.chapters[:2]]
                    first_sent.set()
                if name == "document_finished":
                    break
    names = [n for n, _ in received]
    batches = [d for n, d in received if n == "chapters_added"]
    assert names.index("document_added") > names.index("chapters_added")
    assert [(b["first_index"], b["chapter_count"], len(b["chapter_ids"])) for b in batches] == [(0, 2, 2), (2, 5, 3)]
    added = next(d for n, d in received if n == "document_added")
    assert added["chapter_ids"] == batches[0]["chapter_ids"] + batches[1]["chapter_ids"]
    committed = [d["chapter_id"] for n, d in received if n == "chapter_committed"]
    assert sorted(committed) == sorted(added["chapter_ids"])
    assert received[-1][1]["status"] == "done"
