"""The async pipeline on a real SQLite file and a real PostgreSQL server."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from desktop_app.config import Settings
from desktop_app.engine.events import (
    ChapterCommitted,
    ChaptersAdded,
    DocumentAdded,
    DocumentChanged,
    DocumentFinished,
    DocumentParsing,
    DocumentProgress,
    Event,
)
from desktop_app.engine.records import DocumentView
from desktop_app.engine.service import FIRST_CHAPTERS, Engine
from desktop_app.engine.store import documents

from .pipeline_helpers import EventLog, GatedSummarizer, make_document, settings_for, wait_until


def _chapter_count(engine: Engine, status: str) -> int:
    return engine.status(with_documents=False, with_operations=False).chapters[status]


def test_document_is_summarized_end_to_end(database_url: str, tmp_path: Path) -> None:
    log = EventLog()
    with Engine(settings_for(database_url, tmp_path)) as engine:
        engine.bus.subscribe(log)
        doc = engine.add_parsed(make_document(120), file_name="book.txt")
        assert doc.status == "processing"
        done = engine.wait(doc.id, timeout=60)
    assert done.status == "done"
    assert done.done == 120
    assert all(c.summary and c.preview and c.status == "done" for c in done.chapters)
    assert done.summary, "the whole-document summary is made when every chapter is done"
    committed = log.of(ChapterCommitted)
    assert sorted(e.chapter.index for e in committed) == list(range(120))
    progress = log.of(DocumentProgress)
    assert progress[-1].done == 120 and progress[-1].total == 120
    assert [e.status for e in log.of(DocumentFinished)] == ["done"]


def test_a_long_document_is_summarized_from_its_first_chapters_while_the_rest_are_saved(
    database_url: str, tmp_path: Path
) -> None:
    log = EventLog()
    seen: dict[str, object] = {}
    with Engine(settings_for(database_url, tmp_path)) as engine:
        engine.bus.subscribe(log)

        def hold_the_rest(event: Event) -> None:
            # On the adding thread, between the first chapters' commit and the rest's: the add waits here
            # until one of the first chapters is summarized and committed.
            if isinstance(event, ChaptersAdded):
                seen["committed"] = log.wait_for_kind(ChapterCommitted, timeout=30)
                seen["meanwhile"] = engine.document(event.document_id, chapters=False)

        engine.bus.subscribe(hold_the_rest)
        doc = engine.add_parsed(make_document(FIRST_CHAPTERS * 3), file_name="long.txt")
        assert doc.status == "processing" and doc.chapter_count == FIRST_CHAPTERS * 3
        done = engine.wait(doc.id, timeout=60)
    assert seen["committed"], "a first chapter was summarized before the rest of the document was saved"
    meanwhile = seen["meanwhile"]
    assert isinstance(meanwhile, DocumentView)
    assert (meanwhile.status, meanwhile.chapter_count) == ("parsing", FIRST_CHAPTERS)
    kinds = [type(e) for e in log.events if isinstance(e, DocumentParsing | ChaptersAdded | DocumentAdded)]
    assert kinds == [DocumentParsing, ChaptersAdded, DocumentAdded], "a background parse's events, in its order"
    (added,) = log.of(ChaptersAdded)
    (whole,) = log.of(DocumentAdded)
    assert (added.first_index, len(added.chapter_ids)) == (0, FIRST_CHAPTERS)
    assert whole.chapter_ids[:FIRST_CHAPTERS] == added.chapter_ids and whole.chapter_count == FIRST_CHAPTERS * 3
    assert [c.id for c in done.chapters] == list(whole.chapter_ids)
    assert done.status == "done" and done.done == FIRST_CHAPTERS * 3 and done.summary


def test_a_document_whose_rest_cannot_be_saved_is_removed_and_the_engine_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = EventLog()
    with Engine(settings_for(f"sqlite:///{tmp_path / 'r.db'}", tmp_path)) as engine:
        engine.bus.subscribe(log)
        finish = documents.finish_parsing

        def locked(*args: object, **kwargs: object) -> None:
            raise OperationalError("UPDATE documents", {}, sqlite3.OperationalError("database is locked"))

        monkeypatch.setattr(documents, "finish_parsing", locked)
        with pytest.raises(OperationalError, match="database is locked"):
            engine.add_parsed(make_document(FIRST_CHAPTERS + 8), file_name="half.txt")
        (parsing,) = log.of(DocumentParsing)
        assert [(e.document_id, e.change) for e in log.of(DocumentChanged)] == [(parsing.document_id, "removed")]
        assert engine.documents() == [], "nothing half-saved is left"
        monkeypatch.setattr(documents, "finish_parsing", finish)
        doc = engine.add_parsed(make_document(FIRST_CHAPTERS + 8), file_name="whole.txt")
        assert engine.wait(doc.id, timeout=60).status == "done"
        assert engine.status(with_documents=False, with_operations=False).chapters["processing"] == 0


def test_a_short_document_or_a_stopped_engine_saves_in_one_transaction(tmp_path: Path) -> None:
    log = EventLog()
    with Engine(settings_for(f"sqlite:///{tmp_path / 'o.db'}", tmp_path)) as engine:
        engine.bus.subscribe(log)
        engine.add_parsed(make_document(FIRST_CHAPTERS), file_name="short.txt")
    stopped = Engine(settings_for(f"sqlite:///{tmp_path / 'o.db'}", tmp_path))
    try:
        stopped.bus.subscribe(log)
        stopped.add_parsed(make_document(FIRST_CHAPTERS * 2), file_name="long.txt")
    finally:
        stopped.stop()
    assert [type(e) for e in log.events if isinstance(e, DocumentParsing | ChaptersAdded | DocumentAdded)] == [
        DocumentAdded,
        DocumentAdded,
    ]


def test_batches_close_at_batch_size(tmp_path: Path) -> None:
    settings = settings_for(f"sqlite:///{tmp_path / 'b.db'}", tmp_path, batch_interval_ms=60_000)
    sizes: list[int] = []
    log = EventLog()
    with Engine(settings) as engine:
        engine.bus.subscribe(log)
        engine.set_commit_hook(lambda chapters, docs: sizes.append(len(chapters) + len(docs)))
        engine.add_parsed(make_document(150, sentences=3), file_name="b.txt")
        # With a one-minute interval only the 50-row rule (or an idle pipeline) can close a batch.
        assert log.wait_for(lambda ev: sum(isinstance(e, ChapterCommitted) for e in ev) >= 150, timeout=60)
    # Claims start as fair batches (twice the workers) until an item's time is known, and an idle pipeline
    # closes its batch early; once the queue runs full, batches close at 50 rows, never more.
    assert max(sizes) == 50 and sizes.count(50) >= 2, sizes


def test_batches_close_at_interval(tmp_path: Path) -> None:
    settings = settings_for(
        f"sqlite:///{tmp_path / 'i.db'}", tmp_path, batch_interval_ms=500, summary_max_workers=6, min_workers=6
    )
    commits: list[tuple[float, int]] = []
    # Odd chapters wait at the gate, so their workers stay busy and the writer is never idle: only the
    # 500 ms rule can close the batch of the three even chapters (fewer than 50 rows).
    summarizer = GatedSummarizer(passes=lambda request: int(request.title.split()[-1]) % 2 == 1)
    log = EventLog()
    with Engine(settings, summarizer=summarizer) as engine:
        engine.bus.subscribe(log)
        engine.set_commit_hook(lambda chapters, docs: commits.append((time.monotonic(), len(chapters))))
        engine.add_parsed(make_document(6), file_name="six.txt")
        assert log.wait_for(lambda ev: sum(isinstance(e, ChapterCommitted) for e in ev) == 3)
        first_at, first_size = commits[0]
        summarizer.gate.set()
    assert first_size == 3, "the three rows went out as one batch"
    assert summarizer.last_passed_at is not None
    assert first_at - summarizer.last_passed_at >= 0.45, "a partial batch waits for the interval"


def test_slow_writer_blocks_workers_and_memory_stays_bounded(tmp_path: Path) -> None:
    # A fixed pool (no scaling decisions mid-test) and a writer held at a gate on its first batch: the
    # pipeline then fills up and freezes in a known state, which the test reads once it is reached.
    settings = settings_for(
        f"sqlite:///{tmp_path / 's.db'}",
        tmp_path,
        summary_queue_size=40,
        write_queue_size=60,
        summary_max_workers=3,
        min_workers=3,
        max_workers=3,
    )
    writer_gate = threading.Event()
    held: list[int] = []

    def hold(chapters: list[object], docs: list[object]) -> None:
        if not held:
            held.append(len(chapters) + len(docs))
        writer_gate.wait()

    with Engine(settings) as engine:
        engine.set_commit_hook(hold)
        doc = engine.add_parsed(make_document(400, sentences=3), file_name="big.txt")

        def frozen() -> bool:
            g = engine.gauges()
            return (
                bool(held)
                and g.write_queue_size == 60
                and g.summary_queue_size > 20  # over half full: the feeder claims no more (it refills from half)
                and g.workers == g.workers_busy == 3
            )

        assert wait_until(frozen, timeout=120), "workers block on the full write queue"
        # Nothing moves now: the writer holds one batch, the workers block on the full write queue, the
        # feeder has no room. What the process holds is exactly the two queues, the workers and that batch,
        # and every other chapter is still in the database's backlog.
        counted: list[int] = []

        def accounted() -> bool:  # read the queue, the database, then the queue again: nothing moved between
            queued = engine.gauges().summary_queue_size
            counted[:] = [_chapter_count(engine, "processing"), queued]
            return counted[0] == held[0] + 60 + 3 + queued and engine.gauges().summary_queue_size == queued

        assert wait_until(accounted, timeout=30), f"claimed {counted} = held batch + write queue + workers + queue"
        assert counted[1] <= 40
        assert _chapter_count(engine, "pending") == 400 - counted[0]
        writer_gate.set()
        final = engine.wait(doc.id, timeout=120)
    assert final.done == 400


def test_shutdown_flushes_every_completed_summary(database_url: str, tmp_path: Path) -> None:
    summarizer = GatedSummarizer(delay=0.01)
    settings = settings_for(database_url, tmp_path)
    engine = Engine(settings, summarizer=summarizer).start()
    log = EventLog()
    engine.bus.subscribe(log)
    doc = engine.add_parsed(make_document(300, sentences=4), file_name="stop.txt")
    summarizer.gate.set()
    assert log.wait_for(lambda ev: sum(isinstance(e, ChapterCommitted) for e in ev) >= 20)
    assert engine.stop(timeout=30)
    finished = set(summarizer.returned)
    reopened = Engine(settings.model_copy(update={"skip_pipeline_init": True}))
    try:
        view = reopened.document(doc.id)
    finally:
        reopened.stop()
    done = {c.title for c in view.chapters if c.status == "done"}
    assert finished <= done, "every summary a worker finished before shutdown is in the database"
    assert all(c.status in ("done", "pending") for c in view.chapters), "unfinished work went back to the backlog"
    assert len(done) < 300, "the run was stopped mid-document"


def test_restart_resumes_unfinished_chapters(tmp_path: Path) -> None:
    settings = settings_for(f"sqlite:///{tmp_path / 'r.db'}", tmp_path)
    summarizer = GatedSummarizer()
    engine = Engine(settings, summarizer=summarizer).start()
    doc = engine.add_parsed(make_document(60), file_name="resume.txt")
    engine.stop(timeout=2)  # the gate never opened: nothing was summarized
    summarizer.gate.set()  # let the abandoned workers of the first engine end
    with Engine(settings) as again:
        final = again.wait(doc.id, timeout=60)
    assert final.status == "done" and final.done == 60


def test_synchronous_mode_waits_for_every_summary(database_url: str, tmp_path: Path) -> None:
    settings = settings_for(database_url, tmp_path, use_async_summarization=False)
    with Engine(settings) as engine:
        assert not engine.running
        doc = engine.add_parsed(make_document(30), file_name="sync.txt")
        status = engine.status()
    assert doc.status == "done" and doc.done == 30
    assert doc.summary
    assert status.pipeline.async_enabled is False


def test_2000_chapter_document_is_accepted_without_blocking_on_the_queue(database_url: str, tmp_path: Path) -> None:
    summarizer = GatedSummarizer()  # nothing is summarized until the gate opens
    settings = settings_for(database_url, tmp_path)
    with Engine(settings, summarizer=summarizer) as engine:
        doc = engine.add_parsed(make_document(2000, sentences=2), file_name="huge.txt")
        assert doc.chapter_count == 2000
        assert engine.gauges().summary_queue_size <= 200
        assert _chapter_count(engine, "pending") >= 2000 - 200 - settings.max_workers
        summarizer.gate.set()
        final = engine.wait(doc.id, timeout=180)
    assert final.done == 2000
    assert max(summarizer.calls.values()) == 1, "every chapter was summarized exactly once"


def test_priority_orders_the_backlog(tmp_path: Path) -> None:
    """A high-priority document added behind a low one is summarized first.

    Judged on the chapters' commits, not on the documents' ends: both documents' whole-document summaries may
    be claimed in one question and run side by side, and either may then be committed first.
    """
    summarizer = GatedSummarizer()
    settings = settings_for(f"sqlite:///{tmp_path / 'p.db'}", tmp_path, summary_queue_size=5)
    with Engine(settings, summarizer=summarizer) as engine:
        log = EventLog()
        engine.bus.subscribe(log)
        low = engine.add_parsed(make_document(30, seed=1, title="low"), file_name="low.txt", priority="low")
        tick = threading.Event()
        while summarizer.waiting < 3:  # the three workers hold chapters of the low one at the gate
            tick.wait(0.01)
        high = engine.add_parsed(make_document(30, seed=2, title="high"), file_name="high.txt", priority="high")
        summarizer.gate.set()
        engine.wait(high.id, timeout=60)
        engine.wait(low.id, timeout=60)
    commits = [e.document_id for e in log.of(ChapterCommitted)]
    assert sorted(commits) == sorted([high.id] * 30 + [low.id] * 30)
    # Before the high one's first chapter, only the low ones claimed before it came: 3 at the workers, 5 in the
    # queue (without priority, all 30). Its last chapter may be overtaken by a few low ones, taken by the other
    # workers meanwhile, as many as a busy machine's stall of that worker lets through: on the whole it comes first.
    low_first = commits.index(high.id)
    assert low_first <= 3 + 5, f"{low_first} chapters of the low-priority document came first"
    place = {doc_id: sum(i for i, d in enumerate(commits) if d == doc_id) / 30 for doc_id in (high.id, low.id)}
    assert place[high.id] < place[low.id], place
    assert {e.document_id for e in log.of(DocumentFinished)} == {high.id, low.id}


def test_cancel_and_retry(tmp_path: Path) -> None:
    summarizer = GatedSummarizer()
    settings = settings_for(f"sqlite:///{tmp_path / 'c.db'}", tmp_path)
    with Engine(settings, summarizer=summarizer) as engine:
        doc = engine.add_parsed(make_document(50), file_name="c.txt")
        tick = threading.Event()
        while summarizer.waiting < 3:  # three chapters are being summarized, the rest sit in the queue
            tick.wait(0.01)
        cancelled = engine.cancel(doc.id)
        assert cancelled == 47, "queued chapters are cancelled too; the three in flight are not"
        summarizer.gate.set()
        first = engine.wait(doc.id, timeout=60)
        assert first.status == "cancelled"
        assert first.done == 3 and first.cancelled == 47, "the three in flight finish and keep their summaries"
        assert sum(summarizer.calls.values()) == 3, "queued chapters of a cancelled document are not summarized"
        assert engine.retry(doc.id) == 47
        second = engine.wait(doc.id, timeout=60)
    assert second.status == "done" and second.done == 50


@pytest.mark.postgres
def test_two_instances_share_one_postgres_backlog(postgres_url: str, tmp_path: Path) -> None:
    settings = settings_for(postgres_url, tmp_path, summary_queue_size=10)
    first, second = GatedSummarizer(), GatedSummarizer()
    a = Engine(settings, summarizer=first).start()
    b = Engine(settings, summarizer=second).start()
    try:
        doc = a.add_parsed(make_document(200, sentences=3), file_name="shared.txt")
        # A holds at most its queue and its workers, all waiting at the gate: the rest is B's to take.
        second.gate.set()
        tick = threading.Event()
        for _ in range(600):
            if sum(second.calls.values()) >= 20:
                break
            tick.wait(0.05)
        first.gate.set()
        final = a.wait(doc.id, timeout=120)
    finally:
        a.stop()
        b.stop()
    assert final.done == 200
    assert sum(first.calls.values()) > 0 and sum(second.calls.values()) >= 20, "both instances took work"
    both = first.calls + second.calls
    assert len(both) == 200 and max(both.values()) == 1, "SKIP LOCKED claims never hand a chapter to both"


def test_reupload_reuses_chapters_and_hits_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from desktop_app.engine import ingest

    from .pipeline_helpers import write_markdown

    book = write_markdown(tmp_path / "again.md", 8)
    settings = Settings(data_dir=tmp_path / "d", database_url=f"sqlite:///{tmp_path / 'a.db'}")
    with Engine(settings) as engine:
        first = engine.wait(engine.add_file(book).id, timeout=60)

        def no_parse(*args: object, **kwargs: object) -> None:
            raise AssertionError("an identical file is not parsed again")

        monkeypatch.setattr(ingest, "parse_document", no_parse)
        second = engine.wait(engine.add_file(book).id, timeout=60)
    assert second.id != first.id
    assert [c.title for c in second.chapters] == [c.title for c in first.chapters]
    assert [c.summary for c in second.chapters] == [c.summary for c in first.chapters]
    assert not any(c.cached for c in first.chapters)
    assert all(c.cached for c in second.chapters), "every chapter of the second run came from the cache"


def test_a_busy_pipeline_claims_in_batches_not_a_chapter_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each claim is a transaction over the backlog: a worker taking a chapter must not cost one each."""
    from chapterwise_testing.llmsim import LLMSimulator
    from desktop_app.engine.pipeline import feeder
    from desktop_app.engine.store import backlog

    from .llm_fixtures import settings_for as llm_settings_for

    sizes: list[int] = []
    claim = backlog.claim_backlog

    def counted(*args: object, **kwargs: object) -> backlog.Claim:
        claimed = claim(*args, **kwargs)  # type: ignore[arg-type]
        if claimed.count:
            sizes.append(claimed.count)
        return claimed

    monkeypatch.setattr(backlog, "claim_backlog", counted)
    chapters = 160
    with LLMSimulator(latency=0.2, slots=8) as sim:
        settings = llm_settings_for(
            tmp_path, "ollama", [f"{sim.url}#parallel=8"], database_url=f"sqlite:///{tmp_path / 'db.sqlite'}"
        )
        with Engine(settings) as engine:
            doc = engine.add_parsed(make_document(chapters, sentences=4), file_name="book.txt")
            assert engine.wait(doc.id, timeout=120).done == chapters
    assert sum(sizes) == chapters
    # The first claims come before an item's time is known; after that, at least CLAIM_MIN (8) a claim.
    assert feeder.CLAIM_MIN == 8
    assert len(sizes) <= chapters // 8 + 4, sizes
