"""Opening the database: engine creation, SQLite pragmas, schema migrations, sessions.

SQLite runs in WAL mode (readers never block the writer), with foreign keys on and a busy timeout so
that a second process (the window and a command line at once) waits instead of failing. PostgreSQL is
reached through psycopg 3. The schema is brought to the newest revision on every open.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from ..private import private_dir, private_file

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")


class DatabaseError(Exception):
    """The database cannot be opened or upgraded; the message is written for the user."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # The transient tables of a statement (RETURNING's rows, an IN list, a sort without an index) in memory:
    # by default SQLite opens and deletes a temporary file for them in each claim's and each batch's
    # transaction, about a tenth of what the store's work on a chapter costs.
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()


def _sqlite_engine(url: str | URL, **pool: Any) -> Engine:
    """A SQLite engine whose connections are shared across threads, wait on a lock and run the pragmas."""
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **pool)
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def create_db_engine(url: str, *, pool_size: int = 10) -> Engine:
    """Create the SQLAlchemy engine for ``url``; for SQLite, create the file's folder first."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            # Every document's text is in there: the file (and the WAL files SQLite makes with its mode)
            # is the user's only.
            private_dir(Path(database).expanduser().parent, ours=False)
            private_file(Path(database).expanduser())
        return _sqlite_engine(url, pool_size=pool_size, max_overflow=pool_size)
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def serial_sessions(engine: Engine) -> tuple[Engine, sessionmaker[Session]] | None:
    """Sessions on one connection of the same SQLite file, for the pipeline's claims and result batches.

    SQLite drops a connection's page cache whenever another connection has written to the file since its
    last transaction: with the feeder's claims and the writer's batches on two connections, each
    transaction read its pages again. Their users take turns (the pipeline's write lock). The feeder reads
    the chapters it claimed after the claim's commit, on the engine's other connections, so the writer does
    not wait for that reading. None for other databases, and for an in-memory SQLite database (a second
    engine would open another one).
    """
    url = engine.url
    database = url.database or ""
    if url.get_backend_name() != "sqlite" or database in ("", ":memory:") or database.startswith("file::memory:"):
        return None
    if url.query.get("mode") == "memory":
        return None
    serial = _sqlite_engine(url, poolclass=StaticPool)
    return serial, sessionmaker(serial, expire_on_commit=False)


def engine_of(sessions: sessionmaker[Session]) -> Engine:
    """The engine a sessionmaker's sessions run on, for a Core connection of its own (a session takes no
    connection to say it)."""
    with sessions() as session:
        bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_schema(engine: Engine) -> None:
    """Bring the schema to the newest revision (creates it on an empty database)."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
        head = ScriptDirectory.from_config(config).get_current_head()
        if current == head:
            return
        log.info("Upgrading database schema from %s to %s", current or "empty", head)
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def open_database(url: str, *, pool_size: int = 10) -> tuple[Engine, sessionmaker[Session]]:
    """Open (and migrate) the database at ``url``; raises :class:`DatabaseError` with a clear message."""
    safe = make_url(url).render_as_string(hide_password=True)
    try:
        engine = create_db_engine(url, pool_size=pool_size)
        upgrade_schema(engine)
    except OperationalError as err:
        raise DatabaseError(f"Cannot open the database {safe}: {err.orig}") from err
    except SQLAlchemyError as err:
        raise DatabaseError(f"Cannot prepare the database {safe}: {err}") from err
    return engine, sessionmaker(engine, expire_on_commit=False)
