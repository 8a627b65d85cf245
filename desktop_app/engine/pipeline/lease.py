"""This engine's lease on the database: registration, heartbeats, and recovery of dead instances' claims.

An engine registers itself when its pipeline starts and renews ``heartbeat_at`` (with what it is doing, for
``inspect`` in other processes) every few seconds from the feeder's loop. Claims of an instance whose
heartbeat is older than the lease, or that is found dead on this host, go back to the backlog. At a
graceful stop the engine hands back what it holds and unregisters.

Called from the pipeline's threads (start/stop on the caller's, heartbeats and recovery on the feeder's);
the database serializes what matters.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from ..store import backlog, instances
from ..store.models import utcnow

log = logging.getLogger(__name__)


class InstanceLease:
    """The registration and lease of one engine (``instance_id``) on the database of ``sessions``."""

    def __init__(self, sessions: sessionmaker[Session], instance_id: str, *, lease_s: float) -> None:
        self.sessions = sessions
        self.instance_id = instance_id
        self.lease_s = lease_s

    def register(self) -> None:
        with self.sessions.begin() as session:
            instances.register_instance(session, self.instance_id, socket.gethostname(), os.getpid())

    def renew(self, state: Callable[[], dict[str, object]] | None = None) -> None:
        """Renew the lease (raises DBAPIError when the database is unreachable: the caller retries)."""
        with self.sessions.begin() as session:
            instances.heartbeat(session, self.instance_id, state() if state else None)

    def recover(self) -> int:
        """Return the claims of dead instances (and unowned claims) to the backlog; returns chapters recovered."""
        now = utcnow()
        stale = now - timedelta(seconds=self.lease_s)
        host = socket.gethostname()
        with self.sessions.begin() as session:
            dead = [
                inst_id
                for inst_id, inst_host, pid, beat, _state in instances.instances(session)
                if inst_id != self.instance_id
                and (_aware(beat, now) < stale or (inst_host == host and not _pid_alive(pid)))
            ]
            chapters, documents = instances.recover_orphans(session, dead)
        if chapters or documents:
            log.info("Resuming %d unfinished chapters and %d documents", chapters, documents)
        return chapters + documents

    def release(self, unstarted: Iterable[str]) -> int:
        """Hand back unstarted chapters and everything still claimed, then unregister; returns chapters released."""
        try:
            with self.sessions.begin() as session:
                released = backlog.release_chapters(session, unstarted)
                instances.release_instance_claims(session, self.instance_id)
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
