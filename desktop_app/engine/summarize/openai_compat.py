"""OpenAI-compatible chat completions: ``POST /v1/chat/completions`` with SSE, ``GET /v1/models``.

Works with llama.cpp's server, vLLM, LM Studio and hosted APIs. The base URL is taken as given
(``http://host:8000/v1``); a bare ``http://host:port`` gets ``/v1`` appended. Streaming asks for
``stream_options.include_usage`` so the last chunk carries token counts; servers that ignore it just
leave the counts unknown. The stream must end with ``data: [DONE]``; a stream that stops without it is
a cut answer and is retried. An API key is sent as ``Authorization: Bearer`` (set on the client).

Stateless and thread-safe.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx

from .base import ServerError
from .http import MalformedAnswerError, iter_sse, map_transport_error, raise_for_status
from .protocol import ChatChunk, ChatOptions

DEFAULT_URL = "http://127.0.0.1:8080/v1"


class OpenAIProtocol:
    """The ``openai`` dialect of :class:`~.protocol.ChatProtocol`."""

    name = "openai"

    def normalize_url(self, url: str) -> str:
        url = url.rstrip("/")
        return url + "/v1" if urlsplit(url).path in ("", "/") else url

    def stream_chat(
        self,
        client: httpx.Client,
        *,
        endpoint: str,
        model: str,
        messages: list[dict[str, str]],
        options: ChatOptions,
    ) -> Iterator[ChatChunk]:
        body: dict[str, Any] = {
            "model": model,
            "messages": messages,
            "stream": True,
            "stream_options": {"include_usage": True},
            "max_tokens": options.max_tokens,
            "temperature": options.temperature,
        }
        prompt_tokens: int | None = None
        completion_tokens: int | None = None
        answered_model = model
        try:
            with client.stream("POST", "chat/completions", json=body) as response:
                raise_for_status(response, endpoint=endpoint, model=model)
                for chunk in iter_sse(response):
                    if chunk is None:
                        yield ChatChunk(
                            done=True,
                            prompt_tokens=prompt_tokens,
                            completion_tokens=completion_tokens,
                            model=answered_model,
                        )
                        return
                    if "error" in chunk:
                        error = chunk["error"]
                        message = error.get("message", error) if isinstance(error, dict) else error
                        raise ServerError(f"The model failed mid-answer at {endpoint}: {message}")
                    answered_model = str(chunk.get("model") or answered_model)
                    usage = chunk.get("usage")
                    if isinstance(usage, dict):
                        prompt_tokens = _int(usage.get("prompt_tokens"))
                        completion_tokens = _int(usage.get("completion_tokens"))
                    choices = chunk.get("choices")
                    if not isinstance(choices, list):
                        raise MalformedAnswerError(f"chunk without choices: {chunk!r:.80}")
                    for choice in choices:
                        delta = choice.get("delta") if isinstance(choice, dict) else None
                        text = delta.get("content") if isinstance(delta, dict) else None
                        if text:
                            yield ChatChunk(text=str(text))
        except httpx.HTTPError as err:
            raise map_transport_error(err, endpoint=endpoint) from err
        raise ServerError(f"The answer from {endpoint} stopped before it was complete (no [DONE]).")

    def list_models(self, client: httpx.Client, *, endpoint: str) -> list[str]:
        try:
            response = client.get("models")
            raise_for_status(response, endpoint=endpoint, model="")
            data = response.json()
        except httpx.HTTPError as err:
            raise map_transport_error(err, endpoint=endpoint) from err
        except ValueError as err:
            raise MalformedAnswerError(f"/v1/models is not JSON: {err}") from err
        return [str(m.get("id")) for m in data.get("data", []) if isinstance(m, dict)]


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) else None
