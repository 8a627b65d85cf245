"""Reading a long document's chapters back: as rows (how the store reads them) against ORM objects, side by side.

    PYTHONPATH=. .venv/bin/python bench/document_read.py [--chapters 2000,10000] [--runs 3]

Each generated document (``bench/pipeline.py``'s) is saved and summarized by the zero-latency backend, so its
chapters carry summaries, sentences and timestamps. Its chapter records are then read in one session, taking
turns: as :func:`desktop_app.engine.store.documents.chapters_of` reads them (the chapters' columns as rows),
and through the ORM's ``Chapter`` objects, as it did before. Both must give the same records; the table gives
the best time of the runs, without and with the chapters' texts, and ``Engine.document`` (the view the window,
the API and ``chapterwise show`` ask for: counts and chapters, no texts).
"""

from __future__ import annotations

import argparse
import functools
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select
from sqlalchemy.orm import Session

from bench.pipeline import generated_document
from bench.suite import ZeroLatency
from desktop_app.config import Settings
from desktop_app.engine.events import DocumentProgress, Event
from desktop_app.engine.records import ChapterRecord, sections_from_json, sentences_from_json
from desktop_app.engine.service import Engine
from desktop_app.engine.states import ChapterStatus
from desktop_app.engine.store import documents
from desktop_app.engine.store.models import Chapter, ChapterText


def _orm_record(row: Chapter, text: str | None = None) -> ChapterRecord:
    """A record made from an ORM object, as the store made them before."""
    return ChapterRecord(
        id=row.id,
        document_id=row.document_id,
        index=row.index,
        title=row.title,
        status=ChapterStatus(row.status),
        attempts=row.attempts,
        word_count=row.word_count,
        kind=row.kind,
        summary=row.summary,
        preview=row.preview,
        error=row.error,
        sentences=sentences_from_json(row.sentences),
        backend=row.backend,
        model=row.model,
        fallback_reason=row.fallback_reason,
        latency_ms=row.latency_ms,
        prompt_tokens=row.prompt_tokens,
        completion_tokens=row.completion_tokens,
        cached=row.cached,
        clause_flags=tuple(row.clause_flags or ()),
        clause_error=row.clause_error,
        sections=sections_from_json(row.sections),
        page_starts=tuple((int(o), int(p)) for o, p in row.page_starts or ()),
        retry_at=row.retry_at,
        finished_at=row.finished_at,
        text=text,
    )


def orm_chapters(session: Session, document_id: str, *, with_text: bool) -> list[ChapterRecord]:
    query = select(Chapter).where(Chapter.document_id == document_id).order_by(Chapter.index)
    if not with_text:
        return [_orm_record(row) for row in session.scalars(query)]
    joined = query.add_columns(ChapterText.text).outerjoin(ChapterText, ChapterText.chapter_id == Chapter.id)
    return [_orm_record(row, text or "") for row, text in session.execute(joined)]


def summarized(folder: Path, chapters: int) -> tuple[Engine, str]:
    """An engine (stopped) holding one summarized document of ``chapters`` chapters; returns it and the id."""
    settings = Settings(data_dir=folder, database_url=f"sqlite:///{folder / 'db.sqlite'}", cache_enabled=False)
    engine = Engine(settings, summarizer=ZeroLatency())
    finished = threading.Event()

    def on_event(event: Event) -> None:
        if isinstance(event, DocumentProgress) and event.done + event.failed >= event.total:
            finished.set()

    engine.bus.subscribe(on_event)
    engine.start()
    doc = engine.add_parsed(generated_document(chapters), file_name="read.txt")
    finished.wait(300)
    engine.stop()
    return Engine(settings, summarizer=ZeroLatency()), doc.id


def best(fn: Callable[[], object], runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return min(times) * 1000.0, result


def measure(chapters: int, runs: int) -> list[str]:
    """The table's rows for one document of ``chapters`` chapters."""
    engine, doc_id = summarized(Path(tempfile.mkdtemp(prefix="chapterwise-read-")), chapters)
    lines = []
    with engine._sessions() as session:
        for with_text in (False, True):
            rows_ms = orm_ms = float("inf")
            for _ in range(runs):  # taking turns
                ms, rows = best(functools.partial(documents.chapters_of, session, doc_id, with_text=with_text), 1)
                rows_ms = min(rows_ms, ms)
                ms, objects = best(functools.partial(orm_chapters, session, doc_id, with_text=with_text), 1)
                orm_ms = min(orm_ms, ms)
                assert rows == objects, "the two ways must read the same records"
            label = "chapters with texts" if with_text else "chapters"
            lines.append(f"| {chapters:,} | {label} | {rows_ms:.1f} | {orm_ms:.1f} | {orm_ms / rows_ms:.2f}× |")
    view_ms, view = best(lambda: engine.document(doc_id), runs)
    assert len(view.chapters or ()) == chapters  # type: ignore[attr-defined]
    lines.append(f"| {chapters:,} | `Engine.document` | {view_ms:.1f} | | |")
    engine.stop()
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chapters", default="2000,10000", help="comma-separated chapter counts")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    print("| chapters | read | rows ms | ORM objects ms | ORM ÷ rows |")
    print("|---|---|---|---|---|")
    for n in (int(x) for x in args.chapters.split(",")):
        print("\n".join(measure(n, args.runs)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
