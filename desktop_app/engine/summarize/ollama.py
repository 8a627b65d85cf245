"""Ollama's native API: ``POST /api/chat`` and ``/api/generate`` with streamed NDJSON, ``GET /api/tags``.

Every NDJSON line is checked for an ``error`` key before anything else: Ollama reports a failure
that happens mid-answer as ``{"error": ...}`` with HTTP 200 already sent. Token counts and durations
come from the final ``"done": true`` object (durations are nanoseconds). A stream that stops without
``done`` is a cut answer and is retried. ``options.num_ctx`` is sent so the server really uses the
context window Chapterwise budgets for (Ollama's own default is smaller). Clause requests send the JSON
schema as ``format`` (structured outputs); completion mode for base models uses ``/api/generate`` with
``raw: true`` (no template) and stop sequences. ``/api/show`` tells the model's ``num_ctx`` (or its trained
context length) and whether it has a template. A 404 that is not about a model means the URL is not an
Ollama server (an OpenAI-compatible one, most often): the message says so instead of "model not found".

Stateless and thread-safe.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import httpx

from .base import BadRequestError, ServerError
from .http import (
    MalformedAnswerError,
    finish_stream,
    iter_ndjson,
    map_transport_error,
    raise_for_status,
    reported_ms,
    server_message,
)
from .protocol import ChatChunk, ChatOptions, ServerCapacity

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
        body = self._body(model, options)
        body["messages"] = messages
        yield from self._stream(client, "/api/chat", body, endpoint=endpoint, model=model)

    def stream_completion(
        self,
        client: httpx.Client,
        *,
        endpoint: str,
        model: str,
        prompt: str,
        options: ChatOptions,
    ) -> Iterator[ChatChunk]:
        body = self._body(model, options)
        body["prompt"] = prompt
        body["raw"] = True
        yield from self._stream(client, "/api/generate", body, endpoint=endpoint, model=model)

    def _body(self, model: str, options: ChatOptions) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": model,
            "stream": True,
            "options": {
                "num_ctx": options.context_tokens,
                "num_predict": options.max_tokens,
                "temperature": options.temperature,
            },
        }
        if options.stop:
            body["options"]["stop"] = list(options.stop)
        if options.json_schema is not None:
            body["format"] = options.json_schema
        elif options.json_mode:
            body["format"] = "json"
        return body

    def _stream(
        self, client: httpx.Client, path: str, body: dict[str, Any], *, endpoint: str, model: str
    ) -> Iterator[ChatChunk]:
        try:
            with client.stream("POST", path, json=body) as response:
                if response.status_code == 404:
                    response.read()
                    message = server_message(response)
                    if "model" not in message.lower():
                        raise BadRequestError(
                            f"{endpoint} does not answer Ollama's {path} (404: {message}). If it is an "
                            "OpenAI-compatible server (llama.cpp, LM Studio, vLLM), choose the openai backend."
                        )
                raise_for_status(response, endpoint=endpoint, model=model)
                objects = iter_ndjson(response)
                for obj in objects:
                    if "error" in obj:
                        raise ServerError(f"The model failed mid-answer at {endpoint}: {obj['error']}")
                    message_obj = obj.get("message")
                    if message_obj is not None and not isinstance(message_obj, dict):
                        raise MalformedAnswerError(f"bad message field: {message_obj!r:.80}")
                    text = str((message_obj or {}).get("content") or obj.get("response") or "")
                    if text:
                        yield ChatChunk(text=text)
                    if obj.get("done"):
                        log.debug(
                            "ollama %s done: %s tokens in %.2f s",
                            endpoint,
                            obj.get("eval_count"),
                            (obj.get("total_duration") or 0) / 1e9,
                        )
                        finish_stream(objects)  # before the last yield: the caller stops reading at it
                        yield ChatChunk(
                            done=True,
                            prompt_tokens=_int(obj.get("prompt_eval_count")),
                            completion_tokens=_int(obj.get("eval_count")),
                            model=str(obj.get("model") or model),
                            finish_reason=str(obj.get("done_reason") or "stop"),
                            server_ms=_durations_ms(obj),
                        )
                        return
        except httpx.HTTPError as err:
            raise map_transport_error(err, endpoint=endpoint) from err
        raise ServerError(f"The answer from {endpoint} stopped before it was complete.")

    def capacity(self, client: httpx.Client, *, endpoint: str, model: str) -> ServerCapacity:
        try:
            response = client.post("/api/show", json={"model": model})
        except httpx.HTTPError as err:
            raise map_transport_error(err, endpoint=endpoint) from err
        if response.status_code != 200:
            return ServerCapacity(url=endpoint, model=model)
        try:
            data = response.json()
        except ValueError:
            return ServerCapacity(url=endpoint, model=model)
        n_ctx: int | None = None
        for line in str(data.get("parameters") or "").splitlines():
            key, _, value = line.strip().partition(" ")
            if key == "num_ctx" and value.strip().isdigit():
                n_ctx = int(value.strip())
        info = data.get("model_info")
        if n_ctx is None and isinstance(info, dict):
            lengths = [_int(v) for k, v in info.items() if k.endswith(".context_length")]
            n_ctx = next((n for n in lengths if n), None)
        template = bool(str(data.get("template") or "").strip()) if "template" in data else None
        return ServerCapacity(url=endpoint, n_ctx=n_ctx, slots=None, model=model, chat_template=template)

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


def _durations_ms(final: dict[str, Any]) -> float | None:
    """The server's own time on a request (loading the model, reading the prompt, generating), in ms.

    Ollama reports each in nanoseconds in its last message; the wait for the model's turn is not among them.
    """
    return reported_ms((final.get(k) for k in ("load_duration", "prompt_eval_duration", "eval_duration")), unit_ms=1e-6)


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
