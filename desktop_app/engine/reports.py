"""Typed read models of the running engine: gauges, pipeline status, what each instance is doing.

Every status or inspection the engine offers is one of these frozen classes, never a ``dict[str, Any]``;
``to_dict()`` gives the JSON shape the HTTP API, ``--json`` output and the saved instance state use (the
seeds' field names first). :class:`InstanceState` also round-trips through the ``instances.state``
column (:meth:`InstanceState.from_dict`), so ``chapterwise inspect`` in one process reads what another
engine saved. No SQLAlchemy or Qt import.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Percentiles:
    """Latency percentiles in milliseconds over a window (None where there were no samples)."""

    p50: float | None = None
    p95: float | None = None
    p99: float | None = None
    mean: float | None = None
    count: int = 0

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Percentiles:
        data = data or {}
        return cls(data.get("p50"), data.get("p95"), data.get("p99"), data.get("mean"), int(data.get("count") or 0))


@dataclass(frozen=True, slots=True)
class Gauges:
    """The live queue and worker numbers, from memory only (cheap enough for a GUI timer)."""

    summary_queue_size: int = 0
    summary_queue_maxsize: int = 0
    write_queue_size: int = 0
    write_queue_maxsize: int = 0
    workers: int = 0
    workers_busy: int = 0
    #: False while the DB writer cannot commit (locked, unreachable, full disk); it keeps retrying.
    database_available: bool = True
    #: "database unavailable: <why>" while it cannot, for the status line, the window and ``/health``.
    database_error: str | None = None
    #: Requests the LLM endpoints were found to take at once (None for a summarizer on this machine's cores).
    concurrency_limit: int | None = None


@dataclass(frozen=True, slots=True)
class CommitTimes:
    """Batch commit times: percentiles, the last one, and every sample since ``total - len(recent)``."""

    p50: float | None = None
    p99: float | None = None
    last: float | None = None
    total: int = 0
    recent: tuple[float, ...] = ()


@dataclass(frozen=True, slots=True)
class EndpointStats:
    """One LLM endpoint as the router sees it."""

    url: str
    in_flight: int = 0
    limit: int | None = None
    circuit: str = "closed"
    requests: int = 0
    errors: int = 0
    last_error: str = ""
    #: Requests waiting for a free slot of the server (not yet sent).
    waiting: int = 0
    #: What the server said of itself: ``{"n_ctx", "slots", "model", "chat_template"}`` (None: not learned).
    capacity: dict[str, Any] | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EndpointStats:
        return cls(
            url=str(data.get("url", "")),
            in_flight=int(data.get("in_flight") or 0),
            limit=data.get("limit"),
            circuit=str(data.get("circuit", "closed")),
            requests=int(data.get("requests") or 0),
            errors=int(data.get("errors") or 0),
            last_error=str(data.get("last_error") or ""),
            waiting=int(data.get("waiting") or 0),
            capacity=data.get("capacity") if isinstance(data.get("capacity"), dict) else None,
        )


@dataclass(frozen=True, slots=True)
class CacheStats:
    """The summary cache: entries, bytes, limits, the oldest entry and the hit rate over every process."""

    hits: int = 0
    misses: int = 0
    hit_rate: float = 0.0
    entries: int = 0
    bytes: int = 0
    oldest_entry: str | None = None
    max_entries: int = 0
    max_bytes: int = 0
    ttl_seconds: float = 0
    directory: str = ""
    #: False while the cache is off because its folder cannot be written (full, read-only); tried again.
    available: bool = True
    #: Why it is off ("No space left on device: …"), None while it is on.
    error: str | None = None


@dataclass(frozen=True, slots=True)
class SummarizerStats:
    """What the configured summarizer (with its cache, chunking and fallback wrappers) reports."""

    backend: str
    model: str
    endpoints: tuple[EndpointStats, ...] = ()
    cache: CacheStats | None = None
    fallbacks: int = 0
    map_reduce_splits: int = 0
    processes: int | None = None


@dataclass(frozen=True, slots=True)
class WorkerStats:
    """One summary worker of one instance."""

    worker: int
    done: int = 0
    failed: int = 0
    busy: bool = False
    latency_ms: Percentiles = field(default_factory=Percentiles)
    instance: str = ""

    @classmethod
    def from_dict(cls, data: dict[str, Any], instance: str = "") -> WorkerStats:
        return cls(
            worker=int(data.get("worker") or 0),
            done=int(data.get("done") or 0),
            failed=int(data.get("failed") or 0),
            busy=bool(data.get("busy")),
            latency_ms=Percentiles.from_dict(data.get("latency_ms")),
            instance=instance or str(data.get("instance", "")),
        )

    def to_dict(self) -> dict[str, Any]:
        """``inspect stats``' row: mean and p95 instead of the whole percentiles."""
        return {
            "instance": self.instance,
            "worker": self.worker,
            "done": self.done,
            "failed": self.failed,
            "busy": self.busy,
            "mean_ms": self.latency_ms.mean,
            "p95_ms": self.latency_ms.p95,
        }


@dataclass(frozen=True, slots=True)
class InFlight:
    """A chapter (or a whole-document summary) being summarized right now."""

    worker: int
    document_id: str
    chapter_id: str | None
    chapter_index: int | None
    title: str
    kind: str  # "chapter" | "document summary"
    backend: str
    endpoint: str | None
    seconds: float
    instance: str = ""
    document: str = ""

    @classmethod
    def from_dict(cls, data: dict[str, Any], instance: str = "") -> InFlight:
        return cls(
            worker=int(data.get("worker") or 0),
            document_id=str(data.get("document_id", "")),
            chapter_id=data.get("chapter_id"),
            chapter_index=data.get("chapter_index"),
            title=str(data.get("title", "")),
            kind=str(data.get("kind", "chapter")),
            backend=str(data.get("backend", "")),
            endpoint=data.get("endpoint"),
            seconds=float(data.get("seconds") or 0.0),
            instance=instance or str(data.get("instance", "")),
            document=str(data.get("document", "")),
        )


@dataclass(frozen=True, slots=True)
class PipelineStatus:
    """The pipeline's gauges, with the first seed's field names first."""

    async_enabled: bool
    summary_queue_size: int
    write_queue_size: int
    summary_queue_maxsize: int
    write_queue_maxsize: int
    workers: int
    workers_busy: int = 0
    workers_min: int = 0
    workers_max: int = 0
    #: The learned per-endpoint concurrency limits, summed (None for a summarizer on this machine's cores).
    concurrency_limit: int | None = None
    backlog: int = 0
    llm_latency_ms: Percentiles = field(default_factory=Percentiles)
    batch_commit_ms: CommitTimes = field(default_factory=CommitTimes)
    throughput_per_minute: float = 0.0
    chapters_done: int = 0
    chapters_failed: int = 0
    #: False while the DB writer cannot commit (locked, unreachable, full); it keeps retrying meanwhile.
    database_available: bool = True
    #: Why the database cannot be written ("database unavailable: …"), None while it can.
    database_error: str | None = None
    backend: str = ""
    model: str = ""
    summarizer: SummarizerStats | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["batch_commit_ms"] = {
            "p50": self.batch_commit_ms.p50,
            "p99": self.batch_commit_ms.p99,
            "last": self.batch_commit_ms.last,
        }
        if data["summarizer"] is None:
            data["summarizer"] = {}
        return data


@dataclass(frozen=True, slots=True)
class InstanceState:
    """What one engine is doing, saved with its heartbeat so other processes can inspect it."""

    in_flight: tuple[InFlight, ...] = ()
    workers: tuple[WorkerStats, ...] = ()
    endpoints: tuple[EndpointStats, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "in_flight": [asdict(i) for i in self.in_flight],
            "workers": [asdict(w) for w in self.workers],
            "endpoints": [asdict(e) for e in self.endpoints],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None, instance: str = "") -> InstanceState:
        data = data or {}
        return cls(
            in_flight=tuple(InFlight.from_dict(d, instance) for d in data.get("in_flight", []) if isinstance(d, dict)),
            workers=tuple(WorkerStats.from_dict(d, instance) for d in data.get("workers", []) if isinstance(d, dict)),
            endpoints=tuple(EndpointStats.from_dict(d) for d in data.get("endpoints", []) if isinstance(d, dict)),
        )


@dataclass(frozen=True, slots=True)
class InstanceInfo:
    """An engine registered on the database, alive within its lease."""

    id: str
    host: str
    pid: int
    heartbeat_age_s: float


@dataclass(frozen=True, slots=True)
class InspectReport:
    """What every engine running on this database is doing (``chapterwise inspect``)."""

    instances: tuple[InstanceInfo, ...] = ()
    active: tuple[InFlight, ...] = ()
    workers: tuple[WorkerStats, ...] = ()
    endpoints: tuple[tuple[str, EndpointStats], ...] = ()  # (instance, endpoint)

    def active_dicts(self) -> list[dict[str, Any]]:
        return [asdict(item) for item in self.active]

    def worker_dicts(self) -> list[dict[str, Any]]:
        return [w.to_dict() for w in self.workers]

    def endpoint_dicts(self) -> list[dict[str, Any]]:
        return [{**asdict(e), "instance": instance} for instance, e in self.endpoints]

    def to_dict(self) -> dict[str, Any]:
        return {
            "instances": [asdict(i) for i in self.instances],
            "active": self.active_dicts(),
            "workers": self.worker_dicts(),
            "endpoints": self.endpoint_dicts(),
        }


@dataclass(frozen=True, slots=True)
class EngineStatus:
    """``Engine.status()``: the pipeline's gauges and what an operator wants to know."""

    pipeline: PipelineStatus
    chapters: dict[str, int] = field(default_factory=dict)
    cache: CacheStats | None = None
    documents_in_progress: tuple[dict[str, Any], ...] | None = None
    inspect: InspectReport | None = None
    backend_health: tuple[dict[str, Any], ...] | None = None

    @property
    def backlog(self) -> int:
        return self.chapters.get("pending", self.pipeline.backlog)

    def to_dict(self) -> dict[str, Any]:
        """One flat JSON object: the seed's pipeline fields first, then the operator's."""
        data = self.pipeline.to_dict()
        data["cache"] = asdict(self.cache) if self.cache else None
        data["chapters"] = dict(self.chapters)
        data["backlog"] = self.backlog
        if self.documents_in_progress is not None:
            data["documents_in_progress"] = list(self.documents_in_progress)
        if self.inspect is not None:
            data["active"] = self.inspect.active_dicts()
            data["worker_stats"] = self.inspect.worker_dicts()
            data["endpoints"] = self.inspect.endpoint_dicts()
            data["backend_health"] = list(self.backend_health) if self.backend_health is not None else None
        return data
