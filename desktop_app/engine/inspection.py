"""Building the engine's reports: its status, and what every engine on the database is doing.

Each running engine saves an :class:`~.reports.InstanceState` with its heartbeat; :func:`inspect_instances`
reads them all (its own from memory), so ``chapterwise inspect`` works from a second terminal and across
PostgreSQL instances. Called on whichever thread asks (never the GUI thread: it reads the database).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from .events import BackendHealth, EndpointHealth
from .health import probe
from .messages import DocumentResult
from .records import ChapterRecord
from .reports import (
    CommitTimes,
    EndpointStats,
    EngineStatus,
    Gauges,
    InFlight,
    InspectReport,
    InstanceInfo,
    InstanceState,
    PipelineStatus,
    SummarizerStats,
    WorkerStats,
)
from .store import documents, instances
from .store.models import utcnow
from .summarize.base import Summarizer

if TYPE_CHECKING:
    from desktop_app.config import Settings

    from .health import HealthMonitor
    from .pipeline.pipeline import Pipeline


def engine_status(
    sessions: sessionmaker[Session],
    pipeline: Pipeline | None,
    summarizer: Summarizer,
    settings: Settings,
    *,
    inspect: Callable[[], InspectReport] | None,
    health: BackendHealth | None,
    with_documents: bool,
) -> EngineStatus:
    """The pipeline's gauges (idle ones when it is not running) plus the database's counts."""
    stats = summarizer.stats()
    if pipeline is not None:
        status = pipeline.status()
    else:
        status = PipelineStatus(
            async_enabled=settings.use_async_summarization,
            summary_queue_size=0,
            write_queue_size=0,
            summary_queue_maxsize=settings.summary_queue_size,
            write_queue_maxsize=settings.write_queue_size,
            workers=0,
            backend=summarizer.name,
            model=summarizer.model,
            summarizer=stats,
        )
    if status.async_enabled != settings.use_async_summarization:
        status = replace(status, async_enabled=settings.use_async_summarization)
    try:
        with sessions() as session:
            counts = documents.status_counts(session)
            in_progress = (
                tuple(d.to_dict(chapters=False) for d in documents.list_documents(session, unfinished=True))
                if with_documents
                else None
            )
    except DBAPIError as err:
        if status.database_available:  # the writer has not met it yet: say so from here
            reason = str(err.orig).strip().splitlines()[0] if err.orig else type(err).__name__
            status = replace(status, database_available=False, database_error=f"database unavailable: {reason}")
        counts, in_progress = {}, None
    return EngineStatus(
        pipeline=status,
        chapters=counts,
        cache=(status.summarizer or stats).cache,
        documents_in_progress=in_progress,
        inspect=inspect() if inspect is not None and status.database_available else None,
        backend_health=tuple(e.to_dict() for e in health.endpoints) if health is not None else None,
    )


def inspect_instances(
    sessions: sessionmaker[Session], own_id: str, own: InstanceState | None, *, lease_s: float
) -> InspectReport:
    """Every live instance's saved state (``own`` from memory when this engine runs), with document titles."""
    now = utcnow()
    with sessions() as session:
        rows = instances.instances(session)
    infos: list[InstanceInfo] = []
    active: list[InFlight] = []
    workers: list[WorkerStats] = []
    endpoints: list[tuple[str, EndpointStats]] = []
    for inst_id, host, pid, beat, saved in rows:
        mine = inst_id == own_id and own is not None
        age = (now - (beat if beat.tzinfo else beat.replace(tzinfo=UTC))).total_seconds()
        if not mine and age > lease_s:
            continue
        state = own if mine and own is not None else InstanceState.from_dict(saved, inst_id)
        infos.append(InstanceInfo(inst_id, host, pid, round(age, 1)))
        active += [_with_instance(item, inst_id) for item in state.in_flight]
        workers += [_with_instance(w, inst_id) for w in state.workers]
        endpoints += [(inst_id, e) for e in state.endpoints]
    if active:
        with sessions() as session:
            titles = documents.document_titles(session, {item.document_id for item in active})
        active = [replace(item, document=titles.get(item.document_id, "")) for item in active]
    return InspectReport(tuple(infos), tuple(active), tuple(workers), tuple(endpoints))


_T = TypeVar("_T", InFlight, WorkerStats)


def _with_instance(item: _T, instance: str) -> _T:
    return replace(item, instance=instance)


def instance_infos(sessions: sessionmaker[Session]) -> list[InstanceInfo]:
    now = utcnow()
    with sessions() as session:
        rows = instances.instances(session)
    return [
        InstanceInfo(i, host, pid, round((now - (b if b.tzinfo else b.replace(tzinfo=UTC))).total_seconds(), 1))
        for i, host, pid, b, _ in rows
    ]


class EngineReports:
    """The reporting half of the engine facade (a base class of ``Engine``): gauges, status, inspection."""

    settings: Settings
    instance_id: str
    health: HealthMonitor
    _sessions: sessionmaker[Session]
    _pipeline: Pipeline
    _summarizer: Summarizer
    _running: bool

    def gauges(self) -> Gauges:
        """The live queue and worker numbers, from memory only (cheap enough for a GUI timer)."""
        return self._pipeline.gauges()

    def status(self, *, with_documents: bool = True, with_operations: bool = True) -> EngineStatus:
        """Pipeline gauges (the seed's fields first), and what an operator wants to know.

        ``with_operations`` adds what ``chapterwise inspect`` shows (chapters in flight, workers, endpoints)
        and the backend's health; ``with_documents`` adds the documents still in progress.
        """
        return engine_status(
            self._sessions,
            self._pipeline if self._running else None,
            self._summarizer,
            self.settings,
            inspect=self.inspect if with_operations else None,
            health=self.health.current if with_operations else None,
            with_documents=with_documents,
        )

    def inspect(self) -> InspectReport:
        """What every engine running on this database is doing (``chapterwise inspect``, the API's status).

        Instances whose heartbeat is older than the lease are left out.
        """
        own = self._pipeline.instance_state() if self._running else None
        return inspect_instances(self._sessions, self.instance_id, own, lease_s=self.settings.lease_seconds)

    def instances(self) -> list[InstanceInfo]:
        """Every engine registered on this database (stale ones included), for ``chapterwise status``."""
        return instance_infos(self._sessions)

    def summarizer_stats(self) -> SummarizerStats:
        return self._summarizer.stats()

    def commit_times(self) -> CommitTimes:
        """The DB writer's batch commit times (for the Prometheus histogram)."""
        return self._pipeline.writer.commit_times_report()

    def worker_bounds(self) -> tuple[int, int]:
        """The adaptive pool's (minimum, maximum) workers."""
        return self._pipeline.config.min_workers, self._pipeline.config.max_workers

    def set_commit_hook(self, hook: Callable[[list[ChapterRecord], list[DocumentResult]], None] | None) -> None:
        """Call ``hook`` before each batch is written (benchmarks and fault tests slow or observe the writer)."""
        self._pipeline.set_commit_hook(hook)

    def check_backend(self) -> BackendHealth:
        """Probe the configured backend's endpoints now (blocks up to a few seconds; not on the GUI thread)."""
        return self.health.check()

    @staticmethod
    def test_connection(settings: Settings) -> list[EndpointHealth]:
        """Probe the endpoints that ``settings`` names, before they are saved (the settings dialog's button)."""
        return probe(settings)
