"""The feeder: moves claimed work from the durable backlog into the bounded summary queue.

It claims only as many items as the queue has room for (finished documents first, for their
whole-document summary, then chapters by document priority and age), so an upload never waits on queue
space and the backlog stays in the database. Claims come in fair batches: never more chapters than the
instance can work on within one lease (``capacity``), so instances sharing one database share the work
instead of the first one taking the whole window. Between claims it renews the instance's lease and, every
half lease, recovers the claims of dead instances. A wake-up (an upload, a retry, a worker taking an
item) makes it claim at once instead of at the next poll. Finished documents (all chapters final) are
claimed for their whole-document summary first, looked for after a wake-up other than a worker's, after a
quiet half second and at every recovery, not before each claim of a busy pipeline.

On SQLite a claim is committed first and its chapters (with their texts) are read afterwards, on another
connection (``read_sessions``), so the writer, which shares the claims' connection and lock, does not wait
for that reading; so are a finished document's chapters, summaries and sentences (for 10,000 chapters, a
read of about 0.2 s). A read that fails is tried again at the next turn, before any new claim.

Runs on one thread (``feeder``, started through the spawn hook); it is the only producer of the summary
queue, so a put after checking for room never blocks. A claim's items go in together (one round of the
queue's lock, the workers woken once: :meth:`~.queues.BatchQueue.put_many`).
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from ..messages import ChapterWork, WorkItem
from ..store import backlog
from ..store.db import engine_of
from .lease import InstanceLease
from .queues import BatchQueue

log = logging.getLogger(__name__)

#: The most chapters one claim takes, however much room the queue has: the summary queue's 200 by default. A
#: claim is made once the queue has room for half of it (see :meth:`Feeder._well_fed`) and takes the room
#: there is once the write lock is its: with a fast summarizer the workers empty the queue meanwhile, and a
#: claim then fills it in one transaction instead of two.
CLAIM_BATCH = 200

#: While work is queued, a claim waits until it can take at least this many chapters: each claim is a
#: transaction that sorts the backlog, and claiming one chapter each time a worker takes one cost a
#: busy pipeline more processor time than its LLM client (the queue still holds work meanwhile).
CLAIM_MIN = 8


class Feeder:
    """Fills ``summary_queue`` from the backlog. ``run`` is the loop; ``wake`` interrupts its wait."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        summary_queue: BatchQueue[WorkItem],
        lease: InstanceLease,
        *,
        heartbeat_s: float,
        instance_state: Callable[[], dict[str, object]],
        capacity: Callable[[], int] | None = None,
        write_lock: AbstractContextManager[Any] | None = None,
        read_sessions: sessionmaker[Session] | None = None,
    ) -> None:
        self.sessions = sessions
        #: Where a claim's chapters are read after its commit, in a transaction of their own (by default they
        #: are read in the claim's, on ``sessions``).
        self.read_sessions = read_sessions or sessions
        self._unread: backlog.Claim | None = None  # a claim committed whose chapters are not read yet
        self._unread_documents: list[str] = []  # finished documents claimed whose chapters are not read yet
        self._finished_due = True  # look for finished documents at the next claim
        self.summary_queue = summary_queue
        self.lease = lease
        self.heartbeat_s = heartbeat_s
        self.instance_state = instance_state
        #: How many more chapters this instance may claim now (None: as many as the queue holds).
        self.capacity = capacity
        #: Held around each claim's transaction; the pipeline shares it with its writer.
        self.write_lock = write_lock or nullcontext()
        self.stopping = threading.Event()
        self._wake = threading.Event()

    def wake(self) -> None:
        """Something changed (an upload, a retry, a document's last chapter written): claim at once.

        The next claim also looks for finished documents; claims made because workers took items do not,
        while the feeder keeps claiming: asked before every claim, that question cost a busy pipeline
        about a chapter's share of its claim (see :meth:`feed_once`).
        """
        self._finished_due = True
        self._wake.set()

    def item_taken(self) -> None:
        """A worker took an item: wake the loop once a claim would be made (see :meth:`feed_once`).

        Woken for every item, the loop ran once a chapter only to find the queue still well fed: a thread
        switch and a check per chapter on a busy pipeline.
        """
        if not self._wake.is_set() and not self._well_fed():  # set already: the loop is on its way
            self._wake.set()

    def stop(self) -> None:
        self.stopping.set()
        self._wake.set()

    def run(self) -> None:
        last_heartbeat = last_recover = time.monotonic()
        while not self.stopping.is_set():
            now = time.monotonic()
            self._wake.clear()  # cleared before the claim: a wake during it is seen by the wait below
            try:
                if now - last_heartbeat >= self.heartbeat_s:
                    self.lease.renew(self.instance_state)
                    last_heartbeat = now
                if now - last_recover >= self.lease.lease_s / 2:
                    if self.lease.recover():
                        self.wake()
                    self._finished_due = True  # now and then, however busy: another instance may finish one
                    last_recover = now
                fed = self.feed_once()
            except DBAPIError as err:
                log.warning("Feeder could not read the backlog (will retry): %s", err.orig)
                fed = 0
            if not fed and not self._wake.wait(0.5):
                self._finished_due = True  # a quiet half second: look again (another instance may finish one)

    def _well_fed(self) -> bool:
        """Too little room for a claim while work is still queued: one claim of many beats many claims of one."""
        queued = self.summary_queue.qsize()
        room = self.summary_queue.maxsize - queued
        return room <= 0 or (room < min(CLAIM_BATCH, self.summary_queue.maxsize // 2) and queued > 0)

    def feed_once(self) -> int:
        """Claim what fits in the queue now; returns how many items were queued.

        A claim and the reading of its chapters hold the lease's ``claims`` lock: the chapters are read by the
        claim's time, which a renewal of the lease (the monitor's, on its own thread) would move between the
        two. A read that failed is retried before any renewal moves it (``claim_unread``).
        """
        with self.lease.claims:
            try:
                return self._feed()
            finally:
                self.lease.claim_unread = self._unread is not None

    def _feed(self) -> int:
        if self._unread is not None or self._unread_documents:
            return self._queue(self._read())  # a claim read again (its first read failed)
        if self._well_fed():
            return 0
        room, fair = self._room()
        instance_id = self.lease.instance_id
        if fair < CLAIM_MIN and not self.summary_queue.empty():
            return 0
        apart = self.read_sessions is not self.sessions
        items: list[WorkItem] = []
        # Core connections' transactions, not sessions': see store.driver.
        with self.write_lock, self._claims_engine.begin() as connection:
            # Workers took items while the lock was awaited (the writer's batch holds it): the room is what it is now.
            room, fair = self._room()
            finished: list[str] = []
            if self._finished_due:
                self._finished_due = False  # before the question: a wake during it asks again next time
                most = min(room, 10)
                finished = backlog.claim_finished(connection, instance_id, limit=most)
                if len(finished) == most:
                    self._finished_due = True  # more may be waiting
            limit = min(room - len(finished), CLAIM_BATCH, fair)
            claim = backlog.claim_backlog(connection, instance_id, limit)
            if not apart:
                items = [*backlog.finished_work(connection, finished), *claim.read(connection)]
        if apart:
            # Read after the commit, on a connection of its own: the writer's batches need not wait for it.
            self._unread, self._unread_documents = claim, finished
            items = self._read()
        return self._queue(items)

    def _room(self) -> tuple[int, int]:
        """The room in the queue now, and how many chapters this instance may claim (``capacity``; the room by
        default)."""
        room = self.summary_queue.maxsize - self.summary_queue.qsize()
        return room, self.capacity() if self.capacity is not None else room

    def _read(self) -> list[WorkItem]:
        """The claimed documents' and chapters' work, read on ``read_sessions``, the documents first.

        A failure leaves the claim to read at the next turn: a claimed document has no lease, so one never
        read would wait for this instance's stop.
        """
        with self._reads_engine.connect() as connection:
            items: list[WorkItem] = [*backlog.finished_work(connection, self._unread_documents)]
            if self._unread is not None:
                items.extend(self._unread.read(connection))
        self._unread, self._unread_documents = None, []
        return items

    @functools.cached_property
    def _claims_engine(self) -> Engine:
        """The engine of the claims' sessions, for a Core connection's transaction (see store.driver)."""
        return engine_of(self.sessions)

    @functools.cached_property
    def _reads_engine(self) -> Engine:
        """The engine the claimed chapters are read on."""
        return engine_of(self.read_sessions)

    def _queue(self, items: Sequence[WorkItem]) -> int:
        self.summary_queue.put_many(items)  # never waits: only this thread puts, and there was room
        chapters = sum(1 for item in items if isinstance(item, ChapterWork))
        if chapters:
            log.debug("Enqueued %d chapters for summary generation", chapters)
        return len(items)
