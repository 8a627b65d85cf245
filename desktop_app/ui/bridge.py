"""The one bridge from the engine's event bus to Qt signals on the GUI thread.

Engine events are published on engine threads (the DB writer, the monitor, whichever thread added a
document). :meth:`EngineBridge._on_engine_event` only appends them to a buffer under a lock; the first
event of a burst posts one queued call to the GUI thread, which flushes the buffer after a short
coalescing delay (``flush_ms``). A burst of 2,000 committed chapters thus reaches the models as a few
``chapters_committed`` signals carrying lists, each applied with one ``beginInsertRows`` /
``dataChanged``, instead of 2,000 queued calls.

The work of one event-loop turn is bounded: a flush delivers at most ``slice_events`` events, in the
order they were published, and hands the rest to the next turn (a zero-delay timer), so that the
heartbeat, input and repaints run between slices instead of after the whole burst. The engine's
``PipelineStats`` (which redraw the pipeline panel's chart) are emitted in a turn of their own, the
latest of a burst only, since each one describes the whole pipeline.

``DocumentParsing`` (an upload saved, its file being parsed) is delivered as ``document_parsing`` before
``document_added``, so a document is listed before its chapters come.

The bridge also samples the pipeline's in-memory gauges (queue depths, busy workers) a few times a
second, since the engine's full ``PipelineStats`` arrive only about once a second.

Backend health (``BackendHealth``, from the engine's health loop) is delivered as
``backend_health_changed``; when several arrive within one flush only the latest is emitted, since
each one describes every endpoint.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from desktop_app.engine.events import (
    BackendHealth,
    ChapterCommitted,
    ChapterProgress,
    ChaptersAdded,
    DocumentAdded,
    DocumentChanged,
    DocumentFinished,
    DocumentParsing,
    DocumentProgress,
    Event,
    PipelineStats,
)

if TYPE_CHECKING:
    from desktop_app.engine.service import Engine

log = logging.getLogger(__name__)

#: Engine events delivered in one turn of the GUI thread's event loop, at most. 2,000 chapters committed
#: in a burst arrive as eight slices; each slice's model update and repaint stay well inside a frame budget.
SLICE_EVENTS = 250


class EngineBridge(QObject):
    """Re-emits engine events as Qt signals on the thread this object lives in (the GUI thread)."""

    # --- signals
    document_parsing = Signal(object)  # DocumentParsing: an upload was saved; its file is being parsed
    document_added = Signal(object)  # DocumentAdded
    chapters_added = Signal(object)  # ChaptersAdded: a parsing document's chapters so far, in order
    chapters_committed = Signal(str, list)  # document id, list[ChapterCommitted] in commit order
    chapter_parts_progressed = Signal(object)  # ChapterProgress: a long chapter's parts (the latest of a burst)
    document_progressed = Signal(object)  # DocumentProgress (the latest of a burst)
    document_finished = Signal(object)  # DocumentFinished
    document_changed = Signal(object)  # DocumentChanged
    stats_updated = Signal(dict)  # the engine's full PipelineStats.status, about once a second
    gauges_sampled = Signal(dict)  # queue depths and workers, a few times a second
    backend_health_changed = Signal(object)  # BackendHealth: every endpoint's state, when one changed
    events_flushed = Signal(int)  # how many engine events the last flush delivered
    _events_pending = Signal()  # engine thread → GUI thread: the buffer has events

    def __init__(
        self,
        engine: Engine,
        parent: QObject | None = None,
        *,
        flush_ms: int = 100,
        gauge_ms: int = 250,
        slice_events: int = SLICE_EVENTS,
    ) -> None:
        super().__init__(parent)
        self.engine = engine
        self.slice_events = max(1, slice_events)
        self._lock = threading.Lock()
        self._buffer: list[Event] = []  # engine threads append, under the lock
        self._pending: deque[Event] = deque()  # taken from the buffer, not yet delivered (GUI thread)
        self._stats: PipelineStats | None = None  # the latest stats, not yet emitted (GUI thread)
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(flush_ms)
        self._flush_timer.timeout.connect(self.flush)
        self._slice_timer = QTimer(self)  # the next slice of a burst, in the next turn of the loop
        self._slice_timer.setSingleShot(True)
        self._slice_timer.setInterval(0)
        self._slice_timer.timeout.connect(self._on_slice_timer_timeout)
        self._stats_timer = QTimer(self)  # the stats, in a turn of their own
        self._stats_timer.setSingleShot(True)
        self._stats_timer.setInterval(0)
        self._stats_timer.timeout.connect(self._on_stats_timer_timeout)
        self._gauge_timer = QTimer(self)
        self._gauge_timer.setInterval(gauge_ms)
        self._gauge_timer.timeout.connect(self._on_gauge_timer_timeout)
        self._events_pending.connect(self._on_events_pending)
        self._unsubscribe: Callable[[], None] | None = engine.bus.subscribe(self._on_engine_event)
        self._gauge_timer.start()
        #: Slices delivered, and engine events in them (read by tests and bench/gui_responsiveness.py).
        self.flushes = 0
        self.delivered = 0

    def close(self) -> None:
        """Stop listening to the engine (on exit, before the engine stops)."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._gauge_timer.stop()

    @property
    def pending(self) -> int:
        """Events taken from the engine but not delivered yet (the rest of a sliced burst)."""
        return len(self._pending)

    # --- engine side (any engine thread)

    def _on_engine_event(self, event: Event) -> None:
        with self._lock:
            first = not self._buffer
            self._buffer.append(event)
        if first:
            self._events_pending.emit()  # queued: this runs on an engine thread

    # --- GUI side

    @Slot()
    def _on_events_pending(self) -> None:
        if not self._flush_timer.isActive():
            self._flush_timer.start()

    @Slot()
    def flush(self) -> None:
        """Take the buffered events and deliver the first slice; called by the timer (and by tests)."""
        with self._lock:
            events, self._buffer = self._buffer, []
        self._pending.extend(events)  # after what an earlier flush left: publication order is kept
        self._deliver_slice()

    @Slot()
    def _on_slice_timer_timeout(self) -> None:
        self._deliver_slice()

    @Slot()
    def _on_stats_timer_timeout(self) -> None:
        stats, self._stats = self._stats, None
        if stats is not None:
            self.stats_updated.emit(stats.status.to_dict())

    def _deliver_slice(self) -> None:
        count = min(len(self._pending), self.slice_events)
        if count:
            self._deliver([self._pending.popleft() for _ in range(count)])
        if self._pending:
            self._slice_timer.start()

    def _deliver(self, events: list[Event]) -> None:
        """Emit one slice of events as coalesced signals, in an order the views can rely on."""
        parsing: list[DocumentParsing] = []
        added: list[DocumentAdded] = []
        batches: list[ChaptersAdded] = []
        chapters: dict[str, list[ChapterCommitted]] = {}
        parts: dict[str, ChapterProgress] = {}
        progress: dict[str, DocumentProgress] = {}
        finished: list[DocumentFinished] = []
        changed: list[DocumentChanged] = []
        stats: PipelineStats | None = None
        health: BackendHealth | None = None
        for event in events:
            if isinstance(event, ChapterCommitted):
                chapters.setdefault(event.document_id, []).append(event)
            elif isinstance(event, DocumentProgress):
                progress[event.document_id] = event
            elif isinstance(event, ChapterProgress):
                parts[event.chapter_id] = event
            elif isinstance(event, DocumentParsing):
                parsing.append(event)
            elif isinstance(event, DocumentAdded):
                added.append(event)
            elif isinstance(event, ChaptersAdded):
                batches.append(event)
            elif isinstance(event, DocumentFinished):
                finished.append(event)
            elif isinstance(event, DocumentChanged):
                changed.append(event)
            elif isinstance(event, PipelineStats):
                stats = event
            elif isinstance(event, BackendHealth):
                health = event
        # Order: a document exists before its chapters change, its chapters before it finishes.
        for parse in parsing:
            self.document_parsing.emit(parse)
        for batch in batches:  # a parsing document's chapters come before the end of its parse
            self.chapters_added.emit(batch)
        for a in added:
            self.document_added.emit(a)
        for part in parts.values():  # before the commits: a committed chapter has no parts left to show
            self.chapter_parts_progressed.emit(part)
        for doc_id, rows in chapters.items():
            self.chapters_committed.emit(doc_id, rows)
        for p in progress.values():
            self.document_progressed.emit(p)
        for f in finished:
            self.document_finished.emit(f)
        for c in changed:
            self.document_changed.emit(c)
        if stats is not None:
            self._stats = stats
            self._stats_timer.start()
        if health is not None:
            self.backend_health_changed.emit(health)
        self.flushes += 1
        self.delivered += len(events)
        self.events_flushed.emit(len(events))

    @Slot()
    def _on_gauge_timer_timeout(self) -> None:
        self.gauges_sampled.emit(sample_gauges(self.engine))


def sample_gauges(engine: Engine) -> dict[str, Any]:
    """Queue depths and worker counts: in-memory reads only, cheap enough for the GUI thread."""
    gauges: dict[str, Any] = asdict(engine.gauges())
    if not engine.running:
        gauges["workers"] = gauges["workers_busy"] = 0
    gauges["time"] = time.monotonic()
    gauges["running"] = engine.running
    gauges["workers_max"] = engine.settings.effective_max_workers()
    return gauges
