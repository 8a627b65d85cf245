"""The bridge bounds the work of one event-loop turn: a burst arrives in slices, in order, and nothing is lost."""

from __future__ import annotations

import threading
from types import SimpleNamespace
from typing import Any

from desktop_app.engine.events import ChapterCommitted, DocumentFinished, Event, PipelineStats
from desktop_app.engine.records import ChapterRecord
from desktop_app.ui.bridge import SLICE_EVENTS


def _record(i: int, status: str = "done") -> ChapterRecord:
    return ChapterRecord(f"c{i}", "doc", i, f"Chapter {i}", status, 1, summary="s" if status == "done" else None)


def _publish_from_a_thread(window: Any, events: list[Event]) -> None:
    # As the DB writer does: every event published on an engine thread, before the GUI thread sees any.
    thread = threading.Thread(target=lambda: [window.engine.bus.publish(e) for e in events])
    thread.start()
    thread.join()


def test_a_burst_arrives_in_bounded_slices_in_publication_order(qtbot, make_window) -> None:
    window = make_window()
    bridge = window.controller.bridge
    log: list[tuple[str, Any]] = []
    bridge.chapters_committed.connect(lambda _doc, rows: log.append(("chapters", [r.chapter_id for r in rows])))
    bridge.document_finished.connect(lambda event: log.append(("finished", event.document_id)))
    bridge.events_flushed.connect(lambda n: log.append(("slice", n)))

    events: list[Event] = [ChapterCommitted(_record(i)) for i in range(2000)]
    events.append(DocumentFinished("doc", "done", "the whole book", None))
    _publish_from_a_thread(window, events)
    qtbot.waitUntil(lambda: any(kind == "finished" for kind, _ in log), timeout=10_000)

    slices = [n for kind, n in log if kind == "slice"]
    assert sum(slices) == 2001
    assert max(slices) <= SLICE_EVENTS
    assert len(slices) >= 2001 // SLICE_EVENTS  # several turns, not one long one
    delivered = [cid for kind, ids in log if kind == "chapters" for cid in ids]
    assert delivered == [f"c{i}" for i in range(2000)]  # nothing lost, nothing reordered
    assert log.index(("finished", "doc")) > max(i for i, (kind, _) in enumerate(log) if kind == "chapters")
    assert bridge.pending == 0


def test_each_slice_is_one_model_update_and_every_row_ends_done(qtbot, make_window) -> None:
    window = make_window()
    bridge = window.controller.bridge
    model = window.chapters_model
    model.show_document("doc")
    model.load("doc", [_record(i, "pending") for i in range(2000)])
    updates_in_slice = [0]
    per_slice: list[int] = []

    def on_slice(_n: int) -> None:
        per_slice.append(updates_in_slice[0])
        updates_in_slice[0] = 0

    model.dataChanged.connect(lambda *_: updates_in_slice.__setitem__(0, updates_in_slice[0] + 1))
    bridge.events_flushed.connect(on_slice)

    _publish_from_a_thread(window, [ChapterCommitted(_record(i)) for i in range(2000)])
    qtbot.waitUntil(lambda: model.statuses() == {"done": 2000}, timeout=10_000)

    assert len(per_slice) >= 2000 // SLICE_EVENTS
    assert max(per_slice) == 1  # one dataChanged over the slice's rows, never one a row
    assert model.rowCount() == 2000


def test_stats_of_a_burst_arrive_once_the_latest(qtbot, make_window) -> None:
    window = make_window()
    bridge = window.controller.bridge
    seen: list[dict[str, Any]] = []
    bridge.stats_updated.connect(seen.append)

    def stats(n: int) -> PipelineStats:
        return PipelineStats(SimpleNamespace(to_dict=lambda: {"test_snapshot": n}))  # type: ignore[arg-type]

    def ours() -> list[int]:  # the engine's monitor publishes its own stats too
        return [s["test_snapshot"] for s in seen if "test_snapshot" in s]

    with qtbot.waitSignal(bridge.chapters_committed, timeout=10_000):
        _publish_from_a_thread(window, [stats(1), ChapterCommitted(_record(0)), stats(2), stats(3)])
    assert ours() == []  # not in the turn that applied the commits
    qtbot.waitUntil(lambda: bool(ours()), timeout=10_000)
    assert ours() == [3]  # one signal for the burst: its latest snapshot
