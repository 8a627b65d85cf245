"""The small protocol every summarizer backend speaks, and its errors.

Exception tree (what the pipeline does with each)::

    SummarizerError                 base; message is written for the user
    ├── TransientError              worth another try later: the chapter is re-queued
    │   ├── RateLimitedError        429 / "slow down"; carries ``retry_after`` seconds
    │   ├── ServerBusyError         503, the server's own queue is full
    │   │   └── ServerLoadingError  503 "Loading model": the server is starting, not down
    │   ├── BackendTimeoutError     no answer within the timeout
    │   ├── BackendUnavailableError connection refused / DNS
    │   │   └── CircuitOpenError    every endpoint's circuit is open (fallback may answer instead)
    │   ├── ServerError             5xx other than 503
    │   └── SummarizerStoppedError  the request was cut by a stop: the chapter goes back to the backlog
    └── PermanentError              the same request will fail again: the chapter is marked failed
        ├── ModelNotFoundError      the model is not installed on the server
        ├── BadRequestError         4xx other than 429 (bad key, wrong URL, ...)
        │   └── ContextOverflowError the request does not fit the server's context (chunking splits again)
        └── InvalidResponseError    an answer that cannot be parsed after retries
            └── UngroundedAnswerError the answer does not match the text, twice (fallback may answer)

Backends are called from worker threads, many at once: ``summarize`` must be thread-safe.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, TypeVar, runtime_checkable

from ..reports import SummarizerStats
from .gate import RequestGate

_T = TypeVar("_T")

#: Bumped whenever a prompt, the extractive ranking or the clause rules change what a result says, so the cache
#: never serves a summary made by older rules.
PROMPT_VERSION = "9"

RequestKind = Literal["chapter", "document"]


@dataclass(frozen=True, slots=True)
class SummaryRequest:
    """What to summarize. ``kind="document"`` asks for a reduce over chapter summaries."""

    text: str
    title: str = ""
    kind: RequestKind = "chapter"
    #: An optional instruction that steers the summary ("payment terms and penalties").
    focus: str | None = None
    #: Length budget of the summary, in sentences (extractive) or as a target for LLMs.
    max_sentences: int = 5
    #: Ask for contract clause flags as well.
    want_clauses: bool = True
    #: Called with (parts done, parts in all) as a long text is summarized in parts (on the calling
    #: thread). Not part of the cache key.
    on_progress: Callable[[int, int], None] | None = field(default=None, compare=False, repr=False)


#: The longest clause quote kept; a longer provision is cut at a word's end and marked with "…".
CLAUSE_QUOTE_MAX = 600


def clause_quote(text: str, limit: int = CLAUSE_QUOTE_MAX) -> str:
    """A clause's quote of at most ``limit`` characters: cut at the end of a word, with "…", where longer."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:  # a word's end, unless the text has almost no spaces (a run-on token)
        cut = cut[:space]
    return cut.rstrip(" ,;:") + "…"


@dataclass(slots=True)
class ClauseFlag:
    """A high-risk clause found in a chapter."""

    category: str
    severity: Literal["high", "medium", "low"]
    text: str
    start: int | None = None  # offsets of the clause in the chapter text, where known
    end: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "severity": self.severity,
            "text": self.text,
            "start": self.start,
            "end": self.end,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ClauseFlag:
        return cls(
            category=str(data["category"]),
            severity=data.get("severity", "medium"),
            text=str(data.get("text", "")),
            start=data.get("start"),
            end=data.get("end"),
        )


@dataclass(frozen=True, slots=True)
class SummarySentence:
    """One sentence of a summary and where it came from.

    ``start``/``end`` are character offsets into the text that was summarized (the chapter's text;
    for a whole-document summary, the text of chapter ``chapter``). Extractive sentences are exact
    spans (``support`` None); an LLM's sentences are aligned to their best-supporting passage and carry
    a ``support`` score in [0, 1]. ``start``/``end`` are None when no passage could be found.
    """

    text: str
    start: int | None = None
    end: int | None = None
    support: float | None = None
    chapter: int | None = None


@dataclass(slots=True)
class SummaryResult:
    """A summary and what it cost."""

    summary: str
    preview: str
    backend: str
    model: str
    latency_ms: float
    clause_flags: list[ClauseFlag] = field(default_factory=list)
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cached: bool = False
    #: Which endpoint answered (for LLM backends with several), or None.
    endpoint: str | None = None
    #: Set when the answer came from a fallback backend (for example extractive while a circuit is open).
    fallback_from: str | None = None
    #: Why the fallback answered (the intended backend's error), when ``fallback_from`` is set.
    fallback_reason: str | None = None
    #: The summary sentence by sentence, with their source spans (empty where the backend gives none).
    sentences: list[SummarySentence] = field(default_factory=list)
    #: Set when the summary is good but the clause step failed: why (the flags are then empty).
    clause_error: str | None = None


@runtime_checkable
class Summarizer(Protocol):
    """A summarizer backend, and every wrapper around one (cache, chunking, fallback, processes).

    ``max_concurrency`` tells the adaptive pool how many requests the backend serves at once
    (``None`` = no known limit); ``cpu_bound`` says whether the work runs on this machine's cores.
    :class:`SummarizerBase` gives the defaults of everything but ``summarize``; :class:`WrappingSummarizer`
    forwards all of it to an inner backend.
    """

    name: str
    model: str
    cpu_bound: bool

    @property
    def max_concurrency(self) -> int | None:
        """Requests the backend serves at once (None: no known limit); it may change once servers are learned."""
        ...

    def summarize(self, request: SummaryRequest) -> SummaryResult:
        """Summarize one request. Raises a :class:`SummarizerError` subclass on failure."""
        ...

    def stream(self, request: SummaryRequest) -> Iterator[str]:
        """Yield the summary as it is produced (whole sentences or tokens)."""
        ...

    def stats(self) -> SummarizerStats:
        """Endpoints, cache, fallbacks and splits, for the pipeline status and ``inspect``."""
        ...

    def warm_up(self) -> None:
        """Start what the first request would otherwise wait for (worker processes); never blocks long."""
        ...

    def active_endpoints(self) -> dict[int, str]:
        """The endpoint each calling thread is waiting on right now (thread ident → URL)."""
        ...

    def output_tokens(self, request: SummaryRequest) -> int | None:
        """Tokens reserved for the answer to ``request`` (None: the backend has no context window)."""
        ...

    def list_models(self) -> list[str]:
        """Models the backend can use (for the settings dialog); empty where there is no choice."""
        ...

    def context_window(self) -> int | None:
        """The model's context in tokens, learned from its server where it says so (None: no window)."""
        ...

    def record_healthy(self, url: str) -> None:
        """A health check found the server at ``url`` answering: a paused (half-open) endpoint resumes."""
        ...

    def gate_requests(self, gate: RequestGate) -> bool:
        """Hold each request to a server to ``gate``'s permits; False where this backend sends none."""
        ...

    def compute(self, fn: Callable[..., _T], /, *args: Any, **kwargs: Any) -> _T:
        """``fn(*args, **kwargs)`` where this backend does its own work: in its worker processes where it has
        them (``fn`` and its arguments then cross as pickles), else on the calling thread. For the built-in
        summarizer's other pure computations (a whole-document summary), so they too leave the window's
        process alone."""
        ...

    def interrupt(self) -> None:
        """Cut the requests in flight (a stop's deadline is near): they raise :class:`SummarizerStoppedError`.

        Called from the stopping thread while workers wait on answers; new requests are refused. The
        summarizer stays open until :meth:`close` (its cache and files are still written).
        """
        ...

    def close(self) -> None:
        """Release connections, processes and files. Called once, after the workers stopped."""
        ...


class SummarizerBase:
    """Defaults for every part of the :class:`Summarizer` protocol but ``summarize``."""

    name: str = "summarizer"
    model: str = ""
    cpu_bound: bool = False
    #: Requests served at once, where the backend knows it (see ``max_concurrency``).
    _slots: int | None = None

    @property
    def max_concurrency(self) -> int | None:
        return self._slots

    def stream(self, request: SummaryRequest) -> Iterator[str]:
        yield self.summarize(request).summary  # type: ignore[attr-defined]  # subclasses define summarize

    def stats(self) -> SummarizerStats:
        return SummarizerStats(backend=self.name, model=self.model)

    def warm_up(self) -> None:
        return None

    def active_endpoints(self) -> dict[int, str]:
        return {}

    def output_tokens(self, request: SummaryRequest) -> int | None:
        return None

    def list_models(self) -> list[str]:
        return []

    def context_window(self) -> int | None:
        return None

    def record_healthy(self, url: str) -> None:
        return None

    def gate_requests(self, gate: RequestGate) -> bool:
        return False

    def compute(self, fn: Callable[..., _T], /, *args: Any, **kwargs: Any) -> _T:
        return fn(*args, **kwargs)

    def interrupt(self) -> None:
        return None

    def close(self) -> None:
        return None


class WrappingSummarizer(SummarizerBase):
    """The base of the cache, chunking and fallback wrappers: forwards the whole protocol to ``inner``.

    A wrapper overrides what it changes and nothing else; there is no attribute forwarding, so what a
    wrapper offers is exactly the protocol.
    """

    def __init__(self, inner: Summarizer) -> None:
        self.inner = inner
        self.name = inner.name
        self.model = inner.model
        self.cpu_bound = inner.cpu_bound

    @property
    def max_concurrency(self) -> int | None:
        """The inner backend's slots, which it may learn from its servers after start."""
        return self.inner.max_concurrency

    def summarize(self, request: SummaryRequest) -> SummaryResult:
        return self.inner.summarize(request)

    def stream(self, request: SummaryRequest) -> Iterator[str]:
        yield from self.inner.stream(request)

    def stats(self) -> SummarizerStats:
        return self.inner.stats()

    def warm_up(self) -> None:
        self.inner.warm_up()

    def active_endpoints(self) -> dict[int, str]:
        return self.inner.active_endpoints()

    def output_tokens(self, request: SummaryRequest) -> int | None:
        return self.inner.output_tokens(request)

    def list_models(self) -> list[str]:
        return self.inner.list_models()

    def context_window(self) -> int | None:
        return self.inner.context_window()

    def record_healthy(self, url: str) -> None:
        self.inner.record_healthy(url)

    def gate_requests(self, gate: RequestGate) -> bool:
        return self.inner.gate_requests(gate)

    def compute(self, fn: Callable[..., _T], /, *args: Any, **kwargs: Any) -> _T:
        return self.inner.compute(fn, *args, **kwargs)

    def interrupt(self) -> None:
        self.inner.interrupt()

    def close(self) -> None:
        self.inner.close()


class SummarizerError(Exception):
    """Base of all backend errors; ``str(err)`` is a message a user understands."""


class TransientError(SummarizerError):
    """The request may succeed if tried again later; ``retry_after`` is the server's hint, if any."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RateLimitedError(TransientError):
    pass


class ServerBusyError(TransientError):
    pass


class BackendTimeoutError(TransientError):
    pass


class BackendUnavailableError(TransientError):
    pass


class CircuitOpenError(BackendUnavailableError):
    """Every endpoint has failed repeatedly; no request is sent until a probe is due."""


class ServerLoadingError(ServerBusyError):
    """The server is up but still loading its model (llama.cpp answers 503 "Loading model")."""


class ServerError(TransientError):
    pass


class SummarizerStoppedError(TransientError):
    """The summarizer is stopping: the request was cut (or refused) and says nothing about the chapter.

    The endpoints never retry it, never count it against a circuit, and no fallback answers it; the
    pipeline's stop hands the chapter back to the backlog. It is transient so that a caller that does not
    know about the stop (the synchronous mode) leaves the chapter to be summarized again, not failed.
    """


#: The message of a request cut by a stop.
STOPPED_MESSAGE = "The summarizer is stopping: the request was cut and the chapter is summarized at the next start."


class PermanentError(SummarizerError):
    """The same request will fail again."""


class ModelNotFoundError(PermanentError):
    pass


class BadRequestError(PermanentError):
    pass


class ContextOverflowError(BadRequestError):
    """The prompt and answer do not fit the server's context; ``n_ctx`` is the server's size, when it said."""

    def __init__(self, message: str, n_ctx: int | None = None, prompt_tokens: int | None = None) -> None:
        super().__init__(message)
        self.n_ctx = n_ctx
        self.prompt_tokens = prompt_tokens


class InvalidResponseError(PermanentError):
    pass


#: The reason stored on a chapter whose model answer was not supported by its text.
UNGROUNDED_REASON = "the model's answer does not match the text"


class UngroundedAnswerError(InvalidResponseError):
    """The model answered twice with text the chapter does not support (a base model, a broken template)."""


def make_preview(summary: str, limit: int = 160) -> str:
    """A one-line preview: the first sentence of the summary, cut at a word boundary."""
    line = " ".join(summary.split())
    if not line:
        return ""
    end = _first_sentence_end(line)
    first = line[:end] if end else line
    if len(first) <= limit:
        return first
    cut = first[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


def _first_sentence_end(line: str) -> int:
    for i, ch in enumerate(line):
        if ch in ".!?。" and (i + 1 == len(line) or line[i + 1] == " ") and i > 20:
            return i + 1
    return 0
