"""``GET /metrics``: the engine's gauges in Prometheus text format (prometheus-client).

Two sources, one registry per app (so several servers in one process never collide):

* histograms and counters fed by engine events as they happen (LLM latency of each chapter that was really
  summarized, chapters done and failed) — the bus calls :meth:`ApiMetrics._on_event` on the DB-writer
  thread, and prometheus-client's metrics are thread-safe;
* gauges read at scrape time from :meth:`Engine.status` (queue depths and sizes, workers, backlog, cache
  hits and misses), and the batch-commit times the pipeline measured since the last scrape.

Scrapes run in a worker thread (they read the database), never on the event loop.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from desktop_app.engine.events import ChapterCommitted, Event
from desktop_app.engine.service import Engine
from desktop_app.engine.states import ChapterStatus

from .events import EventHub

log = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300)
COMMIT_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)


class _StatusCollector(Collector):
    """Gauges read from the engine at scrape time."""

    def __init__(self, owner: ApiMetrics) -> None:
        self.owner = owner

    def collect(self) -> Iterator[Metric]:
        report = self.owner.engine.status(with_documents=False, with_operations=False)
        status = report.to_dict()

        def gauge(name: str, doc: str, value: Any) -> GaugeMetricFamily:
            return GaugeMetricFamily(name, doc, value=float(value or 0))

        yield gauge(
            "chapterwise_summary_queue_size", "Chapters waiting in the summary queue.", status.get("summary_queue_size")
        )
        yield gauge(
            "chapterwise_summary_queue_maxsize", "Capacity of the summary queue.", status.get("summary_queue_maxsize")
        )
        yield gauge(
            "chapterwise_write_queue_size", "Results waiting for the DB writer.", status.get("write_queue_size")
        )
        yield gauge(
            "chapterwise_write_queue_maxsize", "Capacity of the write queue.", status.get("write_queue_maxsize")
        )
        yield gauge("chapterwise_workers", "Summary workers (current limit).", status.get("workers"))
        yield gauge("chapterwise_workers_busy", "Summary workers summarizing right now.", status.get("workers_busy"))
        yield gauge("chapterwise_backlog", "Chapters pending in the database.", status.get("backlog"))
        in_progress = len(self.owner.engine.documents(unfinished=True))
        yield gauge("chapterwise_documents_in_progress", "Documents not yet final.", in_progress)
        yield gauge(
            "chapterwise_throughput_per_minute",
            "Chapters committed per minute (last minute).",
            status.get("throughput_per_minute"),
        )
        yield gauge(
            "chapterwise_database_available",
            "0 while the DB writer cannot commit (it keeps retrying).",
            1 if status.get("database_available", True) else 0,
        )
        yield gauge(
            "chapterwise_async_enabled",
            "1 when uploads return at once (USE_ASYNC_SUMMARIZATION).",
            1 if status.get("async_enabled") else 0,
        )
        chapters = GaugeMetricFamily("chapterwise_chapters", "Chapters in the database by status.", labels=["status"])
        for name, count in sorted((status.get("chapters") or {}).items()):
            chapters.add_metric([str(name)], float(count))
        yield chapters
        cache = report.cache
        yield CounterMetricFamily(
            "chapterwise_cache_hits", "Summary cache hits (this process).", value=float(cache.hits if cache else 0)
        )
        yield CounterMetricFamily(
            "chapterwise_cache_misses",
            "Summary cache misses (this process).",
            value=float(cache.misses if cache else 0),
        )
        yield gauge("chapterwise_cache_entries", "Entries in the summary cache.", cache.entries if cache else 0)
        yield gauge("chapterwise_event_clients", "Open SSE and WebSocket event streams.", self.owner.hub.clients)


class ApiMetrics:
    """The metrics of one API app. ``attach``/``detach`` follow the server's lifespan."""

    def __init__(self, engine: Engine, hub: EventHub) -> None:
        self.engine = engine
        self.hub = hub
        self.registry = CollectorRegistry(auto_describe=True)
        self.llm_latency = Histogram(
            "chapterwise_llm_latency_seconds",
            "Time the summarizer took per chapter (cache hits excluded).",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.batch_commit = Histogram(
            "chapterwise_batch_commit_seconds",
            "Time each DB writer batch took to commit.",
            buckets=COMMIT_BUCKETS,
            registry=self.registry,
        )
        self.chapters_done = Counter(
            "chapterwise_chapters_done", "Chapters summarized and committed.", registry=self.registry
        )
        self.chapters_failed = Counter(
            "chapterwise_chapters_failed", "Chapters that failed for good.", registry=self.registry
        )
        self.chapters_cached = Counter(
            "chapterwise_chapters_cached", "Chapters answered from the summary cache.", registry=self.registry
        )
        self.registry.register(_StatusCollector(self))
        self._unsubscribe: Callable[[], None] | None = None
        self._commit_lock = threading.Lock()
        self._commits_seen = self._commit_total()

    def attach(self) -> None:
        self._unsubscribe = self.engine.bus.subscribe(self._on_event)

    def detach(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def _on_event(self, event: Event) -> None:
        """DB-writer thread."""
        if not isinstance(event, ChapterCommitted):
            return
        chapter = event.chapter
        if chapter.status == ChapterStatus.DONE:
            self.chapters_done.inc()
            if chapter.cached:
                self.chapters_cached.inc()
            elif chapter.latency_ms is not None:
                self.llm_latency.observe(chapter.latency_ms / 1000.0)
        elif chapter.status == ChapterStatus.FAILED:
            self.chapters_failed.inc()

    def _commit_total(self) -> int:
        return self.engine.commit_times().total

    def observe_commit_times(self) -> None:
        """Move the batch-commit times measured since the last scrape into the histogram."""
        times = self.engine.commit_times()
        with self._commit_lock:
            new = times.total - self._commits_seen
            self._commits_seen = times.total
            if new <= 0:
                return
            for value_ms in times.recent[-new:]:
                self.batch_commit.observe(value_ms / 1000.0)

    def render(self) -> bytes:
        """The text exposition (reads the database: call it from a worker thread)."""
        self.observe_commit_times()
        return generate_latest(self.registry)
