"""SQL text sent on SQLite's own connection (the standard library's ``sqlite3``), errors raised as SQLAlchemy's.

The pipeline's hottest statements (the feeder's claims, the writer's batches and reopened documents, a
document's progress) skip SQLAlchemy's execution on SQLite: its per-statement work cost more than SQLite's own (see
docs/PERFORMANCE.md). They stay in the session's transaction, on the session's connection.

The writer's functions take a session or a Core connection alike (:data:`Bind`): the writer runs each batch on
a connection of its own, as a session costs about 40 µs a transaction to make and close, a chapter's share of
a batch of 50 more than SQLite's own work on it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

#: Where a statement of the writer's runs: a session's transaction, or a Core connection's.
Bind = Session | Connection


def connection_of(bind: Bind) -> Connection:
    """The Core connection a session's transaction runs on (the connection itself for a connection)."""
    return bind if isinstance(bind, Connection) else bind.connection()


class SqliteDriver:
    """The session's own SQLite connection, for statements sent as text: a driver's error comes out as SQLAlchemy's.

    A locked, full or unreadable database raises what the callers catch (``DBAPIError``: the feeder retries
    its claim, the writer keeps its batch and retries it), as the same statement sent through SQLAlchemy would.
    """

    def __init__(self, connection: sqlite3.Connection, dialect: Dialect) -> None:
        self._connection = connection
        self.dialect = dialect

    @classmethod
    def of(cls, session: Bind) -> SqliteDriver | None:
        """The session's connection where it is the standard library's ``sqlite3`` (else None: Core it is)."""
        connection = connection_of(session)
        driver = connection.connection.driver_connection
        return cls(driver, connection.dialect) if isinstance(driver, sqlite3.Connection) else None

    def rows(self, statement: str, params: Sequence[Any] = ()) -> list[Any]:
        rows: list[Any] = self._run(statement, params).fetchall()
        return rows

    @property
    def in_transaction(self) -> bool:
        return bool(self._connection.in_transaction)

    def changed(self, statement: str, params: Sequence[Any]) -> int:
        return int(self._run(statement, params).rowcount)

    def _run(self, statement: str, params: Sequence[Any]) -> Any:
        try:
            return self._connection.execute(statement, params)
        except sqlite3.Error as err:
            raise cast(BaseException, DBAPIError.instance(statement, params, err, sqlite3.Error)) from err
