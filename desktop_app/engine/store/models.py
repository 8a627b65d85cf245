"""The database schema: documents, their chapters, and the running engine instances.

The ``chapters`` table is also the durable backlog: a chapter whose status is ``pending`` is work to
do, ``processing`` is claimed by an instance (``claimed_by``) until its result is committed or the
instance is found dead. Schema changes go through Alembic migrations in ``migrations/versions``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    and_,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement, TextClause

from ..states import OPEN_CHAPTER, TERMINAL_CHAPTER, ChapterStatus, DocumentStatus, Priority

__all__ = [
    "TERMINAL_CHAPTER",
    "Base",
    "Chapter",
    "ChapterStatus",
    "Document",
    "DocumentStatus",
    "Instance",
    "Priority",
    "new_id",
    "open_status_is",
    "utcnow",
]


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return str(uuid.uuid4())


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


#: The condition of ``ix_chapters_pending``: the backlog, whose chapters a claim takes in each document's order.
#: Written out in SQL because SQLite uses a partial index only for a query that repeats its condition word
#: for word, constants and all (see :func:`open_status_is`).
PENDING_CONDITION = f"status = '{ChapterStatus.PENDING.value}'"

#: The condition of ``ix_chapters_processing``: the chapters claimed by an instance, a few hundred at most.
PROCESSING_CONDITION = f"status = '{ChapterStatus.PROCESSING.value}'"

#: The condition of ``ix_chapters_ended``: the chapters that ended without a summary, few of the table's rows.
ENDED_CONDITION = "status IN ({})".format(
    ", ".join(f"'{s.value}'" for s in sorted((ChapterStatus.CANCELLED, ChapterStatus.FAILED)))
)

#: The condition of ``ix_chapters_fallback``: the summaries the fallback summarizer made, to be redone.
FALLBACK_CONDITION = "fallback_reason IS NOT NULL"


def open_status_is(status: ChapterStatus) -> ColumnElement[bool]:
    """``chapters.status = status`` for an open status, said as that status's partial index states it.

    The chapters in the backlog (``ix_chapters_pending``) or claimed (``ix_chapters_processing``), across
    documents (the backlog's size, an instance's claims, the claims of dead instances), are found through
    partial indexes that a chapter leaves when its status changes: a finished chapter is in neither, so it
    costs them nothing. SQLite uses such an index only when the query states the index's own condition.
    """
    assert status in OPEN_CHAPTER
    condition = PENDING_CONDITION if status == ChapterStatus.PENDING else PROCESSING_CONDITION
    return and_(stated(condition), Chapter.status == status)


def stated(condition: str) -> TextClause:
    """A partial index's ``condition`` on ``chapters``, written out in a query as the index states it.

    SQLite uses a partial index only for a query that repeats its condition word for word; a bound value in
    its place would also leave PostgreSQL's generic plans without the index.
    """
    return sql_text(f"chapters.{condition}")


def _partial_index(name: str, *columns: str, where: str) -> Index:
    """An index of the rows that meet ``where`` only, on SQLite and PostgreSQL alike."""
    return Index(name, *columns, sqlite_where=sql_text(where), postgresql_where=sql_text(where))


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: DateTime(timezone=True), dict[str, Any]: JSON}


class Document(Base):
    __tablename__ = "documents"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    file_name: Mapped[str] = mapped_column(String(512))
    file_sha256: Mapped[str] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(String(1024))
    format: Mapped[str] = mapped_column(String(16))
    priority: Mapped[int] = mapped_column(Integer, default=int(Priority.NORMAL), server_default=sql_text("1"))
    status: Mapped[str] = mapped_column(String(16), default=DocumentStatus.PROCESSING.value, index=True)
    chapter_count: Mapped[int] = mapped_column(Integer, default=0)
    structure: Mapped[str] = mapped_column(String(32), default="", server_default="")
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list)
    focus: Mapped[str | None] = mapped_column(Text, nullable=True)
    summary: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: The whole-document summary sentence by sentence, each with its chapter and span.
    summary_sentences: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: Why the file could not be read, when that was found after the upload answered (a ``ParseFailure``).
    error_kind: Mapped[str | None] = mapped_column(String(32), nullable=True)
    #: With ``error_kind`` "no_text": whether OCR (Tesseract) could read the pages on this machine.
    ocr_available: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sql_text("false"))
    #: The backend and model the document was started with (``resume`` keeps using them).
    backend: Mapped[str | None] = mapped_column(String(64), nullable=True)
    model: Mapped[str | None] = mapped_column(String(256), nullable=True)
    page_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: The instance making the whole-document summary while status is "summarizing".
    claimed_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(nullable=True)

    chapters: Mapped[list[Chapter]] = relationship(
        back_populates="document", cascade="all, delete-orphan", passive_deletes=True, order_by="Chapter.index"
    )


class Chapter(Base):
    __tablename__ = "chapters"
    __table_args__ = (
        UniqueConstraint("document_id", "index", name="uq_chapters_document_index"),
        # The claims, across documents and by document (see open_status_is); a chapter enters at its claim and
        # leaves at its result. Here and in the pending chapters' index the status, the same for every entry,
        # is a column too: SQLite reads a partial index's condition from its columns, not from the condition.
        _partial_index("ix_chapters_processing", "document_id", "claimed_by", "status", where=PROCESSING_CONDITION),
        # The fallback summaries to redo.
        _partial_index("ix_chapters_fallback", "finished_at", where=FALLBACK_CONDITION),
        # The backlog, and a document's next pending chapters in order: a claimed chapter leaves it, a finished
        # one never enters.
        _partial_index("ix_chapters_pending", "document_id", "index", "status", where=PENDING_CONDITION),
        # With the pending and processing chapters' indexes and (document_id, index), a document's counts by
        # status (see documents.progress): the done chapters are the rest, and cost no index an entry.
        _partial_index("ix_chapters_ended", "document_id", "status", where=ENDED_CONDITION),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    index: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(1024))
    # A default on word_count lets the writer's upsert carry only the result fields. The text is in
    # ChapterText: a chapter's row is rewritten at every claim and result, its text never after the upload.
    word_count: Mapped[int] = mapped_column(Integer, default=0, server_default=sql_text("0"))
    #: "body" (the main text), "front" (title page, contents, preface), "back" (index, bibliography) or
    #: "notice" (a publisher's licence), as the parser found it: the whole-document summary leaves out the
    #: last two.
    kind: Mapped[str] = mapped_column(String(8), default="body", server_default="body")
    summary: Mapped[str | None] = mapped_column(Text, nullable=True)
    preview: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default=ChapterStatus.PENDING.value)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=sql_text("0"))
    backend: Mapped[str | None] = mapped_column(String(64), nullable=True)
    model: Mapped[str | None] = mapped_column(String(256), nullable=True)
    latency_ms: Mapped[float | None] = mapped_column(Float, nullable=True)
    prompt_tokens: Mapped[int | None] = mapped_column(Integer, nullable=True)
    completion_tokens: Mapped[int | None] = mapped_column(Integer, nullable=True)
    cached: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sql_text("false"))
    clause_flags: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    #: The summary sentence by sentence: ``{"text", "start", "end", "support"}`` (spans into ``text``).
    sentences: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)
    #: Set when the summary came from the fallback backend: why the intended one did not answer.
    fallback_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: Set when the summary is done but the clause step failed: why.
    clause_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: Lower-level sections ``{"title", "start", "end", "level"}`` and ``[offset, page]`` pairs of the text.
    sections: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)
    page_starts: Mapped[list[list[int]] | None] = mapped_column(JSON, nullable=True)
    claimed_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    #: A chapter re-queued after a transient failure is not claimed again before this time.
    retry_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(nullable=True)

    document: Mapped[Document] = relationship(back_populates="chapters")


class ChapterText(Base):
    """A chapter's text, apart from its row: SQLite rewrites a whole row on every update, and a chapter's
    row is updated when it is claimed and when its result is written, while its text (kilobytes, often
    tens of them) is written once, at the upload. Deleted with its chapter."""

    __tablename__ = "chapter_texts"

    chapter_id: Mapped[str] = mapped_column(ForeignKey("chapters.id", ondelete="CASCADE"), primary_key=True)
    text: Mapped[str] = mapped_column(Text, default="", server_default="")


class Instance(Base):
    """An engine that is (or was) running against this database; its heartbeat keeps its claims alive."""

    __tablename__ = "instances"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: What the instance is doing (chapters in flight, workers, endpoints), refreshed with its heartbeat,
    #: so ``chapterwise inspect`` in another process can show it.
    state: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
