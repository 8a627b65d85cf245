"""The durable backlog: claiming chapters, writing results, handing claims back.

Pending chapters are the backlog. A claim takes each document's next pending chapters in their order: on
PostgreSQL an ``UPDATE … RETURNING`` of ids selected ``FOR UPDATE SKIP LOCKED`` (so several instances can share
one backlog), on SQLite a range of the document's order in a write transaction, read after its commit (see
:func:`claim_backlog`); results are UPDATEs of rows that exist (see ``results``). Functions take a
``Session`` and never commit.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Integer, Table, bindparam, exists, func, or_, select, update
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from ..messages import ChapterWork, DocumentResult, DocumentWork, DoneChapter
from ..records import sentences_from_json
from ..states import ChapterStatus, DocumentStatus
from . import documents, results
from .driver import Bind, SqliteDriver, connection_of
from .models import (
    PENDING_CONDITION,
    PROCESSING_CONDITION,
    Chapter,
    ChapterText,
    Document,
    open_status_is,
    stated,
    utcnow,
)


def _status_of_listed(column: Any) -> Any:
    """The status column in a guard no index can serve, for updates of chapters listed by id.

    Without statistics SQLite's planner may walk the ``(status, …)`` index for ``id IN (…) AND status = …``
    instead of looking the ids up by primary key: an update of 100 claimed chapters then touched every
    chapter of that status (10× slower with a backlog of 10,000). ``status || ''`` is the same value.
    """
    return column.concat("")


def claim_chapters(session: Session, instance_id: str, limit: int) -> list[ChapterWork]:
    """Claim up to ``limit`` pending chapters and read them: :func:`claim_backlog`, then :meth:`Claim.read`."""
    return claim_backlog(session, instance_id, limit).read(session)


def claim_backlog(session: Bind, instance_id: str, limit: int) -> Claim:
    """Claim up to ``limit`` pending chapters: highest document priority first, then oldest first.

    The documents with pending chapters are put in order first (a few rows), then each one's next
    chapters are claimed in order from the partial index of pending chapters, ``(document_id, index)``,
    until the limit is reached: a claim costs the same with 100 or 100,000 chapters in the backlog. The
    statements are built once: building them anew each claim, through the ORM, cost more processor time
    than the database's own work, and a busy pipeline claims every few milliseconds.

    On SQLite (:class:`_SqliteClaims`) a document's chapters are claimed as a range of their order, in
    three statements of one step each, and read afterwards (:meth:`Claim.read`), which the feeder does
    after the claim's commit, on a connection of its own, so the writer's batches do not wait for the
    rows' and texts' reading. Elsewhere the claim reads them (``UPDATE … RETURNING`` of the ids, then
    the texts) and :meth:`Claim.read` hands them over.
    """
    if limit <= 0:
        return Claim([], [])
    driver = SqliteDriver.of(session)
    if driver is not None:
        return _SqliteClaims(driver, instance_id).claim(limit)
    claims = _CoreClaims(session, instance_id)
    work: list[ChapterWork] = []
    for document_id, focus in claims.waiting():
        claimed = sorted(claims.claim(document_id, limit - len(work)), key=lambda row: row[1])  # RETURNING: no order
        if not claimed:
            continue
        texts = claims.texts([row[0] for row in claimed])
        work.extend(
            ChapterWork(cid, document_id, index, title, texts.get(cid) or "", attempts, focus)
            for cid, index, title, attempts in claimed
        )
        if len(work) >= limit:
            break
    return Claim(work, [])


@dataclass(frozen=True, slots=True)
class ClaimedRange:
    """One document's chapters claimed by their order on SQLite: those from ``first`` to ``last`` that were
    pending, marked with the claim's instance and time (``claimed_at``, as stored), which no other claim has."""

    document_id: str
    focus: str | None
    first: int
    last: int
    count: int
    instance_id: str
    claimed_at: Any


@dataclass(frozen=True, slots=True)
class Claim:
    """What one claim took: chapters already read, and ranges still to read (:meth:`read`)."""

    work: list[ChapterWork]
    ranges: list[ClaimedRange]

    @property
    def count(self) -> int:
        return len(self.work) + sum(r.count for r in self.ranges)

    def read(self, session: Bind) -> list[ChapterWork]:
        """The claimed chapters with their texts, in claim order; ``session`` may be on another connection.

        A chapter no longer claimed by this claim when it is read (its document removed, or put back in the
        backlog meanwhile) is left out: it is someone else's now.
        """
        if not self.ranges:
            return list(self.work)
        driver = SqliteDriver.of(session)
        assert driver is not None, "ranges are claimed on SQLite through the standard library's driver"
        work = list(self.work)
        for claimed in self.ranges:
            params = (claimed.document_id, claimed.first, claimed.last, claimed.instance_id, claimed.claimed_at)
            rows = driver.rows(_SQLITE_READ_RANGE, params)
            work.extend(
                ChapterWork(cid, claimed.document_id, index, title, text or "", attempts, claimed.focus)
                for cid, index, title, attempts, text in rows
            )
        return work


class _CoreClaims:
    """The claim's statements (:func:`_claim_statements`) through SQLAlchemy Core, on the session's connection.

    PostgreSQL's way, and SQLite's on a driver other than the standard library's (SQLite ignores the lock).
    """

    def __init__(self, session: Bind, instance_id: str) -> None:
        self._connection = connection_of(session)
        self._statements = _claim_statements()
        self._params: dict[str, Any] = {"now": utcnow(), "instance": instance_id}

    def waiting(self) -> Sequence[Any]:
        """The documents with pending chapters, in claim order: (id, focus)."""
        return self._connection.execute(self._statements.waiting).all()

    def claim(self, document_id: str, n: int) -> Sequence[Any]:
        """Up to ``n`` of the document's next pending chapters claimed, in no order: (id, index, title, attempts)."""
        params = {**self._params, "document": document_id, "n": n}
        ids = self._connection.execute(self._statements.next_ids, params).scalars().all()
        return self._connection.execute(self._statements.claim, {**params, "ids": ids}).all() if ids else []

    def texts(self, ids: list[str]) -> dict[str, str]:
        return dict(self._connection.execute(self._statements.texts, {"ids": ids}).all())


@dataclass(frozen=True)
class _ClaimStatements:
    waiting: Any  # the documents with pending chapters, in claim order: (id, focus)
    next_ids: Any  # one document's next pending ids, locked ("document", "now", "n")
    claim: Any  # those chapters ("ids") claimed: (id, index, title, attempts)
    texts: Any  # the texts of chapters listed by id: (chapter_id, text)


@functools.cache
def _claim_statements() -> _ClaimStatements:
    """The claim in Core: the next pending ids selected ``FOR UPDATE SKIP LOCKED``, then claimed by id.

    On PostgreSQL, instances sharing the backlog skip each other's rows (SQLite serializes writers and has no
    such lock; the status guard makes the claim exact there). Selected apart: as the subquery of the UPDATE,
    PostgreSQL may run a locking subquery again and claim more than its limit.
    """
    chapters, docs, texts = Chapter.__table__, Document.__table__, ChapterText.__table__
    assert isinstance(chapters, Table) and isinstance(docs, Table) and isinstance(texts, Table)
    pending = ChapterStatus.PENDING.value
    now = bindparam("now", type_=chapters.c.claimed_at.type)
    is_pending = stated(PENDING_CONDITION)  # as the partial index of pending chapters states it
    has_pending = exists().where(chapters.c.document_id == docs.c.id, is_pending)
    waiting = (
        select(docs.c.id, docs.c.focus)
        .where(has_pending)
        .order_by(docs.c.priority.desc(), docs.c.created_at, docs.c.id)
    )
    next_ids = (
        select(chapters.c.id)
        .where(
            chapters.c.document_id == bindparam("document"),
            is_pending,
            or_(chapters.c.retry_at.is_(None), chapters.c.retry_at <= now),
        )
        .order_by(chapters.c.index)
        .limit(bindparam("n", type_=Integer))
        .with_for_update(skip_locked=True)
    )
    claim = (
        update(chapters)
        .where(chapters.c.id.in_(bindparam("ids", expanding=True)), _status_of_listed(chapters.c.status) == pending)
        .values(
            status=ChapterStatus.PROCESSING.value,
            claimed_by=bindparam("instance", type_=chapters.c.claimed_by.type),
            claimed_at=now,
            updated_at=now,
        )
        .returning(chapters.c.id, chapters.c.index, chapters.c.title, chapters.c.attempts)
    )
    text_of = select(texts.c.chapter_id, texts.c.text).where(texts.c.chapter_id.in_(bindparam("ids", expanding=True)))
    return _ClaimStatements(waiting, next_ids, claim, text_of)


# --- SQLite: the claim as text on the driver's connection

_PENDING, _PROCESSING = ChapterStatus.PENDING.value, ChapterStatus.PROCESSING.value

#: The documents with pending chapters, in claim order: (id, focus).
_SQLITE_WAITING = (
    "SELECT documents.id, documents.focus FROM documents WHERE EXISTS (SELECT 1 FROM chapters"
    f" WHERE chapters.document_id = documents.id AND chapters.status = '{_PENDING}')"
    " ORDER BY documents.priority DESC, documents.created_at, documents.id"
)

#: One document's next pending chapters as a range of its order (document, now, n): (count, first, last).
_SQLITE_NEXT_RANGE = (
    'SELECT count(*), min("index"), max("index") FROM (SELECT "index" FROM chapters WHERE document_id = ?'
    f" AND status = '{_PENDING}' AND (retry_at IS NULL OR retry_at <= ?) ORDER BY \"index\" LIMIT ?)"
)

#: The pending chapters of that range claimed (instance, now, now, document, first, last, now).
_SQLITE_CLAIM_RANGE = (
    f"UPDATE chapters SET status = '{_PROCESSING}', claimed_by = ?, claimed_at = ?, updated_at = ?"
    f" WHERE document_id = ? AND status = '{_PENDING}' AND \"index\" BETWEEN ? AND ?"
    " AND (retry_at IS NULL OR retry_at <= ?)"
)

#: A claimed range read (document, first, last, instance, claimed at): (id, index, title, attempts, text).
_SQLITE_READ_RANGE = (
    'SELECT chapters.id, chapters."index", chapters.title, chapters.attempts, chapter_texts.text'
    " FROM chapters LEFT JOIN chapter_texts ON chapter_texts.chapter_id = chapters.id"
    f" WHERE chapters.document_id = ? AND chapters.status = '{_PROCESSING}'"
    ' AND chapters."index" BETWEEN ? AND ? AND chapters.claimed_by = ? AND chapters.claimed_at = ?'
    ' ORDER BY chapters."index"'
)


#: Ids a statement lists at most (SQLite's limit on parameters is far above it).
_IDS_A_STATEMENT = 500


@functools.cache
def _sqlite_time(dialect: Dialect) -> Callable[[Any], Any]:
    """A time as the model's column type stores it on SQLite (the claims compare ``retry_at`` with it)."""
    table = Chapter.__table__
    assert isinstance(table, Table)
    process: Callable[[Any], Any] | None = table.c.claimed_at.type.dialect_impl(dialect).bind_processor(dialect)
    assert process is not None, "SQLite's DATETIME stores a string"
    return process


class _SqliteClaims:
    """The claim on SQLite, as text on the session's own connection, by ranges of each document's order.

    SQLAlchemy's execution of a statement (its parameters, an expanding list of ids, a result row by row)
    cost about a third more than SQLite's own claim. And SQLite hands a statement's result over one row at
    a time, the driver giving up the interpreter's lock around each: a claim that returned its 100 rows (and
    then their 100 texts) waited for the lock 200 times while the summary workers ran, holding the
    database the writer waits for. Claimed as a range, a document's next chapters take three statements of
    one row each: the transaction begun for writing (so the range read is the range written), the range
    and its size, and the update of the pending chapters in it.
    """

    def __init__(self, driver: SqliteDriver, instance_id: str) -> None:
        self._driver = driver
        self._instance = instance_id
        self._now = _sqlite_time(driver.dialect)(_claim_time())

    def claim(self, limit: int) -> Claim:
        driver, now = self._driver, self._now
        ranges: list[ClaimedRange] = []
        taken = 0
        for document_id, focus in driver.rows(_SQLITE_WAITING):
            if not driver.in_transaction:
                driver.rows("BEGIN IMMEDIATE")
            ((count, first, last),) = driver.rows(_SQLITE_NEXT_RANGE, (document_id, now, limit - taken))
            if not count:
                continue
            # In the same write transaction, the rows counted are the rows claimed.
            count = driver.changed(_SQLITE_CLAIM_RANGE, (self._instance, now, now, document_id, first, last, now))
            ranges.append(ClaimedRange(document_id, focus, first, last, count, self._instance, now))
            taken += count
            if taken >= limit:
                break
        return Claim([], ranges)


class _ClaimClock:
    """Now, later than any claim of this process before it: a claim's time tells its chapters from others'."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = datetime.min.replace(tzinfo=UTC)

    def __call__(self) -> datetime:
        with self._lock:
            self._last = max(utcnow(), self._last + timedelta(microseconds=1))
            return self._last


_claim_time = _ClaimClock()


def claim_document_chapters(session: Session, instance_id: str, document_id: str) -> list[ChapterWork]:
    """Claim every pending chapter of one document, in order (synchronous mode)."""
    now = utcnow()
    ids = set(
        session.scalars(
            update(Chapter)
            .where(Chapter.document_id == document_id, Chapter.status == ChapterStatus.PENDING)
            .values(status=ChapterStatus.PROCESSING, claimed_by=instance_id, claimed_at=now)
            .returning(Chapter.id)
        )
    )
    doc = session.get(Document, document_id)
    focus = doc.focus if doc else None
    rows = session.execute(
        select(Chapter, ChapterText.text)
        .outerjoin(ChapterText, ChapterText.chapter_id == Chapter.id)
        .where(Chapter.document_id == document_id)
        .order_by(Chapter.index)
    )
    work = [ChapterWork(c.id, c.document_id, c.index, c.title, t or "", c.attempts, focus) for c, t in rows]
    return [w for w in work if w.chapter_id in ids]


def claim_finished_documents(
    session: Session, instance_id: str, limit: int = 10, *, document_id: str | None = None
) -> list[DocumentWork]:
    """Claim documents (or the one ``document_id``) whose chapters are all final, with what their summary needs.

    :func:`claim_finished` and :func:`finished_work` in one transaction; the feeder runs them apart, the
    reading after the claim's commit (a long document's chapters take a while to read).
    """
    return finished_work(session, claim_finished(session, instance_id, limit, document_id=document_id))


def claim_finished(session: Bind, instance_id: str, limit: int = 10, *, document_id: str | None = None) -> list[str]:
    """Claim documents (or the one ``document_id``) whose chapters are all final, for their whole-document summary.

    Returns their ids, now ``summarizing`` and this instance's. The feeder asks before a claim of chapters
    when told to, so the question is one statement built once and run on the session's connection: built
    through the ORM each time, it cost several times the database's answer.
    """
    finished = _finished_statements()
    params: dict[str, Any] = {"n": limit}
    if document_id is not None:
        params["document"] = document_id
    connection = connection_of(session)
    ids = connection.execute(finished.one if document_id is not None else finished.any, params).scalars().all()
    if not ids:
        return []
    return list(
        session.scalars(
            update(Document)
            .where(Document.id.in_(ids), Document.status == DocumentStatus.PROCESSING)
            .values(status=DocumentStatus.SUMMARIZING, claimed_by=instance_id)
            .returning(Document.id)
        )
    )


def finished_work(session: Bind, document_ids: Sequence[str]) -> list[DocumentWork]:
    """What the whole-document summaries of claimed documents need: each one's done chapters, in order.

    Every chapter's summary, text and aligned sentences: for a document of 10,000 chapters a read of about
    0.2 s, which is why the feeder does it after the claim's commit, outside the lock it shares with the
    writer. A document removed meanwhile is left out.
    """
    work = []
    for doc_id in document_ids:
        doc = session.execute(select(Document.title, Document.focus).where(Document.id == doc_id)).first()
        if doc is None:
            continue
        rows = session.execute(
            select(
                Chapter.index,
                Chapter.title,
                Chapter.status,
                Chapter.summary,
                ChapterText.text,
                Chapter.sentences,
                Chapter.kind,
            )
            .outerjoin(ChapterText, ChapterText.chapter_id == Chapter.id)
            .where(Chapter.document_id == doc_id)
            .order_by(Chapter.index)
        ).all()
        done = [
            DoneChapter(index, title, summary, text or "", sentences_from_json(sentences), kind)
            for index, title, status, summary, text, sentences, kind in rows
            if status == ChapterStatus.DONE and summary
        ]
        failed = sum(1 for row in rows if row[2] == ChapterStatus.FAILED)
        work.append(DocumentWork(doc_id, doc.title, doc.focus, done, failed=failed, total=len(rows)))
    return work


@dataclass(frozen=True)
class _FinishedStatements:
    any: Any  # documents being processed with no open chapter, in claim order: (id,); limit "n"
    one: Any  # the same for the one document "document"


@functools.cache
def _finished_statements() -> _FinishedStatements:
    chapters, docs = Chapter.__table__, Document.__table__
    assert isinstance(chapters, Table) and isinstance(docs, Table)
    # Each open status through its partial index, which SQLite uses only for the condition written out.
    pending, processing = (
        exists().where(chapters.c.document_id == docs.c.id, stated(condition))
        for condition in (PENDING_CONDITION, PROCESSING_CONDITION)
    )
    finished = select(docs.c.id).where(docs.c.status == DocumentStatus.PROCESSING.value, ~pending, ~processing)
    ordered = finished.order_by(docs.c.priority.desc(), docs.c.created_at).limit(bindparam("n", type_=Integer))
    one = finished.where(docs.c.id == bindparam("document")).limit(bindparam("n", type_=Integer))
    return _FinishedStatements(ordered, one)


# --- results

#: The writer's entry point, kept where its callers find it (written by .results).
upsert_chapter_results = results.upsert_chapter_results
prepare_chapter_results = results.prepare_chapter_results
write_prepared = results.write_prepared


def apply_document_results(session: Bind, results: Sequence[DocumentResult]) -> list[DocumentResult]:
    """Write whole-document summaries; the document's state is derived from its chapters, in this transaction.

    The reduce's own view of the chapters may be stale (a cancelled chapter's summary came back, a retry
    reopened one), so its status is not trusted: failed chapters make the document failed, cancelled ones
    cancelled, otherwise done. A result for a document that is no longer being summarized (re-focused,
    retried, or reopened by a late chapter) is dropped: a newer reduce follows. Returns what was written.
    """
    now = utcnow()
    written = []
    counts = _chapter_counts(session, [r.document_id for r in results])
    for r in results:
        c = counts.get(r.document_id, {})
        if c.get(ChapterStatus.PENDING, 0) or c.get(ChapterStatus.PROCESSING, 0):
            session.execute(
                update(Document)
                .where(Document.id == r.document_id, Document.status == DocumentStatus.SUMMARIZING)
                .values(status=DocumentStatus.PROCESSING, claimed_by=None)
            )
            continue
        status = derived_status(c)
        # The reduce's error (a failed-chapter count, a note that the summary could not be made) stands
        # when it judged the state right; otherwise the state's own.
        error = r.error if r.status == status else _document_error(c) if status == DocumentStatus.FAILED else None
        changed = session.execute(
            update(Document)
            .where(Document.id == r.document_id, Document.status == DocumentStatus.SUMMARIZING)
            .values(
                status=status,
                summary=r.summary,
                summary_sentences=[asdict(s) for s in r.sentences] or None,
                error=error,
                finished_at=now,
                claimed_by=None,
            )
        )
        if changed.rowcount:  # type: ignore[attr-defined]
            written.append(replace(r, status=status, error=error))
    return written


def reopen_documents(session: Bind, document_ids: Iterable[str]) -> int:
    """A chapter result landed on a document that was already summarizing or final: make its reduce again.

    This is how a chapter cancelled while in flight, whose summary came back anyway, ends up in the
    document's summary and state instead of leaving the document "cancelled" with every chapter done.
    A ``parsing`` document is left as it is: its chapters so far may all be done, but more are coming; so is
    a document whose parse never ended (no format: a result of a chapter dropped with it came back).
    The writer runs it with every batch: one statement built once, run on the session's connection (the
    ORM's execution path cost more than the statement), on SQLite as text on the driver's connection (SQLAlchemy's
    execution of it cost 40 µs a batch, SQLite's 1 µs).
    """
    ids = list(document_ids)
    if not ids:
        return 0
    driver = SqliteDriver.of(session)
    if driver is None:
        return int(connection_of(session).execute(_REOPEN, {"ids": ids}).rowcount)
    reopened = 0
    for first in range(0, len(ids), _IDS_A_STATEMENT):
        listed = ids[first : first + _IDS_A_STATEMENT]
        reopened += driver.changed(_sqlite_reopen(len(listed)), listed)
    return reopened


#: A document that stays as it is when a chapter result lands on it: being summarized already, or being parsed.
_STAYS_OPEN = (DocumentStatus.PROCESSING.value, DocumentStatus.PARSING.value)


def _reopen_statement() -> Any:
    table = Document.__table__
    assert isinstance(table, Table)
    return (
        update(table)
        .where(
            table.c.id.in_(bindparam("ids", expanding=True)),
            # A document still being parsed has more chapters to come: only the end of its parse opens it.
            table.c.status.not_in(_STAYS_OPEN),
            # One whose parse never ended (it failed, or the app stopped) has no reduce to redo: it stays failed.
            table.c.format != "",
        )
        .values(status=DocumentStatus.PROCESSING.value, claimed_by=None, finished_at=None)
    )


_REOPEN = _reopen_statement()


@functools.lru_cache(maxsize=64)
def _sqlite_reopen(ids: int) -> str:
    """:data:`_REOPEN` as SQLite text for ``ids`` documents listed by id; built once a size."""
    return (
        f"UPDATE documents SET status = '{DocumentStatus.PROCESSING.value}', claimed_by = NULL, finished_at = NULL"
        f" WHERE id IN ({', '.join('?' * ids)}) AND status NOT IN ('{_STAYS_OPEN[0]}', '{_STAYS_OPEN[1]}')"
        " AND format != ''"
    )


def derived_status(counts: dict[str, int]) -> DocumentStatus:
    """A finished document's state from its chapters' counts: any failed → failed, any cancelled → cancelled."""
    if counts.get(ChapterStatus.FAILED, 0):
        return DocumentStatus.FAILED
    if counts.get(ChapterStatus.CANCELLED, 0):
        return DocumentStatus.CANCELLED
    return DocumentStatus.DONE


def _document_error(counts: dict[str, int]) -> str:
    return f"{counts.get(ChapterStatus.FAILED, 0)} of {sum(counts.values())} chapters failed"


def _chapter_counts(session: Bind, document_ids: list[str]) -> dict[str, dict[str, int]]:
    """Each document's chapters by status, the statuses it has only (no ``total``)."""
    counts = documents.progress(session, document_ids)
    return {d: {s: n for s, n in c.items() if n and s != "total"} for d, c in counts.items()}


# --- handing claims back


def release_chapters(session: Session, chapter_ids: Iterable[str]) -> int:
    """Hand claimed chapters back to the backlog (graceful shutdown of unstarted work)."""
    ids = list(chapter_ids)
    if not ids:
        return 0
    result = session.execute(
        update(Chapter)
        .where(Chapter.id.in_(ids), _status_of_listed(Chapter.status) == ChapterStatus.PROCESSING)
        .values(status=ChapterStatus.PENDING, claimed_by=None, claimed_at=None)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def backlog_size(session: Session) -> int:
    query = select(func.count()).select_from(Chapter).where(open_status_is(ChapterStatus.PENDING))
    return int(session.scalar(query) or 0)


def fallback_chapter_ids(session: Session, limit: int = 100) -> list[str]:
    """Done chapters whose summary came from the fallback summarizer, oldest first."""
    query = (
        select(Chapter.id)
        .where(Chapter.status == ChapterStatus.DONE, Chapter.fallback_reason.is_not(None))
        .order_by(Chapter.finished_at)
        .limit(limit)
    )
    return list(session.scalars(query))


def requeue_chapters(session: Session, chapter_ids: Iterable[str]) -> list[str]:
    """Put done chapters back in the backlog (their summaries are redone); returns their documents."""
    ids = list(chapter_ids)
    if not ids:
        return []
    docs = set(session.scalars(select(Chapter.document_id).where(Chapter.id.in_(ids))))
    session.execute(
        update(Chapter)
        .where(Chapter.id.in_(ids), _status_of_listed(Chapter.status) == ChapterStatus.DONE)
        .values(status=ChapterStatus.PENDING, attempts=0, retry_at=None, updated_at=utcnow())
    )
    session.execute(
        update(Document)
        .where(Document.id.in_(docs), Document.status.in_([DocumentStatus.DONE, DocumentStatus.FAILED]))
        .values(status=DocumentStatus.PROCESSING, finished_at=None, claimed_by=None)
    )
    return sorted(docs)
