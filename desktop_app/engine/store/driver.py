"""SQL text sent on SQLite's own connection (the standard library's ``sqlite3``), errors raised as SQLAlchemy's.

The pipeline's hottest statements (the feeder's claims, the writer's batches and reopened documents) skip
SQLAlchemy's execution on SQLite: its per-statement work cost more than SQLite's own (see
docs/PERFORMANCE.md). They stay in the session's transaction, on the session's connection.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session


class SqliteDriver:
    """The session's own SQLite connection, for statements sent as text: a driver's error comes out as SQLAlchemy's.

    A locked, full or unreadable database raises what the callers catch (``DBAPIError``: the feeder retries
    its claim, the writer keeps its batch and retries it), as the same statement sent through SQLAlchemy would.
    """

    def __init__(self, connection: sqlite3.Connection, dialect: Dialect) -> None:
        self._connection = connection
        self.dialect = dialect

    @classmethod
    def of(cls, session: Session) -> SqliteDriver | None:
        """The session's connection where it is the standard library's ``sqlite3`` (else None: Core it is)."""
        connection = session.connection()
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
