"""The engines running on this database: registration, heartbeats, saved state, and recovery of the dead.

Each engine registers a row with its host and pid and renews ``heartbeat_at`` every few seconds. Its
claims (chapters processing, documents summarizing) are its own until its heartbeat is older than the
lease, or until it is found dead on the same host; then :func:`recover_orphans` hands them back to the
backlog. Functions take a ``Session`` and never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from ..states import ChapterStatus, DocumentStatus
from .models import Chapter, Document, Instance, utcnow


def register_instance(session: Session, instance_id: str, host: str, pid: int) -> None:
    now = utcnow()
    session.add(Instance(id=instance_id, host=host, pid=pid, started_at=now, heartbeat_at=now))


def heartbeat(session: Session, instance_id: str, state: dict[str, Any] | None = None) -> None:
    """Renew the instance's lease (and save what it is doing, for ``inspect`` in other processes)."""
    values: dict[str, Any] = {"heartbeat_at": utcnow()}
    if state is not None:
        values["state"] = state
    session.execute(update(Instance).where(Instance.id == instance_id).values(**values))


def unregister_instance(session: Session, instance_id: str) -> None:
    session.execute(delete(Instance).where(Instance.id == instance_id))


def instances(session: Session) -> list[tuple[str, str, int, Any, dict[str, Any] | None]]:
    """Every registered instance: ``(id, host, pid, heartbeat_at, state)``."""
    rows = session.execute(select(Instance.id, Instance.host, Instance.pid, Instance.heartbeat_at, Instance.state))
    return [(r[0], r[1], int(r[2]), r[3], r[4]) for r in rows]


def release_instance_claims(session: Session, instance_id: str) -> int:
    """Hand back everything ``instance_id`` still holds (chapters processing, documents summarizing)."""
    result = session.execute(
        update(Chapter)
        .where(Chapter.claimed_by == instance_id, Chapter.status == ChapterStatus.PROCESSING)
        .values(status=ChapterStatus.PENDING, claimed_by=None, claimed_at=None)
    )
    recover_orphans(session, [instance_id])
    return int(result.rowcount)  # type: ignore[attr-defined]


def recover_orphans(session: Session, dead_instance_ids: Sequence[str]) -> tuple[int, int]:
    """Return the claims of dead instances to the backlog; returns (chapters, documents) recovered.

    A chapter claimed by no instance at all (``claimed_by`` NULL while processing) is an orphan too.
    """
    dead = list(dead_instance_ids)
    owner_gone = (
        or_(Chapter.claimed_by.is_(None), Chapter.claimed_by.in_(dead)) if dead else Chapter.claimed_by.is_(None)
    )
    chapters = session.execute(
        update(Chapter)
        .where(Chapter.status == ChapterStatus.PROCESSING, owner_gone)
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
    if dead:
        session.execute(delete(Instance).where(Instance.id.in_(dead)))
    return int(chapters.rowcount), int(documents.rowcount)  # type: ignore[attr-defined]
