"""The ingest child's stream: batches cross the process boundary as they come, with every guarantee kept."""

from __future__ import annotations

import errno
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.engine.ingest.base import (
    CorruptFileError,
    FileTooLargeError,
    NoTextError,
    ParseCancelledError,
    ParsedChapter,
    ParseTimeoutError,
)
from desktop_app.engine.ingest.limits import IngestLimits
from desktop_app.engine.ingest.sandbox import INPROCESS_ENV, run_isolated, stream_isolated
from desktop_app.engine.ingest.stream import ChapterBatch, ParseEnd, ParseItem, Restart

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="the gate between processes is a POSIX FIFO")

LIMITS = IngestLimits(timeout_s=60)


def chapters(*titles: str) -> tuple[ParsedChapter, ...]:
    return tuple(ParsedChapter(title=t, text=f"The text of {t}.") for t in titles)


def wait_at_gate(path: Path) -> None:
    """Block until the test writes to the FIFO beside ``path`` (run in the child)."""
    with path.with_suffix(".fifo").open("rb") as gate:
        gate.read(1)


def gated_parse(path: Path, password: str | None, limits: IngestLimits) -> Iterator[ParseItem]:
    """Child target: one batch, then a wait at the gate, then the rest."""
    yield ChapterBatch(chapters("One", "Two"))
    wait_at_gate(path)
    yield ChapterBatch(chapters("Three"))
    yield ParseEnd("A book", "txt", "headings", ("a warning",), None)


def restarting_parse(path: Path, password: str | None, limits: IngestLimits) -> Iterator[ParseItem]:
    yield ChapterBatch(chapters("Wrong"))
    yield Restart()
    yield ChapterBatch(chapters("Right", "Also right"))
    yield ParseEnd("A book", "pdf")


def dying_parse(path: Path, password: str | None, limits: IngestLimits) -> Iterator[ParseItem]:
    yield ChapterBatch(chapters("One"))
    os.abort()  # a crash in native code, after a batch was sent
    yield ParseEnd("never", "pdf")


def stalling_parse(path: Path, password: str | None, limits: IngestLimits) -> Iterator[ParseItem]:
    yield ChapterBatch(chapters("One"))
    wait_at_gate(path)  # nobody opens it
    yield ParseEnd("never", "pdf")


def many_chapters(path: Path, password: str | None, limits: IngestLimits) -> Iterator[ParseItem]:
    for n in range(5):
        yield ChapterBatch(chapters(f"{n}a", f"{n}b"))
    yield ParseEnd("never", "pdf")


def failing_parse(path: Path, password: str | None, limits: IngestLimits) -> Iterator[ParseItem]:
    yield ChapterBatch(chapters("One"))
    raise NoTextError("The later pages have no text.", path=path, ocr_available=True)


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "source.txt"
    path.write_text("anything")
    os.mkfifo(path.with_suffix(".fifo"))
    return path


def target(name: str) -> str:
    return f"{__name__}:{name}"


def test_a_batch_arrives_while_the_child_is_still_parsing(source: Path) -> None:
    stream = stream_isolated(target("gated_parse"), source, None, LIMITS)
    first = next(stream)
    # The child is held at its gate: this batch can only have come before the parse ended.
    assert isinstance(first, ChapterBatch) and [c.title for c in first.chapters] == ["One", "Two"]
    with source.with_suffix(".fifo").open("wb") as gate:
        gate.write(b"x")
    rest = list(stream)
    assert isinstance(rest[0], ChapterBatch) and [c.title for c in rest[0].chapters] == ["Three"]
    assert rest[1] == ParseEnd("A book", "txt", "headings", ("a warning",), None)


def test_run_isolated_collects_the_stream_and_a_restart_voids_what_came_before(source: Path) -> None:
    doc = run_isolated(target("restarting_parse"), source, None, LIMITS)
    assert [c.title for c in doc.chapters] == ["Right", "Also right"]
    assert (doc.title, doc.format) == ("A book", "pdf")


def test_a_child_that_dies_after_a_batch_is_a_corrupt_file(source: Path) -> None:
    stream = stream_isolated(target("dying_parse"), source, None, LIMITS)
    assert isinstance(next(stream), ChapterBatch)
    with pytest.raises(CorruptFileError, match="crashed"):
        next(stream)


def test_the_time_limit_runs_over_the_whole_streamed_parse(source: Path) -> None:
    stream = stream_isolated(target("stalling_parse"), source, None, IngestLimits(timeout_s=3))
    assert isinstance(next(stream), ChapterBatch)
    with pytest.raises(ParseTimeoutError, match="longer than 3 s"):
        next(stream)


def test_a_cancel_from_another_thread_stops_the_child(source: Path) -> None:
    cancel = threading.Event()
    stream = stream_isolated(target("stalling_parse"), source, None, LIMITS, cancel)
    assert isinstance(next(stream), ChapterBatch)
    threading.Timer(0.2, cancel.set).start()
    with pytest.raises(ParseCancelledError):
        next(stream)  # waits for the child, which waits at a gate nobody opens
    # The child held the gate open for reading; once it is killed nobody does.
    with pytest.raises(OSError) as raised:
        os.open(source.with_suffix(".fifo"), os.O_WRONLY | os.O_NONBLOCK)
    assert raised.value.errno == errno.ENXIO


def test_the_chapter_limit_stops_a_stream_that_passes_it(source: Path) -> None:
    with pytest.raises(FileTooLargeError, match="over the 5-chapter limit"):
        run_isolated(target("many_chapters"), source, None, IngestLimits(timeout_s=60, max_chapters=5))


def test_an_error_after_a_batch_keeps_its_kind_and_message(source: Path) -> None:
    items: list[ParseItem] = []
    with pytest.raises(NoTextError, match="later pages") as raised:
        for item in stream_isolated(target("failing_parse"), source, None, LIMITS):
            items.append(item)
    assert raised.value.ocr_available and raised.value.path == source
    assert [type(i) for i in items] == [ChapterBatch]


def test_in_process_mode_yields_the_same_stream(source: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    child = list(stream_isolated(target("restarting_parse"), source, None, LIMITS))
    monkeypatch.setenv(INPROCESS_ENV, "1")
    here = list(stream_isolated(target("restarting_parse"), source, None, LIMITS))
    assert [type(i) for i in here] == [type(i) for i in child] == [ChapterBatch, Restart, ChapterBatch, ParseEnd]
    assert here[-1] == child[-1]
    with pytest.raises(FileTooLargeError):
        run_isolated(target("many_chapters"), source, None, IngestLimits(max_chapters=5))
