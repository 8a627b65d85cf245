"""Engine events: plain Python objects, published after the database commit they describe.

Subscribers are called synchronously on the publishing thread, so they must be quick and must not
block; the window's bridge only re-emits them as Qt signals (queued to the GUI thread), the API puts
them on per-client asyncio queues. A subscriber that raises is logged and otherwise ignored.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from .records import ChapterRecord
from .reports import PipelineStatus
from .states import ParseFailure

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DocumentAdded:
    """A document and its chapters were saved. Fired on the thread that added it."""

    document_id: str
    title: str
    format: str
    chapter_count: int
    chapter_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DocumentParsing:
    """An upload was saved and its file is being parsed in the background; ``ChaptersAdded`` follow as its
    chapters are read, then ``DocumentAdded`` with them all, or ``DocumentFinished`` (failed) with the reason.
    Fired on the thread that added it."""

    document_id: str
    file_name: str


@dataclass(frozen=True, slots=True)
class ChaptersAdded:
    """A batch of a ``parsing`` document's chapters was saved while its parse goes on (pending, queued at once).

    The chapters at ``first_index`` and after, as a view holds them, are replaced by ``chapter_ids``:
    batches follow one another (``first_index`` is the count so far), and a parse that starts over sends
    ``first_index=0`` (an empty ``chapter_ids`` drops them all, as a parse that fails does before its
    ``DocumentFinished``). ``DocumentAdded`` ends the series with every chapter. Fired on the document's parse
    thread, after the batch's commit.
    """

    document_id: str
    first_index: int
    chapter_ids: tuple[str, ...]

    @property
    def chapter_count(self) -> int:
        """The document's chapters so far."""
        return self.first_index + len(self.chapter_ids)


@dataclass(frozen=True, slots=True)
class ChapterCommitted:
    """A chapter's result was committed. Fired on the DB writer thread, in commit order.

    ``chapter`` carries the result fields (:data:`~desktop_app.engine.records.RESULT_FIELDS`); a view that
    keeps a fuller record of the chapter applies them with :meth:`ChapterRecord.with_result`.
    """

    chapter: ChapterRecord

    @property
    def document_id(self) -> str:
        return self.chapter.document_id

    @property
    def chapter_id(self) -> str:
        return self.chapter.id


@dataclass(frozen=True, slots=True)
class ChapterProgress:
    """A long chapter is summarized in parts: ``done`` of ``total`` parts so far. Fired on a worker thread."""

    document_id: str
    chapter_id: str
    done: int
    total: int


@dataclass(frozen=True, slots=True)
class DocumentProgress:
    """Chapter counts of a document after a commit. Fired on the DB writer thread."""

    document_id: str
    done: int
    failed: int
    cancelled: int
    total: int

    @property
    def percent(self) -> float:
        return 100.0 * (self.done + self.failed + self.cancelled) / self.total if self.total else 100.0


@dataclass(frozen=True, slots=True)
class DocumentFinished:
    """The whole-document summary was committed (or the document ended without one). DB writer thread,
    or the background parse's thread when the file could not be read (then ``error_kind`` says why)."""

    document_id: str
    status: str
    summary: str | None
    error: str | None
    #: Set when the document failed because its file could not be read after the upload answered.
    error_kind: ParseFailure | None = None
    #: With ``error_kind`` NO_TEXT: OCR (Tesseract) is installed and may read the pages.
    ocr_available: bool = False


@dataclass(frozen=True, slots=True)
class DocumentChanged:
    """A document was cancelled, retried, re-prioritised or removed. Fired on the thread that changed it."""

    document_id: str
    change: str  # "cancelled" | "retried" | "refocused" | "priority" | "removed"
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PipelineStats:
    """A snapshot of the pipeline's gauges, about once a second. Fired on the pipeline's monitor thread."""

    status: PipelineStatus


HealthState = Literal["up", "slow", "down", "circuit_open", "loading"]


@dataclass(frozen=True, slots=True)
class EndpointHealth:
    """One endpoint's state, with a reason a user can act on."""

    url: str
    state: HealthState
    reason: str
    latency_ms: float | None = None
    #: What the server said of itself (``ServerCapacity.to_dict()``: n_ctx, slots, model, chat_template), when asked.
    capacity: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "state": self.state,
            "reason": self.reason,
            "latency_ms": self.latency_ms,
            "capacity": self.capacity,
        }


@dataclass(frozen=True, slots=True)
class BackendHealth:
    """The health of every endpoint of the configured backend, published when it changes.

    Fired on the backend-health loop's thread (or the thread that called ``Engine.check_backend``).
    """

    backend: str
    endpoints: tuple[EndpointHealth, ...]

    @property
    def all_down(self) -> bool:
        return bool(self.endpoints) and all(e.state in ("down", "circuit_open") for e in self.endpoints)


Event = (
    BackendHealth
    | DocumentAdded
    | DocumentParsing
    | ChaptersAdded
    | ChapterCommitted
    | ChapterProgress
    | DocumentProgress
    | DocumentFinished
    | DocumentChanged
    | PipelineStats
)
Subscriber = Callable[[Event], None]


class EventBus:
    """A thread-safe list of subscribers. ``subscribe`` returns the function that unsubscribes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: tuple[Subscriber, ...] = ()

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        with self._lock:
            self._subscribers = (*self._subscribers, callback)

        def unsubscribe() -> None:
            with self._lock:
                self._subscribers = tuple(s for s in self._subscribers if s is not callback)

        return unsubscribe

    def publish(self, event: Event) -> None:
        for callback in self._subscribers:  # a snapshot: subscribing during publish is safe
            try:
                callback(event)
            except Exception:
                log.exception("Event subscriber %r failed on %s", callback, type(event).__name__)
