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

from sqlalchemy.orm import Session, sessionmaker

from .events import BackendHealth
from .reports import (
    EndpointStats,
    EngineStatus,
    InFlight,
    InspectReport,
    InstanceInfo,
    InstanceState,
    PipelineStatus,
    WorkerStats,
)
from .store import documents, instances
from .store.models import utcnow
from .summarize.base import Summarizer

if TYPE_CHECKING:
    from desktop_app.config import Settings

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
    with sessions() as session:
        counts = documents.status_counts(session)
        in_progress = (
            tuple(d.to_dict(chapters=False) for d in documents.list_documents(session, unfinished=True))
            if with_documents
            else None
        )
    return EngineStatus(
        pipeline=status,
        chapters=counts,
        cache=(status.summarizer or stats).cache,
        documents_in_progress=in_progress,
        inspect=inspect() if inspect is not None else None,
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
