"""The wire-protocol seam between :class:`~.llm.LLMSummarizer` and a server dialect.

A :class:`ChatProtocol` turns chat messages into one streamed HTTP request and yields
:class:`ChatChunk` objects; :mod:`.ollama` and :mod:`.openai_compat` implement it. Implementations
are stateless and thread-safe; the ``httpx.Client`` they receive belongs to the endpoint.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

import httpx


@dataclass(frozen=True, slots=True)
class ChatChunk:
    """A piece of a streamed answer; the last one has ``done=True`` and the token counts, if sent."""

    text: str = ""
    done: bool = False
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    model: str | None = None


@dataclass(frozen=True, slots=True)
class ChatOptions:
    """Generation settings for one request."""

    max_tokens: int
    context_tokens: int
    json_mode: bool = False
    temperature: float = 0.2


class ChatProtocol(Protocol):
    """One server dialect: how to stream a chat answer and how to list models."""

    name: str

    def stream_chat(
        self,
        client: httpx.Client,
        *,
        endpoint: str,
        model: str,
        messages: list[dict[str, str]],
        options: ChatOptions,
    ) -> Iterator[ChatChunk]:
        """Yield the answer as it streams; raise :mod:`.base` errors (see :mod:`.http`)."""
        ...

    def list_models(self, client: httpx.Client, *, endpoint: str) -> list[str]:
        """Names of the models the server can run."""
        ...

    def normalize_url(self, url: str) -> str:
        """The base URL the client is created with."""
        ...
