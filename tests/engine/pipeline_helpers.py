"""Test doubles for the pipeline: real summarizers with a gate or a counter around the real extractive one."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

from desktop_app.config import Settings
from desktop_app.engine.events import Event
from desktop_app.engine.ingest.base import ParsedChapter, ParsedDocument
from desktop_app.engine.summarize.base import SummaryRequest, SummaryResult
from desktop_app.engine.summarize.extractive import ExtractiveSummarizer

WORDS = [
    "river",
    "market",
    "policy",
    "theory",
    "model",
    "data",
    "growth",
    "science",
    "mountain",
    "method",
    "result",
    "harbour",
    "trade",
    "court",
    "law",
    "contract",
    "payment",
    "season",
    "harvest",
    "village",
    "council",
    "letter",
    "journey",
    "winter",
    "bridge",
]


def paragraph(rng: random.Random, sentences: int = 12) -> str:
    return " ".join(" ".join(rng.choices(WORDS, k=rng.randint(8, 16))).capitalize() + "." for _ in range(sentences))


def make_document(
    chapters: int, *, sentences: int = 12, seed: int = 7, title: str = "Generated book"
) -> ParsedDocument:
    rng = random.Random(seed)
    return ParsedDocument(
        title=title,
        format="txt",
        chapters=[ParsedChapter(f"Chapter {i + 1}", paragraph(rng, sentences)) for i in range(chapters)],
        structure="generated",
    )


def write_markdown(path: Path, chapters: int, *, sentences: int = 12, seed: int = 7) -> Path:
    rng = random.Random(seed)
    body = [f"# Chapter {i + 1}\n\n{paragraph(rng, sentences)}\n" for i in range(chapters)]
    path.write_text("\n".join(body), encoding="utf-8")
    return path


def settings_for(url: str, data_dir: Path, **overrides: object) -> Settings:
    return Settings(database_url=url, data_dir=data_dir, cache_enabled=False, **overrides)  # type: ignore[arg-type]


class GatedSummarizer(ExtractiveSummarizer):
    """The extractive summarizer, held at a gate until the test opens it; counts calls per chapter title."""

    def __init__(self, delay: float = 0.0, passes: Callable[[SummaryRequest], bool] | None = None) -> None:
        super().__init__()
        self.delay = delay  # seconds each call takes, like a remote model
        self.passes = passes  # requests that never wait at the gate
        self.last_passed_at: float | None = None
        self.gate = threading.Event()
        self._permits = threading.Semaphore(0)
        self.calls: Counter[str] = Counter()
        self.returned: list[str] = []
        self._lock = threading.Lock()
        self.waiting = 0

    def summarize(self, request: SummaryRequest) -> SummaryResult:
        with self._lock:
            self.waiting += 1
        free = self.passes is not None and self.passes(request)
        while not free and not self.gate.is_set() and not self._permits.acquire(timeout=0.02):
            pass
        if self.delay:
            threading.Event().wait(self.delay)
        with self._lock:
            self.waiting -= 1
            if request.kind == "chapter":
                self.calls[request.title] += 1
        result = super().summarize(request)
        with self._lock:
            if request.kind == "chapter":
                self.returned.append(request.title)
            if free:
                self.last_passed_at = time.monotonic()
        return result

    def allow(self, count: int) -> None:
        """Let ``count`` more calls through while the gate stays closed."""
        for _ in range(count):
            self._permits.release()

    def stream(self, request: SummaryRequest) -> Iterator[str]:
        yield from super().stream(request)


class EventLog:
    """Collects engine events; ``wait_for`` blocks on a condition instead of sleeping."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self._cond = threading.Condition()

    def __call__(self, event: Event) -> None:
        with self._cond:
            self.events.append(event)
            self._cond.notify_all()

    def wait_for(self, predicate: Callable[[list[Event]], bool], timeout: float = 30.0) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: predicate(self.events), timeout)

    def of(self, kind: type) -> list:
        with self._cond:
            return [e for e in self.events if isinstance(e, kind)]

    def wait_for_kind(self, kind: type, count: int = 1, timeout: float = 60.0) -> bool:
        """Wait until ``count`` events of ``kind`` have come."""
        return self.wait_for(lambda events: sum(isinstance(e, kind) for e in events) >= count, timeout)


def wait_until(predicate: Callable[[], bool], timeout: float = 60.0, poll_s: float = 0.02) -> bool:
    """Wait for a condition that no event announces (gauges, counters), re-checking every ``poll_s``.

    Waits on an Event's timeout rather than sleeping, and returns as soon as the condition holds.
    """
    tick = threading.Event()
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            return False
        tick.wait(poll_s)
    return True
