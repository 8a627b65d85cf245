"""Chapter results into the database: the writer's one statement a batch.

A result never lands on a chapter that was put back in the backlog meanwhile (re-summarized with a new
focus, retried, or reclaimed after its instance was taken for dead): that chapter will be summarized again.

On SQLite the batch is one ``UPDATE chapters … FROM (VALUES …) WHERE id = v.id AND status != 'pending'``
(up to 500 rows a statement; an UPDATE a row with the driver's ``executemany`` before SQLite 3.33), the
values converted by the columns' own bind processors: every chapter row exists (its document was saved
before it could be claimed), and going through SQLAlchemy's per-row parameter handling for an
``INSERT … ON CONFLICT DO UPDATE`` cost more than SQLite's own write (a burst committed 4–7k rows/s).
On PostgreSQL the batch is the same UPDATE a row, sent with the driver's ``executemany`` (psycopg pipelines
it). It was an ``INSERT … ON CONFLICT (id) DO UPDATE``, which inserted a result whose chapter had been
removed meanwhile (its document's parse failed) as a new row of that document. Functions take a
``Session`` and never commit.
"""

from __future__ import annotations

import functools
import itertools
import operator
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from ..records import RESULT_FIELDS, ChapterRecord, sentences_to_json
from ..states import TERMINAL_CHAPTER, ChapterStatus
from .driver import Bind, SqliteDriver, connection_of
from .models import Chapter, utcnow

#: Columns a result may change; identity columns (document, index, title, text, structure) never move.
_RESULT_COLUMNS = (*RESULT_FIELDS, "claimed_by", "claimed_at", "updated_at")

#: A record's result fields in ``RESULT_FIELDS`` order, read in one call.
_RESULT_VALUES = operator.attrgetter(*RESULT_FIELDS)

#: The PostgreSQL UPDATE's parameter names, in ``_RESULT_COLUMNS`` order.
_BIND_NAMES = tuple(f"b_{name}" for name in _RESULT_COLUMNS)


@dataclass(frozen=True, slots=True)
class PreparedResults:
    """A batch of results turned into the statement's parameters, ready to be written by :func:`write_prepared`.

    Preparing takes no database connection: the writer prepares a batch before it takes the connection it
    shares with the feeder's claims, which then wait only for the database's own work.
    """

    dialect: Dialect  # the database's, which the parameters were made for
    records: list[ChapterRecord]  # the last result of each chapter, in batch order
    now: datetime  # the batch's time: its rows' ``updated_at`` (and ``finished_at`` where they end)
    params: list[Any]  # SQLite: (id, *values) a row; PostgreSQL: the UPDATE's parameters a row
    #: SQLite 3.33+: each ``UPDATE … FROM (VALUES …)`` with its parameters, made ready too (see :func:`_sqlite_values`).
    statements: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)


def prepare_chapter_results(dialect: Dialect, results: Sequence[ChapterRecord]) -> PreparedResults:
    """The parameters that write ``results`` on ``dialect``; the last result for a chapter wins within a batch."""
    now = utcnow()
    records = list({r.id: r for r in results}.values())
    if dialect.name == "sqlite":
        params = _sqlite_params(dialect, records, now)
        statements = []
        if sqlite3.sqlite_version_info >= (3, 33):
            statements = [
                _sqlite_values(params[start : start + _ROWS_A_STATEMENT])
                for start in range(0, len(params), _ROWS_A_STATEMENT)
            ]
        return PreparedResults(dialect, records, now, params, statements)
    rows = [dict(zip(_BIND_NAMES, _values(r, now), strict=True)) | {"b_id": r.id} for r in records]
    return PreparedResults(dialect, records, now, rows)


def write_prepared(session: Bind, prepared: PreparedResults) -> set[str]:
    """Write a prepared batch idempotently; returns the ids of the chapters written."""
    if not prepared.records:
        return set()
    if prepared.dialect.name == "sqlite":
        return _update_sqlite(session, prepared)
    result = connection_of(session).execute(_update_statement(), prepared.params)
    return _written(session, prepared.records, int(result.rowcount), prepared.now)


def upsert_chapter_results(session: Session, results: Sequence[ChapterRecord]) -> set[str]:
    """Write results idempotently in one statement; returns the ids of the chapters written."""
    if not results:
        return set()
    return write_prepared(session, prepare_chapter_results(session.get_bind().dialect, results))


_COLUMN = {name: i for i, name in enumerate(_RESULT_COLUMNS)}
_STATUS, _SENTENCES, _FLAGS, _FINISHED = (_COLUMN[n] for n in ("status", "sentences", "clause_flags", "finished_at"))


def _values(record: ChapterRecord, now: datetime) -> list[Any]:
    """The result columns of one record in ``_RESULT_COLUMNS`` order, as the model's column types take them."""
    values = [*_RESULT_VALUES(record), None, None, now]  # then claimed_by, claimed_at, updated_at
    values[_STATUS] = str(record.status)
    values[_SENTENCES] = sentences_to_json(record.sentences)
    values[_FLAGS] = list(record.clause_flags)
    values[_FINISHED] = (record.finished_at or now) if record.status in TERMINAL_CHAPTER else None
    return values


# --- SQLite: an UPDATE a row through the driver's executemany

_Processor = Callable[[Any], Any] | None
_SQLITE_UPDATES: dict[str, tuple[str, tuple[_Processor, ...]]] = {}


def _sqlite_update(dialect: Dialect) -> tuple[str, tuple[_Processor, ...]]:
    """The statement (built once) and each result column's bind processor (datetime, JSON, boolean)."""
    if dialect.name not in _SQLITE_UPDATES:
        table = Chapter.__table__
        assert isinstance(table, Table)
        assignments = ", ".join(f'"{name}" = ?' for name in _RESULT_COLUMNS)
        sql = f"UPDATE chapters SET {assignments} WHERE id = ? AND status != '{ChapterStatus.PENDING.value}'"
        # The dialect's own type (SQLite's DATETIME): the generic DateTime has no processor, and a datetime
        # left to the driver was stored as "…+00:00", which the ORM's "updated_at = ?" never matched.
        processors = tuple(table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in _RESULT_COLUMNS)
        _SQLITE_UPDATES[dialect.name] = (sql, processors)
    return _SQLITE_UPDATES[dialect.name]


#: Rows a single ``UPDATE … FROM (VALUES …)`` carries (SQLite's default limit is 32,766 parameters).
_ROWS_A_STATEMENT = 500


@functools.lru_cache(maxsize=256)
def _sqlite_update_from(rows: int, nulls: frozenset[int] = frozenset()) -> str:
    """One ``UPDATE … FROM (VALUES …)`` for ``rows`` results (SQLite 3.33+), built once a shape.

    The driver releases the interpreter's lock around each step of a statement; ``executemany`` steps once
    a row, and with workers busy on other threads each step then waits to get the lock back (a burst wrote
    at a third of SQLite's own speed). One statement a batch steps once.

    ``nulls``: the result columns (indexes into ``_RESULT_COLUMNS``) that no row of the batch has a value for,
    written ``NULL`` in the statement instead of bound a row at a time. The standard library's driver binds
    a ``None`` through its adapters' registry, about five times a string's cost, and a result has half a
    dozen empty columns (its error, retry time, claim, token counts…).
    """
    bound = [i for i in range(len(_RESULT_COLUMNS)) if i not in nulls]
    row = "(" + ", ".join("?" for _ in range(len(bound) + 1)) + ")"
    # A VALUES list names its columns column1, column2, …: the id first, then the bound result columns.
    column = {i: f"v.column{k + 2}" for k, i in enumerate(bound)}
    assignments = ", ".join(f'"{n}" = {column.get(i, "NULL")}' for i, n in enumerate(_RESULT_COLUMNS))
    # Not a WITH clause: the driver reports the rows changed only for a statement that starts with UPDATE.
    return (
        f"UPDATE chapters SET {assignments} FROM (VALUES {', '.join(row for _ in range(rows))}) AS v "
        f"WHERE chapters.id = v.column1 AND chapters.status != '{ChapterStatus.PENDING.value}'"
    )


def _sqlite_values(chunk: list[tuple[Any, ...]]) -> tuple[str, tuple[Any, ...]]:
    """The statement for ``chunk``'s rows ``(id, *values)`` and its parameters, the columns empty in every row
    left out of them (see :func:`_sqlite_update_from`)."""
    nulls = frozenset(
        i
        for i, values in enumerate(itertools.islice(zip(*chunk, strict=True), 1, None))
        if values.count(None) == len(chunk)
    )
    if not nulls:
        return _sqlite_update_from(len(chunk)), tuple(itertools.chain.from_iterable(chunk))
    kept = operator.itemgetter(0, *(i + 1 for i in range(len(_RESULT_COLUMNS)) if i not in nulls))
    return _sqlite_update_from(len(chunk), nulls), tuple(itertools.chain.from_iterable(map(kept, chunk)))


def _sqlite_params(dialect: Dialect, records: list[ChapterRecord], now: datetime) -> list[tuple[Any, ...]]:
    """Each record's ``(id, *values)``, the values converted by the columns' bind processors."""
    _sql, processors = _sqlite_update(dialect)
    converting = [(i, p) for i, p in enumerate(processors) if p is not None]
    # Most rows carry the batch's own time (updated, finished) and no clause flags: those converted once.
    known: dict[tuple[int, str], Any] = {}
    params = []
    for record in records:
        values = _values(record, now)
        for i, process in converting:
            value = values[i]
            if value is None:
                continue
            if value is now or (i == _FLAGS and not value):
                key = (i, "now" if value is now else "[]")
                if key not in known:
                    known[key] = process(value)
                values[i] = known[key]
            else:
                values[i] = process(value)
        params.append((record.id, *values))
    return params


def _update_sqlite(session: Bind, prepared: PreparedResults) -> set[str]:
    sql, _processors = _sqlite_update(prepared.dialect)
    params = prepared.params
    connection = connection_of(session)
    driver = SqliteDriver.of(connection)
    written = 0
    if prepared.statements:
        for statement, flat in prepared.statements:
            if driver is not None:
                written += driver.changed(statement, flat)
            else:
                written += connection.exec_driver_sql(statement, flat).rowcount
    else:  # an older SQLite: the same UPDATE a row
        written = connection.exec_driver_sql(sql, [(*row[1:], row[0]) for row in params]).rowcount
    return _written(session, prepared.records, written, prepared.now)


def _written(session: Bind, records: list[ChapterRecord], written: int, now: datetime) -> set[str]:
    """The ids of the chapters a batch wrote, given how many rows the driver said it changed."""
    ids = {r.id for r in records}
    if written == len(ids):
        return ids
    # Some were not written (put back in the backlog, or removed with their document): the written rows
    # carry this batch's time.
    return set(session.scalars(select(Chapter.id).where(Chapter.id.in_(ids), Chapter.updated_at == now)))


# --- PostgreSQL: an UPDATE a row, pipelined by the driver


@functools.cache
def _update_statement() -> Any:
    """The UPDATE of one chapter's result columns, built once; executed with a list of rows."""
    table = Chapter.__table__
    assert isinstance(table, Table)
    return (
        update(table)
        .where(table.c.id == bindparam("b_id"), table.c.status != ChapterStatus.PENDING.value)
        .values({name: bindparam(bind) for name, bind in zip(_RESULT_COLUMNS, _BIND_NAMES, strict=True)})
    )
