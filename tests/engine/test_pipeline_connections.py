"""How the pipeline's feeder and writer reach the database, and when the feeder wakes: counted, not timed."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, event, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import Pool, StaticPool

from desktop_app.engine.events import DocumentFinished
from desktop_app.engine.messages import DocumentWork
from desktop_app.engine.pipeline.feeder import Feeder
from desktop_app.engine.pipeline.lease import InstanceLease
from desktop_app.engine.pipeline.queues import BatchQueue
from desktop_app.engine.service import Engine
from desktop_app.engine.store import backlog, documents
from desktop_app.engine.store.db import open_database, serial_sessions
from desktop_app.engine.store.models import Chapter

from .pipeline_helpers import EventLog, make_document, settings_for


def test_on_sqlite_claims_and_results_go_through_one_connection(tmp_path: Path) -> None:
    """SQLite drops a connection's page cache when another one wrote: the feeder and the writer share one.

    The feeder reads what it claimed after the claim's commit, on another connection, so the writer does not
    wait for that reading. Seen by SQLite's own trace on every connection opened: it sees the statements
    sent through SQLAlchemy and those sent as text on the driver's connection (the claims) alike.
    """
    seen: dict[str, set[int]] = {}
    reads: set[int] = set()
    lock = threading.Lock()

    def trace(dbapi_connection: Any, _record: Any) -> None:
        def record(statement: str) -> None:
            if statement.lstrip().upper().startswith("UPDATE CHAPTERS"):
                with lock:
                    seen.setdefault(threading.current_thread().name, set()).add(id(dbapi_connection))
            elif "LEFT JOIN chapter_texts" in statement and threading.current_thread().name == "feeder":
                with lock:
                    reads.add(id(dbapi_connection))

        dbapi_connection.set_trace_callback(record)

    event.listen(Pool, "connect", trace)
    try:
        log = EventLog()
        with Engine(settings_for(f"sqlite:///{tmp_path / 's.db'}", tmp_path)) as engine:
            engine.bus.subscribe(log)
            doc = engine.add_parsed(make_document(300, sentences=3), file_name="s.txt")
            assert engine.wait(doc.id, timeout=60).done == 300
    finally:
        event.remove(Pool, "connect", trace)
    assert seen.get("feeder") and seen.get("db-writer"), seen  # both wrote chapters
    assert len(seen["feeder"] | seen["db-writer"]) == 1, seen
    assert reads and not reads & seen["feeder"], (reads, seen)
    assert [e.status for e in log.of(DocumentFinished)] == ["done"]


def test_one_connection_only_for_a_sqlite_file(tmp_path: Path) -> None:
    file_engine = create_engine(f"sqlite:///{tmp_path / 'f.db'}")
    serial = serial_sessions(file_engine)
    assert serial is not None and isinstance(serial[0].pool, StaticPool)
    assert serial[0].url == file_engine.url
    serial[0].dispose()
    # An in-memory database would be another database on a second engine; other servers have no shared cache.
    assert serial_sessions(create_engine("sqlite://")) is None
    assert serial_sessions(create_engine("sqlite:///file::memory:?uri=true")) is None
    assert serial_sessions(create_engine("postgresql+psycopg://u:p@127.0.0.1:9/db")) is None


def test_the_feeder_wakes_when_a_claim_would_be_made_not_for_every_item() -> None:
    work: BatchQueue[Any] = BatchQueue(10)
    feeder = Feeder(None, work, None, heartbeat_s=5.0, instance_state=dict)  # type: ignore[arg-type]
    for i in range(10):
        work.put(i)
    woken = []
    while not work.empty():
        work.get()
        feeder._wake.clear()
        feeder.item_taken()
        woken.append(feeder._wake.is_set())
    # A claim waits for room for half the queue (at most CLAIM_BATCH), or for the queue to run dry.
    assert woken == [False, False, False, False, True, True, True, True, True, True]


def _read_fails_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A claim's next read fails as a disk I/O error does; the reads after it read."""
    read = backlog.Claim.read
    failures = [OperationalError("SELECT …", (), sqlite3.OperationalError("disk I/O error"))]

    def failing_once(claim: backlog.Claim, session: Any) -> list[Any]:
        if failures:
            raise failures.pop()
        return read(claim, session)

    monkeypatch.setattr(backlog.Claim, "read", failing_once)


class _Lease:
    instance_id = "me"
    claim_unread = False

    def __init__(self) -> None:
        self.claims = threading.Lock()


def test_a_claim_whose_chapters_cannot_be_read_is_read_at_the_next_turn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The claim is committed before its chapters are read: a failed read must not leave them claimed by no one."""
    engine, sessions = open_database(f"sqlite:///{tmp_path / 'r.db'}")
    serial = serial_sessions(engine)
    assert serial is not None
    _read_fails_once(monkeypatch)
    work: BatchQueue[Any] = BatchQueue(200)
    feeder = Feeder(
        serial[1],
        work,
        _Lease(),
        heartbeat_s=5.0,
        instance_state=dict,
        read_sessions=sessions,  # type: ignore[arg-type]
    )
    try:
        with sessions.begin() as s:
            doc_id = documents.add_document(s, make_document(30), file_name="r.txt", sha256="r")
        with pytest.raises(OperationalError):
            feeder.feed_once()
        assert work.empty()
        with sessions() as s:
            assert documents.progress(s, [doc_id])[doc_id]["processing"] == 30  # claimed, not read yet
        assert feeder.feed_once() == 30  # the same claim, read this time
        assert feeder.feed_once() == 0  # nothing claimed twice
        assert sorted(work.get().index for _ in range(30)) == list(range(30))
    finally:
        serial[0].dispose()
        engine.dispose()


def test_a_renewal_of_the_lease_never_hides_a_claim_from_its_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The claim's chapters are read by the claim's time, which a renewal moves: a renewal from another thread
    (the monitor's) waits for the read, and one after a failed read leaves the claim's time as it is."""
    engine, sessions = open_database(f"sqlite:///{tmp_path / 'l.db'}")
    serial = serial_sessions(engine)
    assert serial is not None
    lease = InstanceLease(sessions, "me", lease_s=60.0)
    lease.register()
    renewals: list[threading.Thread] = []
    renewed = threading.Event()

    def reads() -> Any:
        """The read's session, opened after the claim's commit: a renewal starts on another thread meanwhile."""
        if not renewals:
            renewals.append(threading.Thread(target=lambda: (lease.renew(), renewed.set())))
            renewals[0].start()
            # Waited for as long as a renewal takes many times over: it must wait for the read instead.
            assert not renewed.wait(0.5), "a renewal moved the claim's time before its chapters were read"
        return sessions()

    work: BatchQueue[Any] = BatchQueue(200)
    feeder = Feeder(serial[1], work, lease, heartbeat_s=5.0, instance_state=dict, read_sessions=reads)
    try:
        with sessions.begin() as s:
            documents.add_document(s, make_document(30), file_name="a.txt", sha256="a")
        assert feeder.feed_once() == 30
        renewals[0].join(10)
        assert renewed.is_set()
        # A read that fails: the renewal before the next turn's read must leave the claim's time alone.
        with sessions.begin() as s:
            documents.add_document(s, make_document(20), file_name="b.txt", sha256="b")
        _read_fails_once(monkeypatch)
        with pytest.raises(OperationalError):
            feeder.feed_once()
        assert lease.claim_unread
        lease.renew()
        assert feeder.feed_once() == 20
        assert not lease.claim_unread
        assert work.qsize() == 50
    finally:
        serial[0].dispose()
        engine.dispose()


def test_a_finished_document_is_read_after_its_claim_outside_the_writers_lock_and_again_if_that_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading a long document's chapters for its whole-document summary must not hold up the writer's batches;
    a claimed document has no lease, so a failed read must not leave it summarizing with no one at it."""
    engine, sessions = open_database(f"sqlite:///{tmp_path / 'd.db'}")
    serial = serial_sessions(engine)
    assert serial is not None
    write_lock = threading.Lock()
    read = backlog.finished_work
    reads: list[bool] = []  # whether the writer's lock was free at each read
    failures = [OperationalError("SELECT …", (), sqlite3.OperationalError("disk I/O error"))]

    def failing_once(session: Any, document_ids: Any) -> list[Any]:
        if document_ids:
            free = write_lock.acquire(blocking=False)
            if free:
                write_lock.release()
            reads.append(free)
            if failures:
                raise failures.pop()
        return read(session, document_ids)

    monkeypatch.setattr(backlog, "finished_work", failing_once)
    work: BatchQueue[Any] = BatchQueue(200)
    feeder = Feeder(
        serial[1],
        work,
        _Lease(),  # type: ignore[arg-type]
        heartbeat_s=5.0,
        instance_state=dict,
        write_lock=write_lock,
        read_sessions=sessions,
    )
    try:
        with sessions.begin() as s:
            doc_id = documents.add_document(s, make_document(3), file_name="d.txt", sha256="d")
            s.execute(update(Chapter).where(Chapter.document_id == doc_id).values(status="done", summary="Said."))
        with pytest.raises(OperationalError):
            feeder.feed_once()
        assert work.empty()
        with sessions() as s:
            assert documents.document_status(s, doc_id) == "summarizing"  # claimed, not read yet
        assert feeder.feed_once() == 1  # the same claim, read this time
        assert feeder.feed_once() == 0  # nothing claimed twice
        (item,) = [work.get()]
        assert isinstance(item, DocumentWork) and item.document_id == doc_id
        assert [c.summary for c in item.chapters] == ["Said."] * 3
    finally:
        serial[0].dispose()
        engine.dispose()
    assert reads == [True, True]


def test_a_busy_feeder_looks_for_finished_documents_when_told_not_before_every_claim(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Asked before every claim, the question cost a busy pipeline about as much as a claim's own statements;
    a document whose last chapter is written still gets its whole-document summary at once."""
    claims: list[int] = []
    asked: list[int] = []
    claim, finished = backlog.claim_backlog, backlog.claim_finished

    def counted_claim(*args: Any, **kwargs: Any) -> backlog.Claim:
        claimed = claim(*args, **kwargs)
        claims.append(claimed.count)
        return claimed

    def counted_question(*args: Any, **kwargs: Any) -> list[Any]:
        asked.append(1)
        return finished(*args, **kwargs)

    monkeypatch.setattr(backlog, "claim_backlog", counted_claim)
    monkeypatch.setattr(backlog, "claim_finished", counted_question)
    log = EventLog()
    with Engine(settings_for(f"sqlite:///{tmp_path / 'f.db'}", tmp_path)) as engine:
        engine.bus.subscribe(log)
        doc = engine.add_parsed(make_document(1500, sentences=2), file_name="f.txt")
        assert engine.wait(doc.id, timeout=120).summary, "the whole-document summary is made"
    busy = sum(1 for n in claims if n)
    assert busy >= 10, claims
    assert len(asked) < busy / 2, (len(asked), claims)
    assert [e.status for e in log.of(DocumentFinished)] == ["done"]


def test_a_wake_while_the_feeder_asks_for_finished_documents_makes_it_ask_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The writer's "a document has no open chapter" may come while the question is being answered."""
    engine, sessions = open_database(f"sqlite:///{tmp_path / 'w.db'}")
    work: BatchQueue[Any] = BatchQueue(200)
    feeder = Feeder(sessions, work, _Lease(), heartbeat_s=5.0, instance_state=dict)  # type: ignore[arg-type]
    asked: list[int] = []
    finished = backlog.claim_finished

    def woken_meanwhile(*args: Any, **kwargs: Any) -> list[Any]:
        asked.append(1)
        answer = finished(*args, **kwargs)
        if len(asked) == 1:
            feeder.wake()  # a document finished after the question read the database
        return answer

    monkeypatch.setattr(backlog, "claim_finished", woken_meanwhile)
    try:
        with sessions.begin() as s:
            documents.add_document(s, make_document(30), file_name="w.txt", sha256="w")
        assert feeder.feed_once() == 30
        while not work.empty():
            work.get()
        feeder.feed_once()  # nothing left to claim, but the question is asked again
        feeder.feed_once()  # and not a third time without a reason
    finally:
        engine.dispose()
    assert len(asked) == 2
