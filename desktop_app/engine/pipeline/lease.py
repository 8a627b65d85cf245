"""This engine's lease on the database: registration, heartbeats, and recovery of expired claims.

An engine registers itself when its pipeline starts and renews ``heartbeat_at`` (with what it is doing, for
``inspect`` in other processes) and the lease of every chapter it holds every few seconds from the feeder's
loop. Any instance hands back claims whose lease expired or whose claimer has no row (leases, not rows:
a claimer removed as stale by a peer never strands its chapters), and removes the rows of instances whose
heartbeat is older than the lease or that are found dead on this host. An instance that finds its own row
gone registers again. At a graceful stop the engine hands back what it holds and unregisters.

Parses are leased the same way (a ``parsing`` document is its parser's): recovery parses again, from the
start, the orphaned documents whose file this engine still has (``parses``: the engine's copies of its
uploads, kept when a parse stops with the app or left by a crash) and fails the others.

Called from the pipeline's threads (start/stop on the caller's, heartbeats and recovery on the feeder's);
the database serializes what matters.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import threading
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from ..store import backlog, instances
from ..store.models import utcnow

log = logging.getLogger(__name__)


class OrphanedParses(Protocol):
    """What recovery asks of the engine's parser (:class:`~..uploads.BackgroundParser`)."""

    def resumable(self, document_id: str) -> bool:
        """Whether the document's file is still here to be parsed again."""
        ...

    def resume(self, document_ids: list[str]) -> None:
        """Parse these documents again (they were taken over for this instance)."""
        ...


class InstanceLease:
    """The registration and lease of one engine (``instance_id``) on the database of ``sessions``."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        instance_id: str,
        *,
        lease_s: float,
        parses: OrphanedParses | None = None,
    ) -> None:
        self.sessions = sessions
        self.instance_id = instance_id
        self.lease_s = lease_s
        self.parses = parses
        #: Held by the feeder around a claim and the reading of its chapters, and by each renewal: the read finds
        #: the claim's chapters by their ``claimed_at``, which a renewal moves (the monitor renews from a
        #: thread of its own).
        self.claims = threading.Lock()
        #: A claim is committed whose chapters could not be read yet: renewals leave the chapters' ``claimed_at``
        #: as it is until they are (a lease is many renewals long).
        self.claim_unread = False

    def _adoption(self) -> instances.ParseAdoption | None:
        return None if self.parses is None else instances.ParseAdoption(self.instance_id, self.parses.resumable)

    def register(self) -> None:
        with self.sessions.begin() as session:
            instances.register_instance(session, self.instance_id, socket.gethostname(), os.getpid())

    def renew(self, state: Callable[[], dict[str, object]] | None = None) -> None:
        """Renew the lease (raises DBAPIError when the database is unreachable: the caller retries)."""
        snapshot = state() if state else None
        with self.claims, self.sessions.begin() as session:
            if not instances.heartbeat(session, self.instance_id, snapshot, claims=not self.claim_unread):
                log.warning("A peer removed this instance as stale (a missed heartbeat); registering again")
                instances.register_instance(session, self.instance_id, socket.gethostname(), os.getpid())

    def recover(self) -> int:
        """Return the claims of dead instances (and unowned claims) to the backlog; returns chapters recovered."""
        now = utcnow()
        stale = now - timedelta(seconds=self.lease_s)
        host = socket.gethostname()
        adoption = self._adoption()
        with self.sessions.begin() as session:
            dead = [
                inst_id
                for inst_id, inst_host, pid, beat, _state in instances.instances(session)
                if inst_id != self.instance_id
                and (_aware(beat, now) < stale or (inst_host == host and not _pid_alive(pid)))
            ]
            if not dead and not instances.has_open_claims(session):
                return 0  # nothing claimed, no one to remove: a database at rest
            chapters, documents = instances.recover_orphans(session, dead, adoption)
            expired_chapters, expired_documents = instances.expire_claims(session, stale, adoption)
            chapters += expired_chapters
            documents += expired_documents
        if chapters or documents:
            log.info("Resuming %d unfinished chapters and %d documents", chapters, documents)
        if adoption is not None and adoption.adopted and self.parses is not None:
            count = len(adoption.adopted)
            log.info("Parsing again %d %s whose parse stopped with the app", count, "file" if count == 1 else "files")
            self.parses.resume(adoption.adopted)
        return chapters + documents

    def release(self, unstarted: Iterable[str]) -> int:
        """Hand back unstarted chapters and everything still claimed, then unregister; returns chapters released."""
        try:
            with self.sessions.begin() as session:
                released = backlog.release_chapters(session, unstarted)
                # this engine's parses stopped before (Engine.stop): those it can parse again stay parsing
                instances.release_instance_claims(session, self.instance_id, self._adoption())
                instances.unregister_instance(session, self.instance_id)
        except DBAPIError:
            log.exception("Could not hand unfinished chapters back to the backlog; the next start will")
            return 0
        return released


def _aware(when: datetime, now: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=now.tzinfo)


def _pid_alive(pid: int) -> bool:
    if sys.platform == "win32":
        return True  # no cheap, safe probe: rely on the heartbeat lease
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
