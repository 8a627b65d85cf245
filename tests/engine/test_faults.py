"""Nothing stuck, nothing lost: leases, an unavailable database, cancel in flight, waiting on another instance.

Real SQLite files and real PostgreSQL servers (one of them stopped mid-run); faults come from the
writer's commit hook (a full disk) or from the database itself.
"""

from __future__ import annotations

import sqlite3
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.exc import OperationalError

from desktop_app.engine.events import ChapterCommitted, PipelineStats
from desktop_app.engine.pipeline import writer as writer_module
from desktop_app.engine.service import Engine
from desktop_app.engine.store import backlog, documents, edits, instances
from desktop_app.engine.store.db import open_database
from desktop_app.engine.store.models import Chapter, utcnow

from ..conftest import PostgresServer, _pg_bindir
from .pipeline_helpers import EventLog, GatedSummarizer, make_document, settings_for, wait_until

# --- leases


def test_claims_of_an_instance_whose_row_is_gone_are_claimed_again(database_url: str, tmp_path: Path) -> None:
    db, sessions = open_database(database_url)
    try:
        with sessions.begin() as s:
            doc_id = documents.add_document(s, make_document(20, sentences=3), file_name="a.txt", sha256="x")
        with sessions.begin() as s:
            # An instance that a peer removed as stale (or that died before registering) holds 8 chapters.
            assert len(backlog.claim_chapters(s, "instance-without-a-row", 8)) == 8
    finally:
        db.dispose()
    with Engine(settings_for(database_url, tmp_path, lease_seconds=5)) as engine:
        final = engine.wait(doc_id, timeout=60)
    assert final.status == "done" and final.done == 20, "claims pointing at no instance are not stranded"


def test_heartbeats_renew_the_lease_of_every_claim(database_url: str) -> None:
    db, sessions = open_database(database_url)
    try:
        with sessions.begin() as s:
            documents.add_document(s, make_document(10, sentences=3), file_name="a.txt", sha256="x")
            instances.register_instance(s, "alive", "here", 1)
            instances.register_instance(s, "silent", "elsewhere", 2)
        with sessions.begin() as s:
            backlog.claim_chapters(s, "alive", 4)
            backlog.claim_chapters(s, "silent", 4)
        two_minutes_ago = utcnow() - timedelta(seconds=120)
        with sessions.begin() as s:
            s.execute(update(Chapter).where(Chapter.claimed_by.is_not(None)).values(claimed_at=two_minutes_ago))
            assert instances.heartbeat(s, "alive") is True  # renews its four claims, not the silent one's
        with sessions.begin() as s:
            chapters, _ = instances.expire_claims(s, utcnow() - timedelta(seconds=60))
        assert chapters == 4, "only the claims whose lease ran out go back to the backlog"
        with sessions() as s:
            assert documents.status_counts(s)["processing"] == 4
        with sessions.begin() as s:
            instances.unregister_instance(s, "alive")
            assert instances.heartbeat(s, "alive") is False, "an instance removed by a peer learns it"
    finally:
        db.dispose()


@pytest.mark.postgres
def test_three_instances_on_one_database_share_the_work_fairly(postgres_url: str, tmp_path: Path) -> None:
    db, sessions = open_database(postgres_url)
    try:
        with sessions.begin() as s:
            doc_id = documents.add_document(s, make_document(240, sentences=2), file_name="s.txt", sha256="x")
    finally:
        db.dispose()
    summarizers = [GatedSummarizer(delay=0.05) for _ in range(3)]
    engines = [Engine(settings_for(postgres_url, tmp_path), summarizer=s) for s in summarizers]
    try:
        engines[0].start()  # the first instance alone on the database, its workers held at the gate
        assert wait_until(lambda: summarizers[0].waiting == 3)
        engines[1].start()
        engines[2].start()
        assert wait_until(lambda: all(s.waiting == 3 for s in summarizers))
        for summarizer in summarizers:
            summarizer.gate.set()
        final = engines[0].wait(doc_id, timeout=120)
    finally:
        for engine in engines:
            engine.stop()
    assert final.done == 240
    split = [sum(s.calls.values()) for s in summarizers]
    assert sum(split) == 240, f"every chapter summarized exactly once: {split}"
    print("split between the three instances:", split)
    assert all(abs(n - 80) <= 16 for n in split), f"each instance did its share within 20 %: {split}"


# --- the writer never gives up


def test_writer_keeps_its_batch_while_the_disk_is_full(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writer_module, "RETRY_CAP_S", 0.05)
    failures = 12  # more than any fixed number of tries
    seen: list[str | None] = []

    with Engine(settings_for(f"sqlite:///{tmp_path / 'full.db'}", tmp_path)) as engine:

        def disk_full(chapters: object, docs: object) -> None:
            nonlocal failures
            if failures:
                failures -= 1
                seen.append(engine.gauges().database_error)
                raise OperationalError("INSERT", {}, sqlite3.OperationalError("database or disk is full"))

        engine.set_commit_hook(disk_full)
        doc = engine.add_parsed(make_document(40, sentences=3), file_name="full.txt")
        final = engine.wait(doc.id, timeout=60)
        gauges = engine.gauges()
    assert final.status == "done" and final.done == 40, "no chapter is left processing"
    assert seen[0] is None and seen[-1] == "database unavailable: database or disk is full"
    assert gauges.database_available and gauges.database_error is None, "the status clears when writes succeed"


@pytest.mark.postgres
def test_writer_waits_out_a_postgres_outage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bindir = _pg_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL is not installed")
    monkeypatch.setattr(writer_module, "RETRY_CAP_S", 0.5)
    server = PostgresServer(bindir)
    server.start()
    try:
        url = server.create_database()
        summarizer = GatedSummarizer()
        log = EventLog()
        with Engine(settings_for(url, tmp_path, lease_seconds=60), summarizer=summarizer) as engine:
            engine.bus.subscribe(log)
            doc = engine.add_parsed(make_document(60, sentences=3), file_name="outage.txt")
            summarizer.allow(10)
            assert log.wait_for(lambda ev: sum(isinstance(e, ChapterCommitted) for e in ev) >= 10)
            server.pause()
            summarizer.gate.set()
            assert log.wait_for(
                lambda ev: any(isinstance(e, PipelineStats) and not e.status.database_available for e in ev)
            ), "the status says the database is unavailable"
            assert engine.gauges().database_error.startswith("database unavailable: ")
            server.resume()
            final = engine.wait(doc.id, timeout=120)
            assert engine.gauges().database_available
    finally:
        server.stop()
    assert final.status == "done" and final.done == 60
    assert sorted(e.chapter.index for e in log.of(ChapterCommitted)) == list(range(60)), "each chapter once"


# --- cancel and the document's state


def test_cancel_while_every_chapter_is_in_flight_ends_done(tmp_path: Path) -> None:
    summarizer = GatedSummarizer()
    with Engine(settings_for(f"sqlite:///{tmp_path / 'c.db'}", tmp_path), summarizer=summarizer) as engine:
        doc = engine.add_parsed(make_document(3), file_name="c.txt")
        assert wait_until(lambda: summarizer.waiting == 3)
        assert engine.cancel(doc.id) == 0, "nothing was left to cancel: every chapter is being summarized"
        summarizer.gate.set()
        final = engine.wait(doc.id, timeout=60)
    assert final.status == "done" and final.done == 3 and final.cancelled == 0
    assert final.summary, "the whole-document summary covers the chapters that came back"


def test_a_late_chapter_reopens_a_finished_document(database_url: str) -> None:
    db, sessions = open_database(database_url)
    try:
        with sessions.begin() as s:
            doc_id = documents.add_document(s, make_document(2, sentences=3), file_name="a.txt", sha256="x")
            claimed = backlog.claim_chapters(s, "me", 2)
        with sessions.begin() as s:  # the first chapter is cancelled, the second done
            edits.cancel_document(s, doc_id, [claimed[0].chapter_id])
        from desktop_app.engine.pipeline.work import summarize_chapter
        from desktop_app.engine.summarize.extractive import ExtractiveSummarizer

        summarizer = ExtractiveSummarizer()
        rows = [summarize_chapter(w, summarizer, max_sentences=2, max_attempts=3)[0] for w in claimed]
        with sessions.begin() as s:
            backlog.upsert_chapter_results(s, [rows[1]])
            (work,) = backlog.claim_finished_documents(s, "me", document_id=doc_id)
        from desktop_app.engine.pipeline.work import summarize_document

        reduce = summarize_document(work, summarizer, max_sentences=2)
        assert reduce.status == "cancelled"
        with sessions.begin() as s:  # the cancelled chapter's summary lands after all, then the reduce
            backlog.upsert_chapter_results(s, [rows[0]])
            backlog.reopen_documents(s, [doc_id])
            assert backlog.apply_document_results(s, [reduce]) == [], "a stale reduce is dropped"
        with sessions.begin() as s:
            (work,) = backlog.claim_finished_documents(s, "me", document_id=doc_id)
            (written,) = backlog.apply_document_results(s, [summarize_document(work, summarizer, max_sentences=2)])
        assert written.status == "done"
        with sessions() as s:
            assert documents.document_status(s, doc_id) == "done"
    finally:
        db.dispose()


# --- waiting follows the database


def test_wait_hears_a_document_finished_by_another_instance(database_url: str, tmp_path: Path) -> None:
    settings = settings_for(database_url, tmp_path)
    waiter = Engine(settings.model_copy(update={"skip_pipeline_init": True}))  # no pipeline of its own
    worker_summarizer = GatedSummarizer()
    worker_summarizer.allow(31)  # thirty chapters and the whole-document summary, then the gate holds
    answered = threading.Event()
    try:
        doc = waiter.add_parsed(make_document(30, sentences=3), file_name="elsewhere.txt")

        def reopen_later() -> None:
            # Once the wait returned (or long before its own timeout) the document is made unfinished again:
            # a wait that only noticed the end at its timeout would return it "processing".
            answered.wait(10)
            waiter.refocus(doc.id, "something else")

        reopener = threading.Thread(target=reopen_later)
        with Engine(settings, summarizer=worker_summarizer):
            reopener.start()
            final = waiter.wait(doc.id, timeout=20)
            answered.set()
            reopener.join()
            worker_summarizer.gate.set()
    finally:
        answered.set()
        worker_summarizer.gate.set()
        waiter.stop()
    assert final.status == "done" and final.done == 30


def test_a_synchronous_run_holds_its_claims_against_other_instances(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'sync.db'}"
    summarizer = GatedSummarizer()
    sync = Engine(settings_for(url, tmp_path, use_async_summarization=False), summarizer=summarizer)
    result: list[object] = []
    runner = threading.Thread(
        target=lambda: result.append(sync.add_parsed(make_document(3, sentences=3), file_name="sync.txt"))
    )
    runner.start()
    try:
        assert wait_until(lambda: summarizer.waiting == 1), "the synchronous run is summarizing its first chapter"
        db, sessions = open_database(url)
        try:
            with sessions.begin() as s:  # what any other instance's recovery does
                assert instances.expire_claims(s, utcnow() - timedelta(seconds=60)) == (0, 0)
        finally:
            db.dispose()
    finally:
        summarizer.gate.set()
        runner.join(60)
        sync.stop()
    (view,) = result
    assert view.status == "done" and view.done == 3  # type: ignore[attr-defined]


def test_a_whole_document_summary_claimed_by_an_instance_without_a_row_is_claimed_again(database_url: str) -> None:
    db, sessions = open_database(database_url)
    try:
        with sessions.begin() as s:
            doc_id = documents.add_document(s, make_document(2, sentences=3), file_name="a.txt", sha256="x")
            instances.register_instance(s, "alive", "here", 1)
            work = backlog.claim_chapters(s, "alive", 2)
        from desktop_app.engine.pipeline.work import summarize_chapter
        from desktop_app.engine.summarize.extractive import ExtractiveSummarizer

        rows = [summarize_chapter(w, ExtractiveSummarizer(), max_sentences=2, max_attempts=3)[0] for w in work]
        with sessions.begin() as s:
            backlog.upsert_chapter_results(s, rows)
            assert backlog.claim_finished_documents(s, "gone", document_id=doc_id), "claimed by an unregistered one"
        with sessions.begin() as s:
            assert instances.expire_claims(s, utcnow() - timedelta(seconds=60)) == (0, 1)
        with sessions() as s:
            assert documents.document_status(s, doc_id) == "processing", "its reduce is anyone's to make again"
        with sessions.begin() as s:
            assert backlog.claim_finished_documents(s, "alive", document_id=doc_id)
            assert instances.expire_claims(s, utcnow() - timedelta(seconds=60)) == (0, 0), "a live claimer keeps it"
    finally:
        db.dispose()
