"""Ollama's native API: ``POST /api/chat`` with streamed NDJSON, ``GET /api/tags``.

Every NDJSON line is checked for an ``error`` key before anything else: Ollama reports a failure
that happens mid-answer as ``{"error": ...}`` with HTTP 200 already sent. Token counts and durations
come from the final ``"done": true`` object (durations are nanoseconds). A stream that stops without
``done`` is a cut answer and is retried. ``options.num_ctx`` is sent so the server really uses the
context window Chapterwise budgets for (Ollama's own default is smaller).

Stateless and thread-safe.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import httpx

from .base import ServerError
from .http import MalformedAnswerError, iter_ndjson, map_transport_error, raise_for_status
from .protocol import ChatChunk, ChatOptions

log = logging.getLogger(__name__)

DEFAULT_URL = "http://127.0.0.1:11434"


class OllamaProtocol:
    """The ``ollama`` dialect of :class:`~.protocol.ChatProtocol`."""

    name = "ollama"

    def normalize_url(self, url: str) -> str:
        url = url.rstrip("/")
        return url[: -len("/api")] if url.endswith("/api") else url

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
            "options": {
                "num_ctx": options.context_tokens,
                "num_predict": options.max_tokens,
                "temperature": options.temperature,
            },
        }
        if options.json_mode:
            body["format"] = "json"
        try:
            with client.stream("POST", "/api/chat", json=body) as response:
                raise_for_status(response, endpoint=endpoint, model=model)
                for obj in iter_ndjson(response):
                    if "error" in obj:
                        raise ServerError(f"The model failed mid-answer at {endpoint}: {obj['error']}")
                    message = obj.get("message") or {}
                    if not isinstance(message, dict):
                        raise MalformedAnswerError(f"bad message field: {message!r:.80}")
                    text = str(message.get("content") or "")
                    if obj.get("done"):
                        if text:
                            yield ChatChunk(text=text)
                        log.debug(
                            "ollama %s done: %s tokens in %.2f s",
                            endpoint,
                            obj.get("eval_count"),
                            (obj.get("total_duration") or 0) / 1e9,
                        )
                        yield ChatChunk(
                            done=True,
                            prompt_tokens=_int(obj.get("prompt_eval_count")),
                            completion_tokens=_int(obj.get("eval_count")),
                            model=str(obj.get("model") or model),
                        )
                        return
                    if text:
                        yield ChatChunk(text=text)
        except httpx.HTTPError as err:
            raise map_transport_error(err, endpoint=endpoint) from err
        raise ServerError(f"The answer from {endpoint} stopped before it was complete.")

    def list_models(self, client: httpx.Client, *, endpoint: str) -> list[str]:
        try:
            response = client.get("/api/tags")
            raise_for_status(response, endpoint=endpoint, model="")
            data = response.json()
        except httpx.HTTPError as err:
            raise map_transport_error(err, endpoint=endpoint) from err
        except ValueError as err:
            raise MalformedAnswerError(f"/api/tags is not JSON: {err}") from err
        return [str(m.get("name") or m.get("model")) for m in data.get("models", []) if isinstance(m, dict)]


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) else None
