"""The LLM summarizer: prompts → a chat protocol → endpoints with retries and circuit breakers.

:class:`LLMSummarizer` is the core of the ``ollama`` and ``openai`` backends (they differ only in
their :class:`~.protocol.ChatProtocol`). One call to :meth:`LLMSummarizer.summarize` sends the summary
prompt and, when the chapter reads like a contract and clauses are wanted, the clause prompt. Each is
one logical request driven by :func:`~.routing.call_with_retries`: transient failures and malformed
answers are retried on the least-busy endpoint with capped, jittered backoff; when the attempts are
spent the last transient error is raised (the pipeline re-queues the chapter), and a persistently
malformed answer becomes :class:`~.base.InvalidResponseError` (the chapter fails with the reason).

What is never stored as a done summary: an answer the server cut (a stream without ``finish_reason``:
retried as a transient failure), an answer stopped by the token limit (``finish_reason: "length"``:
retried with twice the room, then reported), and an answer the chapter does not support (too few of
its words appear in the text: a base model continuing the prompt, a broken chat template): retried once,
then :class:`~.base.UngroundedAnswerError` with the reason "the model's answer does not match the text"
(the fallback backend answers instead, where it is enabled). The clause step is optional: when its
answer cannot be used, the summary is still returned, with the reason in ``clause_error``.

The server's capacity (:class:`~.protocol.ServerCapacity`: context size, parallel slots, model, chat
template) is learned once, before the first request, from each endpoint; it lowers the context budget
and caps each endpoint's requests at its slots. Base models (no chat template, or a setting) are asked
in completion mode: a document-style prompt with stop sequences instead of chat messages.

Texts longer than the context are not handled here: :mod:`.chunking` wraps this class, and splits again
when a server answers :class:`~.base.ContextOverflowError`.

Thread-safe: many worker threads call :meth:`summarize` at once; all shared state lives in the
:class:`~.routing.EndpointPool`. :meth:`interrupt` (any thread) cuts the requests in flight at a stop;
:meth:`close` must be called once, after the workers stopped.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from ..reports import EndpointStats, SummarizerStats
from . import capacity as servers
from .base import (
    UNGROUNDED_REASON,
    ClauseFlag,
    ContextOverflowError,
    InvalidResponseError,
    SummarizerBase,
    SummarizerStoppedError,
    SummaryRequest,
    SummaryResult,
    TransientError,
    UngroundedAnswerError,
    make_preview,
)
from .capacity import PromptSetting
from .clauses import looks_like_contract
from .gate import RequestGate
from .http import MalformedAnswerError
from .overlap import MIN_SUPPORT, word_support
from .prompts import (
    CLAUSE_SCHEMA,
    COMPLETION_STOP,
    chat_messages,
    clause_completion_prompt,
    clause_messages,
    clean_summary,
    complete_sentences,
    completion_prompt,
    parse_clauses,
)
from .protocol import ChatChunk, ChatOptions, ChatProtocol, PromptMode, ServerCapacity
from .routing import Endpoint, EndpointPool, RetryPolicy, call_with_retries

log = logging.getLogger(__name__)

T = TypeVar("T")


class AnswerCutError(MalformedAnswerError):
    """The answer stopped at the token limit (``finish_reason: "length"``); retried with more room."""


@dataclass(slots=True)
class _Answer:
    text: str
    prompt_tokens: int | None
    completion_tokens: int | None
    endpoint: str


class LLMSummarizer(SummarizerBase):
    """A chat-model summarizer over one or more endpoints. See the module docstring."""

    cpu_bound = False

    def __init__(
        self,
        protocol: ChatProtocol,
        pool: EndpointPool,
        model: str,
        *,
        context_tokens: int = 4096,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] | None = None,
        rng: random.Random | None = None,
        prompt_mode: PromptSetting = "auto",
        learn_capacity: bool = True,
    ) -> None:
        self.protocol = protocol
        self.name = protocol.name
        self.pool = pool
        self.model = model
        self.context_tokens = context_tokens
        self.retry = retry or RetryPolicy()
        self.prompt_setting: PromptSetting = prompt_mode
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._learn = learn_capacity
        self._learn_lock = threading.Lock()
        self._capacities: list[ServerCapacity] | None = None
        self._unreached: set[str] = set()
        self._mode: PromptMode | None = servers.initial_mode(prompt_mode, model)

    @property
    def max_concurrency(self) -> int | None:
        """Sum of the endpoints' slots (from ``#parallel=N`` or learned from the servers), None if unknown."""
        return self.pool.max_concurrency

    @property
    def prompt_mode(self) -> PromptMode:
        """``chat`` or ``completion`` (base models), as set or as detected from the servers."""
        self._ensure_capacity()
        return self._mode or "chat"

    # --- the Summarizer protocol

    def summarize(self, request: SummaryRequest) -> SummaryResult:
        started = time.perf_counter()
        self._ensure_capacity()
        log.debug("Summarizing %r (%d chars) with %s/%s", request.title, len(request.text), self.name, self.model)
        source = request.text
        summary, answer = self._complete(
            self._summary_prompt(request),
            parse=clean_summary,
            max_tokens=self.answer_tokens(request),
            grounded_in=source,
            sentences=max(1, request.max_sentences),
        )
        prompt_tokens, completion_tokens = answer.prompt_tokens, answer.completion_tokens
        flags: list[ClauseFlag] = []
        clause_error: str | None = None
        if request.want_clauses and request.kind == "chapter" and looks_like_contract(request.text):
            try:
                flags, clause_answer = self._complete(
                    self._clause_prompt(source),
                    parse=lambda a: parse_clauses(a, source),
                    max_tokens=self.clause_tokens(),
                    json_schema=CLAUSE_SCHEMA,
                )
            except (InvalidResponseError, ContextOverflowError) as err:
                # The summary is done; the clause step failed for a reason worth showing, not retrying now.
                clause_error = f"The clause check failed: {err}"
                log.warning("Clause step of %r failed: %s", request.title, err)
            else:
                prompt_tokens = _add(prompt_tokens, clause_answer.prompt_tokens)
                completion_tokens = _add(completion_tokens, clause_answer.completion_tokens)
        return SummaryResult(
            summary=summary,
            preview=make_preview(summary),
            backend=self.name,
            model=self.model,
            latency_ms=(time.perf_counter() - started) * 1000.0,
            clause_flags=flags,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            endpoint=answer.endpoint,
            clause_error=clause_error,
        )

    def gate_requests(self, gate: RequestGate) -> bool:
        """Each request to a server (every attempt, the clause step's too) takes a permit of ``gate``."""
        self.pool.gate = gate
        return True

    def stream(self, request: SummaryRequest) -> Iterator[str]:
        """Yield the summary's tokens as the server produces them (one attempt: no retry mid-stream)."""
        self._ensure_capacity()
        prompt = self._summary_prompt(request)
        options = ChatOptions(
            max_tokens=self.answer_tokens(request), context_tokens=self.context_tokens, stop=self._stop()
        )
        with self.pool.acquire() as endpoint:
            try:
                for chunk in self._send(endpoint, prompt, options):
                    if chunk.text:
                        yield chunk.text
            except TransientError as err:
                if self.pool.stopping:
                    raise SummarizerStoppedError(str(err)) from err
                self.pool.record(endpoint, err)
                raise
            else:
                self.pool.record(endpoint, None)

    def interrupt(self) -> None:
        cut = self.pool.interrupt()
        log.info("Stopping: %d open connection(s) to %s shut down; the requests on them end now", cut, self.name)

    def close(self) -> None:
        self.pool.close()

    # --- extras the pipeline and the settings dialog may call

    def output_tokens(self, request: SummaryRequest) -> int | None:
        """The answer room a chunk must leave: the larger of the summary and the clause answer."""
        return self.reserve_tokens(request)

    def context_window(self) -> int | None:
        self._ensure_capacity()  # the server's context, when it says it is smaller than the setting's
        return self.context_tokens

    def answer_tokens(self, request: SummaryRequest) -> int:
        """Tokens reserved for the answer: about 60 a sentence, within a quarter of the context."""
        return max(128, min(60 * max(1, request.max_sentences) + 100, self.context_tokens // 4))

    def clause_tokens(self) -> int:
        """Tokens reserved for the clause answer (its JSON quotes clauses)."""
        return min(1024, max(256, self.context_tokens // 4))

    def reserve_tokens(self, request: SummaryRequest) -> int:
        """The larger answer of the requests one text leads to: the chunk budget leaves this much room."""
        wants_clauses = request.want_clauses and request.kind == "chapter"
        return max(self.answer_tokens(request), self.clause_tokens() if wants_clauses else 0)

    def capacity(self) -> list[ServerCapacity]:
        """What each endpoint's server said about its context, slots and model (learned once, then kept).

        Blocks on the first call (one short request per endpoint); an endpoint that cannot be reached is
        listed with unknown values and asked again on the next call.
        """
        self._ensure_capacity()
        return list(self._capacities or [])

    def list_models(self) -> list[str]:
        """Models the first reachable endpoint offers (for a settings dialog's model picker)."""
        return call_with_retries(
            self.pool,
            lambda e: self.protocol.list_models(e.client, endpoint=e.url),
            policy=RetryPolicy(attempts=1),
            sleep=self._sleep,
        )

    def stats(self) -> SummarizerStats:
        return SummarizerStats(
            backend=self.name, model=self.model, endpoints=tuple(EndpointStats(**e) for e in self.pool.stats())
        )

    def record_healthy(self, url: str) -> None:
        """The health monitor reached ``url``: a half-open circuit there closes (health thread)."""
        self.pool.record_healthy(url)

    def active_endpoints(self) -> dict[int, str]:
        """The endpoint each calling thread is waiting on (thread ident → URL)."""
        return self.pool.active()

    # --- internals

    def _ensure_capacity(self) -> None:
        if not self._learn:
            return
        with self._learn_lock:
            if self._capacities is not None and not self._unreached:
                return
            learned = servers.learn(self.protocol, self.pool, self.model, self._capacities or [], self._unreached)
            self._capacities = learned
            contexts = [c.n_ctx for c in learned if c.n_ctx]
            if contexts and min(contexts) < self.context_tokens:
                log.info("The server's context is %d tokens: the budget follows it", min(contexts))
                self.context_tokens = min(contexts)
            if self._mode is None:
                self._mode = servers.learned_mode(learned)

    def _summary_prompt(self, request: SummaryRequest) -> str | list[dict[str, str]]:
        return completion_prompt(request) if self._mode == "completion" else chat_messages(request)

    def _clause_prompt(self, text: str) -> str | list[dict[str, str]]:
        return clause_completion_prompt(text) if self._mode == "completion" else clause_messages(text)

    def _stop(self) -> tuple[str, ...]:
        return COMPLETION_STOP if self._mode == "completion" else ()

    def _send(
        self, endpoint: Endpoint, prompt: str | list[dict[str, str]], options: ChatOptions
    ) -> Iterator[ChatChunk]:
        if isinstance(prompt, str):
            return self.protocol.stream_completion(
                endpoint.client, endpoint=endpoint.url, model=self.model, prompt=prompt, options=options
            )
        return self.protocol.stream_chat(
            endpoint.client, endpoint=endpoint.url, model=self.model, messages=prompt, options=options
        )

    def _read(
        self, endpoint: Endpoint, prompt: str | list[dict[str, str]], options: ChatOptions
    ) -> tuple[str, ChatChunk]:
        """One answer read whole: its text and its last chunk. The server's work on it goes to the pool."""
        parts: list[str] = []
        done = ChatChunk(done=True)
        first_token: float | None = None
        for chunk in self._send(endpoint, prompt, options):
            if chunk.text and first_token is None:
                first_token = time.perf_counter()
            parts.append(chunk.text)
            if chunk.done:
                done = chunk
                self.pool.note_work(_work_ms(chunk, first_token))
        return "".join(parts), done

    def _complete(
        self,
        prompt: str | list[dict[str, str]],
        *,
        parse: Callable[[str], T],
        max_tokens: int,
        json_schema: dict[str, Any] | None = None,
        grounded_in: str | None = None,
        sentences: int | None = None,
    ) -> tuple[T, _Answer]:
        room = [max_tokens]
        unsupported = [0]
        stop = () if json_schema is not None else self._stop()

        def attempt(endpoint: Endpoint) -> tuple[T, _Answer]:
            options = ChatOptions(
                max_tokens=room[0],
                context_tokens=self.context_tokens,
                json_mode=json_schema is not None,
                json_schema=json_schema,
                stop=stop,
                temperature=0.0 if self._mode == "completion" else 0.2,
            )
            text, done = self._read(endpoint, prompt, options)
            prompt_tokens, completion_tokens, finish = done.prompt_tokens, done.completion_tokens, done.finish_reason
            log.debug("Answer from %s (%s): %r", endpoint.url, finish, text[:500])
            if sentences is not None and self._mode == "completion":
                # A base model writes on past the summary: keep the sentences asked for, complete ones only.
                kept, complete = complete_sentences(text, sentences)
                if finish == "length" and complete >= sentences:
                    finish = "stop"  # the limit cut only what comes after the summary
                text = kept if kept else text
            if finish == "length":
                # Cut mid-sentence (or mid-JSON): never a done summary. Try again with twice the room.
                room[0] = min(room[0] * 2, max(room[0], max_tokens * 2, self.context_tokens // 8))
                raise AnswerCutError(f"the answer stopped at the {options.max_tokens}-token limit")
            value = parse(text)
            if grounded_in is not None:
                support = word_support(text, grounded_in)
                if support < MIN_SUPPORT:
                    unsupported[0] += 1
                    log.info("Answer from %s not supported by the text (%.2f): %r", endpoint.url, support, text[:200])
                    if unsupported[0] >= 2:
                        raise UngroundedAnswerError(
                            f"The model {self.model!r} at {endpoint.url}: {UNGROUNDED_REASON} "
                            f"(twice; {support:.0%} of its words are in the text)."
                        )
                    raise MalformedAnswerError(f"{UNGROUNDED_REASON} ({support:.0%} of its words are in the text)")
            return value, _Answer(text, prompt_tokens, completion_tokens, endpoint.url)

        try:
            return call_with_retries(
                self.pool,
                attempt,
                policy=self.retry,
                sleep=self._sleep,
                rng=self._rng,
                retry_on=(TransientError, MalformedAnswerError),
            )
        except AnswerCutError as err:
            raise InvalidResponseError(
                f"The model {self.model!r} did not finish its answer within the token limit, "
                f"{self.retry.attempts} times in a row ({err})."
            ) from err
        except MalformedAnswerError as err:
            raise InvalidResponseError(
                f"The model {self.model!r} gave an answer Chapterwise could not use, "
                f"{self.retry.attempts} times in a row ({err}). Try another model."
            ) from err


def _work_ms(done: ChatChunk, first_token: float | None) -> float | None:
    """The server's work on a request: what it reports, or else the stream's time after its first token.

    A request waits for a slot before its first token; what comes after is generating. A server that
    reports no times (vLLM, hosted APIs) still shows how long the answer took to write, which differs
    with its length as a chapter's does.
    """
    if done.server_ms is not None:
        return done.server_ms
    return (time.perf_counter() - first_token) * 1000.0 if first_token is not None else None


def _add(a: int | None, b: int | None) -> int | None:
    return None if a is None and b is None else (a or 0) + (b or 0)
