"""Build the configured summarizer backend from settings.

This is the one place the pipeline asks for a backend; wrappers are composed here so the pipeline
only ever sees the :class:`Summarizer` protocol::

    CachedSummarizer                       (cache_enabled)   content-hash cache, stats()["cache"]
    └── FallbackSummarizer                 (LLM backends, fallback_to_extractive)
        ├── ChunkingSummarizer             long texts: map, then reduce, until it fits
        │   └── LLMSummarizer              retries, least-busy endpoints, circuit breakers
        │       └── OllamaProtocol | OpenAIProtocol      over one httpx.Client per endpoint
        │           | LocalProtocol                      llama-cpp-python in child processes (local)
        └── ExtractiveSummarizer           while every circuit is open

The extractive backend alone is ``CachedSummarizer(ExtractiveSummarizer)``: it has no context window.
Every composed object speaks the whole :class:`~.base.Summarizer` protocol (the wrappers through
:class:`~.base.WrappingSummarizer`), so nothing probes a summarizer for optional methods.
"""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import httpx

from .base import Summarizer, SummaryRequest, SummaryResult
from .breaker import CircuitBreaker
from .cache import CachedSummarizer, open_cache
from .chunking import ChunkingSummarizer
from .extractive import ExtractiveSummarizer
from .fallback import FallbackSummarizer
from .http import CLIENT_LIMITS, make_client
from .llm import LLMSummarizer
from .ollama import DEFAULT_URL as OLLAMA_URL
from .ollama import OllamaProtocol
from .openai_compat import DEFAULT_URL as OPENAI_URL
from .openai_compat import OpenAIProtocol
from .processes import ProcessSummarizer
from .protocol import ChatProtocol
from .routing import Endpoint, EndpointPool, RetryPolicy, parse_endpoint
from .transport import CuttableTransport, proxied

if TYPE_CHECKING:
    from desktop_app.config import Settings

DEFAULT_MODELS = {"ollama": "llama3.2", "openai": "gpt-4o-mini"}


@dataclass
class BackendOptions:
    """Knobs tests and benchmarks turn; the defaults are the product's."""

    retry: RetryPolicy = field(default_factory=RetryPolicy)
    #: The retry backoff; None: the endpoint pool's own, which a stop cuts short.
    sleep: Callable[[float], None] | None = None
    rng: random.Random | None = None
    failure_threshold: int = 5
    reset_after: float = 30.0
    clock: Callable[[], float] = time.monotonic
    transport: httpx.BaseTransport | None = None
    connect_timeout: float = 5.0
    #: Read the servers' context size, slots and template before the first request.
    learn_capacity: bool = True


def make_summarizer(settings: Settings, options: BackendOptions | None = None) -> Summarizer:
    """Return the backend named by ``settings.backend``, wrapped and ready for concurrent use."""
    options = options or BackendOptions()
    core: Summarizer
    if settings.backend == "extractive" and settings.summary_processes > 0:
        core = ProcessSummarizer(
            functools.partial(ExtractiveSummarizer, model=settings.model), settings.summary_processes
        )
    elif settings.backend == "extractive":
        core = ExtractiveSummarizer(model=settings.model)
    elif settings.backend in ("ollama", "openai", "local"):
        llm = make_llm(settings, options)
        core = ChunkingSummarizer(llm, context_tokens=settings.context_tokens)
        if settings.fallback_to_extractive:
            core = FallbackSummarizer(core, ExtractiveSummarizer())
    else:
        raise ValueError(f"Unknown summarizer backend {settings.backend!r}")
    if settings.cache_enabled:
        core = CachedSummarizer(core, opener=functools.partial(open_cache, settings))
    return core


def make_llm(settings: Settings, options: BackendOptions | None = None) -> LLMSummarizer:
    """The bare LLM backend (no cache, chunking or fallback), e.g. for a settings dialog's model list."""
    options = options or BackendOptions()
    if settings.backend == "local":
        from .local import LocalRunner, LocalSummarizer

        runner = LocalRunner(settings.model_file, parallel=settings.local_parallel, n_ctx=settings.context_tokens)
        return LocalSummarizer(
            runner,
            settings.model or runner.name,
            context_tokens=settings.context_tokens,
            retry=options.retry,
            sleep=options.sleep,
            rng=options.rng,
            prompt_mode=settings.prompt_mode,
            learn_capacity=options.learn_capacity,
        )
    protocol: ChatProtocol = OllamaProtocol() if settings.backend == "ollama" else OpenAIProtocol()
    urls = settings.endpoints or [OLLAMA_URL if settings.backend == "ollama" else OPENAI_URL]
    headers: dict[str, str] = {}
    if settings.api_key is not None and settings.api_key.get_secret_value():
        headers["Authorization"] = f"Bearer {settings.api_key.get_secret_value()}"
    endpoints = []
    for spec in urls:
        url, slots = parse_endpoint(spec)
        url = protocol.normalize_url(url)
        # Requests a stop can cut (see .transport), unless a test brings its own transport or a proxy is set.
        own = options.transport is None and not proxied(url)
        cuttable = CuttableTransport(limits=CLIENT_LIMITS) if own else None
        client = make_client(
            url,
            timeout=settings.request_timeout,
            connect_timeout=options.connect_timeout,
            headers=headers,
            transport=options.transport or cuttable,
        )
        breaker = CircuitBreaker(options.failure_threshold, options.reset_after, options.clock)
        endpoints.append(Endpoint(url=url, client=client, breaker=breaker, slots=slots, transport=cuttable))
    return LLMSummarizer(
        protocol,
        EndpointPool(endpoints),
        settings.model or DEFAULT_MODELS[protocol.name],
        context_tokens=settings.context_tokens,
        retry=options.retry,
        sleep=options.sleep,
        rng=options.rng,
        prompt_mode=settings.prompt_mode,
        learn_capacity=options.learn_capacity,
    )


__all__ = ["BackendOptions", "Summarizer", "SummaryRequest", "SummaryResult", "make_llm", "make_summarizer"]
