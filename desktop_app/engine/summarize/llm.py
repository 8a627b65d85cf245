"""The LLM summarizer: prompts → a chat protocol → endpoints with retries and circuit breakers.

:class:`LLMSummarizer` is the core of the ``ollama`` and ``openai`` backends (they differ only in
their :class:`~.protocol.ChatProtocol`). One call to :meth:`LLMSummarizer.summarize` sends the summary
prompt and, when the chapter reads like a contract and clauses are wanted, the clause prompt. Each is
one logical request driven by :func:`~.routing.call_with_retries`: transient failures and malformed
answers are retried on the least-busy endpoint with capped, jittered backoff; when the attempts are
spent the last transient error is raised (the pipeline re-queues the chapter), and a persistently
malformed answer becomes :class:`~.base.InvalidResponseError` (the chapter fails with the reason).

Texts longer than the context are not handled here: :mod:`.chunking` wraps this class.

Thread-safe: many worker threads call :meth:`summarize` at once; all shared state lives in the
:class:`~.routing.EndpointPool`. :meth:`close` must be called once, after the workers stopped.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from .base import ClauseFlag, InvalidResponseError, SummaryRequest, SummaryResult, TransientError, make_preview
from .clauses import looks_like_contract
from .http import MalformedAnswerError
from .prompts import chat_messages, clause_messages, clean_summary, parse_clauses
from .protocol import ChatOptions, ChatProtocol
from .routing import Endpoint, EndpointPool, RetryPolicy, call_with_retries

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(slots=True)
class _Answer:
    text: str
    prompt_tokens: int | None
    completion_tokens: int | None
    endpoint: str


class LLMSummarizer:
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
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.protocol = protocol
        self.name = protocol.name
        self.pool = pool
        self.model = model
        self.context_tokens = context_tokens
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._rng = rng or random.Random()
        self.max_concurrency: int | None = pool.max_concurrency

    # --- the Summarizer protocol

    def summarize(self, request: SummaryRequest) -> SummaryResult:
        started = time.perf_counter()
        log.debug("Summarizing %r (%d chars) with %s/%s", request.title, len(request.text), self.name, self.model)
        summary, answer = self._complete(
            chat_messages(request), parse=clean_summary, max_tokens=self.output_tokens(request)
        )
        prompt_tokens, completion_tokens = answer.prompt_tokens, answer.completion_tokens
        flags: list[ClauseFlag] = []
        if request.want_clauses and request.kind == "chapter" and looks_like_contract(request.text):
            text = request.text
            flags, clause_answer = self._complete(
                clause_messages(text),
                parse=lambda a: parse_clauses(a, text),
                max_tokens=min(1024, max(256, self.context_tokens // 4)),
                json_mode=True,
            )
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
        )

    def stream(self, request: SummaryRequest) -> Iterator[str]:
        """Yield the summary's tokens as the server produces them (one attempt: no retry mid-stream)."""
        options = ChatOptions(max_tokens=self.output_tokens(request), context_tokens=self.context_tokens)
        with self.pool.acquire() as endpoint:
            try:
                for chunk in self.protocol.stream_chat(
                    endpoint.client,
                    endpoint=endpoint.url,
                    model=self.model,
                    messages=chat_messages(request),
                    options=options,
                ):
                    if chunk.text:
                        yield chunk.text
            except TransientError as err:
                self.pool.record(endpoint, err)
                raise
            else:
                self.pool.record(endpoint, None)

    def close(self) -> None:
        self.pool.close()

    # --- extras the pipeline and the settings dialog may call

    def output_tokens(self, request: SummaryRequest) -> int:
        """Tokens reserved for the answer: about 60 a sentence, within a quarter of the context."""
        return max(128, min(60 * max(1, request.max_sentences) + 100, self.context_tokens // 4))

    def list_models(self) -> list[str]:
        """Models the first reachable endpoint offers (for a settings dialog's model picker)."""
        return call_with_retries(
            self.pool,
            lambda e: self.protocol.list_models(e.client, endpoint=e.url),
            policy=RetryPolicy(attempts=1),
            sleep=self._sleep,
        )

    def stats(self) -> dict[str, Any]:
        return {"backend": self.name, "model": self.model, "endpoints": self.pool.stats()}

    def record_healthy(self, url: str) -> None:
        """The health monitor reached ``url``: a half-open circuit there closes (health thread)."""
        self.pool.record_healthy(url)

    def active_endpoints(self) -> dict[int, str]:
        """The endpoint each calling thread is waiting on (thread ident → URL)."""
        return self.pool.active()

    # --- internals

    def _complete(
        self,
        messages: list[dict[str, str]],
        *,
        parse: Callable[[str], T],
        max_tokens: int,
        json_mode: bool = False,
    ) -> tuple[T, _Answer]:
        options = ChatOptions(max_tokens=max_tokens, context_tokens=self.context_tokens, json_mode=json_mode)

        def attempt(endpoint: Endpoint) -> tuple[T, _Answer]:
            parts: list[str] = []
            prompt_tokens = completion_tokens = None
            for chunk in self.protocol.stream_chat(
                endpoint.client, endpoint=endpoint.url, model=self.model, messages=messages, options=options
            ):
                parts.append(chunk.text)
                if chunk.done:
                    prompt_tokens, completion_tokens = chunk.prompt_tokens, chunk.completion_tokens
            text = "".join(parts)
            log.debug("Answer from %s: %r", endpoint.url, text[:500])
            return parse(text), _Answer(text, prompt_tokens, completion_tokens, endpoint.url)

        try:
            return call_with_retries(
                self.pool,
                attempt,
                policy=self.retry,
                sleep=self._sleep,
                rng=self._rng,
                retry_on=(TransientError, MalformedAnswerError),
            )
        except MalformedAnswerError as err:
            raise InvalidResponseError(
                f"The model {self.model!r} gave an answer Chapterwise could not use, "
                f"{self.retry.attempts} times in a row ({err}). Try another model."
            ) from err


def _add(a: int | None, b: int | None) -> int | None:
    return None if a is None and b is None else (a or 0) + (b or 0)
