"""Documents and their chapters: adding, reading as records, and the changes a user asks for.

Functions take a ``Session`` and never commit: the transaction belongs to the caller, as SQLAlchemy's
session FAQ advises. Reads return :mod:`~desktop_app.engine.records` objects, never ORM rows, so nothing
outside the store holds database state.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    RowMapping,
    Select,
    String,
    Table,
    bindparam,
    delete,
    func,
    insert,
    literal_column,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from ..ingest.base import ParsedChapter, ParsedDocument
from ..records import (
    ChapterRecord,
    DocumentView,
    priority_label,
    sections_from_json,
    sentences_from_json,
)
from ..states import FINAL_DOCUMENT, ChapterStatus, DocumentStatus, ParseFailure
from .driver import Bind, SqliteDriver
from .models import (
    ENDED_CONDITION,
    PENDING_CONDITION,
    PROCESSING_CONDITION,
    Chapter,
    ChapterText,
    Document,
    new_id,
    stated,
    utcnow,
)

_CHAPTERS, _TEXTS = cast(Table, Chapter.__table__), cast(Table, ChapterText.__table__)
#: The name a chapter's text is read under beside its row's columns (none of which has it).
_TEXT = "chapter_text"

# --- records from rows


def chapter_record(row: RowMapping, text: str | None = None) -> ChapterRecord:
    """The record of a chapter's row (its columns by name, as :func:`chapters_of` reads them), with its
    ``text`` where it was read (:class:`.models.ChapterText`)."""
    return ChapterRecord(
        id=row["id"],
        document_id=row["document_id"],
        index=row["index"],
        title=row["title"],
        status=ChapterStatus(row["status"]),
        attempts=row["attempts"],
        word_count=row["word_count"],
        kind=row["kind"],
        summary=row["summary"],
        preview=row["preview"],
        error=row["error"],
        sentences=sentences_from_json(row["sentences"]),
        backend=row["backend"],
        model=row["model"],
        fallback_reason=row["fallback_reason"],
        latency_ms=row["latency_ms"],
        prompt_tokens=row["prompt_tokens"],
        completion_tokens=row["completion_tokens"],
        cached=row["cached"],
        clause_flags=tuple(row["clause_flags"] or ()),
        clause_error=row["clause_error"],
        sections=sections_from_json(row["sections"]),
        page_starts=tuple((int(o), int(p)) for o, p in row["page_starts"] or ()),
        retry_at=row["retry_at"],
        finished_at=row["finished_at"],
        text=text,
    )


def document_view(
    row: Document, counts: dict[str, int], chapters: list[ChapterRecord] | None = None, fallbacks: int = 0
) -> DocumentView:
    return DocumentView(
        id=row.id,
        file_name=row.file_name,
        title=row.title,
        format=row.format,
        status=DocumentStatus(row.status),
        priority=priority_label(row.priority),
        chapter_count=row.chapter_count,
        done=counts.get(ChapterStatus.DONE, 0),
        failed=counts.get(ChapterStatus.FAILED, 0),
        cancelled=counts.get(ChapterStatus.CANCELLED, 0),
        summary=row.summary,
        focus=row.focus,
        error=row.error,
        structure=row.structure,
        warnings=list(row.warnings or []),
        created_at=row.created_at,
        finished_at=row.finished_at,
        chapters=chapters or [],
        summary_sentences=sentences_from_json(row.summary_sentences),
        backend=row.backend,
        model=row.model,
        page_count=row.page_count,
        fallbacks=fallbacks,
        error_kind=_parse_failure(row.error_kind),
        ocr_available=bool(row.ocr_available),
    )


def _parse_failure(value: str | None) -> ParseFailure | None:
    if not value:
        return None
    try:
        return ParseFailure(value)
    except ValueError:  # written by a newer release: still a failure to read the file
        return ParseFailure.UNREADABLE


# --- adding


def add_document(
    session: Session,
    parsed: ParsedDocument,
    *,
    file_name: str,
    sha256: str,
    priority: int = 1,
    focus: str | None = None,
    backend: str | None = None,
    model: str | None = None,
) -> str:
    """Insert a document and all of its chapters (pending) in the caller's transaction; returns its id."""
    doc_id = add_placeholder(
        session, file_name=file_name, sha256=sha256, priority=priority, focus=focus, backend=backend, model=model
    )
    add_chapters(session, doc_id, parsed)
    return doc_id


def add_placeholder(
    session: Session,
    *,
    file_name: str,
    sha256: str,
    priority: int = 1,
    focus: str | None = None,
    backend: str | None = None,
    model: str | None = None,
    parsed_by: str | None = None,
) -> str:
    """Insert a document whose chapters are still being parsed (status ``parsing``); returns its id.

    The feeder never claims it: a document is claimed for its whole-document summary only while
    ``processing``, which :func:`finish_parsing` sets. ``parsed_by`` is the instance whose parse holds it:
    a ``parsing`` document whose instance is gone (the app stopped mid-parse) is failed by recovery
    (:func:`.instances.fail_orphaned_parses`).
    """
    doc = Document(
        id=new_id(),
        file_name=file_name,
        file_sha256=sha256,
        title=file_name[:1024],
        format="",
        priority=priority,
        status=DocumentStatus.PARSING,
        chapter_count=0,
        focus=focus,
        backend=backend,
        model=model,
        claimed_by=parsed_by,
    )
    session.add(doc)
    session.flush()
    return doc.id


def add_chapters(
    session: Session, document_id: str, parsed: ParsedDocument, *, sha256: str | None = None
) -> tuple[str, ...]:
    """Give a document its parsed chapters (pending: the backlog) and set it processing; returns their ids."""
    finish_parsing(session, document_id, parsed, sha256=sha256)
    return _insert_chapters(session, document_id, parsed.chapters, first_index=0)


class NoLongerParsingError(Exception):
    """The document is no longer ``parsing`` (removed, or failed by recovery) or no longer this parser's (another
    instance took it over): its parse has nothing to add to."""


def _parsing(doc: Document | None, parser: str | None) -> bool:
    """Whether ``doc`` is parsing, by ``parser`` where one is named (the instance that holds the parse)."""
    return doc is not None and doc.status == DocumentStatus.PARSING and (parser is None or doc.claimed_by == parser)


def append_chapters(
    session: Session, document_id: str, chapters: Sequence[ParsedChapter], *, parser: str | None = None
) -> tuple[str, ...]:
    """Add chapters after those a ``parsing`` document has so far (a parse sends them in batches); returns their ids.

    The chapters are pending at once, so the feeder claims them while the parse goes on; the document stays
    ``parsing`` (never finished, whatever its chapters' states) until :func:`finish_parsing`. Raises
    :class:`NoLongerParsingError` when the document was removed or ended meanwhile, or when ``parser`` (the
    parsing instance) no longer holds it.
    """
    doc = session.get(Document, document_id, with_for_update=True)
    if doc is None or not _parsing(doc, parser):
        raise NoLongerParsingError(document_id)
    first = doc.chapter_count
    doc.chapter_count = first + len(chapters)
    session.flush()
    return _insert_chapters(session, document_id, chapters, first_index=first)


def remove_chapters(session: Session, document_id: str, *, parser: str | None = None) -> int:
    """Drop the chapters a ``parsing`` document has so far (its parse failed or starts over); returns how many."""
    doc = session.get(Document, document_id)
    if doc is None or not _parsing(doc, parser):
        return 0
    doc.chapter_count = 0
    result = session.execute(delete(Chapter).where(Chapter.document_id == document_id))
    return int(result.rowcount)  # type: ignore[attr-defined]


def finish_parsing(
    session: Session,
    document_id: str,
    parsed: ParsedDocument,
    *,
    sha256: str | None = None,
    parser: str | None = None,
) -> None:
    """The parse is over: the document takes what only its end tells (title, structure, warnings) and is processing.

    ``parsed.chapters`` counts when they are saved with it (:func:`add_chapters`); a streamed parse's
    chapters were appended before, and the document keeps their count. Raises :class:`NoLongerParsingError`
    when the document was removed or ended meanwhile, or when ``parser`` no longer holds it.
    """
    doc = session.get(Document, document_id, with_for_update=True)
    if doc is None or not _parsing(doc, parser):
        raise NoLongerParsingError(document_id)
    doc.title = parsed.title[:1024]
    doc.format = parsed.format
    doc.status = DocumentStatus.PROCESSING
    doc.chapter_count = max(len(parsed.chapters), doc.chapter_count)
    doc.structure = parsed.structure
    doc.warnings = list(parsed.warnings)
    doc.page_count = parsed.page_count
    if sha256:
        doc.file_sha256 = sha256
    session.flush()


def _insert_chapters(
    session: Session, document_id: str, chapters: Sequence[ParsedChapter], *, first_index: int
) -> tuple[str, ...]:
    now = utcnow()
    ids = [new_id() for _ in chapters]
    rows = [
        {
            "id": ids[i],
            "document_id": document_id,
            "index": first_index + i,
            "title": (chapter.title or f"Chapter {first_index + i + 1}")[:1024],
            "word_count": chapter.word_count,
            "kind": chapter.kind,
            "status": ChapterStatus.PENDING.value,
            "clause_flags": [],
            "sections": [
                {"title": s.title, "start": s.start, "end": s.end, "level": s.level} for s in chapter.sections
            ],
            "page_starts": [[o, p] for o, p in chapter.page_starts]
            or ([[0, chapter.page]] if chapter.page is not None else []),
            "created_at": now,
            "updated_at": now,
        }
        for i, chapter in enumerate(chapters)
    ]
    texts = [{"chapter_id": ids[i], "text": chapter.text} for i, chapter in enumerate(chapters)]
    # The tables' own inserts on the connection: the ORM's bulk insert took a fifth longer for the same rows.
    connection = session.connection()
    for start in range(0, len(rows), 500):
        connection.execute(insert(_CHAPTERS), rows[start : start + 500])
        connection.execute(insert(_TEXTS), texts[start : start + 500])
    return tuple(ids)


def fail_parsing(
    session: Session,
    document_id: str,
    message: str,
    kind: ParseFailure = ParseFailure.UNREADABLE,
    *,
    ocr_available: bool = False,
    parser: str | None = None,
) -> bool:
    """The file could not be read: the document ends failed, with the reason a user can act on and its
    kind (what the window, the API and the command line act on: offer OCR, ask for a password, ...).

    False when no document was parsing under that id (it was removed meanwhile), by ``parser`` if named.
    """
    held = [] if parser is None else [Document.claimed_by == parser]
    result = session.execute(
        update(Document)
        .where(Document.id == document_id, Document.status == DocumentStatus.PARSING, *held)
        .values(
            status=DocumentStatus.FAILED,
            error=message,
            error_kind=kind,
            ocr_available=ocr_available,
            finished_at=utcnow(),
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


# --- reading


def list_documents(session: Session, *, status: str | None = None, unfinished: bool = False) -> list[DocumentView]:
    """Documents, newest first, with their chapter counts (no chapters)."""
    query = select(Document).order_by(Document.created_at.desc(), Document.id)
    if status:
        query = query.where(Document.status == status)
    if unfinished:
        query = query.where(Document.status.not_in([str(s) for s in FINAL_DOCUMENT]))
    rows = list(session.scalars(query))
    counts = progress(session, [d.id for d in rows])
    return [document_view(d, counts[d.id]) for d in rows]


def document_titles(session: Session, document_ids: Iterable[str]) -> dict[str, str]:
    ids = list(document_ids)
    rows = session.execute(select(Document.id, Document.title).where(Document.id.in_(ids)))
    return {doc_id: title for doc_id, title in rows}


def previous_import(session: Session, sha256: str) -> ParsedDocument | None:
    """The chapters of the newest import of a byte-identical file, so a re-upload skips parsing."""
    query = select(Document).where(Document.file_sha256 == sha256).order_by(Document.created_at.desc()).limit(1)
    earlier = session.scalars(query).first()
    if earlier is None:
        return None
    # The columns a parse gives, as rows: made into ORM objects first, 2,000 chapters took twice as long.
    rows = (
        select(Chapter.title, Chapter.kind, Chapter.sections, Chapter.page_starts, ChapterText.text)
        .outerjoin(ChapterText, ChapterText.chapter_id == Chapter.id)
        .where(Chapter.document_id == earlier.id)
        .order_by(Chapter.index)
    )
    chapters = [
        ParsedChapter(
            title=title,
            text=text or "",
            kind=kind,
            sections=list(sections_from_json(sections)),
            page_starts=[(int(o), int(p)) for o, p in page_starts or ()],
        )
        for title, kind, sections, page_starts, text in session.execute(rows)
    ]
    return ParsedDocument(
        title=earlier.title,
        format=earlier.format,
        chapters=chapters,
        structure=earlier.structure,
        warnings=list(earlier.warnings or []),
        page_count=earlier.page_count,
    )


def resolve(session: Session, ref: str) -> str | None:
    """A document id from an id or a unique id prefix of at least 4 characters (as git does for commits)."""
    if session.get(Document, ref) is not None:
        return ref
    if len(ref) < 4:
        return None
    query = select(Document.id).where(Document.id.startswith(ref, autoescape=True)).limit(2)
    matches = list(session.scalars(query))
    return matches[0] if len(matches) == 1 else None


def unresolved_reason(session: Session, ref: str) -> str:
    """Why :func:`resolve` found no document for ``ref``: a prefix too short, shared, or matching none."""
    if len(ref) < 4:
        return "an id prefix needs at least 4 characters"
    query = select(func.count()).select_from(Document).where(Document.id.startswith(ref, autoescape=True))
    if (session.scalar(query) or 0) > 1:
        return "more than one document id starts with it; give more characters"
    return "no document id starts with it"


def get_document(session: Session, document_id: str, *, chapters: bool, with_text: bool) -> DocumentView | None:
    doc = session.get(Document, document_id)
    if doc is None:
        return None
    counts = progress(session, [doc.id])[doc.id]
    records = chapters_of(session, doc.id, with_text=with_text) if chapters else None
    fallbacks = (
        sum(1 for c in records if c.fallback)
        if records is not None
        else int(
            session.scalar(
                select(func.count())
                .select_from(Chapter)
                .where(Chapter.document_id == doc.id, Chapter.fallback_reason.is_not(None))
            )
            or 0
        )
    )
    return document_view(doc, counts, records, fallbacks)


def parsing_ids(session: Session, document_ids: Iterable[str]) -> set[str]:
    """Which of these documents are still ``parsing``."""
    ids = list(document_ids)
    found: set[str] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        found.update(
            session.scalars(
                select(Document.id).where(Document.id.in_(chunk), Document.status == DocumentStatus.PARSING)
            )
        )
    return found


def parsing_file_name(session: Session, document_id: str, *, besides: str | None = None) -> str | None:
    """The file name of a document still ``parsing`` (None if it is not, or is gone); with ``besides``, only
    if an instance other than that one holds the parse."""
    held = [] if besides is None else [Document.claimed_by.is_not(None), Document.claimed_by != besides]
    return session.scalar(
        select(Document.file_name).where(Document.id == document_id, Document.status == DocumentStatus.PARSING, *held)
    )


def document_status(session: Session, document_id: str) -> DocumentStatus | None:
    """The document's status alone (one indexed read, for waiters that poll)."""
    status = session.scalar(select(Document.status).where(Document.id == document_id))
    return DocumentStatus(status) if status is not None else None


def _chapter_rows() -> Select[Any]:
    """Every column of the chapters' rows, read as rows rather than ORM objects: the records are made from
    them at once, and a 2,000-chapter document read through the ORM's objects took half as long again."""
    return select(_CHAPTERS)


def chapters_of(session: Session, document_id: str, *, with_text: bool = True) -> list[ChapterRecord]:
    query = _chapter_rows().where(_CHAPTERS.c.document_id == document_id).order_by(_CHAPTERS.c.index)
    if not with_text:
        return [chapter_record(row) for row in session.execute(query).mappings()]
    query = query.add_columns(ChapterText.text.label(_TEXT)).outerjoin(
        ChapterText, ChapterText.chapter_id == _CHAPTERS.c.id
    )
    return [chapter_record(row, row[_TEXT] or "") for row in session.execute(query).mappings()]


def chapter_ids_of(session: Session, document_id: str) -> tuple[str, ...]:
    """The document's chapter ids in order."""
    query = select(Chapter.id).where(Chapter.document_id == document_id).order_by(Chapter.index)
    return tuple(session.scalars(query))


def get_chapter(session: Session, chapter_id: str, *, with_text: bool = True) -> ChapterRecord | None:
    row = session.execute(_chapter_rows().where(_CHAPTERS.c.id == chapter_id)).mappings().first()
    if row is None:
        return None
    return chapter_record(row, chapter_text(session, chapter_id) if with_text else None)


def chapter_text(session: Session, chapter_id: str) -> str:
    return session.scalar(select(ChapterText.text).where(ChapterText.chapter_id == chapter_id)) or ""


def progress(session: Bind, document_ids: Iterable[str]) -> dict[str, dict[str, int]]:
    """Chapter counts by status for each document: ``{doc_id: {"done": n, ..., "total": n}}``.

    Read from indexes alone, none of which a chapter that ends well enters: the pending, the processing,
    and the failed or cancelled chapters from their partial indexes, the total from ``(document_id,
    index)``; the done chapters are the rest.
    """
    ids = list(dict.fromkeys(document_ids))
    out: dict[str, dict[str, int]] = {d: {str(s): 0 for s in ChapterStatus} | {"total": 0} for d in ids}
    driver = SqliteDriver.of(session)
    for start in range(0, len(ids), _IDS_A_STATEMENT):
        chunk = ids[start : start + _IDS_A_STATEMENT]
        if driver is not None:
            statement, times = _sqlite_counts(len(chunk))
            rows: Iterable[Any] = driver.rows(statement, chunk * times)
        else:
            rows = session.execute(_counts_statement(Chapter.document_id.in_(chunk)))
        for doc_id, status, count in rows:
            out[doc_id][status] = int(count)
    for counts in out.values():
        counts[ChapterStatus.DONE] = counts["total"] - sum(counts[s] for s in _COUNTED)
    return out


def status_counts(session: Session) -> dict[str, int]:
    """Every chapter's count by status, read as :func:`progress` reads a document's."""
    counts = {str(s): 0 for s in ChapterStatus} | {"total": 0}
    for _doc_id, status, count in session.execute(_counts_statement(None)):
        counts[status] += int(count)
    counts[ChapterStatus.DONE] = counts.pop("total") - sum(counts[s] for s in _COUNTED)
    return counts


#: The statuses counted from their indexes; ``done`` is the rest of the total.
_COUNTED = tuple(str(s) for s in ChapterStatus if s != ChapterStatus.DONE)

#: Documents a counting statement names (each four times): far inside SQLite's 32,766 parameters.
_IDS_A_STATEMENT = 1000


#: The dialect the counting statement is compiled for, once a number of documents (see :func:`_sqlite_counts`).
_SQLITE = sqlite.dialect()


@functools.cache
def _sqlite_counts(ids: int) -> tuple[str, int]:
    """:func:`_counts_statement` for ``ids`` documents compiled for SQLite's driver, and how many times its
    parameters list the ids (once for each part).

    The writer reads a busy document's progress a few times a second: built and compiled through SQLAlchemy
    at each read, the statement cost more than SQLite's counting (a 2,000-chapter document: 0.7 ms a read
    for 0.1 ms of SQLite's work, and 4 ms for the first read).
    """
    listed = bindparam("ids", value=[""] * ids, type_=String, expanding=True)
    compiled = _counts_statement(Chapter.document_id.in_(listed)).compile(
        dialect=_SQLITE, compile_kwargs={"render_postcompile": True}
    )
    names = [f"ids_{i + 1}" for i in range(ids)]
    times = len(compiled.positiontup or ()) // ids
    assert compiled.positiontup == names * times, "the ids are the statement's only parameters, in each part"
    return str(compiled), times


def _counts_statement(where: ColumnElement[bool] | None) -> CompoundSelect[Any]:
    """``(document_id, status, count)`` but for the done chapters, and ``(document_id, "total", count)``.

    Each condition is written out as its partial index's own, which SQLite needs to use the index.
    """
    parts = []
    for condition in (PENDING_CONDITION, PROCESSING_CONDITION, ENDED_CONDITION):
        part = select(Chapter.document_id, Chapter.status, func.count()).where(stated(condition))
        parts.append((part if where is None else part.where(where)).group_by(Chapter.document_id, Chapter.status))
    total = select(Chapter.document_id, literal_column("'total'", String), func.count())  # a literal, not a parameter
    parts.append((total if where is None else total.where(where)).group_by(Chapter.document_id))
    return union_all(*parts)
