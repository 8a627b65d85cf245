"""How the pipeline's feeder and writer reach the database, and when the feeder wakes: counted, not timed."""

from __future__ import annotations

import queue
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.pool import Pool, StaticPool

from desktop_app.engine.events import DocumentFinished
from desktop_app.engine.pipeline.feeder import Feeder
from desktop_app.engine.service import Engine
from desktop_app.engine.store.db import serial_sessions

from .pipeline_helpers import EventLog, make_document, settings_for


def test_on_sqlite_claims_and_results_go_through_one_connection(tmp_path: Path) -> None:
    """SQLite drops a connection's page cache when another one wrote: the feeder and the writer share one.

    Seen by SQLite's own trace on every connection opened: it sees the statements sent through SQLAlchemy and
    those sent as text on the driver's connection (the claims) alike.
    """
    seen: dict[str, set[int]] = {}
    lock = threading.Lock()

    def trace(dbapi_connection: Any, _record: Any) -> None:
        def record(statement: str) -> None:
            if statement.lstrip().upper().startswith("UPDATE CHAPTERS"):
                with lock:
                    seen.setdefault(threading.current_thread().name, set()).add(id(dbapi_connection))

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
    work: queue.Queue[Any] = queue.Queue(10)
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
