"""The engines running on this database: registration, heartbeats, saved state, and the leases on claims.

Each engine registers a row with its host and pid and renews ``heartbeat_at`` every few seconds; the same
heartbeat renews the lease of every chapter it holds (``claimed_at``). A claim is the claimer's only while
its lease runs: a chapter whose lease has expired, or whose claimer has no row any more (a peer removed it
as stale, or it was never registered), goes back to the backlog whoever notices (:func:`expire_claims`),
so nothing waits on an instance that will never come back. Functions take a ``Session`` and never commit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, delete, exists, insert, or_, select, update
from sqlalchemy.orm import Session

from ..states import ChapterStatus, DocumentStatus
from .models import Chapter, Document, Instance, open_status_is, utcnow

_INSTANCES = cast(Table, Instance.__table__)


def register_instance(session: Session, instance_id: str, host: str, pid: int) -> None:
    now = utcnow()
    # Registering again (after a peer removed the row, or for another synchronous run) replaces the row. Two
    # plain statements: the ORM's merge (a lookup, then a flush) cost more than the rest of a start.
    session.execute(delete(_INSTANCES).where(_INSTANCES.c.id == instance_id))
    session.execute(insert(_INSTANCES).values(id=instance_id, host=host, pid=pid, started_at=now, heartbeat_at=now))


def heartbeat(session: Session, instance_id: str, state: dict[str, Any] | None = None, *, claims: bool = True) -> bool:
    """Renew the instance's lease and (unless ``claims`` is false) its claims' (and save what it is doing, for
    ``inspect`` elsewhere).

    Returns False when the instance has no row any more (a peer took it for dead): the caller registers
    again. Claims already handed back by that peer are not renewed, since they are no longer this instance's.
    """
    now = utcnow()
    values: dict[str, Any] = {"heartbeat_at": now}
    if state is not None:
        values["state"] = state
    found = session.execute(update(Instance).where(Instance.id == instance_id).values(**values))
    if claims:
        session.execute(
            update(Chapter)
            .where(Chapter.claimed_by == instance_id, open_status_is(ChapterStatus.PROCESSING))
            .values(claimed_at=now)
        )
    return bool(found.rowcount)  # type: ignore[attr-defined]


def unregister_instance(session: Session, instance_id: str) -> None:
    session.execute(delete(Instance).where(Instance.id == instance_id))


def instances(session: Session) -> list[tuple[str, str, int, Any, dict[str, Any] | None]]:
    """Every registered instance: ``(id, host, pid, heartbeat_at, state)``."""
    rows = session.execute(select(Instance.id, Instance.host, Instance.pid, Instance.heartbeat_at, Instance.state))
    return [(r[0], r[1], int(r[2]), r[3], r[4]) for r in rows]


def has_open_claims(session: Session) -> bool:
    """Whether anything is claimed at all: a chapter processing, a document summarizing or being parsed.

    Recovery has nothing to hand back without one, so a start on a database at rest asks this one question
    instead of the recovery's statements.
    """
    claimed = select(
        exists().where(open_status_is(ChapterStatus.PROCESSING))
        | exists().where(Document.status.in_((DocumentStatus.SUMMARIZING, DocumentStatus.PARSING)))
    )
    return bool(session.scalar(claimed))


@dataclass(slots=True)
class ParseAdoption:
    """Orphaned parses an instance takes over instead of failing them (see :func:`fail_orphaned_parses`).

    ``resumable(document_id)``: the engine's copy of that document's file is still there to be parsed again.
    ``adopted`` collects the documents taken, for the caller to parse once the transaction commits.
    """

    instance_id: str
    resumable: Callable[[str], bool]
    adopted: list[str] = field(default_factory=list)


def release_instance_claims(session: Session, instance_id: str, adoption: ParseAdoption | None = None) -> int:
    """Hand back everything ``instance_id`` still holds (chapters processing, documents summarizing).

    Its parses stopped with it: those in ``adoption`` stay ``parsing`` for the next start to parse again.
    """
    result = session.execute(
        update(Chapter)
        .where(Chapter.claimed_by == instance_id, open_status_is(ChapterStatus.PROCESSING))
        .values(status=ChapterStatus.PENDING, claimed_by=None, claimed_at=None)
    )
    recover_orphans(session, [instance_id], adoption)
    return int(result.rowcount)  # type: ignore[attr-defined]


def recover_orphans(
    session: Session, dead_instance_ids: Sequence[str], adoption: ParseAdoption | None = None
) -> tuple[int, int]:
    """Return the claims of dead instances to the backlog; returns (chapters, documents) recovered.

    A chapter claimed by no instance at all (``claimed_by`` NULL while processing) is an orphan too. Their
    parses are failed or, where ``adoption`` can parse them again, taken over (:func:`fail_orphaned_parses`).
    """
    dead = list(dead_instance_ids)
    owner_gone = (
        or_(Chapter.claimed_by.is_(None), Chapter.claimed_by.in_(dead)) if dead else Chapter.claimed_by.is_(None)
    )
    chapters = session.execute(
        update(Chapter)
        .where(open_status_is(ChapterStatus.PROCESSING), owner_gone)
        .values(status=ChapterStatus.PENDING, claimed_by=None, claimed_at=None)
    )
    doc_owner_gone = (
        or_(Document.claimed_by.is_(None), Document.claimed_by.in_(dead)) if dead else Document.claimed_by.is_(None)
    )
    documents = session.execute(
        update(Document)
        .where(Document.status == DocumentStatus.SUMMARIZING, doc_owner_gone)
        .values(status=DocumentStatus.PROCESSING, claimed_by=None)
    )
    fail_orphaned_parses(session, doc_owner_gone, adoption)
    if dead:
        session.execute(delete(Instance).where(Instance.id.in_(dead)))
    return int(chapters.rowcount), int(documents.rowcount)  # type: ignore[attr-defined]


def expire_claims(session: Session, stale_before: datetime, adoption: ParseAdoption | None = None) -> tuple[int, int]:
    """Hand back every claim whose lease ran out or whose claimer has no row; returns (chapters, documents).

    Leases, not rows: a chapter claimed before ``stale_before`` and not renewed since is pending again,
    whoever claimed it and whether or not that instance is still registered. A whole-document summary has
    no lease of its own; it is its claimer's while that instance is registered.
    """
    registered = select(Instance.id)
    chapters = session.execute(
        update(Chapter)
        .where(
            open_status_is(ChapterStatus.PROCESSING),
            or_(
                Chapter.claimed_by.is_(None),
                Chapter.claimed_at.is_(None),
                Chapter.claimed_at < stale_before,
                Chapter.claimed_by.not_in(registered),
            ),
        )
        .values(status=ChapterStatus.PENDING, claimed_by=None, claimed_at=None)
    )
    documents = session.execute(
        update(Document)
        .where(
            Document.status == DocumentStatus.SUMMARIZING,
            or_(Document.claimed_by.is_(None), Document.claimed_by.not_in(registered)),
        )
        .values(status=DocumentStatus.PROCESSING, claimed_by=None)
    )
    fail_orphaned_parses(session, or_(Document.claimed_by.is_(None), Document.claimed_by.not_in(registered)), adoption)
    return int(chapters.rowcount), int(documents.rowcount)  # type: ignore[attr-defined]


#: What a user reads on a document whose parse stopped with the app and cannot be parsed again here.
INTERRUPTED_PARSE = (
    "Chapterwise stopped while it was reading this file, so its chapters are incomplete: add the file again."
)


def fail_orphaned_parses(session: Session, owner_gone: Any, adoption: ParseAdoption | None = None) -> list[str]:
    """End ``parsing`` documents whose parsing instance is gone (``owner_gone`` says whose); returns the failed ids.

    Where ``adoption`` still has the file (the engine's copy of the upload, kept when a parse stops with the
    app or left by a crash), the document is taken over instead: claimed by ``adoption.instance_id``, its
    chapters so far dropped, its id added to ``adoption.adopted``, to be parsed again from the start (one
    ``UPDATE … RETURNING``, so two instances never both take it). The others end ``failed`` with no
    chapters, so no document is left ``parsing`` for ever nor finishes with part of its chapters; the
    message asks for the file again.
    """
    ids = list(session.scalars(select(Document.id).where(Document.status == DocumentStatus.PARSING, owner_gone)))
    if not ids:
        return []
    resumable = [doc_id for doc_id in ids if adoption is not None and adoption.resumable(doc_id)]
    if adoption is not None and resumable:
        taken = list(
            session.scalars(
                update(Document)
                .where(Document.id.in_(resumable), Document.status == DocumentStatus.PARSING, owner_gone)
                .values(claimed_by=adoption.instance_id, chapter_count=0)
                .returning(Document.id)
            )
        )
        if taken:
            session.execute(delete(Chapter).where(Chapter.document_id.in_(taken)))
            adoption.adopted.extend(taken)
    failed = [doc_id for doc_id in ids if doc_id not in resumable]
    if failed:
        session.execute(delete(Chapter).where(Chapter.document_id.in_(failed)))
        session.execute(
            update(Document)
            .where(Document.id.in_(failed), Document.status == DocumentStatus.PARSING)
            .values(
                status=DocumentStatus.FAILED,
                error=INTERRUPTED_PARSE,
                chapter_count=0,
                finished_at=utcnow(),
                claimed_by=None,
            )
        )
    return failed
