"""Live progress for API clients: engine events fanned out to Server-Sent Events and WebSocket streams.

The engine publishes on its DB-writer thread after each commit. :class:`EventHub` is the one engine
subscriber of the API: it hands each event to the server's event loop with ``call_soon_threadsafe``,
which keeps commit order, and the loop copies it onto the bounded queue of every client whose filter
matches. A client that falls more than ``maxsize`` events behind is sent an ``overflow`` event and
disconnected (rather than silently losing events): it reconnects and reloads the document.

Event names on the wire: ``document_parsing``, ``document_added``, ``chapter_committed``, ``document_progress``,
``document_finished``, ``document_changed`` and (when asked for) ``pipeline_stats``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from desktop_app.engine.events import (
    ChapterCommitted,
    ChaptersAdded,
    DocumentAdded,
    DocumentChanged,
    DocumentFinished,
    DocumentParsing,
    DocumentProgress,
    Event,
    EventBus,
    PipelineStats,
)

log = logging.getLogger(__name__)

EVENT_NAMES: dict[type, str] = {
    DocumentParsing: "document_parsing",
    ChaptersAdded: "chapters_added",
    DocumentAdded: "document_added",
    ChapterCommitted: "chapter_committed",
    DocumentProgress: "document_progress",
    DocumentFinished: "document_finished",
    DocumentChanged: "document_changed",
    PipelineStats: "pipeline_stats",
}


def event_payload(event: Event) -> dict[str, Any]:
    """The JSON object sent for an engine event (its fields, plus ``percent`` for progress)."""
    if isinstance(event, ChapterCommitted):
        return {"document_id": event.document_id, "chapter_id": event.chapter_id, **event.chapter.to_dict()}
    if isinstance(event, PipelineStats):
        return {"status": event.status.to_dict()}
    data = asdict(event)
    if isinstance(event, DocumentProgress):
        data["percent"] = round(event.percent, 1)
    if isinstance(event, DocumentAdded | ChaptersAdded):
        data["chapter_ids"] = list(event.chapter_ids)
    if isinstance(event, ChaptersAdded):
        data["chapter_count"] = event.chapter_count
    return data


@dataclass(slots=True)
class WireEvent:
    """One event as a client receives it: a sequence number, a name and a JSON payload."""

    seq: int
    name: str
    data: dict[str, Any]

    def to_json(self) -> str:
        return json.dumps({"seq": self.seq, "event": self.name, "data": self.data}, default=str)

    def to_sse(self) -> str:
        return f"id: {self.seq}\nevent: {self.name}\ndata: {json.dumps(self.data, default=str)}\n\n"


class _Closed:
    """Sentinel: the stream ends (server stopping, or the client fell behind)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


@dataclass(eq=False)
class Subscription:
    """A client's bounded queue of events. Lives on the event loop; iterate it with ``async for``."""

    document_id: str | None
    include_stats: bool
    maxsize: int
    queue: asyncio.Queue[WireEvent | _Closed] = field(init=False)
    closed_reason: str | None = None

    def __post_init__(self) -> None:
        self.queue = asyncio.Queue()

    def wants(self, event: Event) -> bool:
        if isinstance(event, PipelineStats):
            return self.include_stats
        return self.document_id is None or getattr(event, "document_id", None) == self.document_id

    def offer(self, item: WireEvent) -> None:
        if self.closed_reason is not None:
            return
        if self.queue.qsize() >= self.maxsize:
            self.close("overflow")
            return
        self.queue.put_nowait(item)

    def close(self, reason: str) -> None:
        if self.closed_reason is None:
            self.closed_reason = reason
            if reason == "overflow":  # what is queued is stale now: say so at once
                while not self.queue.empty():
                    self.queue.get_nowait()
            self.queue.put_nowait(_Closed(reason))

    async def get(self, timeout: float | None = None) -> WireEvent | None:
        """The next event; ``None`` on timeout. Raises :class:`StreamClosedError` when the stream ended."""
        try:
            item = await asyncio.wait_for(self.queue.get(), timeout)
        except TimeoutError:
            return None
        if isinstance(item, _Closed):
            raise StreamClosedError(item.reason)
        return item

    async def __aiter__(self) -> AsyncIterator[WireEvent]:
        while True:
            try:
                item = await self.get()
            except StreamClosedError:
                return
            if item is not None:
                yield item


class StreamClosedError(Exception):
    """The event stream ended; ``args[0]`` says why (``overflow`` or ``shutdown``)."""


class EventHub:
    """Fans engine events out to API clients. ``attach`` on the event loop; ``close`` from any thread."""

    def __init__(self, bus: EventBus, *, client_queue_size: int = 10_000) -> None:
        self.bus = bus
        self.client_queue_size = client_queue_size
        self._loop: asyncio.AbstractEventLoop | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._subscriptions: set[Subscription] = set()
        self._seq = itertools.count(1)
        self.delivered = 0

    # --- lifecycle (the server's lifespan)

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._unsubscribe = self.bus.subscribe(self._on_engine_event)

    def detach(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._close_all("shutdown")
        self._loop = None

    def close_streams(self) -> None:
        """End every open stream (thread-safe): the server is about to stop."""
        loop = self._loop
        if loop is None:
            return
        with contextlib.suppress(RuntimeError):  # the loop is already closed
            loop.call_soon_threadsafe(self._close_all, "shutdown")

    # --- clients (event loop)

    def subscribe(self, document_id: str | None = None, *, include_stats: bool = False) -> Subscription:
        sub = Subscription(document_id, include_stats, self.client_queue_size)
        self._subscriptions.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        self._subscriptions.discard(sub)

    @property
    def clients(self) -> int:
        return len(self._subscriptions)

    # --- engine side

    def _on_engine_event(self, event: Event) -> None:
        """Engine thread: hand over to the loop; never blocks."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # closed between the check and the call
            loop.call_soon_threadsafe(self._dispatch, event)

    def _dispatch(self, event: Event) -> None:
        name = EVENT_NAMES.get(type(event))
        if name is None or not self._subscriptions:
            return
        wire = WireEvent(next(self._seq), name, event_payload(event))
        for sub in list(self._subscriptions):
            if sub.wants(event):
                sub.offer(wire)
                if sub.closed_reason == "overflow":
                    self._subscriptions.discard(sub)
                    log.warning("Disconnected an event client that fell %d events behind", sub.maxsize)
                else:
                    self.delivered += 1

    def _close_all(self, reason: str) -> None:
        for sub in list(self._subscriptions):
            sub.close(reason)
        self._subscriptions.clear()
