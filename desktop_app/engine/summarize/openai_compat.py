"""OpenAI-compatible servers: ``POST /v1/chat/completions`` and ``/v1/completions`` with SSE, ``GET /v1/models``.

Works with llama.cpp's server, vLLM, LM Studio and hosted APIs. The base URL is taken as given
(``http://host:8000/v1``); a bare ``http://host:port`` gets ``/v1`` appended. Streaming asks for
``stream_options.include_usage`` so the last chunk carries token counts; servers that ignore it just
leave the counts unknown.

An answer is complete only when a choice carries a ``finish_reason``: a stream that stops without one
(with or without ``data: [DONE]``) is a cut answer, raised as :class:`~.base.ServerError` and retried,
never taken as a (short or empty) summary. ``finish_reason: "length"`` is passed on for the caller to
reject. Clause requests ask for ``response_format`` with the JSON schema (llama.cpp turns it into a
grammar). The server's capacity comes from llama.cpp's ``/props`` and ``/slots`` where it offers them
(a model without a chat template shows there as llama.cpp's ChatML stand-in beside a non-ChatML end token),
and from the model's ``meta.n_ctx_train`` in ``/v1/models``. An API key is sent as ``Authorization:
Bearer`` (set on the client).

Stateless and thread-safe.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx

from .base import ServerError, SummarizerError
from .http import (
    MalformedAnswerError,
    context_overflow,
    iter_sse,
    map_transport_error,
    raise_for_status,
    reported_ms,
)
from .protocol import ChatChunk, ChatOptions, ServerCapacity

log = logging.getLogger(__name__)

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
        body = self._body(model, options)
        body["messages"] = messages
        yield from self._stream(client, "chat/completions", body, endpoint=endpoint, model=model)

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
        if options.json_schema is not None:
            body["json_schema"] = options.json_schema  # llama.cpp's grammar for raw completions
        yield from self._stream(client, "completions", body, endpoint=endpoint, model=model)

    def _body(self, model: str, options: ChatOptions) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": model,
            "stream": True,
            "stream_options": {"include_usage": True},
            "max_tokens": options.max_tokens,
            "temperature": options.temperature,
        }
        if options.stop:
            body["stop"] = list(options.stop)
        if options.json_schema is not None:
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "answer", "schema": options.json_schema, "strict": True},
            }
        elif options.json_mode:
            body["response_format"] = {"type": "json_object"}
        return body

    def _stream(
        self, client: httpx.Client, path: str, body: dict[str, Any], *, endpoint: str, model: str
    ) -> Iterator[ChatChunk]:
        prompt_tokens: int | None = None
        completion_tokens: int | None = None
        finish_reason: str | None = None
        server_ms: float | None = None
        answered_model = model
        try:
            with client.stream("POST", path, json=body) as response:
                raise_for_status(response, endpoint=endpoint, model=model)
                for chunk in iter_sse(response):
                    if chunk is None:
                        break
                    if "error" in chunk:
                        raise _stream_error(chunk["error"], endpoint)
                    answered_model = str(chunk.get("model") or answered_model)
                    server_ms = _timings_ms(chunk.get("timings")) or server_ms
                    usage = chunk.get("usage")
                    if isinstance(usage, dict):
                        prompt_tokens = _int(usage.get("prompt_tokens"))
                        completion_tokens = _int(usage.get("completion_tokens"))
                    choices = chunk.get("choices")
                    if not isinstance(choices, list):
                        raise MalformedAnswerError(f"chunk without choices: {chunk!r:.80}")
                    for choice in choices:
                        if not isinstance(choice, dict):
                            continue
                        delta = choice.get("delta")
                        text = delta.get("content") if isinstance(delta, dict) else choice.get("text")
                        if text:
                            yield ChatChunk(text=str(text))
                        if choice.get("finish_reason"):
                            finish_reason = str(choice["finish_reason"])
        except httpx.HTTPError as err:
            raise map_transport_error(err, endpoint=endpoint) from err
        if finish_reason is None:
            raise ServerError(f"The answer from {endpoint} stopped before it was complete (no finish_reason).")
        yield ChatChunk(
            done=True,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            model=answered_model,
            finish_reason=finish_reason,
            server_ms=server_ms,
        )

    def list_models(self, client: httpx.Client, *, endpoint: str) -> list[str]:
        return [str(m.get("id")) for m in self._models(client, endpoint=endpoint)]

    def _models(self, client: httpx.Client, *, endpoint: str) -> list[dict[str, Any]]:
        try:
            response = client.get("models")
            raise_for_status(response, endpoint=endpoint, model="")
            data = response.json()
        except httpx.HTTPError as err:
            raise map_transport_error(err, endpoint=endpoint) from err
        except ValueError as err:
            raise MalformedAnswerError(f"/v1/models is not JSON: {err}") from err
        items = data.get("data", []) if isinstance(data, dict) else []
        return [m for m in items if isinstance(m, dict)]

    def capacity(self, client: httpx.Client, *, endpoint: str, model: str) -> ServerCapacity:
        root = endpoint[: -len("/v1")] if endpoint.endswith("/v1") else endpoint
        props = _get_json(client, root + "/props")
        slots = _get_json(client, root + "/slots")
        n_ctx: int | None = None
        n_slots: int | None = None
        template: bool | None = None
        served: str | None = None
        if isinstance(props, dict):
            settings = props.get("default_generation_settings")
            if isinstance(settings, dict):
                n_ctx = _int(settings.get("n_ctx"))
            n_slots = _int(props.get("total_slots"))
            if "chat_template" in props:
                source = str(props.get("chat_template") or "").strip()
                eos = str(props.get("eos_token") or "")
                # llama.cpp stands in ChatML for a model without a template: its end token then is not ChatML's.
                stand_in = "<|im_start|>" in source and bool(eos) and eos != "<|im_end|>"
                template = bool(source) and not stand_in
            served = str(props.get("model_alias") or props.get("model_path") or "") or None
        if isinstance(slots, list) and slots:
            n_slots = n_slots or len(slots)
            per_slot = [_int(s.get("n_ctx")) for s in slots if isinstance(s, dict)]
            known = [n for n in per_slot if n]
            if known:
                n_ctx = min(known)
        if n_ctx is None:
            try:
                models = self._models(client, endpoint=endpoint)
            except SummarizerError:
                models = []
            for item in models:
                meta = item.get("meta")
                if isinstance(meta, dict) and _int(meta.get("n_ctx_train")):
                    n_ctx = _int(meta.get("n_ctx_train"))
                served = served or str(item.get("id") or "") or None
        return ServerCapacity(url=endpoint, n_ctx=n_ctx, slots=n_slots, model=served, chat_template=template)


def _stream_error(error: Any, endpoint: str) -> SummarizerError:
    message = str(error.get("message", error)) if isinstance(error, dict) else str(error)
    overflow = context_overflow(error if isinstance(error, dict) else {}, message, endpoint=endpoint)
    if overflow is not None:
        return overflow
    return ServerError(f"The model failed mid-answer at {endpoint}: {message}")


def _get_json(client: httpx.Client, url: str) -> Any:
    """A JSON document the server may not offer (404, 501, not JSON): None then; transport errors raise."""
    try:
        response = client.get(url)
    except httpx.HTTPError as err:
        raise map_transport_error(err, endpoint=url) from err
    if response.status_code != 200:
        log.debug("%s answered %d: not offered", url, response.status_code)
        return None
    try:
        return response.json()
    except ValueError:
        return None


def _timings_ms(timings: Any) -> float | None:
    """llama.cpp's ``timings`` (its last chunk): the prompt's and the generation's time, in ms."""
    if not isinstance(timings, dict):
        return None
    return reported_ms([timings.get("prompt_ms"), timings.get("predicted_ms")])


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
