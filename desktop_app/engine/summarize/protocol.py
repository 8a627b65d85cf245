"""The wire-protocol seam between :class:`~.llm.LLMSummarizer` and a server dialect.

A :class:`ChatProtocol` turns chat messages (or, for base models, one document-style prompt) into one
streamed HTTP request and yields :class:`ChatChunk` objects; :mod:`.ollama` and :mod:`.openai_compat`
implement it. It also reads what a server tells about itself (:class:`ServerCapacity`: its context
size, parallel slots, model and whether the model has a chat template). Implementations are
stateless and thread-safe; the ``httpx.Client`` they receive belongs to the endpoint.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import httpx

#: ``chat``: chat messages through the server's template; ``completion``: a plain document-style prompt
#: with stop sequences, for base models that were never tuned to follow instructions.
PromptMode = Literal["chat", "completion"]


@dataclass(frozen=True, slots=True)
class ChatChunk:
    """A piece of a streamed answer; the last one has ``done=True``, the token counts and why it ended.

    ``finish_reason`` is the server's word for the end: ``stop`` (the model finished), ``length`` (the
    token limit cut it), or None when the server did not say. ``server_ms`` is the server's own time on
    the request where it reports one.
    """

    text: str = ""
    done: bool = False
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    model: str | None = None
    finish_reason: str | None = None
    #: The server's own time on the request, in ms, where it says (llama.cpp's ``timings``, Ollama's
    #: durations): reading the prompt, generating, loading the model. The rest of the latency the client
    #: measured is the wait for a slot and the network.
    server_ms: float | None = None


@dataclass(frozen=True, slots=True)
class ChatOptions:
    """Generation settings for one request.

    ``json_schema`` asks the server to constrain the answer to that schema (OpenAI's ``response_format``,
    Ollama's ``format``, llama.cpp's grammar); ``json_mode`` alone asks for any JSON object.
    """

    max_tokens: int
    context_tokens: int
    json_mode: bool = False
    temperature: float = 0.2
    json_schema: dict[str, Any] | None = None
    stop: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ServerCapacity:
    """What one server said about itself; None where it does not tell.

    ``n_ctx`` is the context a single request may use (per slot on llama.cpp; Ollama's ``num_ctx`` or the
    model's trained length); ``slots`` how many requests it runs at once; ``model`` the name it serves;
    ``chat_template`` whether the model carries a chat template (False: a base model, use completions).
    """

    url: str
    n_ctx: int | None = None
    slots: int | None = None
    model: str | None = None
    chat_template: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "n_ctx": self.n_ctx,
            "slots": self.slots,
            "model": self.model,
            "chat_template": self.chat_template,
        }


class ChatProtocol(Protocol):
    """One server dialect: how to stream an answer, list models and read the server's capacity."""

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

    def stream_completion(
        self,
        client: httpx.Client,
        *,
        endpoint: str,
        model: str,
        prompt: str,
        options: ChatOptions,
    ) -> Iterator[ChatChunk]:
        """Like :meth:`stream_chat` for a raw prompt, without the server's chat template."""
        ...

    def list_models(self, client: httpx.Client, *, endpoint: str) -> list[str]:
        """Names of the models the server can run."""
        ...

    def capacity(self, client: httpx.Client, *, endpoint: str, model: str) -> ServerCapacity:
        """What the server says about its context, slots and model; raises only on transport errors."""
        ...

    def normalize_url(self, url: str) -> str:
        """The base URL the client is created with."""
        ...
