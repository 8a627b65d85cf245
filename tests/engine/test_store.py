"""The store: migrations, SQLite pragmas, claims and recovery, on SQLite files and PostgreSQL."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import delete, inspect, select, text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from desktop_app.engine.records import ChapterRecord, Section
from desktop_app.engine.states import ChapterStatus
from desktop_app.engine.store import backlog, documents, edits, instances
from desktop_app.engine.store.db import open_database
from desktop_app.engine.store.driver import SqliteDriver
from desktop_app.engine.store.models import ENDED_CONDITION as ENDED
from desktop_app.engine.store.models import PENDING_CONDITION as PENDING
from desktop_app.engine.store.models import PROCESSING_CONDITION as PROCESSING
from desktop_app.engine.store.models import Base, Chapter, Document, utcnow

from .pipeline_helpers import make_document


def test_migrations_build_exactly_the_models_schema(database_url: str) -> None:
    engine, _ = open_database(database_url)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
            assert diff == [], f"the migrations and the models disagree: {diff}"
            assert {"documents", "chapters", "instances", "alembic_version"} <= set(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def test_open_is_idempotent_and_sqlite_uses_wal(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'deep' / 'folder' / 'x.db'}"
    for _ in range(2):
        engine, _ = open_database(url)
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA temp_store")).scalar() == 2  # MEMORY: RETURNING's rows, IN lists
        engine.dispose()


def test_unreachable_database_gives_a_clear_message() -> None:
    import pytest

    from desktop_app.engine.store.db import DatabaseError

    with pytest.raises(DatabaseError, match="Cannot open the database"):
        open_database("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")


def test_claims_are_exclusive_and_recovery_returns_dead_claims(database_url: str) -> None:
    engine, sessions = open_database(database_url)
    try:
        with sessions.begin() as s:
            doc_id = documents.add_document(s, make_document(10), file_name="a.txt", sha256="x")
            instances.register_instance(s, "dead-one", "elsewhere", 1)
        with sessions.begin() as s:
            first = backlog.claim_chapters(s, "dead-one", 6)
        with sessions.begin() as s:
            second = backlog.claim_chapters(s, "live-one", 6)
        assert [w.index for w in first] == list(range(6))
        assert [w.index for w in second] == list(range(6, 10))
        with sessions.begin() as s:
            chapters, _ = instances.recover_orphans(s, ["dead-one"])
        assert chapters == 6
        with sessions() as s:
            counts = documents.progress(s, [doc_id])[doc_id]
        assert counts["pending"] == 6 and counts["processing"] == 4
    finally:
        engine.dispose()


def test_recovery_sees_every_kind_of_claim_and_nothing_on_a_database_at_rest(database_url: str) -> None:
    """``has_open_claims`` lets a start skip the recovery's statements: it must answer yes to every claim."""
    engine, sessions = open_database(database_url)
    try:
        with sessions.begin() as s:
            doc_id = documents.add_document(s, make_document(3), file_name="a.txt", sha256="x")
            assert not instances.has_open_claims(s)  # a backlog is not a claim
        with sessions.begin() as s:
            claimed = backlog.claim_chapters(s, "someone", 1)
            assert instances.has_open_claims(s)
            backlog.release_chapters(s, [w.chapter_id for w in claimed])
            assert not instances.has_open_claims(s)
        for status in ("parsing", "summarizing"):
            with sessions.begin() as s:
                s.execute(update(Document).where(Document.id == doc_id).values(status=status))
                assert instances.has_open_claims(s), status
        with sessions.begin() as s:
            s.execute(update(Document).where(Document.id == doc_id).values(status="done"))
            assert not instances.has_open_claims(s)
        # registering again (a peer removed the row as stale, or not) leaves one row, with the new heartbeat
        for pid in (1, 2):
            with sessions.begin() as s:
                instances.register_instance(s, "me", "here", pid)
        with sessions() as s:
            assert [(i[0], i[2]) for i in instances.instances(s)] == [("me", 2)]
    finally:
        engine.dispose()


def test_a_claim_on_sqlite_takes_a_documents_next_ready_chapters_as_a_range_and_nothing_else(
    tmp_path: Path,
) -> None:
    """Chapters in the range that are not pending, or wait for a retry, are left as they are."""
    engine, sessions = open_database(f"sqlite:///{tmp_path / 'range.db'}")
    try:
        with sessions.begin() as s:
            doc_id = documents.add_document(s, make_document(10), file_name="a.txt", sha256="x")
            later = utcnow() + timedelta(hours=1)
            s.execute(update(Chapter).where(Chapter.document_id == doc_id, Chapter.index == 3).values(retry_at=later))
            s.execute(update(Chapter).where(Chapter.document_id == doc_id, Chapter.index == 5).values(status="done"))
        with sessions.begin() as s:
            claim = backlog.claim_backlog(s, "me", 5)
        assert claim.count == 5 and [(r.first, r.last) for r in claim.ranges] == [(0, 6)]
        with sessions() as s:  # read after the claim's commit, in a transaction of its own
            work = claim.read(s)
            status = {c.index: c.status for c in documents.chapters_of(s, doc_id)}
        assert [w.index for w in work] == [0, 1, 2, 4, 6]
        assert all(w.text and w.document_id == doc_id for w in work)
        assert [status[i] for i in range(10)] == [
            *["processing"] * 3,
            "pending",  # waits for its retry
            "processing",
            "done",
            "processing",
            *["pending"] * 3,
        ]
    finally:
        engine.dispose()


def test_a_claims_read_leaves_out_what_is_no_longer_its_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Put back in the backlog between the claim and its read, or claimed by a later claim within its range
    (a chapter that waited for its retry), even in the same microsecond: not this claim's."""
    engine, sessions = open_database(f"sqlite:///{tmp_path / 'mine.db'}")
    same_moment = utcnow()
    monkeypatch.setattr(backlog, "utcnow", lambda: same_moment)
    try:
        with sessions.begin() as s:
            doc_id = documents.add_document(s, make_document(8), file_name="a.txt", sha256="x")
            waits = update(Chapter).where(Chapter.document_id == doc_id, Chapter.index == 3)
            s.execute(waits.values(retry_at=same_moment + timedelta(hours=1)))
        with sessions.begin() as s:
            first = backlog.claim_backlog(s, "me", 4)
        with sessions.begin() as s:
            s.execute(waits.values(retry_at=None))  # ready now, inside the first claim's range
            second = backlog.claim_backlog(s, "me", 4)
        with sessions() as s:
            put_back = first.read(s)[1]
        with sessions.begin() as s:
            assert backlog.release_chapters(s, [put_back.chapter_id]) == 1
        with sessions() as s:
            firsts, seconds = first.read(s), second.read(s)
    finally:
        engine.dispose()
    assert [(r.first, r.last) for r in first.ranges + second.ranges] == [(0, 4), (3, 7)]
    assert [w.index for w in firsts] == [0, 2, 4]
    assert [w.index for w in seconds] == [3, 5, 6, 7]


def test_claims_go_through_core_where_sqlite_is_not_the_standard_librarys_driver(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The text statements need the standard library's ``sqlite3``; on any other driver the Core ones serve."""
    monkeypatch.setattr(SqliteDriver, "of", classmethod(lambda cls, session: None))
    engine, sessions = open_database(f"sqlite:///{tmp_path / 'core.db'}")
    try:
        with sessions.begin() as s:
            doc_id = documents.add_document(s, make_document(10), file_name="a.txt", sha256="x")
        with sessions.begin() as s:
            first = backlog.claim_chapters(s, "one", 6)
        with sessions.begin() as s:
            second = backlog.claim_chapters(s, "two", 6)
            assert backlog.reopen_documents(s, [doc_id]) == 0  # still being processed: nothing to reopen
        assert [w.index for w in first] == list(range(6)) and [w.index for w in second] == list(range(6, 10))
        assert all(w.text for w in first + second)
    finally:
        engine.dispose()


def test_an_id_prefix_finds_one_document_or_says_why_not(database_url: str) -> None:
    engine, sessions = open_database(database_url)
    try:
        with sessions.begin() as s:
            first = documents.add_document(s, make_document(2), file_name="a.txt", sha256="x")
            twin = first[:8] + "-ffff-4fff-8fff-ffffffffffff"
            s.add(Document(id=twin, file_name="b.txt", file_sha256="y", title="B", format="txt"))
        with sessions() as s:
            assert documents.resolve(s, first) == first and documents.resolve(s, first[:13]) == first
            assert documents.resolve(s, first[:8]) is None
            assert "more than one" in documents.unresolved_reason(s, first[:8])
            assert documents.resolve(s, first[:3]) is None
            assert "at least 4" in documents.unresolved_reason(s, first[:3])
            assert documents.resolve(s, "zzzz") is None
            assert documents.unresolved_reason(s, "zzzz") == "no document id starts with it"
            assert documents.resolve(s, first[:4] + "%") is None, "a prefix is matched as text, not a pattern"
    finally:
        engine.dispose()


def test_a_database_of_the_first_release_is_upgraded_in_place(tmp_path: Path) -> None:
    from alembic import command
    from sqlalchemy import create_engine

    from desktop_app.engine.store.db import alembic_config

    url = f"sqlite:///{tmp_path / 'old.db'}"
    old = create_engine(url)
    with old.begin() as conn:
        config = alembic_config(url)
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
        conn.execute(
            text(
                "INSERT INTO documents (id, file_name, file_sha256, title, format, priority, status, chapter_count, "
                "structure, warnings, created_at, updated_at) VALUES ('d1', 'a.txt', 'x', 'Kept', 'txt', 1, 'done', 0, "
                "'', '[]', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            )
        )
        conn.execute(
            text(
                'INSERT INTO chapters (id, document_id, "index", title, text, word_count, status, attempts, cached, '
                "clause_flags, created_at, updated_at) VALUES ('c1', 'd1', 0, 'One', 'The text of chapter one.', 5, "
                "'done', 1, 0, '[]', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            )
        )
    old.dispose()
    engine, sessions = open_database(url)  # upgrades to the newest revision
    try:
        with sessions() as s:
            view = documents.get_document(s, "d1", chapters=True, with_text=True)
            assert view is not None and view.title == "Kept"
            assert [c.text for c in view.chapters] == ["The text of chapter one."], "the text moved with its chapter"
        with engine.connect() as conn:
            assert "state" in {c["name"] for c in inspect(conn).get_columns("instances")}
            assert "text" not in {c["name"] for c in inspect(conn).get_columns("chapters")}
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
        with sessions.begin() as s:
            assert edits.delete_document(s, "d1")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM chapter_texts")).scalar() == 0, "deleted with its chapter"
    finally:
        engine.dispose()


def _done(chapter: ChapterRecord, attempts: int, summary: str) -> ChapterRecord:
    return ChapterRecord(
        chapter.id,
        chapter.document_id,
        chapter.index,
        chapter.title,
        ChapterStatus.DONE,
        attempts,
        summary=summary,
        preview=summary,
    )


def _claimed(sessions: sessionmaker[Session], chapters: int, claimed: int) -> tuple[str, list[ChapterRecord]]:
    """A new document of ``chapters`` chapters, the first ``claimed`` of them claimed: (its id, its chapters)."""
    with sessions.begin() as s:
        doc_id = documents.add_document(s, make_document(chapters), file_name="x.txt", sha256="x")
        backlog.claim_chapters(s, "me", claimed)
    with sessions() as s:
        return doc_id, documents.chapters_of(s, doc_id)


def test_same_chapter_written_twice_leaves_one_row_with_latest_summary(database_url: str) -> None:
    engine, sessions = open_database(database_url)
    try:
        doc_id, (first, _) = _claimed(sessions, 2, 2)
        for batch in ([_done(first, 1, "old")], [_done(first, 2, "new")], [_done(first, 2, "new")] * 2):
            with sessions.begin() as s:  # the last batch is a retried one, with the same row twice
                assert backlog.upsert_chapter_results(s, batch) == {first.id}
        with sessions() as s:
            chapters = documents.chapters_of(s, doc_id)
    finally:
        engine.dispose()
    assert len(chapters) == 2
    assert chapters[0].summary == "new" and chapters[0].attempts == 2
    assert chapters[0].text, "the upsert never touches the chapter's text"


@pytest.mark.parametrize("sqlite_version", [(3, 40, 0), (3, 32, 0)], ids=["update-from", "older-sqlite"])
def test_a_batch_of_results_on_sqlite_lands_on_its_rows_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_version: tuple[int, int, int]
) -> None:
    from types import SimpleNamespace

    from desktop_app.engine.store import results

    # One UPDATE … FROM (VALUES …) a batch, or an UPDATE a row where SQLite is older than 3.33.
    monkeypatch.setattr(results, "sqlite3", SimpleNamespace(sqlite_version_info=sqlite_version))
    monkeypatch.setattr(results, "_ROWS_A_STATEMENT", 3)  # several statements in one batch
    engine, sessions = open_database(f"sqlite:///{tmp_path / 'db.sqlite'}")
    try:
        doc_id, chapters = _claimed(sessions, 8, 7)  # the last chapter stays pending: a result must not land there
        batch = [_done(c, 1, f"summary {c.index}") for c in chapters]
        with sessions.begin() as s:
            written = backlog.upsert_chapter_results(s, batch)
        with sessions() as s:
            after = documents.chapters_of(s, doc_id)
    finally:
        engine.dispose()
    assert written == {c.id for c in chapters[:7]}
    assert [c.summary for c in after] == [f"summary {i}" for i in range(7)] + [None]
    assert [c.status for c in after] == [ChapterStatus.DONE] * 7 + [ChapterStatus.PENDING]


def test_a_result_empties_the_columns_it_has_no_value_for(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A column no row of a batch has a value for is written as NULL (on SQLite, in the statement instead of
    bound); one that some rows have is bound. Either way an earlier attempt's error, fallback, token counts
    and retry time do not outlive a new result."""
    from desktop_app.engine.store import results

    monkeypatch.setattr(results, "_ROWS_A_STATEMENT", 2)  # statements of different shapes in one batch
    engine, sessions = open_database(database_url)
    earlier = {
        "error": "timed out",
        "fallback_reason": "the server was down",
        "prompt_tokens": 120,
        "completion_tokens": 30,
        "clause_error": "no answer",
        "retry_at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    }
    try:
        doc_id, chapters = _claimed(sessions, 4, 4)
        with sessions.begin() as s:
            first = [replace(_done(c, 1, "first"), status=ChapterStatus.FAILED, **earlier) for c in chapters]
            assert backlog.upsert_chapter_results(s, first) == {c.id for c in chapters}
        # The first two rows have no value in any of those columns; of the last two, one still has an error.
        again = [_done(c, 2, f"again {c.index}") for c in chapters]
        again[2] = replace(again[2], error="still wrong")
        with sessions.begin() as s:
            assert backlog.upsert_chapter_results(s, again) == {c.id for c in chapters}
        with sessions() as s:
            after = documents.chapters_of(s, doc_id)
    finally:
        engine.dispose()
    assert [c.summary for c in after] == [f"again {i}" for i in range(4)]
    assert [c.status for c in after] == [ChapterStatus.DONE] * 4
    assert [c.error for c in after] == [None, None, "still wrong", None]
    for name in ("fallback_reason", "prompt_tokens", "completion_tokens", "clause_error", "retry_at"):
        assert [getattr(c, name) for c in after] == [None] * 4, name


def test_a_late_result_never_overwrites_a_chapter_put_back_in_the_backlog(database_url: str) -> None:
    engine, sessions = open_database(database_url)
    try:
        with sessions.begin() as s:
            doc_id = documents.add_document(s, make_document(1), file_name="late.txt", sha256="x")
        with sessions() as s:
            chapter = documents.chapters_of(s, doc_id)[0]
        # The chapter is pending (for example re-summarized with a new focus while an old run was in flight).
        with sessions.begin() as s:
            written = backlog.upsert_chapter_results(s, [_done(chapter, 1, "stale")])
        with sessions() as s:
            after = documents.chapters_of(s, doc_id)[0]
    finally:
        engine.dispose()
    assert written == set(), "a row that was not written is not reported (so no event is published for it)"
    assert after.status == "pending" and after.summary is None


def test_a_result_never_brings_back_a_chapter_that_was_removed(database_url: str) -> None:
    # A failed parse drops the chapters it had saved, while one of them may still be summarized: its result
    # must not land as a new row of the failed document.
    engine, sessions = open_database(database_url)
    try:
        doc_id, (gone, kept) = _claimed(sessions, 2, 2)
        with sessions.begin() as s:
            s.execute(delete(Chapter).where(Chapter.id == gone.id))
        with sessions.begin() as s:
            written = backlog.upsert_chapter_results(s, [_done(gone, 1, "late"), _done(kept, 1, "kept")])
        with sessions() as s:
            after = documents.chapters_of(s, doc_id)
    finally:
        engine.dispose()
    assert written == {kept.id}
    assert [(c.id, c.summary) for c in after] == [(kept.id, "kept")]


def test_a_database_locked_by_another_process_fails_a_claim_as_sqlalchemy_would(tmp_path: Path) -> None:
    """On SQLite the claim and the reopening of documents are sent as text on the driver's connection: a
    database another process keeps locked must still raise what the feeder and the writer catch and retry
    (``DBAPIError``), not the driver's own error, which would end their threads."""
    path = tmp_path / "locked.db"
    engine, sessions = open_database(f"sqlite:///{path}")
    try:
        with sessions.begin() as s:
            doc = documents.add_document(s, make_document(3, sentences=2), file_name="a.txt", sha256="a")
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another process writing, for longer than this one waits
        try:
            for run in (lambda s: backlog.claim_chapters(s, "me", 2), lambda s: backlog.reopen_documents(s, [doc])):
                with pytest.raises(OperationalError, match="database is locked"), sessions.begin() as s:
                    s.connection().exec_driver_sql("PRAGMA busy_timeout = 20")
                    run(s)
        finally:
            other.execute("ROLLBACK")
            other.close()
        with sessions.begin() as s:
            assert len(backlog.claim_chapters(s, "me", 2)) == 2  # the lock gone, nothing was lost
    finally:
        engine.dispose()


def _plans_of(sessions: object, run: object) -> list[str]:
    """The SQLite query plans of every statement ``run(session)`` executes, as SQLite ran it.

    SQLite's own trace sees every statement, those sent through SQLAlchemy and those sent on the driver's
    cursor alike, with its parameters in place.
    """
    seen: list[str] = []
    with sessions.begin() as s:  # type: ignore[attr-defined]
        conn = s.connection()
        driver = conn.connection.driver_connection

        def capture(statement: str) -> None:
            if statement.split(None, 1)[0].upper() in ("SELECT", "UPDATE", "INSERT", "DELETE", "WITH"):
                seen.append(statement)

        driver.set_trace_callback(capture)
        try:
            run(s)  # type: ignore[operator]
        finally:
            driver.set_trace_callback(None)
        plans = []
        for statement in seen:
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}").all()
            plans.append(" | ".join(str(r[-1]) for r in rows))
        s.rollback()
    return plans


def test_claims_and_progress_never_sort_or_read_the_whole_backlog(tmp_path: Path) -> None:
    """Counted, not timed: no claim or progress statement walks every pending chapter or sorts them."""
    engine, sessions = open_database(f"sqlite:///{tmp_path / 'plans.db'}")
    try:
        with sessions.begin() as s:
            first = documents.add_document(s, make_document(300, sentences=2), file_name="a.txt", sha256="a")
            documents.add_document(s, make_document(300, sentences=2), file_name="b.txt", sha256="b")
            backlog.claim_chapters(s, "me", 120)
        claim = _plans_of(sessions, lambda s: backlog.claim_chapters(s, "me", 100))
        progress = _plans_of(sessions, lambda s: documents.progress(s, [first]))
    finally:
        engine.dispose()
    assert claim and progress
    # Chapters are only ever reached by id or by document (with its status, or its order): never the status
    # index alone (every pending chapter) or a scan; what is sorted is the documents and the claimed rows, not
    # the backlog. The document's order is the unique (document_id, index), which SQLite names itself.
    chapter_steps = [step for plan in claim + progress for step in plan.split(" | ") if " chapters " in f" {step} "]
    by_document = (
        "ix_chapters_pending (document_id=?",
        "ix_chapters_ended (document_id=?",
        "ix_chapters_processing (document_id=?",
        "sqlite_autoindex_chapters_2 (document_id=?",
    )
    assert chapter_steps and all(
        "(id=?)" in step or any(index in step for index in by_document) for step in chapter_steps
    ), chapter_steps
    next_chapters = [
        p
        for p in claim
        if "SEARCH chapters USING INDEX ix_chapters_pending (document_id=?)" in p and "TEMP B-TREE" not in p
    ]
    assert next_chapters, f"a document's next chapters come in index order, unsorted: {claim}"
    # Counted from indexes alone, the done chapters as the rest of the total: no chapter row is read.
    progress_steps = [step for plan in progress for step in plan.split(" | ") if " chapters " in f" {step} "]
    assert len(progress_steps) == 4 and all("COVERING INDEX" in step for step in progress_steps), progress


def test_open_chapters_across_documents_are_found_through_their_indexes(tmp_path: Path) -> None:
    """The backlog's size, an instance's claims and the fallback summaries: never a scan of the table.

    The pending and the processing chapters each have a partial index (a chapter leaves it when its status
    changes), read from the index alone, and SQLite uses a partial index only for a query that states its
    condition: each of these queries must.
    """
    from datetime import UTC, datetime

    engine, sessions = open_database(f"sqlite:///{tmp_path / 'open.db'}")
    try:
        with sessions.begin() as s:
            documents.add_document(s, make_document(50, sentences=2), file_name="a.txt", sha256="a")
            backlog.claim_chapters(s, "me", 20)
        searches = {
            "backlog": _plans_of(sessions, backlog.backlog_size),
            "heartbeat": _plans_of(sessions, lambda s: instances.heartbeat(s, "me")),
            "release": _plans_of(sessions, lambda s: instances.release_instance_claims(s, "me")),
            "recover": _plans_of(sessions, lambda s: instances.recover_orphans(s, ["gone"])),
            "expire": _plans_of(sessions, lambda s: instances.expire_claims(s, datetime.now(UTC))),
            "purge": _plans_of(sessions, edits.purge_pending),
        }
        fallbacks = _plans_of(sessions, backlog.fallback_chapter_ids)
    finally:
        engine.dispose()
    through = {"backlog": "pending", "purge": "pending"}
    for name, plans in searches.items():
        on_chapters = [p for p in plans if " chapters " in f" {p} "]
        index = f"INDEX ix_chapters_{through.get(name, 'processing')}"
        assert on_chapters and all(index in p for p in on_chapters), (name, on_chapters)
    # Walked in order through an index that holds only the fallback summaries: no scan of the table, no sort.
    assert fallbacks == ["SCAN chapters USING INDEX ix_chapters_fallback"], fallbacks


def test_the_partial_indexes_hold_their_chapters_only(tmp_path: Path) -> None:
    """Pending: a claimed chapter leaves. Processing: a claimed chapter enters, one that ends leaves. Ended:
    the failed and cancelled chapters, while a done chapter enters no index at all."""
    engine, sessions = open_database(f"sqlite:///{tmp_path / 'leave.db'}")
    try:
        with sessions.begin() as s:
            documents.add_document(s, make_document(10, sentences=2), file_name="a.txt", sha256="a")
            claimed = backlog.claim_chapters(s, "me", 4)
        with sessions.begin() as s:
            ends = (ChapterStatus.DONE, ChapterStatus.FAILED, ChapterStatus.CANCELLED)
            backlog.upsert_chapter_results(
                s,
                [
                    ChapterRecord(w.chapter_id, w.document_id, w.index, w.title, status, 1, summary="s.")
                    for w, status in zip(claimed, ends, strict=False)
                ],
            )
        with sessions() as s:
            held = {
                index: sorted(
                    r[0] for r in s.execute(text(f"SELECT status FROM chapters INDEXED BY {index} WHERE {c}"))
                )
                for index, c in (
                    ("ix_chapters_pending", PENDING),
                    ("ix_chapters_processing", PROCESSING),
                    ("ix_chapters_ended", ENDED),
                )
            }
            assert backlog.backlog_size(s) == 6
    finally:
        engine.dispose()
    assert held == {
        "ix_chapters_pending": ["pending"] * 6,
        "ix_chapters_processing": ["processing"],
        "ix_chapters_ended": ["cancelled", "failed"],
    }


def test_counts_by_status_read_from_the_indexes_are_the_rows_counts(database_url: str) -> None:
    """Progress and the status's counts (pending, processing and ended chapters from their indexes, done as
    the rest of the total) equal the chapters' own statuses counted one by one, for every status and for a
    missing document."""
    engine, sessions = open_database(database_url)
    try:
        with sessions.begin() as s:
            a = documents.add_document(s, make_document(10, sentences=2), file_name="a.txt", sha256="a")
            b = documents.add_document(s, make_document(6, sentences=2), file_name="b.txt", sha256="b")
            claimed = backlog.claim_chapters(s, "me", 13)
        ends = [ChapterStatus.DONE] * 5 + [ChapterStatus.FAILED, ChapterStatus.CANCELLED] * 2 + [ChapterStatus.DONE]
        with sessions.begin() as s:
            results = [
                ChapterRecord(w.chapter_id, w.document_id, w.index, w.title, status, 1, summary="s.", error="e")
                for w, status in zip(claimed, ends, strict=False)
            ]
            backlog.upsert_chapter_results(s, results)
        with sessions() as s:
            rows = s.execute(select(Chapter.document_id, Chapter.status)).all()
            counted = documents.progress(s, [a, b, "missing"])
            overall = documents.status_counts(s)
    finally:
        engine.dispose()
    expected: dict[str, dict[str, int]] = {d: dict.fromkeys([*map(str, ChapterStatus), "total"], 0) for d in (a, b)}
    for doc_id, status in rows:
        expected[doc_id][status] += 1
        expected[doc_id]["total"] += 1
    assert counted == expected | {"missing": dict.fromkeys([*map(str, ChapterStatus), "total"], 0)}
    assert {k: sum(c[k] for c in expected.values()) for k in map(str, ChapterStatus)} == overall
    # Every status is there: the test counts each way of reading a count.
    assert all(overall[str(status)] for status in ChapterStatus), overall


def test_a_previous_import_gives_back_what_the_parse_saved(database_url: str) -> None:
    # A re-upload of an identical file skips its parse and saves the earlier import's chapters again: each
    # one's text, kind (front matter and notices stay out of the document's summary), sections and pages.
    parsed = make_document(3)
    front, body, notice = parsed.chapters
    front.kind, notice.kind = "front", "notice"
    body.sections = [Section("First part", 0, 40, 2), Section("Second part", 40, len(body.text), 3)]
    body.page_starts = [(0, 4), (60, 5)]
    engine, sessions = open_database(database_url)
    try:
        with sessions.begin() as s:
            documents.add_document(s, parsed, file_name="x.pdf", sha256="same")
        with sessions() as s:
            earlier = documents.previous_import(s, "same")
            assert documents.previous_import(s, "other") is None
    finally:
        engine.dispose()
    assert earlier is not None
    got = [(c.title, c.text, c.kind, c.sections, c.page_starts) for c in earlier.chapters]
    assert got == [(c.title, c.text, c.kind, c.sections, c.page_starts) for c in parsed.chapters]
